#include "cli/progress.hpp"

#include "cli/table.hpp"
#include "core/text/byte_size.hpp"

#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>

namespace gaia::cli {
namespace {

std::size_t terminal_rows() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4) return ws.ws_row;
    return 24;
}

}  // namespace

const char* status_color(run::JobStatus s) {
    switch (s) {
    case run::JobStatus::passed: return "\x1b[32m";
    case run::JobStatus::failed: return "\x1b[31m";
    case run::JobStatus::cancelled: return "\x1b[33m";
    case run::JobStatus::skipped: return "\x1b[2m";
    default: return "";
    }
}

std::string human_seconds(double s) {
    char buf[32];
    if (s < 0) s = 0;
    if (s < 1) std::snprintf(buf, sizeof buf, "%.0fms", s * 1000);
    else if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
    else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) % 3600) / 60);
    return buf;
}

std::string human_bytes(std::uint64_t bytes) { return text::byte_size_text(static_cast<double>(bytes), ""); }

Progress::Progress(Mode mode, bool color, bool quiet, const text::Redactor& redactor, HeldOutput* held)
    : mode_(mode), color_(color), quiet_(quiet), redactor_(redactor), held_(held) {}

Progress::~Progress() { finish(); }

void Progress::start(loop::Loop& loop, const run::Scheduler& scheduler) {
    scheduler_ = &scheduler;
    if (mode_ != Mode::live) return;
    timer_ = loop::Timer::create(loop);
    timer_->start_repeating(std::chrono::milliseconds(200), [this] { redraw(); });
    timer_->unref();
}

void Progress::on_job_finished(const run::JobResult& r) {
    if (mode_ == Mode::live || quiet_) return;
    std::string line = "job " + r.job->name + " " + std::string(run::to_string(r.status));
    if (r.restored) {
        line += " in the run resumed: not run again";
    } else if (r.instances_known && r.status != run::JobStatus::skipped) {
        line += " (" + std::to_string(r.passed) + "/" + std::to_string(r.instances) + " passed in " +
                human_seconds(r.finished_s - r.started_s) + ")";
    }
    if (!r.first_error.empty() && r.status != run::JobStatus::passed) line += ": " + r.first_error;
    line = redactor_.scrub(line);
    if (r.status == run::JobStatus::failed && !r.job->allow_failure) spdlog::error("{}", line);
    else spdlog::info("{}", line);
}

void Progress::clear() {
    if (drawn_lines_ == 0) return;
    std::fprintf(stderr, "\x1b[%zuA\x1b[J", drawn_lines_);
    drawn_lines_ = 0;
}

void Progress::write_line(bool to_stderr, std::string_view prefix, std::string_view line) {
    clear();
    std::string text = redactor_.scrub(line);
    text = color_ ? "\x1b[2m" + std::string(prefix) + " |\x1b[0m " + text + "\n" : std::string(prefix) + " | " + text + "\n";
    if (held_) {
        held_->add(to_stderr, std::move(text));
        return;
    }
    FILE* out = to_stderr ? stderr : stdout;
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
}

void Progress::redraw() {
    if (!scheduler_) return;
    clear();
    const auto& results = scheduler_->results();
    const double now = scheduler_->elapsed_s();
    std::vector<std::string> lines;
    std::size_t finished = 0, total = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!scheduler_->selected(i)) continue;
        ++total;
        const auto& r = results[i];
        if (r.status != run::JobStatus::running) {
            if (r.status != run::JobStatus::pending) ++finished;
            continue;
        }
        const double elapsed = now - r.started_s;
        const auto done = r.done();
        const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
        const std::uint64_t width = 20;
        const std::uint64_t filled = r.instances ? done * width / r.instances : 0;
        std::string bar(filled, '#');
        bar += std::string(width - filled, '.');
        char buf[256];
        std::snprintf(buf, sizeof buf, "  %-24.24s [%s] %llu/%llu  failed %llu  %.1f/s  ETA %s", r.job->name.c_str(),
                      bar.c_str(), static_cast<unsigned long long>(done), static_cast<unsigned long long>(r.instances),
                      static_cast<unsigned long long>(r.failed), rate,
                      rate > 0 ? human_seconds(static_cast<double>(r.instances - done) / rate).c_str() : "-");
        lines.emplace_back(buf);
    }
    const std::size_t room = terminal_rows() - 2;
    if (lines.size() > room) {
        const auto hidden = lines.size() - room + 1;
        lines.resize(room - 1);
        lines.push_back("  … and " + std::to_string(hidden) + " more running");
    }
    std::string out;
    char head[128];
    std::snprintf(head, sizeof head, "gaia %s  jobs %zu/%zu done  tasks in flight %zu", human_seconds(now).c_str(),
                  finished, total, scheduler_->tasks_in_flight());
    out += color_ ? std::string("\x1b[1m") + head + "\x1b[0m\n" : std::string(head) + "\n";
    for (const auto& l : lines) out += l + "\n";
    std::fputs(out.c_str(), stderr);
    std::fflush(stderr);
    drawn_lines_ = lines.size() + 1;
}

void Progress::finish() {
    timer_.reset();
    clear();
    std::fflush(stderr);
}

std::string summary_table(const run::Scheduler& scheduler, bool color) {
    TextTable table({"job", "kind", "status", "instances", "failed", "p50", "p95", "p99", "duration", "cpu", "peak rss"});
    const auto& results = scheduler.results();
    std::size_t row = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!scheduler.selected(i)) continue;
        const auto& r = results[i];
        const auto latency = r.latency();
        const bool ran = !r.durations.empty();
        std::string status(run::to_string(r.status));
        if (r.status == run::JobStatus::failed && r.job->allow_failure) status += " (allowed)";
        table.add({r.job->name, r.job->kind, status, r.instances_known ? std::to_string(r.instances) : "-",
                   std::to_string(r.failed), ran ? human_seconds(latency.p50) : "-",
                   ran ? human_seconds(latency.p95) : "-", ran ? human_seconds(latency.p99) : "-",
                   r.finished_s > r.started_s ? human_seconds(r.finished_s - r.started_s) : "-",
                   r.cpu_s > 0 ? human_seconds(r.cpu_s) : "-", r.peak_rss_bytes > 0 ? human_bytes(r.peak_rss_bytes) : "-"});
        ++row;
        table.set_color(row, 2, status_color(r.status));
    }
    return table.render(color);
}

}  // namespace gaia::cli
