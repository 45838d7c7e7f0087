#include "core/jobfile/template.hpp"

#include <cctype>
#include <cstdlib>

namespace gaia::jobfile {
namespace {

bool is_ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Splits "a.b.c" into identifiers; false when a segment is empty or has other characters.
bool split_path(std::string_view expr, std::vector<std::string>& out) {
    std::size_t start = 0;
    while (true) {
        auto dot = expr.find('.', start);
        auto seg = expr.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (seg.empty()) return false;
        for (char c : seg) {
            if (!is_ident_char(c)) return false;
        }
        out.emplace_back(seg);
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

const char* kNames = "vars.NAME, env.NAME, index, item, item.KEY, jobs.JOB.CAPTURE, run.name, run.id, run.shard, "
                     "run.shard_index, run.shard_count, and in hook jobs "
                     "run.status, run.failed_jobs, run.report, failed.JOB.error";

// Parses one expression between the braces into a reference or a string literal.
bool parse_expression(std::string_view expr, std::size_t offset, TemplatePart& part, std::string& literal_out,
                      TemplateSyntaxError* error) {
    expr = trim(expr);
    if (expr.size() >= 2 && expr.front() == '"' && expr.back() == '"') {
        literal_out = std::string(expr.substr(1, expr.size() - 2));
        return true;
    }
    std::vector<std::string> path;
    if (expr.empty() || !split_path(expr, path)) {
        error->offset = offset;
        error->message = "invalid template expression `{{ " + std::string(expr) + " }}` (expected " + kNames + ")";
        return false;
    }
    TemplateRef ref;
    ref.offset = offset;
    ref.text = std::string(expr);
    const auto& head = path[0];
    bool ok = true;
    if (head == "vars" && path.size() == 2) {
        ref.kind = TemplateRef::Kind::var;
        ref.name = path[1];
    } else if (head == "env" && path.size() == 2) {
        ref.kind = TemplateRef::Kind::env;
        ref.name = path[1];
    } else if (head == "index" && path.size() == 1) {
        ref.kind = TemplateRef::Kind::index;
    } else if (head == "item") {
        ref.kind = TemplateRef::Kind::item;
        for (std::size_t i = 1; i < path.size(); ++i) {
            if (i > 1) ref.key += '.';
            ref.key += path[i];
        }
    } else if (head == "jobs" && path.size() == 3) {
        ref.kind = TemplateRef::Kind::job_capture;
        ref.name = path[1];
        ref.key = path[2];
    } else if (head == "run" && path.size() == 2 && (path[1] == "name" || path[1] == "id")) {
        ref.kind = path[1] == "name" ? TemplateRef::Kind::run_name : TemplateRef::Kind::run_id;
    } else if (head == "run" && path.size() == 2 && path[1] == "shard") {
        ref.kind = TemplateRef::Kind::run_shard;
    } else if (head == "run" && path.size() == 2 && path[1] == "shard_index") {
        ref.kind = TemplateRef::Kind::run_shard_index;
    } else if (head == "run" && path.size() == 2 && path[1] == "shard_count") {
        ref.kind = TemplateRef::Kind::run_shard_count;
    } else if (head == "run" && path.size() == 2 && path[1] == "status") {
        ref.kind = TemplateRef::Kind::run_status;
    } else if (head == "run" && path.size() == 2 && path[1] == "failed_jobs") {
        ref.kind = TemplateRef::Kind::run_failed_jobs;
    } else if (head == "run" && path.size() == 2 && path[1] == "report") {
        ref.kind = TemplateRef::Kind::run_report;
    } else if (head == "failed" && path.size() == 3 && path[2] == "error") {
        ref.kind = TemplateRef::Kind::failed_error;
        ref.name = path[1];
    } else {
        ok = false;
    }
    if (!ok) {
        error->offset = offset;
        error->message = "unknown template name `" + std::string(expr) + "` (expected " + kNames + ")";
        return false;
    }
    part.ref = std::move(ref);
    return true;
}

}  // namespace

std::optional<Template> Template::compile(std::string_view text, TemplateSyntaxError* error) {
    Template t;
    t.source_ = std::string(text);
    std::string pending;  // literal text accumulated before the next reference
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            pending.append(text.substr(pos));
            break;
        }
        pending.append(text.substr(pos, open - pos));
        // The closing braces are the first "}}" not inside a quoted literal.
        std::size_t i = open + 2;
        bool in_quotes = false;
        std::size_t close = std::string_view::npos;
        for (; i < text.size(); ++i) {
            if (text[i] == '"') in_quotes = !in_quotes;
            else if (!in_quotes && text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') {
                close = i;
                break;
            }
        }
        if (close == std::string_view::npos) {
            error->offset = open;
            error->message = "unclosed `{{` (a literal `{{` is written {{ \"{{\" }})";
            return std::nullopt;
        }
        TemplatePart part;
        std::string literal;
        if (!parse_expression(text.substr(open + 2, close - open - 2), open, part, literal, error)) return std::nullopt;
        if (part.ref) {
            part.literal = std::move(pending);
            pending.clear();
            t.parts_.push_back(std::move(part));
        } else {
            pending += literal;
        }
        pos = close + 2;
    }
    if (!pending.empty() || t.parts_.empty()) t.parts_.push_back(TemplatePart{std::move(pending), std::nullopt});
    return t;
}

Template Template::literal(std::string text) {
    Template t;
    t.source_ = text;
    t.parts_.push_back(TemplatePart{std::move(text), std::nullopt});
    return t;
}

void Template::restrict_to(TextRule rule, std::string what) {
    rule_ = rule;
    what_ = std::move(what);
}

const TemplateRef* Template::sole_ref() const noexcept {
    if (parts_.size() != 1 || !parts_[0].ref || !parts_[0].literal.empty()) return nullptr;
    return &*parts_[0].ref;
}

std::string json_to_text(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return "";
    return json_dump(value);
}

std::string json_dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Template::render(const RenderScope& scope) const {
    std::string out;
    for (const auto& part : parts_) {
        out += part.literal;
        if (!part.ref) continue;
        const auto& ref = *part.ref;
        switch (ref.kind) {
        case TemplateRef::Kind::var: {
            auto it = scope.vars ? scope.vars->find(ref.name) : Vars::const_iterator{};
            if (!scope.vars || it == scope.vars->end()) throw RenderError("`vars." + ref.name + "` is not set");
            out += it->second;
            break;
        }
        case TemplateRef::Kind::env: {
            const char* value = std::getenv(ref.name.c_str());
            if (value == nullptr) throw RenderError("environment variable `" + ref.name + "` is not set");
            out += value;
            break;
        }
        case TemplateRef::Kind::index:
            if (!scope.index) throw RenderError("`index` has no value here");
            out += std::to_string(*scope.index);
            break;
        case TemplateRef::Kind::item: {
            if (scope.item == nullptr) throw RenderError("`item` has no value here (the job has no for_each)");
            const nlohmann::json* value = scope.item;
            std::size_t start = 0;
            while (!ref.key.empty() && start <= ref.key.size()) {
                auto dot = ref.key.find('.', start);
                auto key = ref.key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
                if (!value->is_object() || !value->contains(key)) {
                    throw RenderError("`item." + ref.key + "`: the item has no key `" + key + "`");
                }
                value = &(*value)[key];
                if (dot == std::string::npos) break;
                start = dot + 1;
            }
            out += json_to_text(*value);
            break;
        }
        case TemplateRef::Kind::job_capture: {
            const nlohmann::json* value = scope.capture ? scope.capture(ref.name, ref.key) : nullptr;
            if (value == nullptr) {
                throw RenderError("`jobs." + ref.name + "." + ref.key + "` has no value (job `" + ref.name +
                                  "` did not capture `" + ref.key + "`)");
            }
            out += json_to_text(*value);
            break;
        }
        case TemplateRef::Kind::run_name: out += scope.run_name; break;
        case TemplateRef::Kind::run_id: out += scope.run_id; break;
        case TemplateRef::Kind::run_shard:
            out += std::to_string(scope.shard_index) + "/" + std::to_string(scope.shard_count);
            break;
        case TemplateRef::Kind::run_shard_index: out += std::to_string(scope.shard_index); break;
        case TemplateRef::Kind::run_shard_count: out += std::to_string(scope.shard_count); break;
        case TemplateRef::Kind::run_status:
        case TemplateRef::Kind::run_failed_jobs:
        case TemplateRef::Kind::run_report:
        case TemplateRef::Kind::failed_error: {
            if (!scope.outcome) throw RenderError("`" + ref.text + "` has a value only in a hook job (on_failure, on_success)");
            const auto& o = *scope.outcome;
            if (ref.kind == TemplateRef::Kind::run_status) out += o.status;
            else if (ref.kind == TemplateRef::Kind::run_failed_jobs) out += o.failed_jobs;
            else if (ref.kind == TemplateRef::Kind::run_report) out += o.report;
            else if (const auto it = o.errors.find(ref.name); it != o.errors.end()) out += it->second;  // else: it did not fail
            break;
        }
        }
    }
    if (auto problem = text_rule_problem(out, rule_)) {
        throw RenderError("`" + what_ + "` holds " + problem->character + " at byte " + std::to_string(problem->byte) +
                          " once rendered (" + std::string(text_rule_summary(rule_)) + ")");
    }
    return out;
}

}  // namespace gaia::jobfile
