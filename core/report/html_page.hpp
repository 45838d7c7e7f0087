#pragma once
// The frame of the HTML report: its one stylesheet and one script, inline, and a Content
// Security Policy that allows exactly those two (by hash) and nothing else — no request
// leaves the page, so it opens offline and from a CI artifact store. The charts are SVG
// with presentation attributes, so they are drawn even where a stricter policy of the
// server drops the stylesheet; the script only sorts tables, and without it the tables
// are in their first order.

#include <string>
#include <string_view>

namespace gaia::report::html {

// <!doctype html> to <body>, with `title` (escaped here).
std::string page_head(std::string_view title);
// </body></html>, the script before it.
std::string page_foot();

}  // namespace gaia::report::html
