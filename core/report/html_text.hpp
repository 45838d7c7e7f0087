#pragma once
// How the HTML report writes text and numbers: escaped for HTML, times and sizes in the
// units a person reads ("340 ms", "2.1 MiB", "12,345"), and coordinates for SVG.

#include <cstdint>
#include <string>
#include <string_view>

namespace gaia::report::html {

// Text for an element or an attribute value: & < > " ' escaped, control characters and
// bytes that are not UTF-8 replaced (a captured output may hold any of them).
std::string esc(std::string_view text);
// At most `max_bytes` of text (cut at a character), with "… (N more bytes)" when cut.
std::string clip(std::string_view text, std::size_t max_bytes);

// "850 µs", "12.3 ms", "1.23 s", "2m05s", "3h04m".
std::string duration_label(double seconds);
// "512 B", "3.4 MiB".
std::string bytes_label(double bytes);
// "12,345".
std::string count_label(std::uint64_t n);
// "1 instance", "12,345 instances": the count and the noun it takes.
std::string count_of(std::uint64_t n, std::string_view one, std::string_view many);
// "99.5%" of a fraction; "100%" only when it is whole.
std::string percent_label(double fraction);
// A coordinate: one decimal, no trailing ".0". append_coord adds it to `out` without a
// string of its own (a path of a thousand points is made of them).
std::string coord(double v);
void append_coord(std::string& out, double v);

// A name made safe for an id or a fragment ("job-3").
std::string anchor(std::string_view prefix, std::size_t index);
// A path as a relative URL: each segment percent-encoded.
std::string url_path(std::string_view path);

}  // namespace gaia::report::html
