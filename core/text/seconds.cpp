#include "core/text/seconds.hpp"

#include <cstdio>

namespace gaia::text {

std::string seconds_text(double seconds) {
    char text[32];
    if (seconds < 1) std::snprintf(text, sizeof text, "%.0f ms", seconds * 1000);
    else std::snprintf(text, sizeof text, "%.3g s", seconds);
    return text;
}

}  // namespace gaia::text
