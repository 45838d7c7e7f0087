#include "jobs/process/process_kind.hpp"

#include "core/text/regex.hpp"
#include "jobs/process/guard.hpp"
#include "jobs/process/launcher.hpp"
#include "jobs/process/process_config.hpp"
#include "jobs/process/process_manager.hpp"
#include "jobs/process/readiness_probe.hpp"
#include "core/text/signal_names.hpp"

namespace gaia::jobs::process {
namespace {

using jobfile::CompileContext;

// Output is line-oriented: ^ and $ match at line boundaries, as users of grep expect.
std::optional<StreamSpec> stream_mode(const toml::node& node, std::string_view what, CompileContext& ctx) {
    auto text = ctx.string(node, what);
    if (!text) return std::nullopt;
    StreamSpec spec;
    if (*text == "capture") spec.mode = StreamMode::capture;
    else if (*text == "discard") spec.mode = StreamMode::discard;
    else if (*text == "inherit") spec.mode = StreamMode::inherit;
    else {
        ctx.error(node, "`" + std::string(what) + "` must be \"capture\", \"discard\" or \"inherit\", not \"" + *text +
                            "\" (use " + std::string(what) + "_file to write to a file)");
        return std::nullopt;
    }
    return spec;
}

// A string or a list of strings, each a template.
std::vector<jobfile::Template> templates(const toml::node& node, std::string_view what, CompileContext& ctx) {
    std::vector<jobfile::Template> out;
    if (const auto* arr = node.as_array()) {
        for (const auto& el : *arr) {
            if (auto t = ctx.templ(el, what)) out.push_back(std::move(*t));
        }
    } else if (auto t = ctx.templ(node, what)) {
        out.push_back(std::move(*t));
    }
    return out;
}

const std::vector<std::string_view> kLimitKeys = {"memory", "cpu_time", "open_files", "processes", "file_size"};

Limits compile_limits(const toml::node& node, std::string_view where, CompileContext& ctx) {
    Limits limits;
    const auto* t = ctx.table(node, where);
    if (!t) return limits;
    ctx.check_keys(*t, kLimitKeys, "`" + std::string(where) + "`");
    const std::string prefix = std::string(where) + ".";
    if (const auto* n = t->get("memory")) limits.memory = ctx.size(*n, prefix + "memory");
    if (const auto* n = t->get("cpu_time")) limits.cpu_time = ctx.duration(*n, prefix + "cpu_time");
    if (const auto* n = t->get("file_size")) limits.file_size = ctx.size(*n, prefix + "file_size");
    if (const auto* n = t->get("open_files")) {
        if (auto v = ctx.integer(*n, prefix + "open_files", 3, 1 << 30)) limits.open_files = static_cast<std::uint64_t>(*v);
    }
    if (const auto* n = t->get("processes")) {
        if (auto v = ctx.integer(*n, prefix + "processes", 1, 1 << 22)) limits.processes = static_cast<std::uint64_t>(*v);
    }
    if (limits.memory && *limits.memory < (1u << 20)) {
        ctx.error(*t->get("memory"), "`" + prefix + "memory` must be at least 1MiB");
        limits.memory.reset();
    }
    if (limits.cpu_time && limits.cpu_time->count() < 1'000'000) {
        ctx.error(*t->get("cpu_time"), "`" + prefix + "cpu_time` must be at least 1s (the kernel counts whole seconds)");
        limits.cpu_time.reset();
    }
    return limits;
}

// `ready = { tcp | http | log = …, timeout = … }` of a service.
void compile_ready(const toml::node& ready, ProcessJobConfig& config, CompileContext& ctx) {
    const auto* n = &ready;
    if (!config.background) ctx.error(*n, "`ready` is for services: set `background = true` too");
    if (const auto* t = ctx.table(*n, "ready")) {
        ctx.check_keys(*t, {"tcp", "http", "log", "timeout"}, "`ready`");
        int kinds = 0;
        for (const char* key : {"tcp", "http", "log"}) {
            const auto* v = t->get(key);
            if (!v) continue;
            ++kinds;
            auto text = ctx.static_text(*v, std::string("ready.") + key);
            if (!text) continue;
            std::string error;
            if (std::string_view(key) == "log") {
                config.ready.kind = ReadySpec::Kind::log;
                config.ready.regex = text::compile_regex(*text, true, &error);
            } else {
                config.ready.kind = std::string_view(key) == "tcp" ? ReadySpec::Kind::tcp : ReadySpec::Kind::http;
                config.ready.target = *text;
                parse_probe_target(*text, config.ready.kind == ReadySpec::Kind::http, &error);
            }
            if (!error.empty()) ctx.error(*v, "`ready." + std::string(key) + "`: " + error);
        }
        if (kinds != 1) ctx.error(*n, "`ready` needs exactly one of `tcp`, `http` or `log`");
        if (const auto* v = t->get("timeout")) {
            if (auto d = ctx.duration(*v, "ready.timeout")) config.ready.timeout = *d;
        }
    }
}

// The `expect` table of a process job.
void compile_expect(const toml::table& e, ProcessJobConfig& config, CompileContext& ctx) {
    if (const auto* n = e.get("exit_code")) {
        config.expect_exit_codes.clear();
        if (const auto* arr = n->as_array()) {
            for (const auto& el : *arr) {
                if (auto code = ctx.integer(el, "expect.exit_code", 0, 255)) config.expect_exit_codes.push_back(*code);
            }
        } else if (auto code = ctx.integer(*n, "expect.exit_code", 0, 255)) {
            config.expect_exit_codes.push_back(*code);
        }
    }
    if (const auto* n = e.get("stdout_contains")) config.stdout_contains = templates(*n, "expect.stdout_contains", ctx);
    if (const auto* n = e.get("stderr_contains")) config.stderr_contains = templates(*n, "expect.stderr_contains", ctx);
    if (const auto* n = e.get("stdout_matches")) {
        auto add = [&](const toml::node& el) {
            auto pattern = ctx.string(el, "expect.stdout_matches");
            if (!pattern) return;
            std::string error;
            if (auto re = text::compile_regex(*pattern, true, &error)) config.stdout_matches.push_back(re);
            else ctx.error(el, "`expect.stdout_matches`: " + error);
        };
        if (const auto* arr = n->as_array()) {
            for (const auto& el : *arr) add(el);
        } else {
            add(*n);
        }
    }
    if (const auto* n = e.get("max_memory")) config.max_memory = ctx.size(*n, "expect.max_memory");
}

// The `capture` table (its specs were checked by check_capture).
void compile_captures(const toml::table& capture, ProcessJobConfig& config) {
    for (auto&& [key, value] : capture) {
        const auto* spec = jobfile::capture_source(value);
        if (!spec) continue;
        CaptureSpec c;
        c.name = std::string(key.str());
        const std::string& text = spec->get();
        if (text == "stdout") c.source = CaptureSpec::Source::stdout_text;
        else if (text == "exit_code") c.source = CaptureSpec::Source::exit_code;
        else if (text.rfind("stdout:", 0) == 0) {
            std::string error;
            c.source = CaptureSpec::Source::stdout_regex;
            c.regex = text::compile_regex(std::string_view(text).substr(7), true, &error);
            if (!c.regex) continue;  // reported through check_capture
        } else {
            continue;
        }
        config.captures.push_back(std::move(c));
    }
}

}  // namespace

Limits Limits::over(const Limits& defaults) const {
    Limits out = defaults;
    if (memory) out.memory = memory;
    if (cpu_time) out.cpu_time = cpu_time;
    if (open_files) out.open_files = open_files;
    if (processes) out.processes = processes;
    if (file_size) out.file_size = file_size;
    return out;
}

const jobfile::KindSchema& ProcessKind::schema() const {
    static const jobfile::KindSchema schema{
        "process",
        "process",
        {"command", "shell", "cwd", "env", "clear_env", "stdin", "stdout", "stderr", "stdout_file", "stderr_file",
         "kill_signal", "kill_grace", "limits", "background", "ready"},
        {"exit_code", "stdout_contains", "stdout_matches", "stderr_contains", "max_memory"},
        {"max", "kill_grace", "limits"},
        {{"success_rate", jobfile::SloKey::Unit::ratio, 0.95},
         {"p95", jobfile::SloKey::Unit::duration, std::nullopt},
         {"max_active", jobfile::SloKey::Unit::count, 200},
         {"memory", jobfile::SloKey::Unit::size, 500.0 * 1024 * 1024}},
        {},
    };
    return schema;
}

std::optional<std::string> ProcessKind::check_capture(std::string_view spec) const {
    if (spec == "stdout" || spec == "exit_code") return std::nullopt;
    if (spec.substr(0, 7) == "stdout:") {
        std::string error;
        if (!text::compile_regex(spec.substr(7), true, &error)) return error;
        return std::nullopt;
    }
    return "a process capture is \"stdout\", \"stdout:REGEX\" or \"exit_code\", not \"" + std::string(spec) + "\"";
}

std::shared_ptr<const jobfile::KindConfig> ProcessKind::compile_job(const toml::table& job, CompileContext& ctx) const {
    auto config = std::make_shared<ProcessJobConfig>();
    const auto* command = job.get("command");
    const auto* shell = job.get("shell");
    if (command && shell) {
        ctx.error(*shell, "a process job has either `command` or `shell`, not both");
    } else if (!command && !shell) {
        ctx.diags().error(jobfile::pos_of(job), "a process job needs `command = [\"prog\", \"arg\"]` or `shell = \"…\"`");
    }
    if (command) {
        if (const auto* arr = command->as_array()) {
            if (arr->empty()) ctx.error(*command, "`command` is empty: it needs at least the program");
            for (const auto& el : *arr) {
                if (auto t = ctx.templ(el, "command", jobfile::TextRule::no_nul)) config->command.push_back(std::move(*t));
            }
        } else {
            ctx.error(*command, "`command` must be an array of strings (argv, no shell), e.g. [\"ls\", \"-l\"]; "
                                "use `shell` for a command line");
        }
    }
    if (shell) config->shell = ctx.templ(*shell, "shell", jobfile::TextRule::no_nul);
    if (const auto* n = job.get("cwd")) config->cwd = ctx.templ(*n, "cwd", jobfile::TextRule::no_nul);
    if (const auto* n = job.get("env")) {
        if (const auto* t = ctx.table(*n, "env")) {
            for (auto&& [key, value] : *t) {
                const auto name = key.str();
                if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string_view::npos) {
                    ctx.diags().error(jobfile::pos_of(key), "`env`: a variable name cannot be empty or hold `=` or NUL");
                    continue;
                }
                if (auto v = ctx.templ(value, "env." + std::string(name), jobfile::TextRule::no_nul)) {
                    config->env.emplace_back(std::string(key.str()), std::move(*v));
                }
            }
        }
    }
    if (const auto* n = job.get("clear_env")) config->clear_env = ctx.boolean(*n, "clear_env").value_or(false);
    if (const auto* n = job.get("stdin")) config->stdin_text = ctx.templ(*n, "stdin");
    if (const auto* n = job.get("stdout")) {
        if (auto s = stream_mode(*n, "stdout", ctx)) config->out = std::move(*s);
    }
    if (const auto* n = job.get("stderr")) {
        if (auto s = stream_mode(*n, "stderr", ctx)) config->err = std::move(*s);
    }
    if (const auto* n = job.get("stdout_file")) {
        if (job.contains("stdout")) ctx.error(*n, "`stdout_file` replaces `stdout`: set only one of them");
        if (auto t = ctx.templ(*n, "stdout_file", jobfile::TextRule::no_nul)) config->out = {StreamMode::file, std::move(*t)};
    }
    if (const auto* n = job.get("stderr_file")) {
        if (job.contains("stderr")) ctx.error(*n, "`stderr_file` replaces `stderr`: set only one of them");
        if (auto t = ctx.templ(*n, "stderr_file", jobfile::TextRule::no_nul)) config->err = {StreamMode::file, std::move(*t)};
    }
    if (const auto* n = job.get("kill_signal")) {
        if (auto s = ctx.string(*n, "kill_signal")) {
            if (auto sig = text::parse_signal(*s)) config->kill_signal = *sig;
            else ctx.error(*n, "unknown signal `" + *s + "` (e.g. \"SIGTERM\", \"SIGINT\", \"SIGKILL\")");
        }
    }
    if (const auto* n = job.get("kill_grace")) config->kill_grace = ctx.duration(*n, "kill_grace");
    if (const auto* n = job.get("limits")) config->limits = compile_limits(*n, "limits", ctx);
    if (const auto* n = job.get("background")) config->background = ctx.boolean(*n, "background").value_or(false);
    if (const auto* n = job.get("ready")) compile_ready(*n, *config, ctx);
    if (const auto* expect = job.get("expect"); expect && expect->is_table()) {
        compile_expect(*expect->as_table(), *config, ctx);
    }
    if (const auto* capture = job.get("capture"); capture && capture->is_table()) {
        compile_captures(*capture->as_table(), *config);
    }
    return config;
}

std::shared_ptr<const jobfile::KindConfig> ProcessKind::compile_subsystem(
    const std::vector<const toml::table*>& fragments, CompileContext& ctx) const {
    auto config = std::make_shared<ProcessSubsystemConfig>();
    for (const auto* t : fragments) {
        if (const auto* n = t->get("max")) {
            if (auto v = ctx.integer(*n, "process.max", 1, 100'000)) config->max = static_cast<std::uint32_t>(*v);
        }
        if (const auto* n = t->get("kill_grace")) {
            if (auto v = ctx.duration(*n, "process.kill_grace")) config->kill_grace = *v;
        }
        if (const auto* n = t->get("limits")) config->limits = compile_limits(*n, "process.limits", ctx);
    }
    return config;
}

std::unique_ptr<run::KindRuntime> ProcessKind::make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const {
    static const ProcessSubsystemConfig defaults;
    const auto* config = dynamic_cast<const ProcessSubsystemConfig*>(subsystem);
    return std::make_unique<ProcessManager>(env, config ? *config : defaults);
}

void ProcessKind::judge_health(run::HealthCheck& check) const {
    const double active = check.gauge("gaia_process_active");
    const double memory = check.gauge("gaia_process_memory_bytes");
    check.count("active", active);
    check.count("memory_bytes", memory);
    check.at_most("processes running", active, "max_active");
    const double memory_limit = check.objective("memory").value_or(0);
    check.count("objective_memory_bytes", memory_limit);
    if (memory > memory_limit) {
        check.miss(run::HealthStatus::degraded, "children's resident memory " +
                                                    std::to_string(static_cast<long long>(memory)) +
                                                    " bytes is over the objective of " +
                                                    std::to_string(static_cast<long long>(memory_limit)));
    }
    check.work("processes", check.counter("gaia_process_exits_total"));
}

run::JobKind::HelperMain ProcessKind::helper(std::string_view command) const {
    if (command == kLauncherCommand) return launcher_main;
    if (command == kGuardCommand) return guard_main;
    return nullptr;
}

const run::JobKind& kind() {
    static const ProcessKind the_kind;
    return the_kind;
}

}  // namespace gaia::jobs::process
