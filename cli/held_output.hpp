#pragma once
// gaia run --quiet-success: everything the run would print — log lines, the per-job lines,
// the output of jobs with stdout = "inherit", the summary — is held until the run's outcome
// is known, then printed in order if it did not pass and dropped if it did, so that cron
// mails only a failure (as moreutils' chronic does for any command).

#include <spdlog/sinks/base_sink.h>
#include <spdlog/details/null_mutex.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace gaia::cli {

class HeldOutput {
public:
    // Beyond this, the oldest lines go (and the count of them is printed in their place):
    // a failing run's last lines say the most.
    static constexpr std::size_t kMaxBytes = 8u << 20;

    HeldOutput() = default;
    // Prints what is held unless discard() was called: a run that ends by an exception
    // (a usage error) or a failure shows everything.
    ~HeldOutput();
    HeldOutput(const HeldOutput&) = delete;
    HeldOutput& operator=(const HeldOutput&) = delete;

    void add(bool to_stderr, std::string text);
    // Prints what is held, in order, to stdout and stderr; what comes after is printed at once.
    void release();
    // The run passed: nothing is printed, now or later.
    void discard();

    // A sink for spdlog that holds each formatted line here.
    std::shared_ptr<spdlog::sinks::sink> log_sink();

private:
    struct Piece {
        bool to_stderr;
        std::string text;
    };
    std::deque<Piece> pieces_;
    std::size_t bytes_ = 0;
    std::size_t dropped_lines_ = 0;
    enum class State { holding, released, discarded } state_ = State::holding;
};

}  // namespace gaia::cli
