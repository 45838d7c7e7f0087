#pragma once
// Cutting a long text: its end, as a reader of a log wants it (whole lines when it can),
// or its start. Neither splits a UTF-8 sequence.

#include <string>
#include <string_view>

namespace gaia::text {

// The end of `text`, at most `limit` bytes; when it is cut and a newline falls within the
// first half of what is kept, it starts after that newline. Never splits a UTF-8 sequence
// at its start.
std::string tail_of(std::string_view text, std::size_t limit);
// The start of `text`, at most `limit` bytes, ending before a UTF-8 sequence the limit
// would cut.
std::string_view head_of(std::string_view text, std::size_t limit);

}  // namespace gaia::text
