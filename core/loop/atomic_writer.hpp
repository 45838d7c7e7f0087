#pragma once
// Streams bytes into a file so that a reader sees the old file or the complete new one,
// never a part: the bytes go to a StagedFile for the target (an unnamed file in its
// directory; opened, written and named on the thread pool), and commit() syncs it and
// gives it the target's name. abort() — or dropping the writer before commit — discards
// it and leaves the target as it was; so does a gaia killed meanwhile.
//
// Writes are queued and written one at a time in order; pending() lets a producer apply
// back-pressure (stop reading the network while the disk is behind) and on_drain() says
// when to resume.

#include "core/loop/loop.hpp"
#include "core/loop/staged_file.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace gaia::loop {

class AtomicWriter : public std::enable_shared_from_this<AtomicWriter> {
public:
    using Done = std::function<void(const std::string& error)>;  // empty error: success

    // mode: the permission bits the file is given, whatever the umask — 0600 for one
    // that holds secrets.
    static std::shared_ptr<AtomicWriter> create(Loop& loop, std::string target, unsigned mode = 0644);
    ~AtomicWriter();
    AtomicWriter(const AtomicWriter&) = delete;
    AtomicWriter& operator=(const AtomicWriter&) = delete;

    // Creates the temporary file. Writes may be queued before it is open.
    void open(Done done);
    void write(std::string_view data);
    std::size_t pending() const noexcept { return pending_bytes_; }
    std::uint64_t written() const noexcept { return offset_; }
    // The first error so far (empty if none): a producer can stop early.
    const std::string& error() const noexcept { return error_; }
    // Called (once per registration) when pending() falls to `low_water` bytes or below.
    void on_drain(std::size_t low_water, std::function<void()> fn);
    // Waits for the queued writes, then fsync, the mode, close and rename. done gets the
    // first error of the whole life of the writer; on error the target is untouched.
    void commit(Done done);
    // Drops queued writes and removes the temporary file. Idempotent; no callback.
    void abort();

    const std::string& target() const noexcept { return target_; }

private:
    AtomicWriter(Loop& loop, std::string target, unsigned mode) : loop_(loop), target_(std::move(target)), mode_(mode) {}
    void pump();
    void fail(std::string error);
    void finish_commit();
    void drop_staged();  // closes the staging file, and removes it unless it got its name

    Loop& loop_;
    std::string target_;
    unsigned mode_;
    // Shared with the thread-pool call that opens, names or discards it; only one runs at
    // a time, and the loop thread touches it only between them.
    std::shared_ptr<StagedFile> staged_;  // set while the file is open
    bool opening_ = false;
    bool writing_ = false;
    bool committing_ = false;
    bool done_ = false;  // committed or aborted
    std::deque<std::string> queue_;
    std::size_t pending_bytes_ = 0;
    std::uint64_t offset_ = 0;
    std::string error_;
    Done commit_done_;
    std::size_t low_water_ = 0;
    std::function<void()> drained_;
};

}  // namespace gaia::loop
