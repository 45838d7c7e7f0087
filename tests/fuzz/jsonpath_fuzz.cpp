// libFuzzer target: JSONPath — the first line of the input is a path, the rest a JSON
// document it is evaluated against (select and value, as captures and expectations do).

#include "core/jsonpath/jsonpath.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const auto path_text = input.substr(0, newline);
    std::string error;
    auto path = gaia::jsonpath::Path::parse(path_text, &error);
    if (!path || newline == std::string_view::npos) return 0;
    auto doc = nlohmann::json::parse(input.substr(newline + 1), nullptr, false);
    if (doc.is_discarded()) return 0;
    (void)path->select(doc);
    (void)path->value(doc);
    (void)path->has_wildcard();
    return 0;
}
