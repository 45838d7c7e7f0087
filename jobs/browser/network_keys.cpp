#include "jobs/browser/network_keys.hpp"

#include "core/jobfile/text_rule.hpp"
#include "core/text/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gaia::jobs::browser {
namespace {

using jobfile::CompileContext;

// A fixture's Content-Type by its extension, as a static file server would send it.
std::string content_type_of(const std::string& path) {
    const auto dot = path.rfind('.');
    std::string ext = dot == std::string::npos ? std::string() : path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::pair<const char*, const char*> types[] = {
        {"json", "application/json"}, {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript"},    {"mjs", "text/javascript"},           {"css", "text/css"},
        {"txt", "text/plain; charset=utf-8"}, {"xml", "application/xml"}, {"svg", "image/svg+xml"},
        {"png", "image/png"},         {"jpg", "image/jpeg"},                {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},         {"webp", "image/webp"},               {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},      {"pdf", "application/pdf"},
    };
    for (const auto& [e, type] : types) {
        if (ext == e) return type;
    }
    return "application/octet-stream";
}

// The whole file, or an error at `node` that says why not.
std::optional<std::string> read_fixture(const toml::node& node, const std::string& what, const std::string& path,
                                        CompileContext& ctx) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ctx.error(node, "`" + what + "`: cannot read " + path + ": " + std::strerror(errno));
        return std::nullopt;
    }
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0 || static_cast<std::uint64_t>(size) > kMaxMockFileBytes) {
        ctx.error(node, "`" + what + "`: " + path + " is larger than 16 MiB (a mock answers with a fixture)");
        return std::nullopt;
    }
    in.seekg(0);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

bool header_ok(const toml::node& at, const std::string& what, const std::string& name, const std::string& value,
               CompileContext& ctx) {
    for (const auto& [text, rule] : {std::pair{&name, jobfile::TextRule::token}, std::pair{&value, jobfile::TextRule::header_value}}) {
        if (auto problem = jobfile::text_rule_problem(*text, rule)) {
            ctx.error(at, "`" + what + "` holds " + problem->character + " (" + std::string(jobfile::text_rule_summary(rule)) + ")");
            return false;
        }
    }
    return true;
}

std::optional<MockRoute> compile_mock(const toml::node& node, std::size_t number, CompileContext& ctx) {
    const std::string where = "mock[" + std::to_string(number) + "]";
    const auto* t = ctx.table(node, where);
    if (!t) return std::nullopt;
    if (!ctx.check_keys(*t, {"url", "method", "status", "json", "body", "file", "headers", "content_type", "delay"}, where)) {
        return std::nullopt;
    }
    MockRoute route;
    bool ok = true;
    if (const auto* n = t->get("url")) {
        if (auto v = ctx.static_text(*n, where + ".url")) route.url = *v;
        else ok = false;
    } else {
        ctx.error(node, where + " needs `url`, the pattern of the requests it answers (e.g. \"*/api/user\")");
        ok = false;
    }
    if (const auto* n = t->get("method")) {
        if (auto v = ctx.static_text(*n, where + ".method")) {
            route.method = *v;
            std::transform(route.method.begin(), route.method.end(), route.method.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        } else {
            ok = false;
        }
    }
    if (const auto* n = t->get("status")) {
        if (auto v = ctx.integer(*n, where + ".status", 100, 599)) route.status = static_cast<std::uint32_t>(*v);
        else ok = false;
    }
    if (const auto* n = t->get("delay")) {
        if (auto d = ctx.duration(*n, where + ".delay")) route.delay = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
        else ok = false;
    }
    std::string content_type;
    const char* source = nullptr;
    for (const char* key : {"json", "body", "file"}) {
        const auto* n = t->get(key);
        if (!n) continue;
        if (source) {
            ctx.error(*n, where + " has both `" + std::string(source) + "` and `" + key + "`: one body per mock");
            ok = false;
            continue;
        }
        source = key;
        const std::string what = where + "." + key;
        if (std::string_view(key) == "json") {
            if (auto v = ctx.json_value(*n, what, true)) {
                route.body = v->dump();
                content_type = "application/json";
            } else {
                ok = false;
            }
        } else if (auto v = ctx.static_text(*n, what)) {
            if (std::string_view(key) == "body") {
                route.body = *v;
                content_type = "text/plain; charset=utf-8";
            } else if (auto bytes = read_fixture(*n, what, *v, ctx)) {
                route.body = std::move(*bytes);
                content_type = content_type_of(*v);
            } else {
                ok = false;
            }
        } else {
            ok = false;
        }
    }
    if (const auto* n = t->get("content_type")) {
        if (auto v = ctx.static_text(*n, where + ".content_type"); v && header_ok(*n, where + ".content_type", "Content-Type", *v, ctx)) {
            content_type = *v;
        } else {
            ok = false;
        }
    }
    if (const auto* n = t->get("headers")) {
        if (const auto* h = ctx.table(*n, where + ".headers")) {
            for (auto&& [key, value] : *h) {
                const std::string what = where + ".headers." + std::string(key.str());
                auto v = ctx.static_text(value, what);
                if (!v || !header_ok(value, what, std::string(key.str()), *v, ctx)) {
                    ok = false;
                    continue;
                }
                route.headers.emplace_back(std::string(key.str()), *v);
            }
        } else {
            ok = false;
        }
    }
    const bool has_type = std::any_of(route.headers.begin(), route.headers.end(),
                                      [](const auto& h) { return text::iequals(h.first, "Content-Type"); });
    if (!content_type.empty() && !has_type) route.headers.emplace_back("Content-Type", content_type);
    if (!ok) return std::nullopt;
    return route;
}

}  // namespace

bool compile_network_keys(const toml::table& job, BrowserJobConfig& config, CompileContext& ctx) {
    bool ok = true;
    auto rules = std::make_shared<NetworkRules>();
    if (const auto* n = job.get("block")) {
        if (auto v = ctx.string_list(*n, "block", true)) rules->block = *v;
        else ok = false;
        for (const auto& pattern : rules->block) {
            if (pattern.empty()) {
                ctx.error(*n, "`block` has an empty pattern (\"*\" blocks every request)");
                ok = false;
            }
        }
    }
    if (const auto* n = job.get("mock")) {
        if (const auto* arr = n->as_array()) {
            std::size_t number = 0;
            for (const auto& el : *arr) {
                if (auto route = compile_mock(el, ++number, ctx)) rules->mock.push_back(std::move(*route));
                else ok = false;
            }
        } else if (n->is_table()) {
            if (auto route = compile_mock(*n, 1, ctx)) rules->mock.push_back(std::move(*route));
            else ok = false;
        } else {
            ctx.error(*n, "`mock` is an array of tables, e.g. [{ url = \"*/api/user\", json = { name = \"Ada\" } }], not " +
                              jobfile::type_name(*n));
            ok = false;
        }
    }
    if (!rules->empty()) config.rules = std::move(rules);
    if (const auto* n = job.get("headers")) {
        config.headers = ctx.templ_table(*n, "headers", jobfile::TextRule::token, jobfile::TextRule::header_value);
    }
    if (const auto* n = job.get("user_agent")) {
        if (auto t = ctx.templ(*n, "user_agent", jobfile::TextRule::header_value)) config.user_agent = std::move(*t);
        else ok = false;
    }
    if (const auto* n = job.get("offline")) {
        if (auto v = ctx.boolean(*n, "offline")) config.offline = *v;
        else ok = false;
    }
    if (const auto* n = job.get("cpu_throttle")) {
        // Chromium's own range for Emulation.setCPUThrottlingRate: 1 is the machine's speed.
        if (auto v = ctx.number(*n, "cpu_throttle", 1, 100)) config.cpu_throttle = *v;
        else ok = false;
    }
    if (const auto* n = job.get("color_scheme")) {
        // Playwright's colorScheme: what the page's prefers-color-scheme media query sees.
        if (auto v = ctx.string(*n, "color_scheme")) {
            if (*v == "light" || *v == "dark") config.color_scheme = *v;
            else {
                ctx.error(*n, "`color_scheme` is \"light\" or \"dark\", not `" + *v + "`");
                ok = false;
            }
        } else {
            ok = false;
        }
    }
    return ok;
}

}  // namespace gaia::jobs::browser
