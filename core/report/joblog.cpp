#include "core/report/joblog.hpp"

#include "core/loop/fs.hpp"
#include "core/loop/uv_error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gaia::report {
namespace {

constexpr std::string_view kHeader = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

// Writes all of `data` at `offset`; returns the problem or an empty string.
std::string write_all(int fd, std::string_view data, std::int64_t offset, const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return "cannot write the joblog " + path + ": " + std::strerror(errno);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
        offset += n;
    }
    return {};
}

// What parallel puts in Exitval: the program's exit status, -1 when gaia killed it (a
// timeout, a cancel, a limit), 0 for a process another signal ended. Kinds that run no
// program: 0 passed, 1 failed, -1 cancelled.
int exitval(const run::InstanceEnd& end) {
    if (end.signal != 0) return end.killed ? -1 : 0;
    if (end.status == run::TaskStatus::cancelled) return -1;
    if (end.code_kind == run::CodeKind::exit_code) return end.code;
    if (end.killed) return -1;
    return end.status == run::TaskStatus::passed ? 0 : 1;
}

}  // namespace

std::unique_ptr<Joblog> Joblog::open(loop::Loop& loop, const std::string& path, const text::Redactor& redactor,
                                     std::string* error) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *error = "cannot open the joblog " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    if (auto problem = write_all(fd, kHeader, 0, path); !problem.empty()) {
        ::close(fd);
        *error = std::move(problem);
        return nullptr;
    }
    return std::unique_ptr<Joblog>(new Joblog(loop, path, fd, redactor));
}

Joblog::Joblog(loop::Loop& loop, std::string path, int fd, const text::Redactor& redactor)
    : loop_(loop), path_(std::move(path)), fd_(fd), redactor_(redactor), offset_(static_cast<std::int64_t>(kHeader.size())) {}

Joblog::~Joblog() {
    if (fd_ >= 0) ::close(fd_);
}

std::string Joblog::line(std::uint64_t seq, double start_epoch_s, double runtime_s, std::uint64_t received, int exitval,
                         int signal, std::string_view command) {
    char head[160];
    std::snprintf(head, sizeof head, "%llu\t:\t%.3f\t%10.3f\t0\t%llu\t%d\t%d\t", static_cast<unsigned long long>(seq),
                  start_epoch_s, runtime_s, static_cast<unsigned long long>(received), exitval, signal);
    std::string text = head;
    // A tab or a newline in the command would break the columns.
    for (char c : command) text += c == '\t' || c == '\n' || c == '\r' ? ' ' : c;
    return text;
}

void Joblog::add(const jobfile::Job& job, const run::InstanceEnd& end) {
    std::string command = job.name;
    if (job.fan_out) command += "#" + std::to_string(end.index);
    if (const auto* item = end.item) command += " " + (item->is_string() ? item->get<std::string>() : item->dump());
    const double start = std::chrono::duration<double>(run_started_.time_since_epoch()).count() + end.started_s;
    buffer_ += line(end.seq, start, end.seconds, end.bytes, exitval(end), end.signal, redactor_.scrub(command));
    buffer_ += '\n';
    pump();
}

void Joblog::pump() {
    if (out_ || buffer_.empty() || fd_ < 0 || !error_.empty()) return;
    out_ = std::make_shared<const std::string>(std::move(buffer_));
    buffer_.clear();
    loop::fs::write(loop_, fd_, out_->data(), out_->size(), offset_, [this, held = out_](std::int64_t n) {
        if (n < 0) {
            if (error_.empty()) error_ = loop::uv_message(static_cast<int>(n), "cannot write the joblog " + path_);
        } else if (static_cast<std::size_t>(n) < held->size()) {
            // A short write (a full disk, a signal): the rest synchronously, keeping the order.
            if (auto problem = write_all(fd_, std::string_view(*held).substr(static_cast<std::size_t>(n)), offset_ + n, path_);
                !problem.empty() && error_.empty()) {
                error_ = std::move(problem);
            }
        }
        offset_ += static_cast<std::int64_t>(held->size());
        out_.reset();
        pump();
    });
}

std::string Joblog::finish() {
    if (fd_ < 0) return error_;
    std::int64_t offset = offset_;
    if (out_) {
        // The loop will not run the write's callback any more (gaia is dying): write it
        // again here — the same bytes at the same place, whether or not it got there.
        if (auto problem = write_all(fd_, *out_, offset, path_); !problem.empty() && error_.empty()) error_ = problem;
        offset += static_cast<std::int64_t>(out_->size());
    }
    if (error_.empty()) error_ = write_all(fd_, buffer_, offset, path_);
    buffer_.clear();
    ::close(fd_);
    fd_ = -1;
    return error_;
}

}  // namespace gaia::report
