// gaia serve's state database on a real SQLite file: what is written is read back, retention
// keeps what it should, and a file that cannot be used is refused with what is wrong.

#include "core/serve/state_store.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>

TEST_SUITE_BEGIN("unit");

using namespace gaia;
using gaia::test::TempDir;

namespace {

serve::StoredRun a_run(const std::string& id, const std::string& job, const std::string& status, double started) {
    serve::StoredRun r;
    r.id = id;
    r.job = job;
    r.trigger = "schedule";
    r.status = status;
    r.started = started;
    r.duration_s = 0.25;
    r.instances = 2;
    r.passed = status == "passed" ? 2 : 1;
    r.failed = status == "passed" ? 0 : 1;
    r.error = status == "passed" ? "" : "exit code 3";
    r.captures = R"({"answer":42})";
    r.detail = R"({"instances":[{"job":")" + job + R"(","index":1,"stderr_tail":"boom\n"}],"instances_omitted":0})";
    return r;
}

std::string runs_of(serve::StateStore& store, const std::string& job, std::uint64_t limit = 100,
                    const std::string& status = "") {
    std::string ids;
    const auto answer = nlohmann::json::parse(store.runs_json(0, job, limit, status));
    for (const auto& r : answer["runs"]) {
        ids += (ids.empty() ? "" : " ") + r["run_id"].get<std::string>();
    }
    return ids;
}

}  // namespace

TEST_CASE("state store: runs and job states written are read back, newest first, by status") {
    TempDir dir;
    const auto path = (dir.path() / "state.db").string();
    const double now = 1'800'000'000;
    {
        serve::StateStore store(path);
        store.write({a_run("r1", "backup", "passed", now - 30), a_run("r2", "backup", "failed", now - 20),
                     a_run("r3", "report", "passed", now - 10)},
                    {{"backup", true, false, "@every 1h", now + 3600, 2, 1}}, {}, now);
        store.write({a_run("r4", "backup", "failed", now - 5)}, {}, {}, now);
        CHECK(runs_of(store, "backup") == "r4 r2 r1");
        CHECK(runs_of(store, "backup", 2) == "r4 r2");
        CHECK(runs_of(store, "backup", 100, "failed") == "r4 r2");
        CHECK(runs_of(store, "nobody").empty());
        CHECK(store.run_count(1) == 4);

        auto run = nlohmann::json::parse(store.run_json(1, "r2").value());
        CHECK(run["job"] == "backup");
        CHECK(run["status"] == "failed");
        CHECK(run["error"] == "exit code 3");
        CHECK(run["captures"]["answer"] == 42);
        CHECK(run["instances"][0]["stderr_tail"] == "boom\n");
        CHECK(run["started"] == "2027-01-15T07:59:40Z");
        CHECK_FALSE(store.run_json(0, "nope"));
    }
    // Another process's view, after a restart.
    serve::StateStore again(path);
    auto restored = again.restore();
    REQUIRE(restored.jobs.size() == 1);
    CHECK(restored.jobs[0].name == "backup");
    CHECK(restored.jobs[0].paused);
    CHECK(restored.jobs[0].schedule == "@every 1h");
    CHECK(restored.jobs[0].next_run == now + 3600);
    CHECK(restored.jobs[0].runs == 2);
    CHECK(restored.jobs[0].skipped == 1);
    REQUIRE(restored.last_run.count("backup") == 1);
    CHECK(nlohmann::json::parse(restored.last_run["backup"])["run_id"] == "r4");
    CHECK(nlohmann::json::parse(restored.last_run["report"])["run_id"] == "r3");
}

TEST_CASE("state store: retention keeps each job's newest runs and drops old ones, removed jobs' too") {
    TempDir dir;
    serve::StateStore store((dir.path() / "state.db").string());
    const double now = 1'800'000'000;
    const serve::Retention keep3{3, 1};  // 3 runs per job, one day
    std::vector<serve::StoredRun> runs;
    for (int i = 1; i <= 5; ++i) runs.push_back(a_run("a" + std::to_string(i), "a", "passed", now - 100 + i));
    runs.push_back(a_run("gone-old", "gone", "passed", now - 2 * 86400.0));
    runs.push_back(a_run("gone-new", "gone", "passed", now - 3600));
    store.write(runs, {}, keep3, now);
    CHECK(runs_of(store, "a") == "a5 a4 a3");
    CHECK(runs_of(store, "gone") == "gone-new");  // by age only: no new runs of it
    store.write({a_run("a6", "a", "failed", now)}, {}, keep3, now);
    CHECK(runs_of(store, "a") == "a6 a5 a4");
    // A day later the old ones age out.
    store.write({}, {}, keep3, now + 86400 - 50);
    CHECK(runs_of(store, "gone").empty());
    CHECK(runs_of(store, "a") == "a6");
}

TEST_CASE("state store: a file it cannot use is refused at open, saying what is wrong") {
    TempDir dir;
    auto refusal = [](const std::string& path) {
        try {
            serve::StateStore store(path);
        } catch (const serve::StateOpenError& e) {
            return std::string(e.what());
        }
        return std::string("(opened)");
    };
    const auto garbage = dir.file("garbage.db", std::string(8192, 'x'));
    CHECK(refusal(garbage).find("is damaged or not an SQLite database") != std::string::npos);

    const auto foreign = (dir.path() / "foreign.db").string();
    REQUIRE(gaia::test::run_program({"sqlite3", foreign, "CREATE TABLE photos (id INTEGER);"}).exit_code == 0);
    CHECK(refusal(foreign).find("an SQLite database of something else") != std::string::npos);

    const auto newer = (dir.path() / "newer.db").string();
    { serve::StateStore store(newer); }
    REQUIRE(gaia::test::run_program({"sqlite3", newer, "PRAGMA user_version = 99;"}).exit_code == 0);
    CHECK(refusal(newer).find("written by a newer gaia (schema 99") != std::string::npos);

    // Damage inside a page: the header is fine, a b-tree page is not.
    const auto damaged = (dir.path() / "damaged.db").string();
    {
        serve::StateStore store(damaged);
        std::vector<serve::StoredRun> runs;
        for (int i = 0; i < 200; ++i) runs.push_back(a_run("d" + std::to_string(i), "d", "failed", 1'800'000'000 + i));
        store.write(runs, {}, {}, 1'800'000'000);
    }
    REQUIRE(gaia::test::run_program({"sqlite3", damaged, "PRAGMA wal_checkpoint(TRUNCATE);"}).exit_code == 0);
    {
        std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(4096 * 3 + 8);  // into the cells of the fourth page
        const std::string junk(2000, '\xff');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    CHECK(refusal(damaged).find("is damaged") != std::string::npos);

    const auto missing_dir = (dir.path() / "no" / "such" / "state.db").string();
    CHECK(refusal(missing_dir).find("its directory must exist and be writable") != std::string::npos);
}

TEST_SUITE_END();
