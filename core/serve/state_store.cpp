#include "core/serve/state_store.hpp"

#include "core/report/run_report.hpp"
#include "core/text/json_writer.hpp"

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

// A run's summary (the shape of /api/v1/jobs' `last`) from a row of kSummaryColumns,
// written straight out: the runs endpoint writes a hundred of these per request.
void write_summary(text::JsonWriter& out, const sqlite::Statement& row) {
    const auto when = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(row.real(4))));
    const auto error = row.text(11);
    out.begin_object();
    out.key("run_id").value(row.text(0)).key("job").value(row.text(1));
    out.key("trigger").value(row.text(2)).key("status").value(row.text(3));
    out.key("started").value(report::iso8601_utc(when)).key("duration_s").value(row.real(5));
    out.key("instances").value(row.integer(6)).key("passed").value(row.integer(7));
    out.key("failed").value(row.integer(8)).key("cancelled").value(row.integer(9));
    out.key("p95_s").value(row.real(10)).key("error");
    if (error.empty()) out.null();
    else out.value(error);
    out.end_object();
}

std::string summary_text(const sqlite::Statement& row) {
    std::string text;
    text::JsonWriter out(text);
    write_summary(out, row);
    return text;
}

// Resets a cached statement when its use ends, however it ends.
class InUse {
public:
    explicit InUse(sqlite::Statement& s) : s_(s) {}
    ~InUse() { s_.reset(); }
    InUse(const InUse&) = delete;
    InUse& operator=(const InUse&) = delete;

private:
    sqlite::Statement& s_;
};

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

// A reading connection with the endpoints' statements, prepared once.
struct StateStore::Reader {
    explicit Reader(const std::string& path) : db(path, false) {
        db.exec("PRAGMA busy_timeout = 2000");
        const std::string select = std::string("SELECT ") + kSummaryColumns + " FROM runs WHERE ";
        runs_of_job.emplace(db.prepare(select + "job = ?1 ORDER BY seq DESC LIMIT ?2"));
        runs_of_job_with_status.emplace(db.prepare(select + "job = ?1 AND status = ?3 ORDER BY seq DESC LIMIT ?2"));
        run_by_id.emplace(db.prepare(std::string("SELECT ") + kSummaryColumns + ", captures, detail FROM runs WHERE id = ?1"));
    }
    std::mutex mutex;  // the caller keeps a reader to one thread; this makes sure of it
    sqlite::Connection db;
    std::optional<sqlite::Statement> runs_of_job, runs_of_job_with_status, run_by_id;
};

StateStore::~StateStore() = default;

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
        for (std::size_t i = 0; i < kReaders; ++i) readers_.push_back(std::make_unique<Reader>(path));
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
    auto& reader = *readers_.front();
    std::lock_guard lock(reader.mutex);
    Restored out;
    auto jobs = reader.db.prepare(
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
    auto last = reader.db.prepare(std::string("SELECT ") + kSummaryColumns +
                                 " FROM runs WHERE seq IN (SELECT max(seq) FROM runs GROUP BY job)");
    while (last.step()) out.last_run[std::string(last.text(1))] = summary_text(last);
    return out;
}

std::string StateStore::runs_json(std::size_t reader, const std::string& job, std::uint64_t limit,
                                  const std::string& status, std::size_t* found) {
    auto& r = *readers_.at(reader);
    std::lock_guard lock(r.mutex);
    auto& query = status.empty() ? *r.runs_of_job : *r.runs_of_job_with_status;
    InUse in_use(query);
    query.bind(1, job).bind(2, static_cast<std::int64_t>(limit));
    if (!status.empty()) query.bind(3, status);
    std::string text;
    text.reserve(256 * limit);
    text::JsonWriter out(text);
    out.begin_object().key("job").value(job).key("runs").begin_array();
    std::size_t rows = 0;
    for (; query.step(); ++rows) write_summary(out, query);
    out.end_array().end_object();
    if (found) *found = rows;
    return text;
}

std::optional<std::string> StateStore::run_json(std::size_t reader, const std::string& id) {
    auto& r = *readers_.at(reader);
    std::lock_guard lock(r.mutex);
    auto& query = *r.run_by_id;
    InUse in_use(query);
    query.bind(1, id);
    if (!query.step()) return std::nullopt;
    auto run = nlohmann::json::parse(summary_text(query));
    run["captures"] = nlohmann::json::parse(query.text(12), nullptr, false);
    auto detail = nlohmann::json::parse(query.text(13), nullptr, false);
    if (detail.is_object()) {
        for (auto& [key, value] : detail.items()) run[key] = std::move(value);
    }
    return dump(run);
}

std::uint64_t StateStore::run_count(std::size_t reader) {
    auto& r = *readers_.at(reader);
    std::lock_guard lock(r.mutex);
    auto query = r.db.prepare("SELECT count(*) FROM runs");
    return query.step() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
}

}  // namespace gaia::serve
