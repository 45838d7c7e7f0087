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

std::string to_junit(const RunReport& report, const text::Redactor& redactor) {
    auto esc = [&](std::string_view s) { return xml_escape(redactor.scrub(s)); };
    // One <testsuite> per job file, in the order the files were read.
    std::map<std::size_t, std::vector<const run::JobResult*>> by_file;
    for (const auto* r : report.jobs) by_file[r->job->file_index].push_back(r);

    std::size_t tests = 0, failures = 0, skipped = 0;
    std::string suites;
    for (const auto& [file_index, results] : by_file) {
        const std::string file = file_index < report.files.size() ? report.files[file_index] : "";
        std::size_t suite_failures = 0, suite_skipped = 0;
        double suite_time = 0;
        std::string cases;
        for (const auto* r : results) {
            const double time = r->finished_s > r->started_s ? r->finished_s - r->started_s : 0.0;
            suite_time += time;
            cases += "    <testcase name=\"" + esc(r->job->name) + "\" classname=\"" + esc(report.name) + "." +
                     esc(std::filesystem::path(file).stem().string()) + "\" time=\"" + seconds(time) + "\"";
            const std::string message = r->first_error.empty() ? std::string(run::to_string(r->status)) : r->first_error;
            switch (r->status) {
            case run::JobStatus::passed: cases += "/>\n"; break;
            case run::JobStatus::failed:
                if (r->job->allow_failure) {
                    ++suite_skipped;
                    cases += ">\n      <skipped message=\"" + esc("failed, allowed: " + message) + "\"/>\n    </testcase>\n";
                } else {
                    ++suite_failures;
                    cases += ">\n      <failure type=\"failed\" message=\"" + esc(message) + "\">" + esc(message) +
                             "</failure>\n    </testcase>\n";
                }
                break;
            case run::JobStatus::cancelled:
                ++suite_failures;
                cases += ">\n      <failure type=\"cancelled\" message=\"" + esc(message) + "\">" + esc(message) +
                         "</failure>\n    </testcase>\n";
                break;
            case run::JobStatus::skipped:
            case run::JobStatus::pending:
            case run::JobStatus::running:
                ++suite_skipped;
                cases += ">\n      <skipped message=\"" + esc(message) + "\"/>\n    </testcase>\n";
                break;
            }
        }
        tests += results.size();
        failures += suite_failures;
        skipped += suite_skipped;
        suites += "  <testsuite name=\"" + esc(file) + "\" tests=\"" + std::to_string(results.size()) +
                  "\" failures=\"" + std::to_string(suite_failures) + "\" errors=\"0\" skipped=\"" +
                  std::to_string(suite_skipped) + "\" time=\"" + seconds(suite_time) + "\" timestamp=\"" +
                  iso8601_utc(report.started) + "\">\n" + cases + "  </testsuite>\n";
    }
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + esc(report.name) + "\" tests=\"" +
           std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
           std::to_string(skipped) + "\" time=\"" + seconds(report.duration_s) + "\">\n" + suites + "</testsuites>\n";
}

}  // namespace gaia::report
