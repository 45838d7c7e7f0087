#pragma once
// The shape of an error message, for grouping failures: what many instances of one job
// share once the numbers that name each of them are set aside. "GET http://h/items/3:
// status 503" and "GET http://h/items/13: status 503" have one shape; "status 503" and
// "status 504" keep two.

#include <string>
#include <string_view>

namespace gaia::text {

// `message` with each run of digits that follows '/', '=', '#', '-' or '_' (a path
// segment, a query value, an index, a name's or a date's number) written as "N". Other
// numbers — a URL's host after "//", a status, an exit code, a measure, a port — stay.
std::string message_shape(std::string_view message);

}  // namespace gaia::text
