#include "core/report/instance_rows.hpp"
#include "core/report/run_report.hpp"

#include <cstdio>
#include <filesystem>
#include <map>

namespace gaia::report {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
    }
    return n;
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    return buf;
}

}  // namespace

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        const auto n = utf8_length(text, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
            ++i;
            continue;
        }
        if (n > 1) {
            out.append(text.substr(i, n));
            i += n;
            continue;
        }
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        case '\t':
        case '\n':
        case '\r': out += c; break;
        default:
            if (static_cast<unsigned char>(c) >= 0x20) out += c;  // other control characters are not XML
        }
        ++i;
    }
    return out;
}

namespace {

// One <testcase>: a job, or one of its instances.
struct Case {
    std::string name;
    double time = 0;
    enum class Verdict { passed, failure, skipped } verdict = Verdict::passed;
    std::string type;     // of a failure: failed, cancelled
    std::string message;  // of a failure or a skip
};

Case job_case(const run::JobResult& r) {
    Case c;
    c.name = r.job->name;
    c.time = r.finished_s > r.started_s ? r.finished_s - r.started_s : 0.0;
    c.message = r.first_error.empty() ? std::string(run::to_string(r.status)) : r.first_error;
    switch (r.status) {
    case run::JobStatus::passed: break;
    case run::JobStatus::failed:
        if (r.job->allow_failure) {
            c.verdict = Case::Verdict::skipped;
            c.message = "failed, allowed: " + c.message;
        } else {
            c.verdict = Case::Verdict::failure;
            c.type = "failed";
        }
        break;
    case run::JobStatus::cancelled:
        c.verdict = Case::Verdict::failure;
        c.type = "cancelled";
        break;
    case run::JobStatus::skipped:
    case run::JobStatus::pending:
    case run::JobStatus::running: c.verdict = Case::Verdict::skipped; break;
    }
    return c;
}

// "fetch#3", with the item when it is short text or a number: "fetch#3 (eu-west)".
std::string instance_name(const run::JobResult& r, std::uint64_t index) {
    std::string name = r.job->name + "#" + std::to_string(index);
    if (const auto* item = item_of(r, index)) {
        std::string label = item->is_string() ? item->get<std::string>() : item->is_primitive() ? item->dump() : "";
        if (!label.empty() && label.size() <= 80) name += " (" + label + ")";
    }
    return name;
}

Case instance_case(const run::JobResult& r, const InstanceRow& row) {
    Case c;
    c.name = instance_name(r, row.index);
    c.time = row.seconds;
    c.message = row.error.empty() ? std::string(run::to_string(row.status)) : std::string(row.error);
    if (row.status == run::TaskStatus::failed && r.job->allow_failure) {
        c.verdict = Case::Verdict::skipped;
        c.message = "failed, allowed: " + c.message;
    } else if (row.status == run::TaskStatus::failed && r.status == run::JobStatus::passed) {
        // Within the job's success_rate: the run passed, and CI must agree with its exit status.
        c.verdict = Case::Verdict::skipped;
        c.message = "failed, within the job's success_rate: " + c.message;
    } else if (row.status != run::TaskStatus::passed) {
        c.verdict = Case::Verdict::failure;
        c.type = std::string(run::to_string(row.status));
    }
    return c;
}

// Every testcase of a job: its instances (with --junit-instances, for a fan-out), then the
// job itself, whose verdict also covers what no instance shows (a latency threshold).
void for_each_case(const RunReport& report, const run::JobResult& r, const std::function<void(const Case&)>& fn) {
    if (report.junit_instances && r.job->fan_out) {
        for_each_instance(r, run::InstanceScope::all, [&](const InstanceRow& row) { fn(instance_case(r, row)); });
    }
    fn(job_case(r));
}

}  // namespace

void write_junit(const RunReport& report, const text::Redactor& redactor, const ReportOut& out) {
    auto esc = [&](std::string_view s) { return xml_escape(redactor.scrub(s)); };
    // One <testsuite> per job file, in the order the files were read.
    std::map<std::size_t, std::vector<const run::JobResult*>> by_file;
    for (const auto* r : report.jobs) by_file[r->job->file_index].push_back(r);

    // Counts go in the opening tags: a first pass counts, the second writes, so that a
    // fan-out of a million testcases is never held as text.
    struct Counts {
        std::size_t tests = 0, failures = 0, skipped = 0;
        double time = 0;
    };
    auto count = [](Counts& n, const Case& c) {
        ++n.tests;
        if (c.verdict == Case::Verdict::failure) ++n.failures;
        if (c.verdict == Case::Verdict::skipped) ++n.skipped;
    };
    Counts total;
    std::map<std::size_t, Counts> suites;
    for (const auto& [file_index, results] : by_file) {
        auto& n = suites[file_index];
        for (const auto* r : results) {
            for_each_case(report, *r, [&](const Case& c) {
                count(n, c);
                count(total, c);
            });
            n.time += r->finished_s > r->started_s ? r->finished_s - r->started_s : 0.0;
        }
    }
    auto counts = [](const Counts& n) {
        return "tests=\"" + std::to_string(n.tests) + "\" failures=\"" + std::to_string(n.failures) +
               "\" errors=\"0\" skipped=\"" + std::to_string(n.skipped) + "\"";
    };
    out("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + esc(report.name) + "\" " + counts(total) +
        " time=\"" + seconds(report.duration_s) + "\">\n");
    for (const auto& [file_index, results] : by_file) {
        const std::string file = file_index < report.files.size() ? report.files[file_index] : "";
        const auto& n = suites[file_index];
        out("  <testsuite name=\"" + esc(file) + "\" " + counts(n) + " time=\"" + seconds(n.time) + "\" timestamp=\"" +
            iso8601_utc(report.started) + "\">\n");
        const std::string classname = esc(report.name) + "." + esc(std::filesystem::path(file).stem().string());
        for (const auto* r : results) {
            for_each_case(report, *r, [&](const Case& c) {
                std::string text = "    <testcase name=\"" + esc(c.name) + "\" classname=\"" + classname + "\" time=\"" +
                                   seconds(c.time) + "\"";
                switch (c.verdict) {
                case Case::Verdict::passed: text += "/>\n"; break;
                case Case::Verdict::failure:
                    text += ">\n      <failure type=\"" + c.type + "\" message=\"" + esc(c.message) + "\">" +
                            esc(c.message) + "</failure>\n    </testcase>\n";
                    break;
                case Case::Verdict::skipped:
                    text += ">\n      <skipped message=\"" + esc(c.message) + "\"/>\n    </testcase>\n";
                    break;
                }
                out(text);
            });
        }
        out("  </testsuite>\n");
    }
    out("</testsuites>\n");
}

std::string to_junit(const RunReport& report, const text::Redactor& redactor) {
    std::string text;
    write_junit(report, redactor, [&text](std::string_view piece) { text += piece; });
    return text;
}

}  // namespace gaia::report
