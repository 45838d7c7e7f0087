#pragma once
// `if = "…"` on a job (gaia-jobs(5), CONDITIONS): an expression the job must make true to
// run, over vars, env, the captures of the jobs it needs and how those jobs ended — as
// GitHub Actions' `if`, with success(), failure() and always().
//
//   if = "vars.target == 'prod' && jobs.probe.code in [200, 204]"
//   if = "failure()"                      # only when a job it needs failed
//
// Compiled when the job file is loaded: syntax, names and the types of what can be typed
// then are checked there, each error at the offset of the part it is about. Evaluated once
// the jobs it needs have ended.

#include "core/jobfile/template.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobfile {

struct ConditionError {
    std::size_t offset = 0;  // into the expression
    std::string message;
};

// A condition whose value cannot be had at run time (a capture of the wrong type).
class ConditionEvalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Condition {
public:
    // What a condition sees when it is evaluated.
    struct Scope {
        const Vars* vars = nullptr;
        std::function<const nlohmann::json*(std::string_view job, std::string_view capture)> capture;
        bool needs_succeeded = true;  // every job it needs passed (or failed with allow_failure)
        bool needs_failed = false;    // one of the jobs it needs, or of theirs, failed
    };

    static std::optional<Condition> compile(std::string_view text, ConditionError* error);

    // The vars, env and captures it reads, with their offsets: the loader checks that they
    // exist (and that the job needs the jobs whose captures it reads).
    const std::vector<TemplateRef>& refs() const noexcept { return refs_; }
    // Whether it calls success(), failure() or always(). One that does not also needs every
    // job it needs to have passed, as in GitHub Actions.
    bool checks_status() const noexcept { return checks_status_; }
    const std::string& source() const noexcept { return source_; }

    // Throws ConditionEvalError when a value has the wrong type only now.
    bool evaluate(const Scope& scope) const;

    enum class Type { any, text, number, boolean, null, list };
    enum class Op { literal, ref, list, call, negate, both, either, eq, ne, lt, gt, le, ge, in };
    struct Node {
        Op op = Op::literal;
        Type type = Type::any;
        std::size_t offset = 0;
        nlohmann::json value;            // literal; call: the function's name
        std::size_t ref = 0;             // into refs_
        std::vector<std::size_t> args;   // operands, list items
    };

private:
    friend class ConditionParser;
    nlohmann::json eval(std::size_t node, const Scope& scope) const;

    std::string source_;
    std::vector<Node> nodes_;  // the root is the last
    std::vector<TemplateRef> refs_;
    bool checks_status_ = false;
};

}  // namespace gaia::jobfile
