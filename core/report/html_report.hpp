#pragma once
// The HTML report (gaia-run(1) --report-html, gaia-report(1) html): one self-contained page
// drawn from a JSON report alone — gaia run's or a merged one — so a report can be drawn
// again later, anywhere. At the top the verdict; then the timeline, the jobs (a sortable
// table), the failures grouped by message, each job's latency histogram, thresholds,
// captures and details, and the subsystems' figures. What it quotes is what the JSON
// report holds, already redacted (secret captures masked).
//
// Its size is bounded whatever the number of instances: lanes and histograms are drawn from
// fixed bins, and the failures name at most kMaxGroups messages and kMaxKeys instances each.

#include "core/report/run_report.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace gaia::report {

struct HtmlOptions {
    // Artifact paths in the report are relative to the run's directory; links to them are
    // made relative to the page's directory, so the page and the artifacts move together.
    std::filesystem::path run_dir;
    std::filesystem::path page_dir;

    // For a page written to `page_path` by a process in the run's directory.
    static HtmlOptions for_page(const std::string& page_path);
};

// Writes the page; empty on success, else why `report` is not a gaia JSON report (nothing
// useful is written then).
std::string write_html(const nlohmann::json& report, const HtmlOptions& options, const ReportOut& out);
// The same from the report's text (text that is not JSON is refused).
std::string write_html_from_text(std::string_view report_text, const HtmlOptions& options, const ReportOut& out);

}  // namespace gaia::report
