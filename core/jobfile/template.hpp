#pragma once
// `{{ … }}` templates in job-file strings (gaia-jobs(5), TEMPLATES).
//
// A template is compiled once when the job file is loaded, so every reference is checked
// before anything runs, and rendered per task instance.

#include "core/jobfile/text_rule.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobfile {

struct TemplateRef {
    enum class Kind {
        var, env, index, item, job_capture, run_name, run_id, run_shard, run_shard_index, run_shard_count,
        run_status, run_failed_jobs, run_report, failed_error
    };
    Kind kind = Kind::var;
    std::string name;      // var/env name, job name for job_capture
    std::string key;       // capture name for job_capture; dotted key path for item.KEY
    std::size_t offset = 0;  // of the opening `{{` in the source text
    std::string text;      // the expression as written, for messages
};

struct TemplatePart {
    std::string literal;              // text before the reference (may be empty)
    std::optional<TemplateRef> ref;   // absent for a trailing literal
};

using Vars = std::map<std::string, std::string, std::less<>>;

// How the run ended, for the hook jobs that follow it (on_failure, on_success):
// {{ run.status }}, {{ run.failed_jobs }}, {{ failed.JOB.error }}, {{ run.report }}.
struct RunOutcome {
    std::string status;       // passed, failed, interrupted, terminated, timeout
    std::string failed_jobs;  // the jobs that failed or were cancelled, comma-separated
    std::map<std::string, std::string, std::less<>> errors;  // their first errors, by job
    std::string report;       // the JSON report's path, if there is one
};

// Everything a render can see. Missing pieces make a render of a reference to them fail.
struct RenderScope {
    const Vars* vars = nullptr;
    std::optional<std::uint64_t> index;
    const nlohmann::json* item = nullptr;
    std::function<const nlohmann::json*(std::string_view job, std::string_view capture)> capture;
    std::string_view run_name;
    std::string_view run_id;
    std::uint64_t shard_index = 1, shard_count = 1;  // --shard K/N: {{ run.shard }} and its parts
    const RunOutcome* outcome = nullptr;  // only for hook jobs
};

class RenderError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TemplateSyntaxError {
    std::size_t offset = 0;
    std::string message;
};

class Template {
public:
    Template() = default;
    static std::optional<Template> compile(std::string_view text, TemplateSyntaxError* error);
    static Template literal(std::string text);

    bool is_literal() const noexcept { return parts_.size() <= 1 && (parts_.empty() || !parts_[0].ref); }
    const std::vector<TemplatePart>& parts() const noexcept { return parts_; }
    const std::string& source() const noexcept { return source_; }

    // Throws RenderError when a reference has no value in scope, or when the text it
    // makes breaks the template's rule (see restrict_to).
    std::string render(const RenderScope& scope) const;

    // Every render is checked against `rule`; `what` names the key in the error
    // ("headers.Authorization"). The literal text is checked when the file is loaded.
    void restrict_to(TextRule rule, std::string what);
    TextRule rule() const noexcept { return rule_; }

    // The single reference when the whole text is exactly one `{{ ref }}`.
    const TemplateRef* sole_ref() const noexcept;

private:
    std::vector<TemplatePart> parts_;
    std::string source_;
    TextRule rule_ = TextRule::any;
    std::string what_;
};

// How a JSON value reads when substituted into a string: strings bare, others as JSON.
std::string json_to_text(const nlohmann::json& value);

// A JSON value as compact JSON text. Strings may hold bytes that are not UTF-8 (a
// process's output, an XML attribute), on which nlohmann-json's dump() throws: here they
// become U+FFFD. Every dump of a value that came from outside goes through this.
std::string json_dump(const nlohmann::json& value);

}  // namespace gaia::jobfile
