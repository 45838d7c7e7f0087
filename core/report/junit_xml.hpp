#pragma once
// JUnit XML as CI servers read it (Jenkins, GitLab, GitHub's test reporters): <testsuites>
// with a <testsuite> per job file and a <testcase> per job — and per instance, when asked.
// Written by a run (junit_report.cpp) and by `gaia report merge` from shard reports alike.

#include "core/report/run_report.hpp"
#include "core/run/results.hpp"
#include "core/run/task_status.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::report {

struct TestCase {
    std::string name;
    double time = 0;
    enum class Verdict { passed, failure, skipped } verdict = Verdict::passed;
    std::string type;     // of a failure: failed, cancelled
    std::string message;  // of a failure or a skip
    // Files to attach, as <system-out> lines `[[ATTACHMENT|path]]`: the convention of
    // Jenkins' JUnit Attachments plugin and of GitLab's unit test reports.
    std::vector<std::string> attachments;
};
using CaseSink = std::function<void(const TestCase&)>;

struct TestSuite {
    std::string file;  // the job file: the suite's name
    double time = 0;
    // Hands each testcase to the sink. Called twice — the counts go in the opening tags —
    // so that a fan-out of a million testcases is never held as text.
    std::function<void(const CaseSink&)> cases;
};

struct TestSuites {
    std::string name;  // the run's
    double time = 0;
    std::chrono::system_clock::time_point started;
    std::vector<TestSuite> suites;
};

void write_testsuites(const TestSuites& suites, const text::Redactor& redactor, const ReportOut& out);

// A job's testcase: its verdict also covers what no instance shows (a latency threshold).
// A failure that allow_failure permits is a skip, so CI agrees with gaia's exit status.
TestCase job_case(std::string name, run::JobStatus status, bool allow_failure, std::string_view first_error,
                  double seconds);
// An instance's testcase; a failure within the job's success_rate (the job passed) is a skip.
TestCase instance_case(std::string name, run::TaskStatus status, std::string_view error, double seconds,
                       run::JobStatus job_status, bool allow_failure);
// A job's testcase attaches the artifacts of at most this many of its instances (the
// first the report lists); each instance's own testcase (--junit-instances) attaches its own.
inline constexpr std::size_t kMaxAttachedInstances = 10;

// "fetch#3", with the item when it is short text or a number: "fetch#3 (eu-west)".
std::string instance_case_name(std::string_view job, std::uint64_t index, const nlohmann::json* item);

}  // namespace gaia::report
