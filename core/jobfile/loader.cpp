#include "core/jobfile/loader.hpp"

#include "core/jobfile/env_file.hpp"
#include "core/jobfile/graph.hpp"
#include "core/jobfile/nesting.hpp"
#include "core/jobfile/network_table.hpp"
#include "core/jobfile/suggest.hpp"
#include "core/metrics/registry.hpp"
#include "core/jobfile/schedule.hpp"
#include "core/text/sha256.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace gaia::jobfile {
namespace {

namespace fs = std::filesystem;

// Beside these, the top level holds one table per subsystem: each kind's, and [network].
const std::vector<std::string_view> kTopLevelKeys = {"version", "name", "include", "settings", "vars", "jobs", "slo",
                                                     "serve"};
const std::vector<std::string_view> kServeKeys = {"history"};
const std::vector<std::string_view> kHistoryKeys = {"runs", "days"};
const std::vector<std::string_view> kCaptureKeys = {"from", "secret"};
const std::vector<std::string_view> kSettingsKeys = {"concurrency", "fail_fast", "timeout", "env_file", "lock",
                                                     "lock_wait", "on_failure", "on_success", "stale_after"};
const std::vector<std::string_view> kCommonJobKeys = {
    "kind", "needs", "repeat", "for_each", "concurrency", "rate", "timeout", "retries", "thresholds",
    "allow_failure", "tags", "schedule", "expect", "capture", "export", "if", "on_failure", "on_success",
    "overlap", "catchup", "jitter", "paused", "timezone", "shard"};
// [network] belongs to no kind: the coordinator in core/net serves every transfer.
constexpr std::string_view kNetwork = "network";
const std::vector<std::string_view> kRetryKeys = {"attempts", "backoff", "max_backoff"};
const std::vector<std::string_view> kThresholdKeys = {"success_rate", "p50", "p95", "p99", "max"};

constexpr std::int64_t kMaxRepeat = 10'000'000;

std::string format_value(const toml::node& node) {
    std::ostringstream out;
    node.visit([&](auto&& v) { out << v; });
    return out.str();
}

// Why a job may not export a gauge by this name, or nullopt: Prometheus's naming rules,
// no suffix that marks a counter or a histogram, nothing of gaia's or Prometheus's own.
std::optional<std::string> export_name_problem(const std::string& name) {
    if (!metrics::valid_metric_name(name)) {
        return "`" + name + "` is not a Prometheus metric name (letters, digits, _ and :, not starting with a digit)";
    }
    if (name.rfind("__", 0) == 0) return "`" + name + "`: names starting with __ are reserved by Prometheus";
    if (name.find(':') != std::string::npos) {
        return "`" + name + "`: colons are for Prometheus's recording rules, not for exported metrics";
    }
    for (const char* prefix : {"gaia_", "process_", "scrape_"}) {
        if (name.rfind(prefix, 0) == 0) {
            return "`" + name + "`: the prefix " + prefix + " is reserved (gaia's and Prometheus's own metrics)";
        }
    }
    if (name == "up") return "`up` is reserved: Prometheus sets it for every target";
    for (std::string_view suffix : {"_total", "_bucket", "_count", "_sum", "_created"}) {
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            return "`" + name + "`: an exported value is a gauge, and " + std::string(suffix) +
                   " marks a counter or a histogram; choose another name";
        }
    }
    return std::nullopt;
}

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    }
    return true;
}

// One parsed file, kept alive while the set is loaded: positions point into it.
struct Document {
    std::string display;
    toml::table root;
};

struct JobEntry {
    std::string name;
    const toml::node* node;
    SourcePos key_pos;
    std::size_t file_index;
};

class Loader {
public:
    Loader(const LoadOptions& options, Diagnostics& diags)
        : options_(options), diags_(diags), ctx_(diags, set_.vars, options.require_env) {
        for (const auto* kind : options_.kinds) {
            kind_names_.push_back(kind->schema().kind);
            subsystem_names_.push_back(kind->schema().subsystem);
        }
        subsystem_names_.push_back(kNetwork);
        top_level_keys_ = kTopLevelKeys;
        top_level_keys_.insert(top_level_keys_.end(), subsystem_names_.begin(), subsystem_names_.end());
    }

    std::unique_ptr<JobSet> load();

private:
    void read_file(const std::string& display, const fs::path& canonical, std::vector<fs::path>& stack);
    bool read_text(const std::string& display, std::string& text);
    void check_top_level(const Document& doc, std::size_t file_index);
    void record_merged(const std::string& path, const toml::node& node, bool recurse);
    void compile_vars();
    void compile_settings();
    void compile_serve();
    void compile_timezone(Job& job, const toml::table& table, const toml::node& value);
    void check_shards();
    void load_env_files();
    void compile_subsystems();
    void compile_slo();
    std::optional<double> slo_value(const toml::node& value, const SloKey& key, const std::string& what);
    void compile_job(const JobEntry& entry);
    void compile_common_key(Job& job, const toml::table& table, std::string_view key, const toml::node& value);
    void compile_export(Job& job, const toml::node& value);
    void compile_for_each(Job& job, const toml::node& value);
    void compile_retries(Job& job, const toml::node& value);
    void compile_thresholds(Job& job, const toml::node& value);
    void compile_condition(Job& job, const toml::node& value);
    std::vector<std::string> compile_hooks(const std::string& owner, const toml::node& value, const std::string& what);
    void check_hooks();
    void check_graph();
    void check_templates();
    // Every template reference in the strings under `node`, with its position; syntax
    // errors are reported here.
    void for_each_ref(const toml::node& node, const std::function<void(const TemplateRef&, const SourcePos&)>& check);
    void check_ref(const Job& job, std::size_t job_index, const TemplateRef& ref, const SourcePos& pos);
    void warn_unused_overrides();
    SourcePos template_pos(const toml::node& node, std::size_t offset) const;

    const KindCompiler* find_kind(std::string_view name) const;
    const KindCompiler* find_subsystem(std::string_view name) const;
    bool is_subsystem(std::string_view name) const;
    std::string kind_list() const;

    const LoadOptions& options_;
    Diagnostics& diags_;
    std::vector<std::string_view> kind_names_, subsystem_names_, top_level_keys_;
    std::unique_ptr<JobSet> owned_ = std::make_unique<JobSet>();
    JobSet& set_ = *owned_;
    CompileContext ctx_;

    std::vector<std::unique_ptr<Document>> docs_;
    std::set<fs::path> loaded_;
    std::map<std::string, std::pair<const toml::node*, SourcePos>> merged_;
    std::vector<const toml::table*> settings_, vars_, serve_;
    text::Sha256 digest_;  // of what is loaded (JobSet::digest)
    std::map<std::string, std::vector<const toml::table*>, std::less<>> subsystem_tables_, slo_tables_;
    std::vector<JobEntry> job_entries_;
    std::map<std::string, std::size_t, std::less<>> job_seen_;
    std::vector<const toml::table*> job_tables_;  // parallel to set_.jobs
    std::vector<std::vector<std::size_t>> needs_;
    std::unordered_map<std::string_view, std::size_t> job_index_;  // names point into set_.jobs
    std::set<std::string> secret_env_;
    std::set<std::string> used_vars_;  // every vars.NAME a template reads
    struct HookList {
        std::string owner;  // the job, or "" for [settings]
        SourcePos pos;
        std::vector<std::string> names;
        std::string what;   // the key, for messages
    };
    std::vector<HookList> hook_lists_;
    bool name_set_ = false;
};

// Reads in chunks and stops one byte past the limit, so /dev/zero or a huge file fails
// quickly without reserving the limit up front.
void read_bounded(std::istream& in, std::string& text) {
    char chunk[64 * 1024];
    while (text.size() <= kMaxJobFileBytes && in.read(chunk, sizeof chunk).gcount() > 0) {
        text.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
}

bool Loader::read_text(const std::string& display, std::string& text) {
    SourcePos where{std::make_shared<const std::string>(display), 1, 1};
    for (const auto& [name, generated] : options_.generated) {
        if (name == display) {
            text = generated;
            return true;
        }
    }
    if (display == "<stdin>") {
        read_bounded(options_.standard_input ? *options_.standard_input : std::cin, text);
    } else {
        std::error_code ec;
        auto status = fs::status(display, ec);
        if (ec) {
            diags_.error(where, "cannot read job file: " + ec.message());
            return false;
        }
        if (fs::is_directory(status)) {
            diags_.error(where, "cannot read job file: it is a directory");
            return false;
        }
        std::ifstream in(display, std::ios::binary);
        if (!in) {
            diags_.error(where, std::string("cannot read job file: ") + std::strerror(errno));
            return false;
        }
        read_bounded(in, text);
        if (in.bad()) {
            diags_.error(where, std::string("cannot read job file: ") + std::strerror(errno));
            return false;
        }
    }
    if (text.size() > kMaxJobFileBytes) {
        diags_.error(where, "job file is larger than " + std::to_string(kMaxJobFileBytes >> 20) + " MiB");
        return false;
    }
    return true;
}

void Loader::read_file(const std::string& display, const fs::path& canonical, std::vector<fs::path>& stack) {
    if (!canonical.empty()) {
        if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) return;  // reported by the includer
        if (!loaded_.insert(canonical).second) return;  // included twice: merged once
    }
    std::string text;
    if (!read_text(display, text)) return;
    // Each text with its length before it: two files "ab" + "c" differ from "a" + "bc".
    digest_.update(std::to_string(text.size()) + ":");
    digest_.update(text);
    if (auto deep = find_deep_nesting(text)) {
        diags_.error({std::make_shared<const std::string>(display), deep->line, deep->column},
                     "nested too deeply: more than " + std::to_string(kMaxNestingDepth) +
                         " levels of tables, dotted keys, arrays and inline tables");
        return;
    }
    auto doc = std::make_unique<Document>();
    doc->display = display;
    try {
        doc->root = toml::parse(text, display);
    } catch (const toml::parse_error& e) {
        diags_.error(pos_of(e.source()), std::string(e.description()));
        return;
    }
    set_.files.push_back(display);
    const std::size_t file_index = set_.files.size() - 1;

    // Includes come first, as if their text stood at the top of this file.
    if (const auto* include = doc->root.get("include")) {
        if (auto paths = ctx_.string_list(*include, "include", true)) {
            fs::path base = display == "<stdin>" ? fs::current_path() : fs::path(display).parent_path();
            stack.push_back(canonical);
            const auto* arr = include->as_array();
            for (std::size_t i = 0; i < paths->size(); ++i) {
                const toml::node& at = arr ? *arr->get(i) : *include;
                if ((*paths)[i].empty()) {
                    ctx_.error(at, "`include` names an empty path");
                    continue;
                }
                fs::path target = fs::path((*paths)[i]).is_absolute() ? fs::path((*paths)[i]) : base / (*paths)[i];
                std::error_code ec;
                fs::path canon = fs::weakly_canonical(target, ec);
                if (std::find(stack.begin(), stack.end(), canon) != stack.end()) {
                    std::string chain;
                    for (auto it = std::find(stack.begin(), stack.end(), canon); it != stack.end(); ++it) {
                        chain += it->filename().string() + " -> ";
                    }
                    ctx_.error(at, "include cycle: " + chain + canon.filename().string());
                    continue;
                }
                std::size_t errors_before = diags_.error_count();
                read_file(target.lexically_normal().string(), canon, stack);
                if (diags_.error_count() > errors_before && !fs::exists(target)) {
                    ctx_.error(at, "included file `" + (*paths)[i] + "` was not found");
                }
            }
            stack.pop_back();
        }
    }
    check_top_level(*doc, file_index);
    docs_.push_back(std::move(doc));
}

void Loader::record_merged(const std::string& path, const toml::node& node, bool recurse) {
    if (recurse && node.is_table()) {
        for (auto&& [key, value] : *node.as_table()) record_merged(path + "." + std::string(key.str()), value, true);
        return;
    }
    auto [it, inserted] = merged_.try_emplace(path, &node, pos_of(node));
    if (inserted) return;
    if (format_value(*it->second.first) != format_value(node) || it->second.first->type() != node.type()) {
        ctx_.error(node, "`" + path + "` is " + format_value(node) + " here but " + format_value(*it->second.first) +
                             " at " + it->second.second.str() + " (job files must agree on shared keys)");
    }
}

const KindCompiler* Loader::find_kind(std::string_view name) const {
    for (const auto* kind : options_.kinds) {
        if (kind->schema().kind == name) return kind;
    }
    return nullptr;
}

const KindCompiler* Loader::find_subsystem(std::string_view name) const {
    for (const auto* kind : options_.kinds) {
        if (kind->schema().subsystem == name) return kind;
    }
    return nullptr;
}

bool Loader::is_subsystem(std::string_view name) const {
    return std::find(subsystem_names_.begin(), subsystem_names_.end(), name) != subsystem_names_.end();
}

// "http, file, browser, process": the kinds of this build, in the order they were registered.
std::string Loader::kind_list() const {
    std::string list;
    for (auto name : kind_names_) list += (list.empty() ? "" : ", ") + std::string(name);
    return list;
}

void Loader::check_top_level(const Document& doc, std::size_t file_index) {
    ctx_.check_keys(doc.root, top_level_keys_, "the top level of a job file");
    for (auto&& [key, value] : doc.root) {
        const auto k = key.str();
        if (k == "version") {
            if (!value.is_integer() || value.as_integer()->get() != 1) {
                ctx_.error(value, "unsupported version " + format_value(value) + " (this gaia reads version = 1)");
            }
        } else if (k == "name") {
            if (auto name = ctx_.string(value, "name")) {
                if (name->empty()) ctx_.error(value, "`name` cannot be empty");
                else record_merged("name", value, false);
                if (!name_set_) set_.name = *name;
                name_set_ = true;
            }
        } else if (k == "settings" || k == "vars" || k == "serve") {
            if (const auto* t = ctx_.table(value, k)) {
                (k == "settings" ? settings_ : k == "vars" ? vars_ : serve_).push_back(t);
                record_merged(std::string(k), value, true);
            }
        } else if (k == "slo") {
            if (const auto* t = ctx_.table(value, k)) {
                for (auto&& [sub, sub_value] : *t) {
                    if (!is_subsystem(sub.str())) {
                        diags_.error(pos_of(sub), "unknown subsystem `slo." + std::string(sub.str()) + "`" +
                                                      did_you_mean(sub.str(), subsystem_names_));
                        continue;
                    }
                    if (const auto* st = ctx_.table(sub_value, "slo." + std::string(sub.str()))) {
                        slo_tables_[std::string(sub.str())].push_back(st);
                    }
                }
                record_merged("slo", value, true);
            }
        } else if (is_subsystem(k)) {
            if (const auto* t = ctx_.table(value, k)) {
                subsystem_tables_[std::string(k)].push_back(t);
                record_merged(std::string(k), value, true);
            }
        } else if (k == "jobs") {
            const auto* jobs = ctx_.table(value, "jobs");
            if (!jobs) continue;
            for (auto&& [name, job] : *jobs) {
                std::string job_name(name.str());
                auto [it, inserted] = job_seen_.try_emplace(job_name, job_entries_.size());
                if (!inserted) {
                    diags_.error(pos_of(name), "job `" + job_name + "` is defined twice (first at " +
                                                   job_entries_[it->second].key_pos.str() + ")");
                    continue;
                }
                job_entries_.push_back({job_name, &job, pos_of(name), file_index});
            }
        }
    }
}

void Loader::compile_vars() {
    for (const auto* table : vars_) {
        for (auto&& [key, value] : *table) {
            std::string name(key.str());
            if (!valid_name(name)) {
                diags_.error(pos_of(key), "invalid variable name `" + name + "` (use letters, digits, _ and -)");
                continue;
            }
            if (value.is_string()) {
                const auto& text = value.as_string()->get();
                TemplateSyntaxError syntax;
                auto t = Template::compile(text, &syntax);
                if (!t) {
                    diags_.error(template_pos(value, syntax.offset), syntax.message);
                    continue;
                }
                bool ok = true;
                for (const auto& part : t->parts()) {
                    if (!part.ref) continue;
                    if (part.ref->kind != TemplateRef::Kind::env) {
                        diags_.error(template_pos(value, part.ref->offset),
                                     "variables can use only `env.*` templates, not `" + part.ref->text + "`");
                        ok = false;
                    } else {
                        check_ref(Job{}, 0, *part.ref, template_pos(value, part.ref->offset));
                    }
                }
                if (!ok) continue;
                RenderScope scope;
                try {
                    set_.vars[name] = t->render(scope);
                } catch (const RenderError&) {
                    set_.vars[name] = "";  // an unset env.* already has its diagnostic
                }
            } else if (value.is_integer() || value.is_floating_point() || value.is_boolean()) {
                set_.vars[name] = format_value(value);
            } else {
                ctx_.error(value, "variable `" + name + "` must be a string, a number or a boolean, not " +
                                      type_name(value));
            }
        }
    }
    for (const auto& [name, value] : options_.vars) set_.vars[name] = value;
}

void Loader::compile_settings() {
    for (const auto* table : settings_) {
        ctx_.check_keys(*table, kSettingsKeys, "[settings]");
        if (const auto* n = table->get("concurrency")) {
            if (auto v = ctx_.integer(*n, "settings.concurrency", 1, 1'000'000)) {
                set_.settings.concurrency = static_cast<std::uint32_t>(*v);
            }
        }
        if (const auto* n = table->get("fail_fast")) {
            if (auto v = ctx_.boolean(*n, "settings.fail_fast")) set_.settings.fail_fast = *v;
        }
        if (const auto* n = table->get("timeout")) {
            if (auto v = ctx_.duration(*n, "settings.timeout")) set_.settings.timeout = *v;
        }
        if (const auto* n = table->get("lock")) {
            if (auto text = ctx_.static_text(*n, "settings.lock")) {
                // Relative to the job file that names it, as env_file is.
                fs::path path(*text);
                const auto& source = n->source().path;
                if (path.is_relative() && source && *source != "<stdin>") path = fs::path(*source).parent_path() / path;
                set_.settings.lock = path.string();
            }
        }
        if (const auto* n = table->get("lock_wait")) {
            if (auto v = ctx_.duration(*n, "settings.lock_wait")) set_.settings.lock_wait = *v;
        }
        if (const auto* n = table->get("stale_after")) {
            if (auto v = ctx_.duration(*n, "settings.stale_after")) set_.settings.stale_after = *v;
        }
        for (const char* key : {"on_failure", "on_success"}) {
            if (const auto* n = table->get(key)) compile_hooks("", *n, std::string("settings.") + key);
        }
    }
}

// `timezone`: the IANA zone the job's cron line is read in.
void Loader::compile_timezone(Job& job, const toml::table& table, const toml::node& value) {
    const auto name = ctx_.string(value, "timezone");
    if (!name) return;
    const auto* schedule = table.get("schedule");
    const auto* text = schedule ? schedule->as_string() : nullptr;
    if (!text) {
        ctx_.error(value, "`timezone` applies to a job's `schedule`, and job `" + job.name + "` has none");
        return;
    }
    std::string error;
    auto parsed = Schedule::parse(text->get(), &error);
    if (parsed && parsed->interval()) {
        ctx_.error(value, "`timezone` applies to cron lines; `" + text->get() + "` is an interval, free of time zones");
        return;
    }
    if (parsed && !parsed->set_zone(*name, &error)) {
        ctx_.error(value, "`timezone`: " + error);
        return;
    }
    job.scheduling.timezone = *name;
}

void Loader::compile_serve() {
    for (const auto* table : serve_) {
        ctx_.check_keys(*table, kServeKeys, "[serve]");
        const auto* n = table->get("history");
        if (!n) continue;
        const auto* history = ctx_.table(*n, "serve.history");
        if (!history) continue;
        ctx_.check_keys(*history, kHistoryKeys, "serve.history");
        if (const auto* runs = history->get("runs")) {
            if (auto v = ctx_.integer(*runs, "serve.history.runs", 1, 100'000'000)) {
                set_.serve.history_runs = static_cast<std::uint64_t>(*v);
            }
        }
        if (const auto* days = history->get("days")) {
            if (auto v = ctx_.number(*days, "serve.history.days", 0.001, 36'500)) set_.serve.history_days = *v;
        }
    }
}

// An on_failure / on_success list, kept with its place for check_hooks().
std::vector<std::string> Loader::compile_hooks(const std::string& owner, const toml::node& value, const std::string& what) {
    auto names = ctx_.string_list(value, what, true);
    if (!names) return {};
    hook_lists_.push_back({owner, pos_of(value), *names, what});
    if (owner.empty()) {
        // Every file's [settings] adds its hooks (and --heartbeat its own).
        auto& list = what == "settings.on_failure" ? set_.settings.on_failure : set_.settings.on_success;
        list.insert(list.end(), names->begin(), names->end());
    }
    return *names;
}

// Hook jobs run once the run has ended, never in it: each named one must exist, and none
// can need a job, be needed, or have hooks of its own.
void Loader::check_hooks() {
    std::vector<std::string_view> names;
    for (const auto& job : set_.jobs) names.push_back(job.name);
    for (const auto& list : hook_lists_) {
        for (const auto& name : list.names) {
            const auto found = job_index_.find(name);
            if (found == job_index_.end()) {
                diags_.error(list.pos, "`" + list.what + "`: no job named `" + name + "`" + did_you_mean(name, names));
            } else if (name == list.owner) {
                diags_.error(list.pos, "job `" + name + "` cannot be its own hook");
            } else {
                set_.jobs[found->second].hook = true;
            }
        }
    }
    for (const auto& job : set_.jobs) {
        if (!job.hook) {
            for (const auto& need : job.needs) {
                const auto found = job_index_.find(need);
                if (found != job_index_.end() && set_.jobs[found->second].hook) {
                    diags_.error(job.needs_pos, "job `" + job.name + "` needs `" + need +
                                                    "`, a hook job (on_failure, on_success), which runs only once the run has ended");
                }
            }
            continue;
        }
        if (!job.needs.empty()) {
            diags_.error(job.needs_pos, "job `" + job.name + "` is a hook (on_failure, on_success): it runs once the run "
                                        "has ended and cannot need other jobs");
        }
        if (!job.on_failure.empty() || !job.on_success.empty()) {
            diags_.error(job.pos, "job `" + job.name + "` is a hook (on_failure, on_success) and cannot have hooks of its own");
        }
    }
}

// --env-file, then [settings].env_file (a fixed path: nothing is rendered before it).
void Loader::load_env_files() {
    const auto load = [this](const std::string& path, const SourcePos& where) {
        for (auto& name : apply_env(read_env_file(path, where, diags_))) secret_env_.insert(std::move(name));
    };
    for (const auto& path : options_.env_files) load(path, SourcePos{});
    for (const auto* table : settings_) {
        const auto* n = table->get("env_file");
        if (!n) continue;
        if (auto text = ctx_.static_text(*n, "settings.env_file")) {
            // Relative to the job file that names it, as an include is.
            fs::path path(*text);
            const auto& source = n->source().path;
            if (path.is_relative() && source && *source != "<stdin>") path = fs::path(*source).parent_path() / path;
            load(path.string(), pos_of(*n));
        }
    }
}

void Loader::compile_subsystems() {
    for (const auto* compiler : options_.kinds) {
        const auto subsystem = compiler->schema().subsystem;
        auto it = subsystem_tables_.find(subsystem);
        std::vector<const toml::table*> fragments;
        if (it != subsystem_tables_.end()) fragments = it->second;
        for (const auto* t : fragments) {
            ctx_.check_keys(*t, compiler->schema().subsystem_keys, "[" + std::string(subsystem) + "]");
        }
        if (auto config = compiler->compile_subsystem(fragments, ctx_)) set_.subsystems[std::string(subsystem)] = config;
    }
    if (auto it = subsystem_tables_.find(kNetwork); it != subsystem_tables_.end()) {
        set_.network = compile_network(it->second, ctx_);
    }
}

void Loader::compile_slo() {
    // The SLO tables matter only to `gaia serve`; a run checks them so that a typo is caught
    // by `gaia validate` wherever the file is used.
    for (const auto& [name, fragments] : slo_tables_) {
        const auto* compiler = find_subsystem(name);
        const auto& declared = compiler ? compiler->schema().slo_keys : kNetworkSloKeys;
        std::vector<std::string_view> names;
        std::string listed;
        for (const auto& key : declared) {
            names.push_back(key.name);
            listed += (listed.empty() ? "" : ", ") + std::string(key.name);
        }
        for (const auto* t : fragments) {
            ctx_.check_keys(*t, names, "[slo." + name + "] (keys: " + listed + ")");
            auto& slo = set_.slo[name];
            for (const auto& key : declared) {
                const auto* value = t->get(key.name);
                if (!value) continue;
                if (auto v = slo_value(*value, key, "slo." + name + "." + std::string(key.name))) {
                    slo.values[std::string(key.name)] = *v;
                }
            }
        }
    }
}

std::optional<double> Loader::slo_value(const toml::node& value, const SloKey& key, const std::string& what) {
    switch (key.unit) {
    case SloKey::Unit::ratio: return ctx_.number(value, what, 0.0, 1.0);
    case SloKey::Unit::duration:
        if (auto d = ctx_.duration(value, what)) return std::chrono::duration<double>(*d).count();
        return std::nullopt;
    case SloKey::Unit::size:
        if (auto bytes = ctx_.size(value, what)) return static_cast<double>(*bytes);
        return std::nullopt;
    case SloKey::Unit::count:
        if (auto n = ctx_.integer(value, what, 0, 100'000'000)) return static_cast<double>(*n);
        return std::nullopt;
    }
    return std::nullopt;
}

void Loader::compile_export(Job& job, const toml::node& value) {
    const auto* table = ctx_.table(value, "export");
    if (!table) return;
    if (job.fan_out) {
        ctx_.error(value, "`export` publishes one value per job: it cannot be used with `repeat`, `for_each` or a glob");
        return;
    }
    for (auto&& [key, capture] : *table) {
        const std::string metric(key.str());
        if (auto problem = export_name_problem(metric)) {
            diags_.error(pos_of(key), "`export`: " + *problem);
            continue;
        }
        const auto name = ctx_.string(capture, "export." + metric);
        if (!name) continue;
        if (std::find(job.captures.begin(), job.captures.end(), *name) == job.captures.end()) {
            std::vector<std::string_view> known(job.captures.begin(), job.captures.end());
            ctx_.error(capture, "`export." + metric + "` names capture `" + *name + "`, which job `" + job.name +
                                    "` does not declare in `capture`" + did_you_mean(*name, known));
            continue;
        }
        if (std::find(job.secret_captures.begin(), job.secret_captures.end(), *name) != job.secret_captures.end()) {
            ctx_.error(capture, "`export." + metric + "`: capture `" + *name +
                                    "` is secret, and a metric would publish its value");
            continue;
        }
        job.exports.emplace_back(metric, *name);
    }
}

void Loader::compile_for_each(Job& job, const toml::node& value) {
    job.fan_out = true;
    ForEach fe;
    if (const auto* s = value.as_string()) {
        TemplateSyntaxError syntax;
        auto t = Template::compile(s->get(), &syntax);
        const TemplateRef* ref = t ? t->sole_ref() : nullptr;
        if (!t) return;  // the template pass reports it
        if (!ref || ref->kind != TemplateRef::Kind::job_capture) {
            ctx_.error(value, "`for_each` must be an array or exactly one \"{{ jobs.JOB.CAPTURE }}\" reference");
            return;
        }
        fe.from_job = ref->name;
        fe.from_capture = ref->key;
        job.for_each = std::move(fe);
        return;
    }
    const auto* arr = value.as_array();
    if (!arr) {
        ctx_.error(value, "`for_each` must be an array or \"{{ jobs.JOB.CAPTURE }}\", not " + type_name(value));
        return;
    }
    if (arr->size() > static_cast<std::size_t>(kMaxRepeat)) {
        ctx_.error(value, "`for_each` has more than " + std::to_string(kMaxRepeat) + " items");
        return;
    }
    for (const auto& el : *arr) {
        // Strings in items may use vars and env, fixed at load like other static values.
        if (auto item = ctx_.json_value(el, "for_each", true)) fe.items.push_back(std::move(*item));
    }
    job.for_each = std::move(fe);
}

void Loader::compile_retries(Job& job, const toml::node& value) {
    if (value.is_integer()) {
        if (auto n = ctx_.integer(value, "retries", 0, 1000)) job.retries.attempts = static_cast<std::uint32_t>(*n);
        return;
    }
    const auto* t = value.as_table();
    if (!t) {
        ctx_.error(value, "`retries` must be a count or { attempts = 3, backoff = \"200ms\", max_backoff = \"10s\" }, "
                          "not " + type_name(value));
        return;
    }
    ctx_.check_keys(*t, kRetryKeys, "`retries`");
    if (const auto* n = t->get("attempts")) {
        if (auto v = ctx_.integer(*n, "retries.attempts", 0, 1000)) job.retries.attempts = static_cast<std::uint32_t>(*v);
    }
    if (const auto* n = t->get("backoff")) {
        if (auto v = ctx_.duration(*n, "retries.backoff")) job.retries.backoff = *v;
    }
    if (const auto* n = t->get("max_backoff")) {
        if (auto v = ctx_.duration(*n, "retries.max_backoff")) job.retries.max_backoff = *v;
    }
    if (job.retries.max_backoff < job.retries.backoff) {
        ctx_.error(value, "`retries.max_backoff` (" + format_duration(job.retries.max_backoff) +
                              ") is shorter than `retries.backoff` (" + format_duration(job.retries.backoff) + ")");
    }
}

void Loader::compile_thresholds(Job& job, const toml::node& value) {
    const auto* t = ctx_.table(value, "thresholds");
    if (!t) return;
    ctx_.check_keys(*t, kThresholdKeys, "`thresholds`");
    for (auto&& [key, v] : *t) {
        const auto k = key.str();
        if (k == "success_rate") {
            if (auto r = ctx_.number(v, "thresholds.success_rate", 0.0, 1.0)) job.thresholds.success_rate = *r;
            continue;
        }
        auto d = ctx_.duration(v, "thresholds." + std::string(k));
        if (!d) continue;
        if (k == "p50") job.thresholds.p50 = d;
        else if (k == "p95") job.thresholds.p95 = d;
        else if (k == "p99") job.thresholds.p99 = d;
        else if (k == "max") job.thresholds.max = d;
    }
}

// `if`: compiled now; the names it reads are checked with the templates' (check_templates).
void Loader::compile_condition(Job& job, const toml::node& value) {
    const auto text = ctx_.string(value, "if");
    if (!text) return;
    ConditionError error;
    if (auto condition = Condition::compile(*text, &error)) {
        job.condition = std::make_shared<const Condition>(std::move(*condition));
    } else {
        diags_.error(template_pos(value, error.offset), "`if`: " + error.message);
    }
}

void Loader::compile_common_key(Job& job, const toml::table& table, std::string_view key, const toml::node& value) {
    if (key == "needs") {
        if (auto names = ctx_.string_list(value, "needs", true)) job.needs = *names;
        job.needs_pos = pos_of(value);
    } else if (key == "repeat") {
        if (table.contains("for_each")) {
            ctx_.error(value, "a job has either `repeat` or `for_each`, not both");
            return;
        }
        job.fan_out = true;
        if (auto n = ctx_.integer(value, "repeat", 1, kMaxRepeat)) job.repeat = static_cast<std::uint64_t>(*n);
    } else if (key == "for_each") {
        compile_for_each(job, value);
    } else if (key == "concurrency") {
        if (auto n = ctx_.integer(value, "concurrency", 1, 1'000'000)) job.concurrency = static_cast<std::uint32_t>(*n);
    } else if (key == "rate") {
        job.rate = ctx_.rate(value, "rate");
    } else if (key == "timeout") {
        job.timeout = ctx_.duration(value, "timeout");
        if (job.timeout && job.timeout->count() == 0) ctx_.error(value, "`timeout` must be longer than 0s");
    } else if (key == "retries") {
        compile_retries(job, value);
    } else if (key == "thresholds") {
        compile_thresholds(job, value);
    } else if (key == "allow_failure") {
        if (auto b = ctx_.boolean(value, "allow_failure")) job.allow_failure = *b;
    } else if (key == "tags") {
        if (auto tags = ctx_.string_list(value, "tags")) job.tags = *tags;
    } else if (key == "if") {
        compile_condition(job, value);
    } else if (key == "on_failure") {
        job.on_failure = compile_hooks(job.name, value, "on_failure");
    } else if (key == "on_success") {
        job.on_success = compile_hooks(job.name, value, "on_success");
    } else if (key == "schedule") {
        if (auto s = ctx_.string(value, "schedule")) {
            std::string error;
            if (jobfile::Schedule::parse(*s, &error)) job.schedule = *s;
            else ctx_.error(value, "`schedule`: " + error);
        }
    } else if (key == "overlap") {
        if (auto s = ctx_.string(value, "overlap")) {
            if (*s == "skip") job.scheduling.overlap = SchedulePolicy::Overlap::skip;
            else if (*s == "queue") job.scheduling.overlap = SchedulePolicy::Overlap::queue;
            else if (*s == "replace") job.scheduling.overlap = SchedulePolicy::Overlap::replace;
            else ctx_.error(value, "`overlap` is \"skip\", \"queue\" or \"replace\", not \"" + *s + "\"");
        }
    } else if (key == "timezone") {
        compile_timezone(job, table, value);
    } else if (key == "shard") {
        if (auto s = ctx_.string(value, "shard")) {
            if (*s == "first") job.first_shard_only = true;
            else if (*s != "all") ctx_.error(value, "`shard` is \"all\" or \"first\", not \"" + *s + "\"");
            job.shard_pos = pos_of(value);
        }
    } else if (key == "catchup" || key == "jitter" || key == "paused") {
        // They shape how a schedule fires: without one they would silently do nothing.
        if (!table.contains("schedule")) {
            ctx_.error(value, "`" + std::string(key) + "` applies to a job's `schedule`, and job `" + job.name +
                                  "` has none");
            return;
        }
        if (key == "paused") {
            if (auto b = ctx_.boolean(value, "paused")) job.scheduling.paused = *b;
        } else if (auto d = ctx_.duration(value, key)) {
            if (d->count() == 0) ctx_.error(value, "`" + std::string(key) + "` must be longer than 0s");
            else (key == "catchup" ? job.scheduling.catchup : job.scheduling.jitter) = *d;
        }
    }
}

// Long (about 85 lines): the kind, then unknown keys, then every common key in file
// order, so that errors come out in the order of the file.
void Loader::compile_job(const JobEntry& entry) {
    Job job;
    job.name = entry.name;
    job.pos = entry.key_pos;
    job.file_index = entry.file_index;
    const auto* table = entry.node->as_table();
    if (!table) {
        diags_.error(pos_of(*entry.node), "job `" + entry.name + "` must be a table ([jobs." + entry.name + "]), not " +
                                              type_name(*entry.node));
        return;
    }
    if (!valid_name(entry.name)) {
        diags_.error(entry.key_pos, "invalid job name `" + entry.name + "` (use letters, digits, _ and -)");
    }
    const KindCompiler* compiler = nullptr;
    if (const auto* kind = table->get("kind")) {
        if (auto k = ctx_.string(*kind, "kind")) {
            job.kind = *k;
            compiler = find_kind(*k);
            if (!compiler) {
                ctx_.error(*kind, "unknown kind `" + *k + "`" + did_you_mean(*k, kind_names_) + " (kinds: " + kind_list() + ")");
            }
        }
    } else {
        diags_.error(entry.key_pos, "job `" + entry.name + "` has no `kind` (one of " + kind_list() + ")");
    }

    std::vector<std::string_view> known = kCommonJobKeys;
    if (compiler) known.insert(known.end(), compiler->schema().keys.begin(), compiler->schema().keys.end());
    for (auto&& [key, value] : *table) {
        const auto k = key.str();
        bool unavailable = false;
        if (compiler) {
            const auto& extra = compiler->schema().unavailable_keys;
            unavailable = std::find(extra.begin(), extra.end(), k) != extra.end();
        }
        if (unavailable) {
            diags_.error(pos_of(key), "`" + std::string(k) + "` is not supported by this build of gaia yet");
            continue;
        }
        if (std::find(known.begin(), known.end(), k) == known.end()) {
            if (compiler) {
                diags_.error(pos_of(key), "unknown key `" + std::string(k) + "` in job `" + entry.name + "` (kind " +
                                              job.kind + ")" + did_you_mean(k, known));
            }
            continue;
        }
        compile_common_key(job, *table, k, value);
    }

    if (const auto* expect = table->get("expect")) {
        if (const auto* t = ctx_.table(*expect, "expect"); t && compiler) {
            ctx_.check_keys(*t, compiler->schema().expect_keys, "`expect` of kind " + job.kind);
        }
    }
    if (const auto* capture = table->get("capture")) {
        if (const auto* t = ctx_.table(*capture, "capture")) {
            for (auto&& [key, value] : *t) {
                std::string name(key.str());
                if (!valid_name(name)) {
                    diags_.error(pos_of(key), "invalid capture name `" + name + "` (use letters, digits, _ and -)");
                    continue;
                }
                job.captures.push_back(name);
                const toml::node* source = &value;
                if (const auto* written = value.as_table()) {
                    ctx_.check_keys(*written, kCaptureKeys, "`capture." + name + "`");
                    if (const auto* secret = written->get("secret")) {
                        if (ctx_.boolean(*secret, "capture." + name + ".secret").value_or(false)) {
                            job.secret_captures.push_back(name);
                        }
                    }
                    source = written->get("from");
                    if (!source) {
                        ctx_.error(value, "`capture." + name + "` needs `from`, what to capture (e.g. from = \"json:$.token\")");
                        continue;
                    }
                }
                auto spec = ctx_.string(*source, "capture." + name + (source == &value ? "" : ".from"));
                if (!spec || !compiler) continue;
                if (auto problem = compiler->check_capture(*spec)) ctx_.error(*source, "`capture." + name + "`: " + *problem);
            }
        }
    }
    if (compiler) job.config = compiler->compile_job(*table, ctx_);
    if (job.config && job.config->expands()) {
        // A glob already makes one instance per match.
        for (const char* key : {"repeat", "for_each"}) {
            if (const auto* n = table->get(key)) {
                ctx_.error(*n, "`" + std::string(key) + "` cannot be combined with a glob: the glob makes one instance "
                                                          "per matching path (`{{ item }}`)");
            }
        }
        job.fan_out = true;
    }
    if (const auto* exported = table->get("export")) compile_export(job, *exported);
    set_.jobs.push_back(std::move(job));
    job_tables_.push_back(table);
}

// "a -> b -> c -> a", with the middle of a very long cycle left out.
std::string cycle_text(const JobSet& set, const std::vector<std::size_t>& cycle) {
    constexpr std::size_t kShown = 10;
    std::string chain;
    for (std::size_t i = 0; i < cycle.size(); ++i) {
        if (cycle.size() > 2 * kShown && i == kShown) {
            chain += " -> … " + std::to_string(cycle.size() - 2 * kShown) + " more …";
            i = cycle.size() - kShown;
        }
        chain += (i ? " -> " : "") + set.jobs[cycle[i]].name;
    }
    return chain;
}

// `shard = "first"`: only for a job that is not a fan-out (a fan-out is what the shards
// split), and not needed by a job that runs in every shard, which would find it missing.
void Loader::check_shards() {
    for (const auto& job : set_.jobs) {
        if (job.first_shard_only && job.fan_out) {
            diags_.error(job.shard_pos, "job `" + job.name + "` is a fan-out, which --shard splits between the shards: "
                                        "`shard` is for jobs that are not (services, setup, notifications)");
        }
    }
    for (const auto& job : set_.jobs) {
        if (job.first_shard_only) continue;
        for (const auto& need : job.needs) {
            const auto it = job_index_.find(need);
            if (it == job_index_.end() || !set_.jobs[it->second].first_shard_only) continue;
            diags_.error(job.needs_pos, "job `" + job.name + "` runs in every shard but needs `" + need +
                                            "`, which runs in the first only (shard = \"first\"): give `" + job.name +
                                            "` shard = \"first\" too, or `" + need + "` shard = \"all\"");
        }
    }
}

void Loader::check_graph() {
    std::vector<std::string_view> names;
    for (const auto& job : set_.jobs) {
        names.push_back(job.name);
        job_index_.emplace(job.name, job_index_.size());
    }
    for (const auto& job : set_.jobs) {
        for (const auto& need : job.needs) {
            if (need == job.name) {
                diags_.error(job.needs_pos, "job `" + job.name + "` needs itself");
            } else if (!job_index_.count(need)) {
                diags_.error(job.needs_pos, "job `" + job.name + "` needs unknown job `" + need + "`" +
                                                did_you_mean(need, names));
            }
        }
    }
    check_shards();
    needs_ = need_indices(set_);
    for (const auto& group : find_cycle_groups(needs_)) {
        std::string message = "dependency cycle: " + cycle_text(set_, group.cycle);
        if (group.members.size() + 1 > group.cycle.size()) {
            message += " (" + std::to_string(group.members.size()) + " jobs need each other through cycles: ";
            for (std::size_t i = 0; i < group.members.size() && i < 5; ++i) {
                message += (i ? ", " : "") + set_.jobs[group.members[i]].name;
            }
            message += group.members.size() > 5 ? ", …)" : ")";
        }
        const auto& first = set_.jobs[group.cycle.front()];
        diags_.error(first.needs_pos.file ? first.needs_pos : first.pos, message);
    }
}

SourcePos Loader::template_pos(const toml::node& node, std::size_t offset) const {
    SourcePos pos = pos_of(node);
    // On a one-line string the column can point at the `{{` itself (past the quote).
    const auto& src = node.source();
    if (src.begin.line == src.end.line && src.end.column > src.begin.column) {
        pos.column += static_cast<std::uint32_t>(offset + 1);
    }
    return pos;
}

void Loader::check_ref(const Job& job, std::size_t job_index, const TemplateRef& ref, const SourcePos& pos) {
    switch (ref.kind) {
    case TemplateRef::Kind::var:
        used_vars_.insert(ref.name);
        if (!set_.vars.count(ref.name)) {
            std::vector<std::string_view> names;
            for (const auto& [n, v] : set_.vars) names.push_back(n);
            diags_.error(pos, "unknown variable `vars." + ref.name + "`" + did_you_mean(ref.name, names) +
                                  " (define it in [vars] or with --var " + ref.name + "=VALUE)");
        }
        break;
    case TemplateRef::Kind::env:
        secret_env_.insert(ref.name);
        if (std::getenv(ref.name.c_str()) == nullptr) {
            std::string message = "environment variable `" + ref.name + "` is not set";
            if (options_.require_env) diags_.error(pos, message);
            else diags_.warning(pos, message);
        }
        break;
    case TemplateRef::Kind::item:
        if (!job.for_each && !(job.config && job.config->expands())) {
            diags_.error(pos, "`" + ref.text + "` is defined only in a job with `for_each` or a glob");
        }
        break;
    case TemplateRef::Kind::job_capture: {
        const auto found = job_index_.find(ref.name);
        const std::size_t producer = found == job_index_.end() ? set_.jobs.size() : found->second;
        if (producer == set_.jobs.size()) {
            std::vector<std::string_view> names;
            for (const auto& j : set_.jobs) names.push_back(j.name);
            diags_.error(pos, "`" + ref.text + "` refers to unknown job `" + ref.name + "`" + did_you_mean(ref.name, names));
            break;
        }
        if (!needs_transitively(needs_, job_index, producer)) {
            diags_.error(pos, "`" + ref.text + "`: job `" + job.name + "` does not need `" + ref.name +
                                  "`, so its captures are not known yet (add \"" + ref.name + "\" to needs)");
        }
        const auto& captures = set_.jobs[producer].captures;
        if (std::find(captures.begin(), captures.end(), ref.key) == captures.end()) {
            std::vector<std::string_view> names(captures.begin(), captures.end());
            diags_.error(pos, "`" + ref.text + "`: job `" + ref.name + "` has no capture `" + ref.key + "`" +
                                  did_you_mean(ref.key, names));
        }
        break;
    }
    case TemplateRef::Kind::run_status:
    case TemplateRef::Kind::run_failed_jobs:
    case TemplateRef::Kind::run_report:
    case TemplateRef::Kind::failed_error:
        if (!job.hook) {
            diags_.error(pos, "`" + ref.text + "` has a value only in a hook job (one named in on_failure or on_success)");
        }
        if (ref.kind == TemplateRef::Kind::failed_error && !job_index_.count(ref.name)) {
            std::vector<std::string_view> names;
            for (const auto& j : set_.jobs) names.push_back(j.name);
            diags_.error(pos, "`" + ref.text + "` refers to unknown job `" + ref.name + "`" + did_you_mean(ref.name, names));
        }
        break;
    case TemplateRef::Kind::index:
    case TemplateRef::Kind::run_name:
    case TemplateRef::Kind::run_id:
    case TemplateRef::Kind::run_shard:
    case TemplateRef::Kind::run_shard_index:
    case TemplateRef::Kind::run_shard_count: break;
    }
}

void Loader::for_each_ref(const toml::node& node, const std::function<void(const TemplateRef&, const SourcePos&)>& check) {
    if (const auto* table = node.as_table()) {
        for (auto&& [k, v] : *table) for_each_ref(v, check);
    } else if (const auto* a = node.as_array()) {
        for (const auto& el : *a) for_each_ref(el, check);
    } else if (const auto* s = node.as_string()) {
        if (s->get().find("{{") == std::string::npos) return;
        TemplateSyntaxError syntax;
        auto t = Template::compile(s->get(), &syntax);
        if (!t) {
            diags_.error(template_pos(node, syntax.offset), syntax.message);
            return;
        }
        for (const auto& part : t->parts()) {
            if (part.ref) check(*part.ref, template_pos(node, part.ref->offset));
        }
    }
}

// A --var that no template reads is most likely misspelt (`--var regoin=eu`) and would
// otherwise change nothing, silently: say so, with the nearest name a template does read.
void Loader::warn_unused_overrides() {
    const std::vector<std::string_view> used(used_vars_.begin(), used_vars_.end());
    for (const auto& [name, value] : options_.vars) {
        if (used_vars_.count(name)) continue;
        diags_.warning(SourcePos{}, "--var " + name + ": no template uses `vars." + name + "`" + did_you_mean(name, used));
    }
}

// [settings], the subsystem tables and [slo.*] are read once, at load (CompileContext::
// static_text), where only vars.* and env.* can be used; it reports other references but
// leaves syntax errors, unknown variables and unset environment variables to this pass, as
// for jobs.
void Loader::check_templates() {
    for (std::size_t i = 0; i < set_.jobs.size(); ++i) {
        for_each_ref(*job_tables_[i], [&](const TemplateRef& ref, const SourcePos& pos) { check_ref(set_.jobs[i], i, ref, pos); });
        if (const auto& condition = set_.jobs[i].condition) {
            const auto* node = job_tables_[i]->as_table()->get("if");
            for (const auto& ref : condition->refs()) check_ref(set_.jobs[i], i, ref, template_pos(*node, ref.offset));
        }
    }
    // [settings], the subsystem tables and [slo.*] are read once, at load (CompileContext::
    // static_text), where only vars.* and env.* can be used: static_text reports other
    // references and leaves syntax errors, unknown variables and unset env.* to this pass.
    auto check_load_time = [this](const TemplateRef& ref, const SourcePos& pos) {
        if (ref.kind == TemplateRef::Kind::var || ref.kind == TemplateRef::Kind::env) check_ref(Job{}, 0, ref, pos);
    };
    for (const auto* table : settings_) for_each_ref(*table, check_load_time);
    for (const auto& [name, tables] : subsystem_tables_) {
        for (const auto* table : tables) for_each_ref(*table, check_load_time);
    }
    for (const auto& [name, tables] : slo_tables_) {
        for (const auto* table : tables) for_each_ref(*table, check_load_time);
    }
}

std::unique_ptr<JobSet> Loader::load() {
    std::vector<fs::path> stack;
    for (const auto& file : options_.files) {
        if (file == "-") {
            read_file("<stdin>", fs::path(), stack);
        } else {
            std::error_code ec;
            read_file(file, fs::weakly_canonical(file, ec), stack);
        }
    }
    for (const auto& [name, text] : options_.generated) read_file(name, fs::path(), stack);
    std::map<std::string, std::string> overrides;  // as applied: the last of a name wins
    for (const auto& [name, value] : options_.vars) overrides[name] = value;
    for (const auto& [name, value] : overrides) digest_.update("var:" + std::to_string(name.size()) + ":" + name + "=" +
                                                                std::to_string(value.size()) + ":" + value);
    set_.digest = "sha256:" + digest_.hex();
    if (!name_set_) {
        const std::string& first = options_.files.empty() ? std::string("gaia") : options_.files.front();
        set_.name = first == "-" ? "stdin" : fs::path(first).stem().string();
    }
    // toml++ keeps a table's keys sorted; jobs run and report in the order they were written.
    std::stable_sort(job_entries_.begin(), job_entries_.end(), [](const JobEntry& a, const JobEntry& b) {
        return std::tie(a.file_index, a.key_pos.line, a.key_pos.column) <
               std::tie(b.file_index, b.key_pos.line, b.key_pos.column);
    });
    job_seen_.clear();
    load_env_files();  // first: [vars], [settings] and jobs read env.*
    compile_vars();
    compile_settings();
    compile_serve();
    compile_subsystems();
    compile_slo();
    for (const auto& entry : job_entries_) compile_job(entry);
    check_graph();
    check_hooks();
    check_templates();
    warn_unused_overrides();
    if (set_.jobs.empty() && !diags_.has_errors()) {
        SourcePos where{std::make_shared<const std::string>(set_.files.empty() ? std::string("-") : set_.files.front()),
                        1, 1};
        diags_.error(where, "no jobs: define at least one [jobs.NAME] table");
    }
    set_.secret_env.assign(secret_env_.begin(), secret_env_.end());
    if (diags_.has_errors()) return nullptr;
    return std::move(owned_);
}

}  // namespace

std::unique_ptr<JobSet> load_job_files(const LoadOptions& options, Diagnostics& diags) {
    Loader loader(options, diags);
    return loader.load();
}

}  // namespace gaia::jobfile
