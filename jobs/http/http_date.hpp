#pragma once
// HTTP dates: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the two obsolete forms RFC
// 9110 still asks recipients to read, and the Netscape form cookies often carry
// ("Sun, 06-Nov-1994 08:49:37 GMT").

#include <ctime>
#include <optional>
#include <string_view>

namespace gaia::jobs::http {

// Seconds since the epoch, or nullopt when `text` is none of those forms.
std::optional<std::time_t> parse_http_date(std::string_view text);

}  // namespace gaia::jobs::http
