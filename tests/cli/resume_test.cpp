// gaia run --resume-failed REPORT: a fan-out of 1,000 with seeded failures is resumed until
// every instance has passed, each run starting only what had not passed, and the last
// report, merged, says what an all-pass run says. A job file changed so that the report
// no longer matches it is refused.

#include "tests/support/file_helpers.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>

using namespace gaia::test;

namespace {

constexpr int kInstances = 1000;

// `work` fans out 1,000 instances; one fails while DIR/fail-INDEX exists. Each captures
// twice its index. `after` needs it and echoes how many values it captured.
std::string job_file(const TempDir& dir, int repeat = kInstances) {
    return dir.file("jobs.toml", R"T([settings]
concurrency = 64
[jobs.work]
kind = "process"
repeat = )T" + std::to_string(repeat) + R"T(
command = ["sh", "-c", "echo $(( {{ index }} * 2 )); [ ! -e )T" + (dir.path() / "fail-").string() + R"T({{ index }} ]"]
capture.double = { from = "stdout" }

[jobs.after]
kind = "process"
needs = ["work"]
command = ["echo", "{{ jobs.work.double }}"]
capture.all = { from = "stdout" }
)T");
}

void seed(const TempDir& dir, const std::set<int>& indices) {
    for (int i : indices) dir.file("fail-" + std::to_string(i), "");
}
void unseed(const TempDir& dir, const std::set<int>& indices) {
    for (int i : indices) std::filesystem::remove(dir.path() / ("fail-" + std::to_string(i)));
}

// The joblog's commands, one per instance that ran.
std::multiset<std::string> ran(const std::string& joblog) {
    std::multiset<std::string> commands;
    std::istringstream in(read_file(joblog));
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) commands.insert(line.substr(line.rfind('\t') + 1));
    return commands;
}

}  // namespace

TEST_CASE("--resume-failed runs only what did not pass, until the merged report equals an all-pass run") {
    TempDir dir;
    const auto file = job_file(dir);
    std::set<int> first, second;  // fixed after the first run, after the second
    for (int i = 5; i < kInstances; i += 37) (i % 2 ? first : second).insert(i);
    seed(dir, first);
    seed(dir, second);
    const auto report = [&](int n) { return (dir.path() / ("report-" + std::to_string(n) + ".json")).string(); };
    const auto joblog = (dir.path() / "joblog").string();

    auto one = run_gaia({"run", "--report-json", report(1), file});
    CHECK(one.exit_code == 1);

    unseed(dir, first);
    auto two = run_gaia({"run", "--report-json", report(2), "--joblog", joblog, "--resume-failed", report(1), file});
    CHECK(two.exit_code == 1);
    std::multiset<std::string> expected;
    for (int i : first) expected.insert("work#" + std::to_string(i));
    for (int i : second) expected.insert("work#" + std::to_string(i));
    CHECK(ran(joblog) == expected);  // `after` is skipped again: work still fails
    const auto r2 = nlohmann::json::parse(read_file(report(2)));
    CHECK(r2["run"]["resumed_from"]["report"] == report(1));
    CHECK(job(r2, "work")["passed"] == kInstances - static_cast<int>(second.size()));
    CHECK(job(r2, "work")["passed_before"] == kInstances - static_cast<int>(first.size() + second.size()));
    CHECK(r2["instances"].size() == second.size());

    unseed(dir, second);
    auto three = run_gaia({"run", "--report-json", report(3), "--joblog", joblog, "--resume-failed", report(2), file});
    INFO(three.err);
    CHECK(three.exit_code == 0);
    expected.clear();
    for (int i : second) expected.insert("work#" + std::to_string(i));
    expected.insert("after");
    CHECK(ran(joblog) == expected);

    // The merged report says what one run with no failure says.
    auto clean = run_gaia({"run", "--report-json", report(4), file});
    CHECK(clean.exit_code == 0);
    const auto merged = nlohmann::json::parse(read_file(report(3)));
    const auto all_pass = nlohmann::json::parse(read_file(report(4)));
    CHECK(merged["run"]["status"] == "passed");
    for (const char* name : {"work", "after"}) {
        CAPTURE(name);
        const auto m = job(merged, name), a = job(all_pass, name);
        for (const char* key : {"status", "instances", "passed", "failed", "skipped", "captures"}) {
            CAPTURE(key);
            CHECK(m[key] == a[key]);
        }
    }
    CHECK(merged["instances"] == all_pass["instances"]);

    // Resuming a run that passed runs nothing: every job is restored.
    auto four = run_gaia({"run", "--report-json", report(5), "--joblog", joblog, "--resume-failed", report(3), file});
    CHECK(four.exit_code == 0);
    CHECK(ran(joblog).empty());
    CHECK(job(nlohmann::json::parse(read_file(report(5))), "after")["restored"] == true);
}

TEST_CASE("--resume-failed refuses a job file that no longer matches the report, and matches items by value") {
    TempDir dir;
    seed(dir, {900});
    const auto report = (dir.path() / "report.json").string();
    auto first = run_gaia({"run", "--report-json", report, job_file(dir)});
    CHECK(first.exit_code == 1);

    auto shrunk = run_gaia({"run", "--resume-failed", report, job_file(dir, 500)});
    CHECK(shrunk.exit_code == 2);
    CHECK(shrunk.err.find("--resume-failed: job `work`: instance 900 did not pass, and the job has only 500 instances now") !=
          std::string::npos);

    dir.file("other.toml", "[jobs.work]\nkind = \"file\"\nop = \"stat\"\npath = \"/\"\n");
    auto kind = run_gaia({"run", "--resume-failed", report, (dir.path() / "other.toml").string()});
    CHECK(kind.exit_code == 2);
    CHECK(kind.err.find("job `work` was a `process` job in " + report + " and is a `file` job now") != std::string::npos);

    auto sharded = run_gaia({"run", "--resume-failed", report, "--shard", "1/2", job_file(dir)});
    CHECK(sharded.exit_code == 2);
    CHECK(sharded.err.find("resume it with no --shard") != std::string::npos);

    dir.file("junk.json", "{\"not\": \"a report\"}");
    auto junk = run_gaia({"run", "--resume-failed", (dir.path() / "junk.json").string(), job_file(dir)});
    CHECK(junk.exit_code == 2);
    CHECK(junk.err.find("is not a JSON report of gaia run") != std::string::npos);

    // Items: the one that failed is found where it went when the list was reordered; one
    // that is gone is refused.
    const auto items = [&](const std::string& list) {
        return dir.file("items.toml", "[jobs.each]\nkind = \"process\"\nfor_each = [" + list +
                                          "]\ncommand = [\"sh\", \"-c\", \"[ ! -e " + (dir.path() / "fail-").string() +
                                          "{{ item }} ]\"]\n");
    };
    seed(dir, {2});
    auto by_item = run_gaia({"run", "--report-json", report, items("1, 2, 3")});
    CHECK(by_item.exit_code == 1);
    const auto joblog = (dir.path() / "items.log").string();
    unseed(dir, {2});
    auto moved = run_gaia({"run", "--joblog", joblog, "--resume-failed", report, items("3, 1, 2")});
    CHECK(moved.exit_code == 0);
    CHECK(ran(joblog) == std::multiset<std::string>{"each#2 2"});
    auto gone = run_gaia({"run", "--resume-failed", report, items("1, 3")});
    CHECK(gone.exit_code == 2);
    CHECK(gone.err.find("job `each`: instance 1's item 2 is no longer in its for_each") != std::string::npos);
}

TEST_CASE("--resume-failed matches items found at run time by value, wherever they are found") {
    TempDir dir;
    const auto items = [&](const std::string& list) {
        // `list` fails (allowed) so that a resume runs it again: a job that passed would
        // be restored with the list it captured then.
        return dir.file("found.toml", "[jobs.list]\nkind = \"process\"\ncommand = [\"sh\", \"-c\", \"echo '" + list +
                                          "'; exit 1\"]\nallow_failure = true\ncapture.items = { from = \"stdout\" }\n\n"
                                          "[jobs.each]\nkind = \"process\"\n"
                                          "needs = [\"list\"]\nfor_each = \"{{ jobs.list.items }}\"\ncommand = [\"sh\", \"-c\", "
                                          "\"[ ! -e " + (dir.path() / "fail-").string() + "{{ item }} ]\"]\n");
    };
    seed(dir, {2});
    const auto report = (dir.path() / "found.json").string();
    auto first = run_gaia({"run", "--report-json", report, items("[1, 2, 3]")});
    CHECK(first.exit_code == 1);
    unseed(dir, {2});
    const auto joblog = (dir.path() / "found.log").string();
    auto moved = run_gaia({"run", "--joblog", joblog, "--resume-failed", report, items("[2, 3, 1]")});
    INFO(moved.err);
    CHECK(moved.exit_code == 0);
    CHECK(ran(joblog) == std::multiset<std::string>{"list", "each#0 2"});
    // Gone from the list: nothing to run again, and a warning that says which.
    auto gone = run_gaia({"run", "--joblog", joblog, "--resume-failed", report, items("[1, 3]")});
    CHECK(gone.exit_code == 0);
    CHECK(ran(joblog) == std::multiset<std::string>{"list"});
    CHECK(gone.err.find("job each: 1 instance(s) to run again are no longer among its items, e.g. 2") != std::string::npos);
}
