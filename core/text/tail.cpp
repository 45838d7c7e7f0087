#include "core/text/tail.hpp"

namespace gaia::text {

std::string tail_of(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    auto start = text.size() - limit;
    const auto newline = text.find('\n', start);
    if (newline != std::string_view::npos && newline < start + limit / 2) {
        start = newline + 1;
    } else {
        // UTF-8 continuation bytes (top bits 10) belong to the character before the cut.
        while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
    }
    return std::string(text.substr(start));
}

}  // namespace gaia::text
