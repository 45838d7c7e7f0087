#include "jobs/file/file_kind.hpp"

#include "core/jobfile/suggest.hpp"
#include "jobs/file/checksum.hpp"
#include "jobs/file/document.hpp"
#include "jobs/file/file_config.hpp"
#include "jobs/file/file_manager.hpp"
#include "jobs/file/glob.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace gaia::jobs::file {
namespace {

using jobfile::CompileContext;

struct OpInfo {
    Op op;
    std::string_view name;
    std::vector<std::string_view> keys;  // beyond `op`
    bool globs;                          // its path (or `from`) may be a glob
    bool has_subject;                    // a file is there afterwards, for expect and capture
};

const std::vector<OpInfo>& op_table() {
    static const std::vector<OpInfo> table = {
        {Op::read, "read", {"path", "algorithm"}, true, true},
        {Op::write, "write", {"path", "content", "append", "mode", "algorithm"}, false, true},
        {Op::copy, "copy", {"from", "to", "overwrite", "recursive", "algorithm"}, true, true},
        {Op::move, "move", {"from", "to", "overwrite", "recursive", "algorithm"}, true, true},
        {Op::remove, "delete", {"path", "recursive", "missing_ok"}, true, false},
        {Op::mkdir, "mkdir", {"path", "mode"}, false, false},
        {Op::checksum, "checksum", {"path", "algorithm"}, true, true},
        {Op::parse, "parse", {"path", "format", "algorithm"}, true, true},
        {Op::stat, "stat", {"path", "algorithm"}, true, true},
    };
    return table;
}

const std::vector<std::string_view> kFileKeys = {"op",          "path",       "from",      "to",
                                                 "content",     "append",     "mode",      "overwrite",
                                                 "recursive",   "missing_ok", "algorithm", "format",
                                                 "allow_empty", "follow_symlinks"};

// The template as far as it is known when the file is loaded: vars and environment
// filled in, anything per-task left as a plain placeholder. A wildcard in it makes a glob.
std::string load_time_view(const jobfile::Template& t, const jobfile::Vars& vars) {
    std::string out;
    for (const auto& part : t.parts()) {
        out += part.literal;
        if (!part.ref) continue;
        if (part.ref->kind == jobfile::TemplateRef::Kind::var) {
            if (auto it = vars.find(part.ref->name); it != vars.end()) out += it->second;
        } else if (part.ref->kind == jobfile::TemplateRef::Kind::env) {
            if (const char* v = std::getenv(part.ref->name.c_str())) out += v;
        } else {
            out += "x";
        }
    }
    return out;
}

bool refers_to_instance(const jobfile::Template& t) {
    return std::any_of(t.parts().begin(), t.parts().end(), [](const jobfile::TemplatePart& p) {
        return p.ref && (p.ref->kind == jobfile::TemplateRef::Kind::item || p.ref->kind == jobfile::TemplateRef::Kind::index);
    });
}

std::optional<std::uint32_t> file_mode(const toml::node& node, CompileContext& ctx) {
    std::int64_t value = -1;
    if (auto i = node.as_integer()) {
        value = i->get();
    } else if (auto s = node.as_string()) {
        const std::string& text = s->get();
        char* end = nullptr;
        if (!text.empty() && text.size() <= 5) value = std::strtol(text.c_str(), &end, 8);
        if (end == nullptr || *end != '\0') value = -1;
    }
    if (value < 0 || value > 07777) {
        ctx.error(node, "`mode` is an octal permission such as 0o644 or \"0644\"");
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(value);
}

void compile_expect(const toml::table& e, FileJobConfig& config, const OpInfo& info, CompileContext& ctx) {
    auto needs_subject = [&](const toml::node& n, std::string_view key) {
        if (info.has_subject) return true;
        ctx.error(n, "`expect." + std::string(key) + "` needs a file to look at; op = \"" + std::string(info.name) +
                         "\" leaves none (use op = \"stat\")");
        return false;
    };
    if (const auto* n = e.get("exists")) config.expect_exists = ctx.boolean(*n, "expect.exists");
    if (const auto* n = e.get("size"); n && needs_subject(*n, "size")) {
        if (n->is_integer()) {
            if (auto v = ctx.integer(*n, "expect.size", 0, INT64_MAX)) config.expect_size = static_cast<std::uint64_t>(*v);
        } else {
            config.expect_size = ctx.size(*n, "expect.size");
        }
    }
    if (const auto* n = e.get("contains"); n && needs_subject(*n, "contains")) {
        if (const auto* arr = n->as_array()) {
            for (const auto& el : *arr) {
                if (auto t = ctx.templ(el, "expect.contains")) config.expect_contains.push_back(std::move(*t));
            }
        } else if (auto t = ctx.templ(*n, "expect.contains")) {
            config.expect_contains.push_back(std::move(*t));
        }
    }
    if (const auto* n = e.get("checksum"); n && needs_subject(*n, "checksum")) {
        config.expect_checksum = ctx.templ(*n, "expect.checksum");
    }
    for (const char* key : {"json", "xpath"}) {
        const auto* n = e.get(key);
        if (!n) continue;
        if (info.op != Op::parse) {
            ctx.error(*n, "`expect." + std::string(key) + "` looks into a parsed document: it needs op = \"parse\"");
            continue;
        }
        const auto* t = ctx.table(*n, std::string("expect.") + key);
        if (!t) continue;
        for (auto&& [name, value] : *t) {
            auto expected = ctx.json_value(value, std::string("expect.") + key, true);
            std::string error;
            if (std::string_view(key) == "json") {
                auto path = jsonpath::Path::parse(name.str(), &error);
                if (!path) ctx.diags().error(jobfile::pos_of(name), "`expect.json`: " + error);
                else if (expected) config.expect_json.emplace_back(std::move(*path), std::move(*expected));
            } else if (!check_xpath(name.str(), &error)) {
                ctx.diags().error(jobfile::pos_of(name), "`expect.xpath`: " + error);
            } else if (expected) {
                config.expect_xpath.push_back({std::string(name.str()), std::move(*expected)});
            }
        }
    }
}

void compile_captures(const toml::table& capture, FileJobConfig& config, const OpInfo& info, CompileContext& ctx) {
    for (auto&& [key, value] : capture) {
        const auto* spec = jobfile::capture_source(value);
        if (!spec) continue;  // reported by the loader
        const std::string& text = spec->get();
        FileCapture c;
        c.name = std::string(key.str());
        std::string error;
        if (text == "checksum") c.source = FileCapture::Source::checksum;
        else if (text == "size") c.source = FileCapture::Source::size;
        else if (text == "content") c.source = FileCapture::Source::content;
        else if (text.rfind("json:", 0) == 0) {
            c.source = FileCapture::Source::json;
            c.path = jsonpath::Path::parse(std::string_view(text).substr(5), &error);
        } else if (text.rfind("xpath:", 0) == 0) {
            c.source = FileCapture::Source::xpath;
            c.xpath = text.substr(6);
        } else {
            continue;  // reported by the loader through check_capture
        }
        if (!error.empty()) continue;
        const bool parsed = c.source == FileCapture::Source::json || c.source == FileCapture::Source::xpath;
        if (parsed && info.op != Op::parse) {
            ctx.error(value, "`capture." + c.name + "` looks into a parsed document: it needs op = \"parse\"");
            continue;
        }
        if (!info.has_subject) {
            ctx.error(value, "`capture." + c.name + "`: op = \"" + std::string(info.name) + "\" leaves no file to capture from");
            continue;
        }
        config.captures.push_back(std::move(c));
    }
}

}  // namespace

std::string_view op_name(Op op) {
    for (const auto& info : op_table()) {
        if (info.op == op) return info.name;
    }
    return "?";
}

const jobfile::KindSchema& FileKind::schema() const {
    static const jobfile::KindSchema schema{
        "file",
        "file",
        kFileKeys,
        {"exists", "size", "contains", "checksum", "json", "xpath"},
        {"concurrency", "buffer", "max_content", "max_parse"},
        {{"success_rate", jobfile::SloKey::Unit::ratio, 0.99},
         {"p95", jobfile::SloKey::Unit::duration, 0.500},
         {"max_active", jobfile::SloKey::Unit::count, 100}},
        {},
    };
    return schema;
}

std::optional<std::string> FileKind::check_capture(std::string_view spec) const {
    if (spec == "checksum" || spec == "size" || spec == "content") return std::nullopt;
    std::string error;
    if (spec.rfind("json:", 0) == 0) {
        if (!jsonpath::Path::parse(spec.substr(5), &error)) return error;
        return std::nullopt;
    }
    if (spec.rfind("xpath:", 0) == 0) {
        if (!check_xpath(spec.substr(6), &error)) return error;
        return std::nullopt;
    }
    return "a file capture is \"checksum\", \"size\", \"content\", \"json:$.path\" or \"xpath:/a/b\", not \"" +
           std::string(spec) + "\"";
}

// Long (about 90 lines) and kept whole: which keys each operation takes is one table
// read top to bottom here; the checks of each key are in their own functions above.
std::shared_ptr<const jobfile::KindConfig> FileKind::compile_job(const toml::table& job, CompileContext& ctx) const {
    auto config = std::make_shared<FileJobConfig>();
    const OpInfo* info = nullptr;
    if (const auto* n = job.get("op")) {
        if (auto name = ctx.string(*n, "op")) {
            for (const auto& candidate : op_table()) {
                if (candidate.name == *name) info = &candidate;
            }
            if (!info) {
                std::vector<std::string_view> names;
                for (const auto& candidate : op_table()) names.push_back(candidate.name);
                ctx.error(*n, "unknown op `" + *name + "`" + jobfile::did_you_mean(*name, names) +
                                  " (ops: read, write, copy, move, delete, mkdir, checksum, parse, stat)");
            }
        }
    } else {
        ctx.diags().error(jobfile::pos_of(job),
                          "a file job needs an `op` (read, write, copy, move, delete, mkdir, checksum, parse, stat)");
    }
    if (!info) return nullptr;
    config->op = info->op;

    // Keys that belong to other ops are mistakes, not options to ignore.
    for (auto&& [key, value] : job) {
        const auto k = key.str();
        if (k == "op" || std::find(kFileKeys.begin(), kFileKeys.end(), k) == kFileKeys.end()) continue;
        const bool glob_key = k == "allow_empty" || k == "follow_symlinks";
        if (glob_key ? !info->globs : std::find(info->keys.begin(), info->keys.end(), k) == info->keys.end()) {
            std::string keys;
            for (auto name : info->keys) keys += (keys.empty() ? "" : ", ") + std::string(name);
            ctx.error(value, "`" + std::string(k) + "` is not a key of op = \"" + std::string(info->name) + "\" (it takes " +
                                 keys + ")");
        }
    }
    auto required = [&](const char* key, jobfile::Template& out, jobfile::TextRule rule) {
        if (const auto* n = job.get(key)) {
            if (auto t = ctx.templ(*n, key, rule)) out = std::move(*t);
            return n;
        }
        ctx.diags().error(jobfile::pos_of(job), "op = \"" + std::string(info->name) + "\" needs `" + key + "`");
        return static_cast<const toml::node*>(nullptr);
    };
    const bool two_paths = info->op == Op::copy || info->op == Op::move;
    using jobfile::TextRule;
    const toml::node* pattern_node =
        two_paths ? required("from", config->from, TextRule::no_nul) : required("path", config->path, TextRule::no_nul);
    if (two_paths) required("to", config->to, TextRule::no_nul);
    if (info->op == Op::write) required("content", config->content, TextRule::any);

    if (const auto* n = job.get("append")) config->append = ctx.boolean(*n, "append").value_or(false);
    if (const auto* n = job.get("mode")) config->mode = file_mode(*n, ctx);
    if (const auto* n = job.get("overwrite")) config->overwrite = ctx.boolean(*n, "overwrite").value_or(false);
    if (const auto* n = job.get("recursive")) config->recursive = ctx.boolean(*n, "recursive").value_or(false);
    if (const auto* n = job.get("missing_ok")) config->missing_ok = ctx.boolean(*n, "missing_ok").value_or(false);
    if (const auto* n = job.get("allow_empty")) config->allow_empty = ctx.boolean(*n, "allow_empty").value_or(false);
    if (const auto* n = job.get("follow_symlinks")) {
        config->follow_symlinks = ctx.boolean(*n, "follow_symlinks").value_or(false);
    }
    if (const auto* n = job.get("algorithm")) {
        if (auto name = ctx.string(*n, "algorithm")) {
            if (auto algorithm = normalize_algorithm(*name)) config->algorithm = *algorithm;
            else ctx.error(*n, "unknown checksum algorithm `" + *name + "` (sha256, sha512, sha1 or md5)");
        }
    }
    if (const auto* n = job.get("format")) {
        if (auto name = ctx.string(*n, "format")) {
            if (*name == "json") config->format = Format::json;
            else if (*name == "xml") config->format = Format::xml;
            else ctx.error(*n, "`format` is \"json\" or \"xml\", not \"" + *name + "\"");
        }
    }

    const auto& pattern = two_paths ? config->from : config->path;
    if (pattern_node && info->globs && has_wildcard(load_time_view(pattern, ctx.vars()))) {
        if (refers_to_instance(pattern)) {
            ctx.error(*pattern_node, "a glob cannot use `{{ item }}` or `{{ index }}`: its matches are the instances");
        }
        config->glob = true;
    }
    if (info->op == Op::parse && config->format == Format::by_extension && pattern_node && pattern.is_literal()) {
        if (!format_from_extension(pattern.source())) {
            ctx.error(*pattern_node, "cannot tell the format of \"" + pattern.source() +
                                         "\" from its extension: set format = \"json\" or \"xml\"");
        }
    }

    if (const auto* expect = job.get("expect"); expect && expect->is_table()) {
        compile_expect(*expect->as_table(), *config, *info, ctx);
    }
    if (const auto* capture = job.get("capture"); capture && capture->is_table()) {
        compile_captures(*capture->as_table(), *config, *info, ctx);
    }
    return config;
}

std::shared_ptr<const jobfile::KindConfig> FileKind::compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                       CompileContext& ctx) const {
    auto config = std::make_shared<FileConfig>();
    for (const auto* t : fragments) {
        if (const auto* n = t->get("concurrency")) {
            if (auto v = ctx.integer(*n, "file.concurrency", 1, kMaxConcurrency)) {
                config->concurrency = static_cast<std::uint32_t>(*v);
            }
        }
        auto bounded_size = [&](const char* key, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
            const auto* n = t->get(key);
            if (!n) return;
            auto v = ctx.size(*n, std::string("file.") + key);
            if (!v) return;
            if (*v < min || *v > max) {
                ctx.error(*n, "`file." + std::string(key) + "` must be between " + jobfile::format_size(min) + " and " +
                                  jobfile::format_size(max));
                return;
            }
            out = *v;
        };
        bounded_size("buffer", 4096, 64u << 20, config->buffer);
        bounded_size("max_content", 1, 1ull << 30, config->max_content);
        bounded_size("max_parse", 1, 1ull << 40, config->max_parse);
    }
    return config;
}

std::unique_ptr<run::KindRuntime> FileKind::make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const {
    static const FileConfig defaults;
    const auto* config = dynamic_cast<const FileConfig*>(subsystem);
    return std::make_unique<FileManager>(env, config ? *config : defaults);
}

std::vector<build::Component> FileKind::components() const {
    auto components = document_parsers();
    components.insert(components.begin(), {"OpenSSL", openssl_version()});
    return components;
}

void FileKind::judge_health(run::HealthCheck& check) const {
    const double active = check.gauge("gaia_file_operations_in_flight");
    check.count("active", active);
    check.at_most("operations in flight", active, "max_active");
    check.work("file operations", check.counter("gaia_file_operations_total"));
}

// One pool thread per file operation that may be in flight ([file].concurrency).
unsigned FileKind::pool_threads(const jobfile::JobSet& set) const {
    const bool file_jobs =
        std::any_of(set.jobs.begin(), set.jobs.end(), [this](const jobfile::Job& j) { return j.kind == schema().kind; });
    if (!file_jobs) return 0;
    auto it = set.subsystems.find(schema().subsystem);
    const auto* config = it == set.subsystems.end() ? nullptr : dynamic_cast<const FileConfig*>(it->second.get());
    return config ? config->concurrency : FileConfig{}.concurrency;
}

const run::JobKind& kind() {
    static const FileKind the_kind;
    return the_kind;
}

}  // namespace gaia::jobs::file
