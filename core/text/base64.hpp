#pragma once
// Base64 (RFC 4648, standard alphabet, padded): how CDP sends binary data (screenshots,
// PDFs) and how HTTP Basic authentication sends credentials.

#include <optional>
#include <string>
#include <string_view>

namespace gaia::text {

// The decoded bytes, or nullopt when the text is not base64 (a bad CDP message).
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

}  // namespace gaia::text
