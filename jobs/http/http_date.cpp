#include "jobs/http/http_date.hpp"

#include <string>

namespace gaia::jobs::http {

std::optional<std::time_t> parse_http_date(std::string_view text) {
    const std::string value(text);
    for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y",
                               "%a, %d-%b-%Y %H:%M:%S GMT"}) {
        std::tm tm{};
        const char* end = ::strptime(value.c_str(), format, &tm);
        if (end != nullptr && *end == '\0') return ::timegm(&tm);
    }
    return std::nullopt;
}

}  // namespace gaia::jobs::http
