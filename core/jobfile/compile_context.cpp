#include "core/jobfile/compile_context.hpp"

#include "core/jobfile/suggest.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace gaia::jobfile {

SourcePos pos_of(const toml::source_region& region) {
    SourcePos pos;
    pos.file = region.path;
    pos.line = region.begin.line == 0 ? 1 : region.begin.line;
    pos.column = region.begin.column == 0 ? 1 : region.begin.column;
    return pos;
}

SourcePos pos_of(const toml::node& node) { return pos_of(node.source()); }
SourcePos pos_of(const toml::key& key) { return pos_of(key.source()); }

std::string type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
    }
}

namespace {

// A value rendered from {{ env.X }} is a secret: a message about it quotes the template,
// never the rendered text.
std::string hide_rendered(std::string message, const std::string& rendered, const toml::node& node) {
    const auto* source = node.as_string();
    if (source == nullptr || source->get().find("{{") == std::string::npos || rendered.empty()) return message;
    for (std::size_t at = 0; (at = message.find(rendered, at)) != std::string::npos;) {
        message.replace(at, rendered.size(), source->get());
        at += source->get().size();
    }
    return message;
}

std::string expected(std::string_view what, std::string_view wanted, const toml::node& node) {
    return "`" + std::string(what) + "` must be " + std::string(wanted) + ", not " + type_name(node);
}
}  // namespace

const toml::value<std::string>* capture_source(const toml::node& capture) {
    if (const auto* table = capture.as_table()) {
        const auto* from = table->get("from");
        return from ? from->as_string() : nullptr;
    }
    return capture.as_string();
}

std::optional<std::string> CompileContext::string(const toml::node& node, std::string_view what) {
    if (auto s = node.as_string()) return s->get();
    error(node, expected(what, "a string", node));
    return std::nullopt;
}

std::optional<bool> CompileContext::boolean(const toml::node& node, std::string_view what) {
    if (auto b = node.as_boolean()) return b->get();
    error(node, expected(what, "true or false", node));
    return std::nullopt;
}

std::optional<std::int64_t> CompileContext::integer(const toml::node& node, std::string_view what, std::int64_t min,
                                                    std::int64_t max) {
    auto i = node.as_integer();
    if (!i) {
        error(node, expected(what, "an integer", node));
        return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
        error(node, "`" + std::string(what) + "` is " + std::to_string(i->get()) + "; it must be between " +
                        std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return i->get();
}

std::optional<double> CompileContext::number(const toml::node& node, std::string_view what, double min, double max) {
    double value = 0;
    if (auto f = node.as_floating_point()) value = f->get();
    else if (auto i = node.as_integer()) value = static_cast<double>(i->get());
    else {
        error(node, expected(what, "a number", node));
        return std::nullopt;
    }
    if (!(value >= min && value <= max)) {
        std::ostringstream range;
        range << "`" << what << "` is " << value << "; it must be between " << min << " and " << max;
        error(node, range.str());
        return std::nullopt;
    }
    return value;
}

std::optional<std::vector<std::string>> CompileContext::string_list(const toml::node& node, std::string_view what,
                                                                    bool allow_single) {
    if (allow_single) {
        if (auto s = node.as_string()) return std::vector<std::string>{s->get()};
    }
    auto arr = node.as_array();
    if (!arr) {
        error(node, expected(what, "an array of strings", node));
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& el : *arr) {
        if (auto s = el.as_string()) out.push_back(s->get());
        else {
            error(el, "every element of `" + std::string(what) + "` must be a string, not " + type_name(el));
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

const toml::table* CompileContext::table(const toml::node& node, std::string_view what) {
    if (auto t = node.as_table()) return t;
    error(node, expected(what, "a table", node));
    return nullptr;
}

std::optional<std::string> CompileContext::static_text(const toml::node& node, std::string_view what) {
    auto text = string(node, what);
    if (!text || text->find("{{") == std::string::npos) return text;
    TemplateSyntaxError syntax;
    auto t = Template::compile(*text, &syntax);
    if (!t) return std::nullopt;  // reported by the template pass
    for (const auto& part : t->parts()) {
        if (!part.ref) continue;
        auto kind = part.ref->kind;
        if (kind != TemplateRef::Kind::var && kind != TemplateRef::Kind::env) {
            error(node, "`" + std::string(what) + "` is fixed when the file is loaded: only `vars.*` and `env.*` can "
                        "be used in it, not `" + part.ref->text + "`");
            return std::nullopt;
        }
        if (kind == TemplateRef::Kind::env && !require_env_ && std::getenv(part.ref->name.c_str()) == nullptr) {
            return std::nullopt;  // validate without the environment: nothing to check
        }
    }
    RenderScope scope;
    scope.vars = &vars_;
    try {
        return t->render(scope);
    } catch (const RenderError&) {
        return std::nullopt;  // the template pass reports unknown names
    }
}

template <class Parser>
auto CompileContext::parse_static(const toml::node& node, std::string_view what, Parser parse)
    -> decltype(parse(std::string_view{}, nullptr)) {
    auto text = static_text(node, what);
    if (!text) return std::nullopt;
    std::string problem;
    auto value = parse(*text, &problem);
    if (!value) error(node, "`" + std::string(what) + "`: " + hide_rendered(problem, *text, node));
    return value;
}

std::optional<Duration> CompileContext::duration(const toml::node& node, std::string_view what) {
    if (node.is_integer() || node.is_floating_point()) {
        std::ostringstream hint;
        hint << "`" << what << "` needs a unit: write \"";
        if (auto i = node.as_integer()) hint << i->get();
        else hint << node.as_floating_point()->get();
        hint << "s\" for seconds (or \"ms\", \"m\", \"h\", \"d\")";
        error(node, hint.str());
        return std::nullopt;
    }
    return parse_static(node, what, parse_duration);
}

std::optional<std::uint64_t> CompileContext::size(const toml::node& node, std::string_view what) {
    if (auto i = node.as_integer()) {
        if (i->get() < 0) {
            error(node, "`" + std::string(what) + "` cannot be negative");
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(i->get());
    }
    return parse_static(node, what, parse_size);
}

std::optional<Rate> CompileContext::rate(const toml::node& node, std::string_view what) {
    return parse_static(node, what, parse_rate);
}

std::optional<double> CompileContext::bandwidth(const toml::node& node, std::string_view what) {
    return parse_static(node, what, parse_bandwidth);
}


std::optional<Template> CompileContext::scalar_templ(const toml::node& node, std::string_view what, TextRule rule) {
    if (node.is_integer() || node.is_floating_point() || node.is_boolean()) {
        std::ostringstream text;
        node.visit([&](auto&& v) { text << v; });
        return Template::literal(text.str());
    }
    return templ(node, what, rule);
}

std::vector<std::pair<std::string, Template>> CompileContext::templ_table(const toml::node& node, std::string_view what,
                                                                          TextRule name_rule, TextRule value_rule) {
    std::vector<std::pair<std::string, Template>> out;
    const auto* t = table(node, what);
    if (!t) return out;
    for (auto&& [key, value] : *t) {
        const std::string name = std::string(what) + "." + std::string(key.str());
        if (auto problem = text_rule_problem(key.str(), name_rule)) {
            diags_.error(pos_of(key), "the name `" + name + "` holds " + problem->character + " (" +
                                          std::string(text_rule_summary(name_rule)) + ")");
            continue;
        }
        if (auto v = scalar_templ(value, name, value_rule)) out.emplace_back(std::string(key.str()), std::move(*v));
    }
    return out;
}

std::optional<Template> CompileContext::templ(const toml::node& node, std::string_view what, TextRule rule) {
    auto text = string(node, what);
    if (!text) return std::nullopt;
    TemplateSyntaxError syntax;
    auto t = Template::compile(*text, &syntax);
    if (!t || rule == TextRule::any) return t;
    for (const auto& part : t->parts()) {
        if (part.literal.empty() && !t->is_literal()) continue;  // nothing written before a `{{`
        if (auto problem = text_rule_problem(part.literal, rule)) {
            // The byte is exact for text without templates, the usual case.
            std::string where = t->is_literal() ? " at byte " + std::to_string(problem->byte) : "";
            error(node, "`" + std::string(what) + "` holds " + problem->character + where + " (" +
                            std::string(text_rule_summary(rule)) + ")");
            return std::nullopt;
        }
    }
    t->restrict_to(rule, std::string(what));
    return t;
}

std::optional<nlohmann::json> CompileContext::json_value(const toml::node& node, std::string_view what,
                                                        bool render_strings) {
    if (node.is_string()) {
        if (!render_strings) return nlohmann::json(node.as_string()->get());
        auto text = static_text(node, what);
        if (!text) return std::nullopt;
        return nlohmann::json(*text);
    }
    if (auto i = node.as_integer()) return nlohmann::json(i->get());
    if (auto f = node.as_floating_point()) return nlohmann::json(f->get());
    if (auto b = node.as_boolean()) return nlohmann::json(b->get());
    if (auto t = node.as_table()) {
        nlohmann::json obj = nlohmann::json::object();
        for (auto&& [k, v] : *t) {
            auto item = json_value(v, what, render_strings);
            if (!item) return std::nullopt;
            obj[std::string(k.str())] = std::move(*item);
        }
        return obj;
    }
    if (auto a = node.as_array()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& el : *a) {
            auto item = json_value(el, what, render_strings);
            if (!item) return std::nullopt;
            list.push_back(std::move(*item));
        }
        return list;
    }
    error(node, "`" + std::string(what) + "` holds strings, numbers, booleans, arrays or tables, not " + type_name(node));
    return std::nullopt;
}

bool CompileContext::check_keys(const toml::table& table, const std::vector<std::string_view>& known,
                                std::string_view where) {
    bool ok = true;
    for (auto&& [key, value] : table) {
        bool found = false;
        for (auto k : known) found = found || k == key.str();
        if (found) continue;
        ok = false;
        diags_.error(pos_of(key), "unknown key `" + std::string(key.str()) + "` in " + std::string(where) +
                                      did_you_mean(key.str(), known));
    }
    return ok;
}

}  // namespace gaia::jobfile
