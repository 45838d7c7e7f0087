#include "core/serve/state_store.hpp"

#include "core/report/run_report.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>

namespace gaia::serve {
namespace {

// Raised when the tables change shape; a database from a newer gaia is refused, not guessed at.
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    job        TEXT NOT NULL,
    trigger    TEXT NOT NULL,
    status     TEXT NOT NULL,
    started    REAL NOT NULL,
    duration_s REAL NOT NULL,
    instances  INTEGER NOT NULL,
    passed     INTEGER NOT NULL,
    failed     INTEGER NOT NULL,
    cancelled  INTEGER NOT NULL,
    p95_s      REAL NOT NULL,
    error      TEXT NOT NULL,
    captures   TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job, seq);
CREATE INDEX IF NOT EXISTS runs_by_job_status ON runs (job, status, seq);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started);
CREATE TABLE IF NOT EXISTS jobs (
    name        TEXT PRIMARY KEY,
    paused      INTEGER NOT NULL,
    file_paused INTEGER NOT NULL,
    schedule    TEXT NOT NULL,
    next_run    REAL,
    runs        INTEGER NOT NULL,
    skipped     INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// The columns of a run's summary, in the order summary_json() reads them.
constexpr const char* kSummaryColumns =
    "id, job, trigger, status, started, duration_s, instances, passed, failed, cancelled, p95_s, error";

nlohmann::json summary_json(const sqlite::Statement& row) {
    const double started = row.real(4);
    const auto when = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(started)));
    const auto error = row.text(11);
    return {
        {"run_id", row.text(0)},
        {"job", row.text(1)},
        {"trigger", row.text(2)},
        {"status", row.text(3)},
        {"started", report::iso8601_utc(when)},
        {"duration_s", row.real(5)},
        {"instances", row.integer(6)},
        {"passed", row.integer(7)},
        {"failed", row.integer(8)},
        {"cancelled", row.integer(9)},
        {"p95_s", row.real(10)},
        {"error", error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error)},
    };
}

std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A failure while opening, said in the user's terms.
[[noreturn]] void refuse(const std::string& path, const sqlite::Error& e) {
    switch (e.code()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw StateOpenError("the state database " + path +
                             " is locked by another process (another gaia serve, or an sqlite3 shell in a "
                             "transaction): " + e.what(),
                             true);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        throw StateOpenError("the state database " + path + " is damaged or not an SQLite database (" + e.what() +
                             "): move it aside to start a new history, or try `sqlite3 " + path + " .recover`");
    case SQLITE_CANTOPEN:
        throw StateOpenError("cannot open the state database " + path + " (" + e.what() +
                             "): its directory must exist and be writable");
    case SQLITE_READONLY:
        throw StateOpenError("the state database " + path + " cannot be written (" + e.what() + ")");
    case SQLITE_FULL:
        throw StateOpenError("the state database " + path + " cannot grow: the disk is full (" + e.what() + ")");
    default:
        throw StateOpenError("the state database " + path + ": " + e.what());
    }
}

}  // namespace

StateStore::StateStore(const std::string& path) : path_(path) {
    try {
        writer_.emplace(path, true);
        // A write waits this long for a reader's or another writer's lock before it fails.
        writer_->exec("PRAGMA busy_timeout = 2000");
        if (writer_->read_only()) {
            throw StateOpenError("the state database " + path +
                                 " is read-only: gaia serve writes every run there (make it writable, or give "
                                 "another --state)");
        }
        check_and_migrate();
        reader_.emplace(path, false);
        reader_->exec("PRAGMA busy_timeout = 2000");
    } catch (const sqlite::Error& e) {
        refuse(path, e);
    }
}

void StateStore::check_and_migrate() {
    auto& db = *writer_;
    // The whole file is read once at start: damage found now is an error now, not a write
    // that fails at 3 a.m. quick_check skips only index-content checks.
    // (Each statement in its own block: one not run to its end keeps a transaction open.)
    {
        auto check = db.prepare("PRAGMA quick_check(1)");
        if (check.step() && check.text(0) != "ok") {
            throw sqlite::Error(SQLITE_CORRUPT, "quick_check: " + std::string(check.text(0)));
        }
    }
    // WAL: readers (the API) never wait for a write, and a crash mid-write loses only it.
    {
        auto mode = db.prepare("PRAGMA journal_mode = WAL");
        if (mode.step() && mode.text(0) != "wal") {
            throw sqlite::Error(SQLITE_ERROR,
                                "cannot switch to WAL journal mode (it stayed " + std::string(mode.text(0)) + ")");
        }
    }
    // In WAL mode NORMAL loses at most the last transactions on power loss, never the file.
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("BEGIN IMMEDIATE");
    try {
        std::int64_t found = 0;
        {
            auto version = db.prepare("PRAGMA user_version");
            if (version.step()) found = version.integer(0);
        }
        if (found > kSchemaVersion) {
            throw StateOpenError("the state database " + path_ + " was written by a newer gaia (schema " +
                                 std::to_string(found) + ", this one knows " + std::to_string(kSchemaVersion) + ")");
        }
        if (found == 0) {
            auto tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE name NOT IN ('runs', 'jobs') AND "
                                     "name NOT LIKE 'runs_by_%' AND name NOT LIKE 'sqlite_%'");
            const bool foreign = tables.step() && tables.integer(0) > 0;
            tables.reset();
            if (foreign) {
                throw StateOpenError("the state database " + path_ +
                                     " is an SQLite database of something else (it has other tables): give gaia "
                                     "a file of its own");
            }
        }
        db.exec(kSchema);
        db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
}

void StateStore::write(const std::vector<StoredRun>& runs, const std::vector<StoredJob>& jobs,
                       const Retention& retention, double now) {
    std::lock_guard lock(write_mutex_);
    auto& db = *writer_;
    db.exec("BEGIN IMMEDIATE");
    try {
        auto insert = db.prepare(
            "INSERT OR REPLACE INTO runs (id, job, trigger, status, started, duration_s, instances, passed, failed, "
            "cancelled, p95_s, error, captures, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
            "?13, ?14)");
        std::map<std::string, bool> touched;
        for (const auto& r : runs) {
            insert.bind(1, r.id).bind(2, r.job).bind(3, r.trigger).bind(4, r.status).bind(5, r.started);
            insert.bind(6, r.duration_s).bind(7, static_cast<std::int64_t>(r.instances));
            insert.bind(8, static_cast<std::int64_t>(r.passed)).bind(9, static_cast<std::int64_t>(r.failed));
            insert.bind(10, static_cast<std::int64_t>(r.cancelled)).bind(11, r.p95_s).bind(12, r.error);
            insert.bind(13, r.captures).bind(14, r.detail);
            insert.run();
            touched[r.job] = true;
        }
        auto upsert = db.prepare(
            "INSERT OR REPLACE INTO jobs (name, paused, file_paused, schedule, next_run, runs, skipped) VALUES (?1, "
            "?2, ?3, ?4, ?5, ?6, ?7)");
        for (const auto& j : jobs) {
            upsert.bind(1, j.name).bind(2, static_cast<std::int64_t>(j.paused ? 1 : 0));
            upsert.bind(3, static_cast<std::int64_t>(j.file_paused ? 1 : 0)).bind(4, j.schedule);
            if (j.next_run) upsert.bind(5, *j.next_run);
            else upsert.bind_null(5);
            upsert.bind(6, static_cast<std::int64_t>(j.runs)).bind(7, static_cast<std::int64_t>(j.skipped));
            upsert.run();
        }
        // Retention: by count for the jobs that just added runs (a removed job's runs stay
        // until they age out), by age for all.
        auto trim = db.prepare(
            "DELETE FROM runs WHERE job = ?1 AND seq < (SELECT seq FROM runs WHERE job = ?1 ORDER BY seq DESC "
            "LIMIT 1 OFFSET ?2)");
        for (const auto& [job, yes] : touched) {
            trim.bind(1, job).bind(2, static_cast<std::int64_t>(retention.runs == 0 ? 0 : retention.runs - 1));
            trim.run();
        }
        auto age = db.prepare("DELETE FROM runs WHERE started < ?1");
        age.bind(1, now - retention.days * 86400.0);
        age.run();
        db.exec("COMMIT");
    } catch (...) {
        // A failed COMMIT (a full disk) may have rolled back already; the earlier history
        // is untouched either way.
        try {
            db.exec("ROLLBACK");
        } catch (const sqlite::Error&) {
        }
        throw;
    }
}

StateStore::Restored StateStore::restore() {
    std::lock_guard lock(read_mutex_);
    Restored out;
    auto jobs = reader_->prepare(
        "SELECT name, paused, file_paused, schedule, next_run, runs, skipped FROM jobs ORDER BY name");
    while (jobs.step()) {
        StoredJob j;
        j.name = jobs.text(0);
        j.paused = jobs.integer(1) != 0;
        j.file_paused = jobs.integer(2) != 0;
        j.schedule = jobs.text(3);
        if (!jobs.is_null(4)) j.next_run = jobs.real(4);
        j.runs = static_cast<std::uint64_t>(jobs.integer(5));
        j.skipped = static_cast<std::uint64_t>(jobs.integer(6));
        out.jobs.push_back(std::move(j));
    }
    // The latest run of each job that has any, through the (job, seq) index.
    auto last = reader_->prepare(std::string("SELECT ") + kSummaryColumns +
                                 " FROM runs WHERE seq IN (SELECT max(seq) FROM runs GROUP BY job)");
    while (last.step()) out.last_run[std::string(last.text(1))] = dump(summary_json(last));
    return out;
}

std::string StateStore::runs_json(const std::string& job, std::uint64_t limit, const std::string& status) {
    std::lock_guard lock(read_mutex_);
    auto query = reader_->prepare(std::string("SELECT ") + kSummaryColumns + " FROM runs WHERE job = ?1" +
                                  (status.empty() ? "" : " AND status = ?3") + " ORDER BY seq DESC LIMIT ?2");
    query.bind(1, job).bind(2, static_cast<std::int64_t>(limit));
    if (!status.empty()) query.bind(3, status);
    nlohmann::json runs = nlohmann::json::array();
    while (query.step()) runs.push_back(summary_json(query));
    return dump({{"job", job}, {"runs", std::move(runs)}});
}

std::optional<std::string> StateStore::run_json(const std::string& id) {
    std::lock_guard lock(read_mutex_);
    auto query = reader_->prepare(std::string("SELECT ") + kSummaryColumns + ", captures, detail FROM runs WHERE id = ?1");
    query.bind(1, id);
    if (!query.step()) return std::nullopt;
    auto run = summary_json(query);
    run["captures"] = nlohmann::json::parse(query.text(12), nullptr, false);
    auto detail = nlohmann::json::parse(query.text(13), nullptr, false);
    if (detail.is_object()) {
        for (auto& [key, value] : detail.items()) run[key] = std::move(value);
    }
    return dump(run);
}

std::uint64_t StateStore::run_count() {
    std::lock_guard lock(read_mutex_);
    auto query = reader_->prepare("SELECT count(*) FROM runs");
    return query.step() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
}

}  // namespace gaia::serve
