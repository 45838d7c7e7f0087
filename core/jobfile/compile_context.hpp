#pragma once
// What a job kind's compiler may use while it reads its keys: typed accessors that report
// a problem with its position and return nullopt, so a kind never has to format errors.

#include "core/jobfile/diagnostics.hpp"
#include "core/jobfile/template.hpp"
#include "core/jobfile/values.hpp"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobfile {

SourcePos pos_of(const toml::node& node);
SourcePos pos_of(const toml::key& key);
SourcePos pos_of(const toml::source_region& region);
std::string type_name(const toml::node& node);

// A capture is written as its source, `token = "json:$.token"`, or as a table,
// `token = { from = "json:$.token", secret = true }`: the source's string, or null (the
// loader reports what is wrong with it).
const toml::value<std::string>* capture_source(const toml::node& capture);

class CompileContext {
public:
    CompileContext(Diagnostics& diags, const Vars& vars, bool require_env)
        : diags_(diags), vars_(vars), require_env_(require_env) {}

    Diagnostics& diags() noexcept { return diags_; }
    const Vars& vars() const noexcept { return vars_; }
    void error(const toml::node& at, std::string message) { diags_.error(pos_of(at), std::move(message)); }

    // `what` names the key in messages, e.g. "timeout" or "expect.exit_code".
    std::optional<std::string> string(const toml::node& node, std::string_view what);
    std::optional<bool> boolean(const toml::node& node, std::string_view what);
    std::optional<std::int64_t> integer(const toml::node& node, std::string_view what, std::int64_t min,
                                        std::int64_t max);
    std::optional<double> number(const toml::node& node, std::string_view what, double min, double max);
    std::optional<std::vector<std::string>> string_list(const toml::node& node, std::string_view what,
                                                        bool allow_single = false);
    const toml::table* table(const toml::node& node, std::string_view what);

    // Durations, sizes and rates are fixed when the file is loaded; they may use
    // `{{ vars.X }}` and `{{ env.X }}`, nothing that varies per task.
    std::optional<Duration> duration(const toml::node& node, std::string_view what);
    std::optional<std::uint64_t> size(const toml::node& node, std::string_view what);
    std::optional<Rate> rate(const toml::node& node, std::string_view what);
    std::optional<double> bandwidth(const toml::node& node, std::string_view what);  // bytes per second

    // A string value as a template rendered per task. Syntax and scope errors are reported
    // once, by the loader's template pass, so this one stays silent about them. Text
    // written in the file that breaks `rule` is an error here; what a render brings in is
    // checked on every render.
    std::optional<Template> templ(const toml::node& node, std::string_view what, TextRule rule = TextRule::any);

    // A number or a boolean as its text; a string as templ() reads it.
    std::optional<Template> scalar_templ(const toml::node& node, std::string_view what, TextRule rule = TextRule::any);
    // A table of names to templates (`headers`, `query`, `form`): names must keep
    // `name_rule`, values `value_rule`. Each bad entry is reported and left out.
    std::vector<std::pair<std::string, Template>> templ_table(const toml::node& node, std::string_view what,
                                                              TextRule name_rule = TextRule::any,
                                                              TextRule value_rule = TextRule::any);

    // A TOML value as JSON. Strings are rendered as load-time text (vars.*, env.*) when
    // render_strings is set, else kept as written (templates rendered per task later).
    // Dates and times, which JSON cannot hold, are reported and fail the conversion.
    std::optional<nlohmann::json> json_value(const toml::node& node, std::string_view what, bool render_strings);

    // Rejects keys that are not in `known` (with "did you mean"); returns false if any.
    bool check_keys(const toml::table& table, const std::vector<std::string_view>& known, std::string_view where);

    // Renders a load-time string: only vars.* and env.* are allowed.
    std::optional<std::string> static_text(const toml::node& node, std::string_view what);

private:
    // A load-time string run through a value parser (durations, sizes, rates).
    template <class Parser>
    auto parse_static(const toml::node& node, std::string_view what, Parser parse)
        -> decltype(parse(std::string_view{}, nullptr));

    Diagnostics& diags_;
    const Vars& vars_;
    bool require_env_;
};

}  // namespace gaia::jobfile
