// gaia report merge REPORT...: the JSON reports of a sharded run's shards made into the
// reports one run would have written, with the exit status it would have had. (gaia report
// html is in report_html.cpp.)

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/setup.hpp"
#include "cli/table.hpp"
#include "core/report/atomic_file.hpp"
#include "core/report/html_report.hpp"
#include "core/report/merge.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

namespace gaia::cli {
namespace {

struct MergeOptions {
    std::vector<std::string> reports;
    std::string report_json;
    std::string report_junit;
    std::string report_html;
    bool junit_instances = false;
    std::string metrics_file;
};

std::string summary(const report::ReportMerge& merge, bool color) {
    TextTable table({"job", "kind", "status", "instances", "failed", "p50", "p95", "p99", "duration"});
    for (const auto& job : merge.summary()) {
        const bool ran = job.instances > 0 && job.latency.max > 0;
        std::string status(run::to_string(job.status));
        if (job.status == run::JobStatus::failed && job.allow_failure) status += " (allowed)";
        table.add({job.name, job.kind, status, std::to_string(job.instances), std::to_string(job.failed),
                   ran ? human_seconds(job.latency.p50) : "-", ran ? human_seconds(job.latency.p95) : "-",
                   ran ? human_seconds(job.latency.p99) : "-", job.duration_s > 0 ? human_seconds(job.duration_s) : "-"});
        table.set_color(table.rows() - 1, 2, status_color(job.status));
    }
    return table.render(color);
}

int merge(const GlobalOptions& globals, const MergeOptions& options) {
    report::ReportMerge merge;
    for (const auto& path : options.reports) {
        std::string error;
        auto shard = report::ShardReport::read(path, &error);
        if (!shard) throw UsageError(error);
        if (error = merge.add(std::move(*shard)); !error.empty()) throw UsageError(error);
    }
    if (auto error = merge.finish(); !error.empty()) throw UsageError(error);
    if (options.junit_instances && options.report_junit.empty()) throw UsageError("--junit-instances needs --report-junit");
    if (options.junit_instances && !merge.lists_every_instance()) {
        throw UsageError("--junit-instances: the shards listed only the instances that did not pass; run them with "
                         "--report-instances all");
    }

    // Written as gaia run writes its reports: whole or not at all.
    bool ok = true;
    const text::Redactor redactor;  // the shards' reports are redacted already
    auto write = [&](const std::string& path, const char* what, const std::function<std::string(const report::ReportOut&)>& produce) {
        if (path.empty()) return;
        report::AtomicFile file;
        auto error = file.open(path);
        if (error.empty()) error = produce([&file](std::string_view piece) { file.append(piece); });
        if (error.empty()) error = file.commit();
        if (!error.empty()) {
            spdlog::error("cannot write the {}: {}", what, error);
            ok = false;
        }
    };
    write(options.report_json, "JSON report", [&](const report::ReportOut& out) { return merge.write_json(out); });
    write(options.report_junit, "JUnit report", [&](const report::ReportOut& out) {
        return merge.write_junit(options.junit_instances, redactor, out);
    });
    write(options.report_html, "HTML report", [&](const report::ReportOut& out) {
        std::string text;
        if (auto error = merge.write_json([&text](std::string_view piece) { text += piece; }); !error.empty()) return error;
        return report::write_html_from_text(text, report::HtmlOptions::for_page(options.report_html), out);
    });
    write(options.metrics_file, "metrics file", [&](const report::ReportOut& out) {
        out(merge.metrics_text(report::read_previous_successes(options.metrics_file, merge.run_name())));
        return std::string();
    });

    if (!globals.quiet) {
        std::cout << summary(merge, use_color(globals, 1)) << "run " << merge.run_name() << ": " << merge.status() << " ("
                  << merge.shard_count() << (merge.shard_count() == 1 ? " shard" : " shards") << " merged)\n";
    }
    if (merge.status() == "interrupted") return kInterrupted;
    if (merge.status() == "terminated") return kTerminated;
    return merge.status() == "passed" && !merge.hook_failed() && ok ? kPassed : kFailed;
}

}  // namespace

void add_report_command(CLI::App& app, GlobalOptions& globals, Action& action) {
    auto* report = app.add_subcommand("report", "Work with the reports of earlier runs");
    report->require_subcommand(1);
    auto o = std::make_shared<MergeOptions>();
    auto* cmd = report->add_subcommand(
        "merge", "Merge the JSON reports of the shards of one run (gaia run --shard) into the reports of the whole run");
    cmd->add_option("reports", o->reports, "The shards' JSON reports (--report-json), one per shard, in any order")
        ->required();
    cmd->add_option("--report-json", o->report_json, "Write the merged JSON report here");
    cmd->add_option("--report-junit", o->report_junit, "Write the merged JUnit XML report here");
    cmd->add_option("--report-html", o->report_html, "Write the merged run's self-contained HTML report here");
    cmd->add_flag("--junit-instances", o->junit_instances,
                  "In the JUnit report, a testcase for each instance of a fan-out (the shards must list them all)");
    cmd->add_option("--metrics-file", o->metrics_file, "Write the merged run's metrics here (Prometheus text, atomically)");
    cmd->callback([&globals, &action, o] { action = [&globals, o] { return merge(globals, *o); }; });
    add_report_html_command(*report, globals, action);
}

}  // namespace gaia::cli
