// libFuzzer target: a JSON report as `gaia report html` reads it — gaia's own, a merged
// one, or one of another hand. Drawing it must end in a page or a refusal, never a crash,
// whatever it holds: values of any type where numbers are expected, needs that loop,
// values nested without end.

#include "core/report/html_report.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t bytes = 0;
    (void)gaia::report::write_html_from_text(input, gaia::report::HtmlOptions{},
                                             [&bytes](std::string_view piece) { bytes += piece.size(); });
    return 0;
}
