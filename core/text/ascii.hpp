#pragma once
// ASCII case rules of protocol text: header names, methods, schemes.

#include <algorithm>
#include <cctype>
#include <string_view>

namespace gaia::text {

// Equal without regard to ASCII case (header names).
inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace gaia::text
