#include "jobs/http/retry_after.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
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
    // IMF-fixdate, and the two obsolete forms recipients must still accept.
    const std::string text(value);
    for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm tm{};
        const char* end = ::strptime(text.c_str(), format, &tm);
        if (end == nullptr || *end != '\0') continue;
        const std::time_t when = ::timegm(&tm);
        return when > now ? static_cast<double>(when - now) : 0.0;
    }
    return std::nullopt;
}

}  // namespace gaia::jobs::http
