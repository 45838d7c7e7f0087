#include "core/text/byte_size.hpp"

#include <cmath>
#include <cstdio>
#include <iterator>

namespace gaia::text {

std::string byte_size_text(double bytes, std::string_view separator) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (!std::isfinite(bytes) || bytes < 0) bytes = 0;
    std::size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < std::size(units)) {
        bytes /= 1024;
        ++unit;
    }
    char number[32];
    std::snprintf(number, sizeof number, unit == 0 ? "%.0f" : "%.1f", bytes);
    return std::string(number) + std::string(separator) + units[unit];
}

}  // namespace gaia::text
