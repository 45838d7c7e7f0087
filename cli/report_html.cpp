// gaia report html REPORT.json -o FILE: the HTML report of an earlier run (or of a merged
// sharded one) drawn from its JSON report, as gaia run --report-html draws it.

#include "cli/commands.hpp"
#include "core/report/atomic_file.hpp"
#include "core/report/html_report.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace gaia::cli {
namespace {

struct HtmlCommandOptions {
    std::string report;
    std::string output;
};

int render(const GlobalOptions& globals, const HtmlCommandOptions& options) {
    std::ifstream in(options.report, std::ios::binary);
    if (!in) throw UsageError("cannot read " + options.report + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    // The page is built before its file is opened: a report that is not one writes nothing.
    std::string page;
    const auto problem = report::write_html_from_text(text.str(), report::HtmlOptions::for_page(options.output),
                                            [&page](std::string_view piece) { page += piece; });
    if (!problem.empty()) throw UsageError(options.report + ": " + problem);
    if (const auto error = report::write_file_atomically(options.output, page); !error.empty()) {
        spdlog::error("cannot write the HTML report: {}", error);
        return kFailed;
    }
    if (!globals.quiet) std::cout << "wrote " << options.output << " (" << page.size() << " bytes)\n";
    return kPassed;
}

}  // namespace

void add_report_html_command(CLI::App& report, GlobalOptions& globals, Action& action) {
    auto o = std::make_shared<HtmlCommandOptions>();
    auto* cmd = report.add_subcommand(
        "html", "Draw the self-contained HTML report of an earlier run (or a merged one) from its JSON report");
    cmd->add_option("report", o->report, "The JSON report (gaia run --report-json, gaia report merge --report-json)")
        ->required();
    cmd->add_option("-o,--output", o->output, "Write the HTML report here")->required();
    cmd->callback([&globals, &action, o] { action = [&globals, o] { return render(globals, *o); }; });
}

}  // namespace gaia::cli
