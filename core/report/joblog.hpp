#pragma once
// --joblog FILE: a line per instance as it ends, in GNU parallel's --joblog format, for
// scripts that already read one (Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval,
// Signal, Command; tab-separated, a header first). Like parallel's, the file grows while
// the run goes on: a killed gaia leaves every line written so far.
//
// Lines are written on libuv's thread pool, one write at a time: what ends while a write
// is out waits in a buffer and goes with the next, so a fast fan-out costs one write per
// batch, not per line.

#include "core/loop/loop.hpp"
#include "core/run/instance_log.hpp"
#include "core/text/redactor.hpp"
#include "core/jobfile/model.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace gaia::report {

class Joblog {
public:
    // Creates (or empties) the file and writes the header, blocking: it happens once,
    // before the run starts, so a bad path stops the run before anything ran. Null and
    // `error` set when it cannot.
    static std::unique_ptr<Joblog> open(loop::Loop& loop, const std::string& path, const text::Redactor& redactor,
                                        std::string* error);
    ~Joblog();
    Joblog(const Joblog&) = delete;
    Joblog& operator=(const Joblog&) = delete;

    void set_run_started(std::chrono::system_clock::time_point t) { run_started_ = t; }
    void add(const jobfile::Job& job, const run::InstanceEnd& end);
    // Writes what is still buffered, synchronously, and closes the file: at the end of the
    // run (the loop has stopped), or as gaia dies at once. Returns the first write error.
    std::string finish();

    // The columns of one line (without the newline), for tests and for add().
    static std::string line(std::uint64_t seq, double start_epoch_s, double runtime_s, std::uint64_t received,
                            int exitval, int signal, std::string_view command);

private:
    Joblog(loop::Loop& loop, std::string path, int fd, const text::Redactor& redactor);
    void pump();

    loop::Loop& loop_;
    std::string path_;
    int fd_ = -1;
    const text::Redactor& redactor_;
    std::chrono::system_clock::time_point run_started_ = std::chrono::system_clock::now();
    std::string buffer_;                        // lines not yet handed to a write
    std::shared_ptr<const std::string> out_;    // the write in flight, if any
    std::int64_t offset_ = 0;                   // where the write in flight (or the next) goes
    std::string error_;
};

}  // namespace gaia::report
