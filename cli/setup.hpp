#pragma once
// What every subcommand does first: logging, colour, --var parsing, loading job files.

#include "cli/commands.hpp"
#include "core/jobfile/diagnostics.hpp"
#include "core/jobfile/loader.hpp"
#include "core/loop/loop.hpp"
#include "core/text/redactor.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

namespace gaia::cli {

void setup_logging(const GlobalOptions& globals);

// Sends gaia's log lines to `sink` instead (formatted as setup_logging chose) while it
// lives: --quiet-success holds them.
class LogRedirect {
public:
    LogRedirect(const GlobalOptions& globals, spdlog::sink_ptr sink);
    ~LogRedirect();
    LogRedirect(const LogRedirect&) = delete;
    LogRedirect& operator=(const LogRedirect&) = delete;

private:
    std::vector<spdlog::sink_ptr> saved_;
};

// Whether to colour output written to this stream (--color, NO_COLOR, a terminal).
bool use_color(const GlobalOptions& globals, int fd);

std::vector<std::pair<std::string, std::string>> parse_vars(const std::vector<std::string>& vars);

// Loads and checks the files; prints every diagnostic to `out`. Null when invalid.
// `generated`: job-file text gaia makes itself ({name, text}), read after the files.
std::unique_ptr<jobfile::JobSet> load_files(const GlobalOptions& globals, const std::vector<std::string>& files,
                                            bool require_env, jobfile::Diagnostics& diags, std::ostream& out = std::cerr,
                                            const std::vector<std::pair<std::string, std::string>>& generated = {});

// Masks the values of the env.* variables the jobs read and of env files, and warns, by
// name, about a value too short to mask inside other words (text::Redactor).
void add_secret_env(text::Redactor& redactor, const std::vector<std::string>& names);

// libuv starts its thread pool once, at its first use, with UV_THREADPOOL_SIZE threads
// (4 by default): called before the loop exists, it matches [file].concurrency so that
// many file operations really run at once. A value the user exported wins.
void size_thread_pool(const jobfile::JobSet& set);

// Closes gaia's loop at the end of a command. Handles still open then are a leak: logged
// as a warning with their types, and fatal (abort) in the sanitized build, so that every
// end-to-end test there proves gaia closes everything it opened.
void close_loop(loop::Loop& loop);

}  // namespace gaia::cli
