#include "cli/setup.hpp"

#include "core/run/kinds.hpp"
#include "core/text/printable.hpp"
#include "jobs/registry.hpp"

#include <spdlog/cfg/env.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

namespace gaia::cli {
namespace {

// One JSON object per line: {"time": …, "level": …, "msg": …}, escaped properly.
class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto seconds = std::chrono::system_clock::to_time_t(msg.time);
        const auto millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
        std::tm tm{};
        gmtime_r(&seconds, &tm);
        char stamp[64];
        std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
        nlohmann::json line = {
            {"time", stamp},
            {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                  spdlog::level::to_string_view(msg.level).size())},
            {"msg", std::string(msg.payload.data(), msg.payload.size())},
        };
        auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(text.data(), text.data() + text.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// Log lines carry text from outside (errors of servers and processes, paths, job-file
// values): it is escaped, so that it cannot act on the terminal or split a line in two.
// (The JSON format escapes control characters itself.)
class PrintableFormatter final : public spdlog::formatter {
public:
    explicit PrintableFormatter(std::string pattern)
        : pattern_(pattern), inner_(std::make_unique<spdlog::pattern_formatter>(std::move(pattern))) {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        const std::string safe = text::printable(payload);
        if (safe.size() == payload.size()) return inner_->format(msg, dest);  // escaping always lengthens
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(safe.data(), safe.size());
        inner_->format(copy, dest);
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<PrintableFormatter>(pattern_); }

private:
    std::string pattern_;
    std::unique_ptr<spdlog::formatter> inner_;
};

}  // namespace

bool use_color(const GlobalOptions& globals, int fd) {
    if (globals.color == "always") return true;
    if (globals.color == "never") return false;
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return false;
    return ::isatty(fd) == 1;
}

namespace {

std::unique_ptr<spdlog::formatter> log_formatter(const GlobalOptions& globals) {
    if (globals.log_format == "json") return std::make_unique<JsonFormatter>();
    return std::make_unique<PrintableFormatter>(use_color(globals, 2) ? "gaia: %^%l%$: %v" : "gaia: %l: %v");
}

}  // namespace

LogRedirect::LogRedirect(const GlobalOptions& globals, spdlog::sink_ptr sink) {
    auto& sinks = spdlog::default_logger()->sinks();
    saved_ = sinks;
    sink->set_formatter(log_formatter(globals));
    sinks.assign(1, std::move(sink));
}

LogRedirect::~LogRedirect() { spdlog::default_logger()->sinks() = saved_; }

void setup_logging(const GlobalOptions& globals) {
    auto logger = spdlog::stderr_logger_st("gaia");
    spdlog::set_default_logger(logger);
    logger->set_formatter(log_formatter(globals));
    auto level = spdlog::level::info;
    if (globals.quiet) level = spdlog::level::warn;
    if (globals.verbose == 1) level = spdlog::level::debug;
    if (globals.verbose >= 2) level = spdlog::level::trace;
    spdlog::set_level(level);
    spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL, when set, wins
}

std::vector<std::pair<std::string, std::string>> parse_vars(const std::vector<std::string>& vars) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& v : vars) {
        auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--var takes NAME=VALUE, not `" + v + "`");
        out.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    }
    return out;
}

std::unique_ptr<jobfile::JobSet> load_files(const GlobalOptions& globals, const std::vector<std::string>& files,
                                            bool require_env, jobfile::Diagnostics& diags, std::ostream& out,
                                            const std::vector<std::pair<std::string, std::string>>& generated) {
    jobfile::LoadOptions options;
    options.files = files;
    options.vars = parse_vars(globals.vars);
    options.env_files = globals.env_files;
    options.require_env = require_env;
    options.generated = generated;
    for (const auto* kind : jobs::all_kinds()) options.kinds.push_back(kind);
    auto set = jobfile::load_job_files(options, diags);
    diags.print(out, use_color(globals, 2));
    return set;
}

void add_secret_env(text::Redactor& redactor, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr || *value == '\0') continue;
        redactor.add_secret(value);
        if (text::Redactor::is_short(value)) {
            spdlog::warn("the value of {} is shorter than {} characters: it is masked only where it stands alone, not "
                         "inside other words",
                         name, text::Redactor::kMinSubstringSecret);
        }
    }
}

void close_loop(loop::Loop& loop) {
    if (loop.close() == 0) return;
    spdlog::warn("gaia leaked event-loop handles at exit: {}", loop.leaked_handles());
#ifdef GAIA_LEAKS_ARE_FATAL
    std::abort();
#endif
}

void size_thread_pool(const jobfile::JobSet& set) {
    const unsigned wanted = run::pool_threads(jobs::all_kinds(), set);
    if (wanted == 0) return;
    if (const char* given = std::getenv("UV_THREADPOOL_SIZE")) {
        spdlog::debug("UV_THREADPOOL_SIZE={} from the environment (the jobs would use {} threads)", given, wanted);
        return;
    }
    ::setenv("UV_THREADPOOL_SIZE", std::to_string(std::max(4u, wanted)).c_str(), 1);
}

}  // namespace gaia::cli
