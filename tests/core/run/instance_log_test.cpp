// The per-instance records behind --report-instances: 32 bytes each, errors stored once,
// listed by index.

#include "core/report/joblog.hpp"
#include "core/run/instance_log.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace gaia;

TEST_SUITE_BEGIN("unit");

TEST_CASE("an instance log stores each distinct error once and lists records by index") {
    run::InstanceLog log;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        run::InstanceEnd end;
        end.index = 999 - i;
        end.status = i % 2 ? run::TaskStatus::failed : run::TaskStatus::cancelled;
        end.attempts = 2;
        end.error = i % 2 ? "connection refused" : "cancelled: interrupted (SIGINT)";
        log.record(end);
    }
    CHECK(log.records().size() == 1000);
    CHECK(log.distinct_errors() == 2);
    log.sort();
    CHECK(log.records().front().index == 0);
    CHECK(log.records().back().index == 999);
    CHECK(log.error(log.records()[0]) == "connection refused");  // index 0 was the 999th: odd
    // A thousand records and two errors: the records dominate.
    CHECK(log.bytes_used() < 1000 * sizeof(run::InstanceRecord) + 4096);

    run::InstanceEnd passed;
    passed.status = run::TaskStatus::passed;
    log.record(passed);
    CHECK(log.error(log.records().back()).empty());
}

TEST_CASE("an instance's error is cut at 1 KiB on a character boundary") {
    run::InstanceLog log;
    std::string error(run::InstanceLog::kMaxErrorBytes - 1, 'x');
    error += "é and more";  // the cut falls inside the two bytes of é
    run::InstanceEnd end;
    end.error = error;
    log.record(end);
    const auto kept = log.error(log.records().front());
    CHECK(kept.size() < error.size());
    CHECK(kept.substr(0, run::InstanceLog::kMaxErrorBytes - 1) == std::string(run::InstanceLog::kMaxErrorBytes - 1, 'x'));
    CHECK(kept.substr(run::InstanceLog::kMaxErrorBytes - 1) == "… (cut)");
}

TEST_CASE("a joblog line has GNU parallel's nine columns") {
    CHECK(report::Joblog::line(12, 1796089689.9804, 0.1024, 345, -1, 15, "fetch#3 a\tb\nc") ==
          "12\t:\t1796089689.980\t     0.102\t0\t345\t-1\t15\tfetch#3 a b c");
}

TEST_SUITE_END();
