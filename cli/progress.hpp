#pragma once
// What a run shows while it lasts: a live per-job display on a terminal, plain lines
// otherwise, and the output of jobs with stdout = "inherit", which must not tear the
// live display.

#include "cli/held_output.hpp"
#include "core/loop/timer.hpp"
#include "core/text/redactor.hpp"
#include "core/run/scheduler.hpp"

#include <cstdio>

namespace gaia::cli {

class Progress final : public run::OutputSink {
public:
    enum class Mode { live, lines };

    // `held`, when given (--quiet-success), takes the jobs' inherited output.
    Progress(Mode mode, bool color, bool quiet, const text::Redactor& redactor, HeldOutput* held = nullptr);
    ~Progress() override;

    void start(loop::Loop& loop, const run::Scheduler& scheduler);
    void on_job_finished(const run::JobResult& result);
    void write_line(bool to_stderr, std::string_view prefix, std::string_view line) override;
    // Clears the live display for good (before the summary is printed).
    void finish();

private:
    void redraw();
    void clear();

    Mode mode_;
    bool color_;
    bool quiet_;
    const text::Redactor& redactor_;
    HeldOutput* held_;
    const run::Scheduler* scheduler_ = nullptr;
    loop::HandlePtr<loop::Timer> timer_;
    std::size_t drawn_lines_ = 0;
};

// The table printed when a run ends: job, kind, status, instances, failed, p50/p95/p99,
// duration, and the CPU time and peak RSS of what the job ran (processes).
std::string summary_table(const run::Scheduler& scheduler, bool color);

// The ANSI colour of a job's status in tables: green passed, red failed…
const char* status_color(run::JobStatus s);
// "1.2s", "340ms", "2m05s" for a number of seconds.
std::string human_seconds(double s);
// "512B", "3.4MiB".
std::string human_bytes(std::uint64_t bytes);

}  // namespace gaia::cli
