#pragma once
// Signal names as users write them ("SIGTERM", "TERM", "15") and as reports print them.

#include <optional>
#include <string>
#include <string_view>

namespace gaia::text {

std::optional<int> parse_signal(std::string_view name);
std::string signal_name(int signum);

}  // namespace gaia::text
