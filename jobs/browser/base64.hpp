#pragma once
// Base64 (RFC 4648, standard alphabet) as CDP sends binary data: screenshots, PDFs.

#include <optional>
#include <string>
#include <string_view>

namespace gaia::jobs::browser {

// The decoded bytes, or nullopt when the text is not base64 (a bad CDP message).
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace gaia::jobs::browser
