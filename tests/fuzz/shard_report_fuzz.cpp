// libFuzzer target: a shard's JSON report as `gaia report merge` reads it. The scanner's
// verdict on the input must be nlohmann's (a differential check of json_scan.cpp), and
// reading and merging it must end in a report or an error, never a crash.

#include "core/report/merge.hpp"
#include "core/text/json_scan.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    gaia::text::JsonScanner scanner(input);
    scanner.skip_value();
    scanner.finish();
    // nlohmann has no depth limit, and its lexer takes a NUL byte for the end of the text.
    const bool deep = scanner.error().find("levels deep") != std::string::npos;
    const bool nul = input.find('\0') != std::string_view::npos;
    if (!deep && !nul && scanner.failed() == nlohmann::json::accept(input)) std::abort();

    std::string error;
    auto shard = gaia::report::ShardReport::from_text("fuzz.json", input, &error);
    if (!shard) return 0;
    gaia::report::ReportMerge merge;
    if (!merge.add(std::move(*shard)).empty() || !merge.finish().empty()) return 0;
    (void)merge.summary();
    (void)merge.metrics_text({});
    return 0;
}
