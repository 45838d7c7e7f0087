#pragma once
// The Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.

#include <ctime>
#include <optional>
#include <string_view>

namespace gaia::jobs::http {

// Seconds to wait from `now`, or nullopt when the value is neither form. A date in the
// past means 0.
std::optional<double> parse_retry_after(std::string_view value, std::time_t now);

}  // namespace gaia::jobs::http
