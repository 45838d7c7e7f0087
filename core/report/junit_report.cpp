// The run's JUnit report: its jobs and instances as testcases (junit_xml.hpp).

#include "core/report/instance_rows.hpp"
#include "core/report/junit_xml.hpp"
#include "core/report/run_report.hpp"

#include <map>

namespace gaia::report {

void write_junit(const RunReport& report, const text::Redactor& redactor, const ReportOut& out) {
    // One suite per job file, in the order the files were read.
    std::map<std::size_t, std::vector<const run::JobResult*>> by_file;
    for (const auto* r : report.jobs) by_file[r->job->file_index].push_back(r);

    TestSuites suites{report.name, report.duration_s, report.started, {}};
    for (const auto& [file_index, results] : by_file) {
        TestSuite suite;
        suite.file = file_index < report.files.size() ? report.files[file_index] : "";
        for (const auto* r : results) suite.time += r->finished_s > r->started_s ? r->finished_s - r->started_s : 0.0;
        suite.cases = [&report, &results = results](const CaseSink& sink) {
            for (const auto* r : results) {
                if (report.junit_instances && r->job->fan_out) {
                    for_each_instance(*r, run::InstanceScope::all, [&](const InstanceRow& row) {
                        auto c = instance_case(instance_case_name(r->job->name, row.index, item_of(*r, row.index)),
                                               row.status, row.error, row.seconds, r->status, r->job->allow_failure);
                        if (row.artifacts) c.attachments = *row.artifacts;
                        sink(c);
                    });
                }
                auto c = job_case(r->job->name, r->status, r->job->allow_failure, r->first_error,
                                  r->finished_s > r->started_s ? r->finished_s - r->started_s : 0.0);
                std::size_t attached = 0;
                for (const auto& rec : r->instance_log.records()) {
                    if (attached == kMaxAttachedInstances) break;
                    if (const auto* paths = r->instance_log.artifacts(rec.index)) {
                        ++attached;
                        c.attachments.insert(c.attachments.end(), paths->begin(), paths->end());
                    }
                }
                sink(c);
            }
        };
        suites.suites.push_back(std::move(suite));
    }
    write_testsuites(suites, redactor, out);
}

std::string to_junit(const RunReport& report, const text::Redactor& redactor) {
    std::string text;
    write_junit(report, redactor, [&text](std::string_view piece) { text += piece; });
    return text;
}

}  // namespace gaia::report
