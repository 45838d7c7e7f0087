#pragma once
// The state database of `gaia serve` (gaia-serve(1), STATE): an SQLite file in WAL mode that
// keeps every run's summary, its failed instances with the tails of their output, and each
// job's schedule state (paused, next run, counts), so that a restart or a reload keeps them.
//
// Everything here blocks on disk: it runs on libuv's thread pool (core/serve/run_history.hpp
// hands work over), never on the loop thread, except open() before the loop starts. One
// connection writes, kReaders others read, each used by one thread at a time: WAL lets
// readers go on while a write commits.

#include "core/serve/sqlite.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gaia::serve {

// Why the database cannot be used at all (corrupt, locked, read-only, newer): said at start.
class StateOpenError : public std::runtime_error {
public:
    explicit StateOpenError(const std::string& what, bool locked = false) : std::runtime_error(what), locked_(locked) {}
    bool locked() const noexcept { return locked_; }  // another process holds it: try again later

private:
    bool locked_;
};

// One ended run, as it is stored. Text is already redacted.
struct StoredRun {
    std::string id;
    std::string job;
    std::string trigger;  // schedule, api, catch-up, reload
    std::string status;   // passed, failed, cancelled, skipped
    double started = 0;   // Unix seconds
    double duration_s = 0;
    std::uint64_t instances = 0, passed = 0, failed = 0, cancelled = 0;
    double p95_s = 0;
    std::string error;     // the first, empty when none
    std::string captures;  // a JSON object
    std::string detail;    // a JSON object: {"instances": [...], "instances_omitted": N}
};

// A job's schedule state between restarts.
struct StoredJob {
    std::string name;
    bool paused = false;       // as the job file and the API left it
    bool file_paused = false;  // the job file's `paused` when it was last read
    std::string schedule;      // the schedule next_run belongs to
    std::optional<double> next_run;  // Unix seconds: the fire time gaia was waiting for
    std::uint64_t runs = 0, skipped = 0;
};

struct Retention {
    std::uint64_t runs = 1000;  // the newest this many runs of each job
    double days = 30;           // and none older
};

class StateStore {
public:
    // Opens or creates the database and checks it (integrity, schema, that it can be
    // written). Throws StateOpenError with what is wrong and what to do.
    explicit StateStore(const std::string& path);
    ~StateStore();
    StateStore(const StateStore&) = delete;
    StateStore& operator=(const StateStore&) = delete;

    const std::string& path() const noexcept { return path_; }

    // In one transaction: the runs, the jobs' states, then retention. Throws sqlite::Error
    // and leaves the database as it was (a full disk loses nothing written before).
    void write(const std::vector<StoredRun>& runs, const std::vector<StoredJob>& jobs, const Retention& retention,
               double now);

    struct Restored {
        std::vector<StoredJob> jobs;
        std::map<std::string, std::string> last_run;  // job -> its latest run's summary (JSON)
    };
    Restored restore();

    // Reads go through one of kReaders connections (`reader` < kReaders), so that as many
    // can be answered at once; the caller keeps each to one thread at a time.
    static constexpr std::size_t kReaders = 2;
    // GET /api/v1/jobs/NAME/runs: the newest first, `status` empty for any. The JSON text
    // {"job": …, "runs": [summary…]}; *found, if given, gets how many runs it lists.
    std::string runs_json(std::size_t reader, const std::string& job, std::uint64_t limit, const std::string& status,
                          std::size_t* found = nullptr);
    // GET /api/v1/runs/ID: the summary with captures and failed instances; nullopt if unknown.
    std::optional<std::string> run_json(std::size_t reader, const std::string& id);
    std::uint64_t run_count(std::size_t reader);

private:
    struct Reader;
    void check_and_migrate();

    std::string path_;
    std::mutex write_mutex_;
    std::optional<sqlite::Connection> writer_;
    std::vector<std::unique_ptr<Reader>> readers_;

};

}  // namespace gaia::serve
