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

std::string_view head_of(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return text;
    // Back from the cut over continuation bytes (top bits 10) to the sequence's first byte,
    // which the cut would separate from them: it goes too.
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

}  // namespace gaia::text
