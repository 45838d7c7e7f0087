#pragma once
// The end of a long text, as a reader of a log wants it: whole lines when it can.

#include <string>
#include <string_view>

namespace gaia::text {

// The end of `text`, at most `limit` bytes; when it is cut and a newline falls within the
// first half of what is kept, it starts after that newline. Never splits a UTF-8 sequence
// at its start.
std::string tail_of(std::string_view text, std::size_t limit);

}  // namespace gaia::text
