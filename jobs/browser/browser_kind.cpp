#include "jobs/browser/browser_kind.hpp"

#include "core/jobfile/suggest.hpp"
#include "jobs/browser/browser_config.hpp"
#include "jobs/browser/browser_pool.hpp"
#include "jobs/browser/chromium_version.hpp"
#include "jobs/browser/key_codes.hpp"
#include "jobs/browser/network_keys.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

namespace gaia::jobs::browser {
namespace {

using jobfile::CompileContext;
using Action = Step::Action;

struct ActionInfo {
    Action action;
    std::string_view name;
    std::vector<std::string_view> options;  // keys a step of this action may add
};

const std::vector<ActionInfo>& action_table() {
    static const std::vector<ActionInfo> table = {
        {Action::go_to, "goto", {"timeout"}},
        {Action::wait_for, "wait_for", {"timeout"}},
        {Action::wait_for_load, "wait_for_load", {"timeout"}},
        {Action::click, "click", {"timeout"}},
        {Action::type, "type", {"into", "timeout"}},
        {Action::press, "press", {}},
        {Action::eval, "eval", {"as"}},
        {Action::extract, "extract", {"as", "timeout"}},
        {Action::screenshot, "screenshot", {"full_page", "selector", "timeout"}},
        {Action::pdf, "pdf", {}},
        {Action::sleep, "sleep", {}},
        {Action::hover, "hover", {"timeout"}},
        {Action::select, "select", {"option", "timeout"}},
        {Action::check, "check", {"timeout"}},
        {Action::uncheck, "uncheck", {"timeout"}},
        {Action::scroll, "scroll", {"timeout"}},
        {Action::expect_text, "expect_text", {"text", "timeout"}},
        {Action::wait_for_url, "wait_for_url", {"timeout"}},
        {Action::dialog, "dialog", {"text"}},
        {Action::upload, "upload", {"into", "timeout"}},
        {Action::wait_for_response, "wait_for_response", {"status", "as", "timeout"}},
        {Action::download, "download", {"into", "as", "timeout"}},
        {Action::in_frame, "in_frame", {"steps", "timeout"}},
    };
    return table;
}

std::vector<std::string_view> action_names() {
    std::vector<std::string_view> names;
    for (const auto& info : action_table()) names.push_back(info.name);
    return names;
}

std::string list_of(const std::vector<std::string_view>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

bool valid_capture_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

std::optional<std::chrono::milliseconds> millis(const toml::node& node, std::string_view what, CompileContext& ctx) {
    auto d = ctx.duration(node, what);
    if (!d) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

// What a step inside `in_frame` may do: act on the frame's elements. Navigations, page
// captures, dialogs and downloads are the page's.
bool runs_in_frame(Action action) {
    switch (action) {
    case Action::wait_for: case Action::click: case Action::type: case Action::press: case Action::eval:
    case Action::extract: case Action::sleep: case Action::hover: case Action::select: case Action::check:
    case Action::uncheck: case Action::scroll: case Action::expect_text: case Action::upload:
    case Action::wait_for_response:
        return true;
    default: return false;
    }
}

std::optional<Step> compile_step(const toml::node& node, std::size_t number, std::set<std::string>& names,
                                 CompileContext& ctx, const std::string& parent = {});

// in_frame's own `steps`, each as a step of the job's (`steps[3].steps[1]` in messages).
bool compile_frame_steps(const toml::table& table, const std::string& where, Step& step, std::set<std::string>& names,
                         CompileContext& ctx) {
    const auto* n = table.get("steps");
    const auto* arr = n ? n->as_array() : nullptr;
    if (!arr || arr->empty()) {
        ctx.error(n ? *n : static_cast<const toml::node&>(table),
                  where + ": `in_frame` needs `steps`, a non-empty array of the steps to run in the frame");
        return false;
    }
    bool ok = true;
    std::size_t number = 0;
    for (const auto& el : *arr) {
        if (auto inner = compile_step(el, ++number, names, ctx, where + ".")) step.steps.push_back(std::move(*inner));
        else ok = false;
    }
    return ok;
}

// One `steps` entry: a table with exactly one action key and that action's options.
// parent: "steps[3]." for the steps of an in_frame.
std::optional<Step> compile_step(const toml::node& node, std::size_t number, std::set<std::string>& names,
                                 CompileContext& ctx, const std::string& parent) {
    const std::string where = parent + "steps[" + std::to_string(number) + "]";
    const auto* table = ctx.table(node, where);
    if (!table) return std::nullopt;
    const ActionInfo* info = nullptr;
    const toml::node* subject = nullptr;
    for (auto&& [key, value] : *table) {
        for (const auto& candidate : action_table()) {
            if (candidate.name != key.str()) continue;
            if (info) {
                ctx.error(node, where + " has two actions, `" + std::string(info->name) + "` and `" +
                                    std::string(candidate.name) + "`: give each its own step");
                return std::nullopt;
            }
            info = &candidate;
            subject = &value;
        }
    }
    if (!info) {
        std::string first = table->empty() ? std::string() : std::string(table->begin()->first.str());
        ctx.error(node, where + " has no action" +
                            (first.empty() ? std::string() : " (`" + first + "`" + jobfile::did_you_mean(first, action_names()) + ")") +
                            "; one of " + list_of(action_names()));
        return std::nullopt;
    }
    if (!parent.empty() && !runs_in_frame(info->action)) {
        ctx.error(node, where + ": `" + std::string(info->name) +
                            "` does not run in a frame (in_frame's steps are wait_for, click, type, press, eval, extract, "
                            "sleep, hover, select, check, uncheck, scroll, expect_text, upload and wait_for_response)");
        return std::nullopt;
    }
    std::vector<std::string_view> known = info->options;
    known.push_back(info->name);
    if (!ctx.check_keys(*table, known, where + " (" + std::string(info->name) + ")")) return std::nullopt;

    Step step;
    step.action = info->action;
    step.number = number;
    const std::string what = where + "." + std::string(info->name);
    bool ok = true;
    auto templ = [&](const toml::node& n, const std::string& w, jobfile::Template& out,
                     jobfile::TextRule rule = jobfile::TextRule::any) {
        if (auto t = ctx.templ(n, w, rule)) out = std::move(*t);
        else ok = false;
    };
    switch (info->action) {
    case Action::wait_for_load: {
        auto state = ctx.string(*subject, what);
        if (!state) return std::nullopt;
        if (*state == "load") step.load = LoadState::load;
        else if (*state == "domcontentloaded") step.load = LoadState::domcontentloaded;
        else if (*state == "networkidle") step.load = LoadState::networkidle;
        else {
            ctx.error(*subject, "`wait_for_load` is \"load\", \"domcontentloaded\" or \"networkidle\", not \"" + *state + "\"");
            return std::nullopt;
        }
        break;
    }
    case Action::press: {
        auto key = ctx.string(*subject, what);
        if (!key) return std::nullopt;
        if (!key_info(*key)) {
            ctx.error(*subject, "unknown key `" + *key +
                                    "` (a single character, or Enter, Tab, Escape, Backspace, Delete, Insert, Space, "
                                    "ArrowLeft/Up/Right/Down, Home, End, PageUp, PageDown, F1–F12)");
            return std::nullopt;
        }
        step.key = *key;
        break;
    }
    case Action::sleep: {
        auto d = millis(*subject, what, ctx);
        if (!d) return std::nullopt;
        step.wait = *d;
        break;
    }
    case Action::dialog: {
        auto answer = ctx.string(*subject, what);
        if (!answer) return std::nullopt;
        if (*answer != "accept" && *answer != "dismiss") {
            ctx.error(*subject, "`dialog` is \"accept\" or \"dismiss\", not \"" + *answer + "\"");
            return std::nullopt;
        }
        step.accept = *answer == "accept";
        step.key = *answer;  // how messages name the step: `step 2 (dialog accept)`
        break;
    }
    case Action::go_to: templ(*subject, what, step.subject, jobfile::TextRule::url); break;
    case Action::screenshot:
    case Action::pdf:
    case Action::upload: templ(*subject, what, step.subject, jobfile::TextRule::no_nul); break;
    default: templ(*subject, what, step.subject); break;
    }
    // An option a step cannot go without, and what it is for.
    auto required = [&](const char* key, jobfile::Template& out, const char* purpose) {
        if (const auto* n = table->get(key)) templ(*n, where + "." + key, out);
        else {
            ctx.error(node, where + ": `" + std::string(info->name) + "` needs `" + key + "`, " + purpose);
            ok = false;
        }
    };
    if (info->action == Action::type) required("into", step.into, "the selector of the field to type in");
    if (info->action == Action::upload) required("into", step.into, "the selector of the file input");
    if (info->action == Action::in_frame && !compile_frame_steps(*table, where, step, names, ctx)) ok = false;
    if (info->action == Action::download) required("into", step.into, "the directory the file is saved in");
    if (const auto* n = table->get("status")) {
        if (auto v = ctx.integer(*n, where + ".status", 100, 599)) step.status = static_cast<std::uint32_t>(*v);
        else ok = false;
    }
    if (info->action == Action::select) required("option", step.option, "the value or label of the option to choose");
    if (info->action == Action::expect_text) required("text", step.text, "the text the element must contain");
    if (info->action == Action::dialog) {
        if (const auto* n = table->get("text")) {
            templ(*n, where + ".text", step.text);
            if (!step.accept) {
                ctx.error(*n, where + ": `text` answers a prompt that is accepted; a dismissed one has no answer");
                ok = false;
            }
        }
    }
    if (const auto* t = table->get("timeout")) {
        if (auto d = millis(*t, where + ".timeout", ctx)) step.timeout = *d;
        else ok = false;
    }
    if (const auto* fp = table->get("full_page")) step.full_page = ctx.boolean(*fp, where + ".full_page").value_or(false);
    if (const auto* sel = table->get("selector")) {
        templ(*sel, where + ".selector", step.selector);
        if (step.full_page) {
            ctx.error(*sel, where + ": a screenshot is of the full page or of one element (`selector`), not both");
            ok = false;
        }
    }
    if (const auto* as = table->get("as")) {
        if (auto name = ctx.string(*as, where + ".as")) {
            if (!valid_capture_name(*name)) {
                ctx.error(*as, "`as` names a capture: letters, digits, _ and -, not \"" + *name + "\"");
                ok = false;
            } else if (!names.insert(*name).second) {
                ctx.error(*as, "two steps capture `" + *name + "`: give each its own name");
                ok = false;
            }
            step.as = *name;
        } else {
            ok = false;
        }
    } else if (info->action == Action::eval || info->action == Action::extract) {
        // Without `as` an eval is still useful (it acts on the page); an extract is not.
        if (info->action == Action::extract) {
            ctx.error(node, where + ": `extract` needs `as`, the name of the capture it fills");
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return step;
}

void compile_expect(const toml::table& e, BrowserJobConfig& config, CompileContext& ctx) {
    if (const auto* n = e.get("status")) {
        if (auto v = ctx.integer(*n, "expect.status", 100, 599)) config.expect_status = static_cast<std::uint32_t>(*v);
    }
    auto templates = [&](const char* key, std::vector<jobfile::Template>& out) {
        const auto* n = e.get(key);
        if (!n) return;
        const std::string what = std::string("expect.") + key;
        if (const auto* arr = n->as_array()) {
            for (const auto& el : *arr) {
                if (auto t = ctx.templ(el, what)) out.push_back(std::move(*t));
            }
        } else if (auto t = ctx.templ(*n, what)) {
            out.push_back(std::move(*t));
        }
    };
    templates("title_contains", config.expect_title_contains);
    templates("text_contains", config.expect_text_contains);
    templates("selector_exists", config.expect_selector_exists);
    if (const auto* n = e.get("no_console_errors")) {
        config.expect_no_console_errors = ctx.boolean(*n, "expect.no_console_errors").value_or(false);
    }
    if (const auto* n = e.get("max_latency")) config.expect_max_latency = ctx.duration(*n, "expect.max_latency");
}

}  // namespace

std::string_view action_name(Step::Action action) {
    for (const auto& info : action_table()) {
        if (info.action == action) return info.name;
    }
    return "?";
}

const jobfile::KindSchema& BrowserKind::schema() const {
    static const jobfile::KindSchema schema{
        "browser",
        "browser",
        {"url", "steps", "viewport", "block", "mock", "headers", "user_agent", "offline", "cpu_throttle", "color_scheme",
         "storage", "save_storage", "har", "trace"},
        {"status", "title_contains", "text_contains", "selector_exists", "no_console_errors", "max_latency"},
        {"instances", "tabs_per_instance", "executable", "headless", "args", "extensions", "recycle_after",
         "launch_timeout", "artifacts"},
        {{"success_rate", jobfile::SloKey::Unit::ratio, 0.95},
         {"p95", jobfile::SloKey::Unit::duration, std::nullopt},
         {"max_instances", jobfile::SloKey::Unit::count, 50},
         {"max_tabs", jobfile::SloKey::Unit::count, 1000}},
        {},
    };
    return schema;
}

std::optional<std::string> BrowserKind::check_capture(std::string_view spec) const {
    if (spec == "title" || spec == "url" || is_page_timing(spec)) return std::nullopt;
    if (spec.rfind("timing:", 0) == 0) {
        return "a page timing is timing:ttfb, timing:fcp, timing:lcp, timing:cls or timing:load, not \"" +
               std::string(spec) + "\"";
    }
    // The name of a step's `as`: compile_job checks that such a step exists.
    if (valid_capture_name(spec)) return std::nullopt;
    return "a browser capture is \"title\", \"url\", a page timing (timing:ttfb, timing:fcp, timing:lcp, timing:cls, "
           "timing:load) or the `as` name of a step, not \"" + std::string(spec) + "\"";
}

std::shared_ptr<const jobfile::KindConfig> BrowserKind::compile_job(const toml::table& job, CompileContext& ctx) const {
    auto config = std::make_shared<BrowserJobConfig>();
    bool ok = true;
    if (const auto* n = job.get("url")) {
        if (auto t = ctx.templ(*n, "url", jobfile::TextRule::url)) config->url = std::move(*t);
        else ok = false;
    }
    std::set<std::string> names;
    if (const auto* n = job.get("steps")) {
        if (const auto* arr = n->as_array()) {
            std::size_t number = 0;
            for (const auto& el : *arr) {
                if (auto step = compile_step(el, ++number, names, ctx)) config->steps.push_back(std::move(*step));
                else ok = false;
            }
        } else {
            ctx.error(*n, "`steps` is an array of one-action tables, e.g. [{ goto = \"http://127.0.0.1/\" }], not " +
                              jobfile::type_name(*n));
            ok = false;
        }
    }
    if (!config->url && !job.get("steps")) {
        ctx.diags().error(jobfile::pos_of(job), "a browser job needs a `url`, `steps`, or both");
        ok = false;
    }
    if (const auto* n = job.get("viewport")) {
        if (const auto* t = ctx.table(*n, "viewport")) {
            if (ctx.check_keys(*t, {"width", "height"}, "viewport")) {
                Viewport v;
                const auto* w = t->get("width");
                const auto* h = t->get("height");
                if (!w || !h) {
                    ctx.error(*n, "`viewport` needs both `width` and `height`");
                    ok = false;
                } else {
                    auto width = ctx.integer(*w, "viewport.width", 16, 10'000);
                    auto height = ctx.integer(*h, "viewport.height", 16, 10'000);
                    if (width && height) {
                        v.width = static_cast<std::uint32_t>(*width);
                        v.height = static_cast<std::uint32_t>(*height);
                        config->viewport = v;
                    } else {
                        ok = false;
                    }
                }
            } else {
                ok = false;
            }
        }
    }
    if (!compile_network_keys(job, *config, ctx)) ok = false;
    for (auto [key, out, example] : {std::tuple{"storage", &config->storage, "a session file, e.g. \"state/login.json\""},
                                     std::tuple{"save_storage", &config->save_storage, "a session file, e.g. \"state/login.json\""},
                                     std::tuple{"har", &config->har, "a HAR file, e.g. \"out/{{ index }}.har\""}}) {
        const auto* n = job.get(key);
        if (!n) continue;
        auto t = ctx.templ(*n, key, jobfile::TextRule::no_nul);
        if (t && t->source().empty()) {
            ctx.error(*n, std::string("`") + key + "` is the path of " + example + "; it is empty");
            t.reset();
        }
        if (t) *out = std::move(*t);
        else ok = false;
    }
    if (const auto* n = job.get("trace")) {
        if (n->is_boolean()) {
            config->trace = n->value<bool>().value_or(false);
        } else if (auto t = ctx.templ(*n, "trace", jobfile::TextRule::no_nul); t && !t->source().empty()) {
            config->trace = true;
            config->trace_path = std::move(*t);
        } else {
            if (t) ctx.error(*n, "`trace` is true, or the path of a trace file, e.g. \"out/{{ index }}.trace.json\"; it is empty");
            ok = false;
        }
    }
    if (const auto* expect = job.get("expect"); expect && expect->is_table()) compile_expect(*expect->as_table(), *config, ctx);
    if (const auto* capture = job.get("capture"); capture && capture->is_table()) {
        for (auto&& [key, value] : *capture->as_table()) {
            const auto* spec = jobfile::capture_source(value);
            if (!spec || check_capture(spec->get())) continue;  // reported by the loader
            const std::string& source = spec->get();
            if (source != "title" && source != "url" && !is_page_timing(source) && !names.count(source)) {
                ctx.error(value, "`capture." + std::string(key.str()) + "`: no step has `as = \"" + source +
                                     "\"` (a browser capture is \"title\", \"url\", a timing:* or a step's `as`)");
                ok = false;
                continue;
            }
            config->captures.emplace_back(std::string(key.str()), source);
        }
    }
    if (!ok) return nullptr;
    return config;
}

std::shared_ptr<const jobfile::KindConfig> BrowserKind::compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                          CompileContext& ctx) const {
    auto config = std::make_shared<BrowserConfig>();
    for (const auto* t : fragments) {
        if (const auto* n = t->get("instances")) {
            if (auto v = ctx.integer(*n, "browser.instances", 1, kMaxInstances)) config->instances = static_cast<std::uint32_t>(*v);
        }
        if (const auto* n = t->get("tabs_per_instance")) {
            if (auto v = ctx.integer(*n, "browser.tabs_per_instance", 1, kMaxTabsPerInstance)) {
                config->tabs_per_instance = static_cast<std::uint32_t>(*v);
            }
        }
        if (const auto* n = t->get("executable")) {
            if (auto v = ctx.static_text(*n, "browser.executable")) config->executable = *v;
        }
        if (const auto* n = t->get("headless")) config->headless = ctx.boolean(*n, "browser.headless").value_or(true);
        if (const auto* n = t->get("args")) {
            if (auto v = ctx.string_list(*n, "browser.args")) config->args = *v;
        }
        if (const auto* n = t->get("extensions")) {
            if (auto v = ctx.string_list(*n, "browser.extensions", true)) {
                for (const auto& dir : *v) {
                    // Chromium wants an absolute path; a relative one is from gaia's working directory.
                    std::error_code ec;
                    auto absolute = std::filesystem::absolute(dir, ec);
                    if (ec || !std::filesystem::is_regular_file(absolute / "manifest.json", ec)) {
                        ctx.error(*n, "`browser.extensions`: " + dir + " is not an unpacked extension (no manifest.json in it)");
                        continue;
                    }
                    config->extensions.push_back(absolute.lexically_normal().string());
                }
            }
        }
        if (const auto* n = t->get("recycle_after")) {
            if (auto v = ctx.integer(*n, "browser.recycle_after", 0, 1'000'000'000)) {
                config->recycle_after = static_cast<std::uint32_t>(*v);
            }
        }
        if (const auto* n = t->get("artifacts")) {
            if (auto v = ctx.string(*n, "browser.artifacts")) {
                if (auto mode = run::parse_artifact_mode(*v)) {
                    config->artifacts = *mode;
                } else {
                    ctx.error(*n, "`browser.artifacts` is \"on-failure\", \"always\" or \"off\", not \"" + *v + "\"" +
                                      jobfile::did_you_mean(*v, {"on-failure", "always", "off"}));
                }
            }
        }
        if (const auto* n = t->get("launch_timeout")) {
            if (auto d = millis(*n, "browser.launch_timeout", ctx)) {
                if (d->count() <= 0) ctx.error(*n, "`browser.launch_timeout` must be more than 0s");
                else config->launch_timeout = *d;
            }
        }
    }
    return config;
}

std::unique_ptr<run::KindRuntime> BrowserKind::make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const {
    static const BrowserConfig defaults;
    const auto* config = dynamic_cast<const BrowserConfig*>(subsystem);
    return std::make_unique<BrowserPool>(env, config ? *config : defaults);
}

std::vector<build::Component> BrowserKind::components() const { return {{"Chromium", chromium_version()}}; }

void BrowserKind::judge_health(run::HealthCheck& check) const {
    const double instances = check.gauge("gaia_browser_instances");
    const double tabs = check.gauge("gaia_browser_tabs_active");
    check.count("active", tabs);
    check.count("instances", instances);
    check.count("queued", check.gauge("gaia_browser_queue_depth"));
    check.at_most("browser instances", instances, "max_instances");
    check.at_most("tabs", tabs, "max_tabs");
    check.work("browser pages", check.counter("gaia_browser_pages_total"));
}

const run::JobKind& kind() {
    static const BrowserKind the_kind;
    return the_kind;
}

}  // namespace gaia::jobs::browser
