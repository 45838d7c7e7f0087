#pragma once
// What a browser job does to its page's requests: `block` fails them before they leave,
// `mock` answers them from the job file. Patterns are the DevTools protocol's own (the
// Fetch domain's urlPattern): `*` is any run of characters, `/` included, `?` any one,
// and a backslash takes the next character as it is — so Chromium pauses exactly the
// requests gaia then matches again to pick the rule.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gaia::jobs::browser {

bool url_pattern_matches(std::string_view pattern, std::string_view url);

struct MockRoute {
    std::string url;                   // pattern
    std::string method;                // empty: any
    std::uint32_t status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included
    std::string body;
    std::chrono::milliseconds delay{0};
};

struct NetworkRules {
    std::vector<std::string> block;
    std::vector<MockRoute> mock;
    bool empty() const noexcept { return block.empty() && mock.empty(); }
};

}  // namespace gaia::jobs::browser
