#include "jobs/http/retry_after.hpp"

#include "jobs/http/http_date.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace gaia::jobs::http {

std::optional<double> parse_retry_after(std::string_view value, std::time_t now) {
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        if (value.size() > 9) return 1e9;  // absurdly far: max_backoff caps it anyway
        return static_cast<double>(std::stol(std::string(value)));
    }
    if (const auto when = parse_http_date(value)) return *when > now ? static_cast<double>(*when - now) : 0.0;
    return std::nullopt;
}

}  // namespace gaia::jobs::http
