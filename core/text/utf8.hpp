#pragma once
// UTF-8, strictly: what JSON, XML and a terminal may be given as text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gaia::text {

// Decodes the multi-byte UTF-8 sequence at text[i] into `cp`; its length, or 0 when it is
// not one (ASCII, overlong forms, surrogates and values past U+10FFFF included).
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& cp);
// Appends code point `cp` (at most U+10FFFF) in UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace gaia::text
