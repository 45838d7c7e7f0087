#include "core/report/junit_xml.hpp"
#include "core/text/utf8.hpp"

#include <cstdio>
#include <filesystem>

namespace gaia::report {
namespace {

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
        std::uint32_t cp = 0;
        const auto n = static_cast<unsigned char>(c) < 0x80 ? 1 : text::decode_utf8(text, i, cp);
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

TestCase job_case(std::string name, run::JobStatus status, bool allow_failure, std::string_view first_error,
                  double seconds) {
    TestCase c;
    c.name = std::move(name);
    c.time = seconds;
    c.message = first_error.empty() ? std::string(run::to_string(status)) : std::string(first_error);
    switch (status) {
    case run::JobStatus::passed: break;
    case run::JobStatus::failed:
        if (allow_failure) {
            c.verdict = TestCase::Verdict::skipped;
            c.message = "failed, allowed: " + c.message;
        } else {
            c.verdict = TestCase::Verdict::failure;
            c.type = "failed";
        }
        break;
    case run::JobStatus::cancelled:
        c.verdict = TestCase::Verdict::failure;
        c.type = "cancelled";
        break;
    case run::JobStatus::skipped:
    case run::JobStatus::pending:
    case run::JobStatus::running: c.verdict = TestCase::Verdict::skipped; break;
    }
    return c;
}

std::string instance_case_name(std::string_view job, std::uint64_t index, const nlohmann::json* item) {
    std::string name = std::string(job) + "#" + std::to_string(index);
    if (item) {
        std::string label = item->is_string() ? item->get<std::string>() : item->is_primitive() ? item->dump() : "";
        if (!label.empty() && label.size() <= 80) name += " (" + label + ")";
    }
    return name;
}

TestCase instance_case(std::string name, run::TaskStatus status, std::string_view error, double seconds,
                       run::JobStatus job_status, bool allow_failure) {
    TestCase c;
    c.name = std::move(name);
    c.time = seconds;
    c.message = error.empty() ? std::string(run::to_string(status)) : std::string(error);
    if (status == run::TaskStatus::failed && allow_failure) {
        c.verdict = TestCase::Verdict::skipped;
        c.message = "failed, allowed: " + c.message;
    } else if (status == run::TaskStatus::failed && job_status == run::JobStatus::passed) {
        // Within the job's success_rate: the run passed, and CI must agree with its exit status.
        c.verdict = TestCase::Verdict::skipped;
        c.message = "failed, within the job's success_rate: " + c.message;
    } else if (status != run::TaskStatus::passed) {
        c.verdict = TestCase::Verdict::failure;
        c.type = std::string(run::to_string(status));
    }
    return c;
}

void write_testsuites(const TestSuites& suites, const text::Redactor& redactor, const ReportOut& out) {
    auto esc = [&](std::string_view s) { return xml_escape(redactor.scrub(s)); };
    struct Counts {
        std::size_t tests = 0, failures = 0, skipped = 0;
    };
    auto count = [](Counts& n, const TestCase& c) {
        ++n.tests;
        if (c.verdict == TestCase::Verdict::failure) ++n.failures;
        if (c.verdict == TestCase::Verdict::skipped) ++n.skipped;
    };
    Counts total;
    std::vector<Counts> each(suites.suites.size());
    for (std::size_t i = 0; i < suites.suites.size(); ++i) {
        suites.suites[i].cases([&](const TestCase& c) {
            count(each[i], c);
            count(total, c);
        });
    }
    auto counts = [](const Counts& n) {
        return "tests=\"" + std::to_string(n.tests) + "\" failures=\"" + std::to_string(n.failures) +
               "\" errors=\"0\" skipped=\"" + std::to_string(n.skipped) + "\"";
    };
    out("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + esc(suites.name) + "\" " + counts(total) +
        " time=\"" + seconds(suites.time) + "\">\n");
    for (std::size_t i = 0; i < suites.suites.size(); ++i) {
        const auto& suite = suites.suites[i];
        out("  <testsuite name=\"" + esc(suite.file) + "\" " + counts(each[i]) + " time=\"" + seconds(suite.time) +
            "\" timestamp=\"" + iso8601_utc(suites.started) + "\">\n");
        const std::string classname = esc(suites.name) + "." + esc(std::filesystem::path(suite.file).stem().string());
        suite.cases([&](const TestCase& c) {
            std::string text = "    <testcase name=\"" + esc(c.name) + "\" classname=\"" + classname + "\" time=\"" +
                               seconds(c.time) + "\"";
            std::string body;
            switch (c.verdict) {
            case TestCase::Verdict::passed: break;
            case TestCase::Verdict::failure:
                body = "      <failure type=\"" + c.type + "\" message=\"" + esc(c.message) + "\">" + esc(c.message) +
                       "</failure>\n";
                break;
            case TestCase::Verdict::skipped: body = "      <skipped message=\"" + esc(c.message) + "\"/>\n"; break;
            }
            if (!c.attachments.empty()) {
                body += "      <system-out>";
                for (const auto& path : c.attachments) body += "\n[[ATTACHMENT|" + xml_escape(path) + "]]";
                body += "\n      </system-out>\n";
            }
            text += body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n";
            out(text);
        });
        out("  </testsuite>\n");
    }
    out("</testsuites>\n");
}

}  // namespace gaia::report
