#pragma once
// What the process kind compiles from a job and from the [process] table.

#include "core/jobfile/model.hpp"

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gaia::jobs::process {

enum class StreamMode { capture, discard, inherit, file };

struct StreamSpec {
    StreamMode mode = StreamMode::capture;
    jobfile::Template file;  // for StreamMode::file
};

struct CaptureSpec {
    enum class Source { stdout_text, stdout_regex, exit_code };
    std::string name;
    Source source = Source::stdout_text;
    std::shared_ptr<const RE2> regex;
};

// Resource limits (`limits`); a job's own override [process].limits key by key.
struct Limits {
    std::optional<std::uint64_t> memory;      // bytes
    std::optional<jobfile::Duration> cpu_time;
    std::optional<std::uint64_t> open_files;
    std::optional<std::uint64_t> processes;
    std::optional<std::uint64_t> file_size;   // bytes

    bool any() const noexcept { return memory || cpu_time || open_files || processes || file_size; }
    Limits over(const Limits& defaults) const;
};

// How a service (`background = true`) shows it is ready.
struct ReadySpec {
    enum class Kind { started, tcp, http, log };
    Kind kind = Kind::started;
    std::string target;                 // tcp address or http URL
    std::shared_ptr<const RE2> regex;   // log
    jobfile::Duration timeout = std::chrono::seconds(30);
};

struct ProcessJobConfig final : jobfile::KindConfig {
    std::vector<jobfile::Template> command;   // argv, or empty when shell is used
    std::optional<jobfile::Template> shell;
    std::optional<jobfile::Template> cwd;
    std::vector<std::pair<std::string, jobfile::Template>> env;
    bool clear_env = false;
    std::optional<jobfile::Template> stdin_text;
    StreamSpec out, err;
    int kill_signal = 15;                             // SIGTERM
    std::optional<jobfile::Duration> kill_grace;      // else [process].kill_grace
    Limits limits;
    bool background = false;
    ReadySpec ready;

    std::vector<std::int64_t> expect_exit_codes{0};
    std::vector<jobfile::Template> stdout_contains, stderr_contains;
    std::vector<std::shared_ptr<const RE2>> stdout_matches;
    std::optional<std::uint64_t> max_memory;  // expect.max_memory: peak RSS
    std::vector<CaptureSpec> captures;
};

struct ProcessSubsystemConfig final : jobfile::KindConfig {
    std::uint32_t max = 64;
    jobfile::Duration kill_grace = std::chrono::seconds(10);
    Limits limits;
    bool background = false;
    ReadySpec ready;
};

}  // namespace gaia::jobs::process
