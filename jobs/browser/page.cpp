#include "jobs/browser/page.hpp"

#include "core/build_info.hpp"
#include "core/jobfile/template.hpp"
#include "core/text/base64.hpp"
#include "jobs/browser/network_rules.hpp"

#include <cstdio>
#include <memory>

namespace gaia::jobs::browser {
namespace {

constexpr std::size_t kMaxConsoleErrors = 20;
constexpr std::size_t kMaxConsoleErrorLength = 500;
constexpr std::size_t kMaxConsoleLogLines = 1000;
constexpr std::size_t kMaxConsoleLogLine = 2000;
// wait_for_response looks back this many responses at most.
constexpr std::size_t kMaxResponses = 2000;
// A trace is read in chunks of this size, and given up beyond kMaxTraceBytes.
constexpr std::size_t kTraceChunk = 4 << 20;
constexpr std::size_t kMaxTraceBytes = 512u << 20;

// What Chrome DevTools' Performance panel records (screenshots aside, which would make
// every trace megabytes larger): the main thread's tasks, scripts with their stacks,
// layout and paint, network and loading, user timing marks and the console.
nlohmann::json trace_categories() {
    return {"devtools.timeline", "disabled-by-default-devtools.timeline", "disabled-by-default-devtools.timeline.frame",
            "disabled-by-default-devtools.timeline.stack", "v8.execute", "disabled-by-default-v8.cpu_profiler",
            "blink.console", "blink.user_timing", "latencyInfo", "loading", "toplevel"};
}

// Waits (as kFindElement) for the selector's visible element; answers it when it is a
// frame, else a string saying what it is.
constexpr const char* kFindFrame = R"JS((async (find, sel, timeout) => {
  const r = await find(sel, true, timeout, (el) => el, null);
  if (!r.found) return 'no visible element matches `' + sel + '` after ' + timeout + ' ms';
  const el = r.value;
  if (el.tagName !== 'IFRAME' && el.tagName !== 'FRAME') return '`' + sel + '` is a <' + el.tagName.toLowerCase() + '>, not an <iframe>';
  // A same-origin frame still on its first, empty document: its own comes with `load`.
  let doc = null;
  try { doc = el.contentDocument; } catch (e) {}
  if (doc && (doc.readyState !== 'complete' || (doc.URL === 'about:blank' && el.src && el.src !== 'about:blank'))) {
    await new Promise((resolve) => { el.addEventListener('load', resolve, { once: true }); setTimeout(resolve, timeout); });
  }
  return el;
}))JS";

// Where a frame's viewport starts in the page's: its element's box, less border and padding.
constexpr const char* kFrameOrigin = R"JS(((sel) => {
  const f = document.querySelector(sel);
  if (!f) return null;
  const r = f.getBoundingClientRect(), s = getComputedStyle(f);
  return [r.left + f.clientLeft + parseFloat(s.paddingLeft), r.top + f.clientTop + parseFloat(s.paddingTop)];
}))JS";

// A frame's session is attached a moment after its element appears: enter_frame asks
// again this often until its timeout.
constexpr std::chrono::milliseconds kFrameRetry{50};

// Waits (as kFindElement, visible or not) for the selector's element; answers the element
// itself when it is a file input, else a string saying what it is.
constexpr const char* kFindFileInput = R"JS((async (find, sel, timeout) => {
  const r = await find(sel, false, timeout, (el) => el, null);
  if (!r.found) return 'nothing matches `' + sel + '` after ' + timeout + ' ms';
  const el = r.value;
  if (el.tagName !== 'INPUT' || (el.type || '').toLowerCase() !== 'file') {
    return '`' + sel + '` is a <' + el.tagName.toLowerCase() + (el.tagName === 'INPUT' ? ' type=' + el.type : '') + '>, not an <input type=file>';
  }
  if (el.disabled) return '`' + sel + '` is disabled';
  return el;
}))JS";

// Finds the element in the page, waiting for it with a MutationObserver (and a slow poll
// for what observers miss: styles that change without a DOM mutation), then applies the
// action. One round trip for the whole wait.
constexpr const char* kFindElement = R"JS((async (sel, visible, timeout, action, arg) => {
  const ok = (e) => {
    if (!e) return false;
    if (!visible) return true;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || s.display === 'none') return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const find = () => { const e = document.querySelector(sel); return ok(e) ? e : null; };
  let el = find();
  if (!el) el = await new Promise((resolve, reject) => {
    let obs, poll;
    const stop = (e) => { clearTimeout(deadline); obs.disconnect(); clearInterval(poll); resolve(e); };
    const deadline = setTimeout(() => stop(null), timeout);
    const check = () => { try { const e = find(); if (e) stop(e); } catch (x) { reject(x); } };
    obs = new MutationObserver(check);
    obs.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
    poll = setInterval(check, 100);
  });
  if (!el) return { found: false };
  return { found: true, value: action(el, arg) };
}))JS";

// Waits until the first element the selector matches has the text, by the same
// observer-and-poll as kFindElement; says what the text was when it gives up.
constexpr const char* kWaitForText = R"JS((async (sel, want, timeout) => {
  const read = () => { const e = document.querySelector(sel); return e ? (e.innerText ?? e.textContent ?? '') : null; };
  let seen = read();
  if (seen !== null && seen.includes(want)) return { ok: true };
  return await new Promise((resolve) => {
    let obs, poll;
    const stop = (ok) => { clearTimeout(deadline); obs.disconnect(); clearInterval(poll); resolve({ ok, seen }); };
    const deadline = setTimeout(() => stop(false), timeout);
    const check = () => { seen = read(); if (seen !== null && seen.includes(want)) stop(true); };
    obs = new MutationObserver(check);
    obs.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
    poll = setInterval(check, 100);
  });
}))JS";

// At most this much of a text is quoted in an error.
std::string quoted(std::string text) {
    constexpr std::size_t kMax = 80;
    if (text.size() > kMax) text = text.substr(0, kMax) + "…";
    return jobfile::json_dump(nlohmann::json(text));
}

// Each is `(el, arg) => value`.
std::string action_script(ElementAction action) {
    switch (action) {
    case ElementAction::none: return "(el) => null";
    case ElementAction::center:
        return "(el) => { el.scrollIntoView({ block: 'center', inline: 'center' }); const r = el.getBoundingClientRect(); "
               "return [r.left + r.width / 2, r.top + r.height / 2]; }";
    case ElementAction::focus: return "(el) => { el.focus(); return null; }";
    case ElementAction::inner_text: return "(el) => el.innerText ?? el.textContent";
    case ElementAction::box:
        return "(el) => { el.scrollIntoView({ block: 'center', inline: 'center' }); const r = el.getBoundingClientRect(); "
               "return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }";
    case ElementAction::scroll: return "(el) => { el.scrollIntoView({ block: 'center', inline: 'center' }); return null; }";
    // By value first, then by label, as Playwright's selectOption; then the events a
    // user's choice fires, so that the page's own handlers run.
    case ElementAction::select_option:
        return "(el, want) => { if (el.tagName !== 'SELECT') return { error: 'is a <' + el.tagName.toLowerCase() + '>, not a <select>' };"
               " const options = [...el.options];"
               " const o = options.find((o) => o.value === want) || options.find((o) => o.label === want || o.text.trim() === want);"
               " if (!o) return { error: 'has no option ' + JSON.stringify(want) + ' (its options: ' +"
               "   options.slice(0, 10).map((o) => JSON.stringify(o.value)).join(', ') + (options.length > 10 ? ', …' : '') + ')' };"
               " if (o.disabled) return { error: 'has the option ' + JSON.stringify(want) + ', but it is disabled' };"
               " el.value = o.value; el.dispatchEvent(new Event('input', { bubbles: true }));"
               " el.dispatchEvent(new Event('change', { bubbles: true })); return { value: o.value }; }";
    case ElementAction::checkable:
        return "(el, want) => { const t = (el.type || '').toLowerCase();"
               " if (el.tagName !== 'INPUT' || (t !== 'checkbox' && t !== 'radio')) return { error: 'is not a checkbox or a radio button' };"
               " if (el.checked === want) return { done: true };"
               " el.scrollIntoView({ block: 'center', inline: 'center' }); const r = el.getBoundingClientRect();"
               " return { at: [r.left + r.width / 2, r.top + r.height / 2] }; }";
    case ElementAction::checked: return "(el) => !!el.checked";
    }
    return "(el) => null";
}

// What an exception thrown in the page says, first line only.
std::string exception_text(const nlohmann::json& details) {
    std::string text;
    if (auto e = details.find("exception"); e != details.end() && e->is_object()) {
        text = e->value("description", std::string());
        if (text.empty() && e->contains("value")) text = jobfile::json_dump((*e)["value"]);
    }
    if (text.empty()) text = cdp_string(details, "text", "an exception");
    if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    return text;
}

// A navigation replaced the document while a script ran in it: run it again in the new one.
bool context_went_away(const std::string& error) {
    return error.find("Execution context was destroyed") != std::string::npos ||
           error.find("Cannot find default execution context") != std::string::npos ||
           error.find("Inspected target navigated or closed") != std::string::npos;
}

const char* lifecycle_event(LoadState state) {
    switch (state) {
    case LoadState::load: return "load";
    case LoadState::domcontentloaded: return "DOMContentLoaded";
    // Chromium's own definition matches Playwright's: no request for 500 ms.
    case LoadState::networkidle: return "networkIdle";
    }
    return "load";
}

}  // namespace

Page::Page(loop::Loop& loop, CdpConnection& browser, PageOptions options)
    : loop_(loop), browser_(&browser), options_(std::move(options)) {}

Page::~Page() {
    frame_sessions_.clear();  // before the connection could go: they unregister themselves
    session_.reset();
}

void Page::answer(PageDone& done, PageResult result) {
    if (!done) return;
    loop_.post(life_.guard([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); }));
    done = nullptr;
}

void Page::call(const std::string& method, nlohmann::json params, std::function<void(CdpReply)> reply) {
    auto guarded = life_.guard(std::move(reply));
    if (!session_) {
        loop_.post([guarded, method, why = lost_.empty() ? std::string("the page is not open") : lost_]() mutable {
            guarded(CdpReply{nullptr, method + ": " + why});
        });
        return;
    }
    session_->call(method, std::move(params), guarded);
}

void Page::call_in_frame(const std::string& method, nlohmann::json params, std::function<void(CdpReply)> reply) {
    if (!frame_ || !frame_->session) return call(method, std::move(params), std::move(reply));
    frame_->session->call(method, std::move(params), life_.guard(std::move(reply)));
}

// Opening takes four steps, each on the answer of the one before: a context, a target in
// it, a flattened session to the target, then the domains the job needs.
void Page::open(PageDone done) {
    open_done_ = std::move(done);
    opened_ns_ = loop::Loop::hrtime_ns();
    browser_->call("Target.createBrowserContext", {{"disposeOnDetach", true}}, life_.guard([this](CdpReply reply) {
        if (!reply.ok()) return answer(open_done_, {reply.error, nullptr});
        context_id_ = cdp_string(reply.result, "browserContextId");
        create_target();
    }));
}

void Page::create_target() {
    if (!browser_) return answer(open_done_, {lost_, nullptr});
    const nlohmann::json params = {{"url", "about:blank"}, {"browserContextId", context_id_}};
    browser_->call("Target.createTarget", params, life_.guard([this](CdpReply reply) {
        if (!reply.ok()) return answer(open_done_, {reply.error, nullptr});
        target_id_ = cdp_string(reply.result, "targetId");
        attach();
    }));
}

void Page::attach() {
    if (!browser_) return answer(open_done_, {lost_, nullptr});
    browser_->call("Target.attachToTarget", {{"targetId", target_id_}, {"flatten", true}}, life_.guard([this](CdpReply reply) {
        if (!reply.ok()) return answer(open_done_, {reply.error, nullptr});
        if (!browser_) return answer(open_done_, {lost_, nullptr});
        session_ = browser_->session(cdp_string(reply.result, "sessionId"));
        session_->on_event([this](const std::string& method, const nlohmann::json& params) { on_cdp_event(method, params); });
        enable_domains();
    }));
}

void Page::enable_domains() {
    std::vector<std::pair<std::string, nlohmann::json>> calls = {{"Page.enable", nlohmann::json::object()},
                                                                 {"Page.setLifecycleEventsEnabled", {{"enabled", true}}}};
    // Always set: a headless window's own viewport is smaller than the window by a UI
    // that is not drawn, so without this 1280×720 would not mean 1280×720.
    const Viewport viewport = options_.viewport.value_or(Viewport{});
    calls.push_back({"Emulation.setDeviceMetricsOverride",
                     {{"width", viewport.width}, {"height", viewport.height}, {"deviceScaleFactor", 1}, {"mobile", false}}});
    if (options_.watch_console) {
        calls.push_back({"Runtime.enable", nlohmann::json::object()});
        calls.push_back({"Log.enable", nlohmann::json::object()});
    }
    if (options_.throttle_bytes_per_s || options_.offline || !options_.extra_headers.empty() || options_.record_har ||
        options_.watch_responses) {
        calls.push_back({"Network.enable", nlohmann::json::object()});
    }
    if (options_.record_har) har_ = std::make_unique<HarRecorder>(target_id_, std::string(build::version()));
    if (options_.throttle_bytes_per_s || options_.offline) {
        const double throughput = options_.throttle_bytes_per_s.value_or(-1);  // -1: not throttled
        calls.push_back({"Network.emulateNetworkConditions",
                         {{"offline", options_.offline},
                          {"latency", 0},
                          {"downloadThroughput", throughput},
                          {"uploadThroughput", throughput}}});
    }
    if (!options_.extra_headers.empty()) {
        nlohmann::json headers = nlohmann::json::object();
        for (const auto& [name, value] : options_.extra_headers) headers[name] = value;
        calls.push_back({"Network.setExtraHTTPHeaders", {{"headers", std::move(headers)}}});
    }
    if (!options_.user_agent.empty()) {
        calls.push_back({"Emulation.setUserAgentOverride", {{"userAgent", options_.user_agent}}});
    }
    if (options_.cpu_throttle > 1) calls.push_back({"Emulation.setCPUThrottlingRate", {{"rate", options_.cpu_throttle}}});
    if (!options_.color_scheme.empty()) {
        calls.push_back({"Emulation.setEmulatedMedia",
                         {{"features", nlohmann::json::array({{{"name", "prefers-color-scheme"}, {"value", options_.color_scheme}}})}}});
    }
    if (options_.rules && !options_.rules->empty()) {
        router_ = std::make_unique<RequestRouter>(
            loop_, options_.rules, [this](const std::string& method, nlohmann::json params, ReplyHandler reply) {
                call(method, std::move(params), std::move(reply));
            });
        calls.push_back({"Fetch.enable", router_->enable_params()});
    }
    if (options_.frames) {
        calls.push_back({"Target.setAutoAttach",
                         {{"autoAttach", true},
                          {"waitForDebuggerOnStart", false},
                          {"flatten", true},
                          {"filter", nlohmann::json::array({{{"type", "iframe"}}})}}});
    }
    if (options_.trace) {
        calls.push_back({"Tracing.start",
                         {{"transferMode", "ReturnAsStream"},
                          {"streamFormat", "json"},
                          {"traceConfig", {{"includedCategories", trace_categories()}, {"excludedCategories", nlohmann::json::array({"*"})}}}}});
    }
    // A stored session's items, put in place before the first document's scripts run; the
    // script goes once that document has loaded (Page.frameNavigated), so that a reload
    // does not undo what the page changed.
    const bool seed = options_.storage && options_.storage->has_items();
    if (seed) calls.push_back({"Page.addScriptToEvaluateOnNewDocument", {{"source", storage_seed_script(*options_.storage)}}});
    // Pipelined, and the page is ready only when every call has been answered: the
    // target does not answer in order (Fetch.enable can answer before Page.enable and
    // Network.enable), and a navigation sent before Network.enable has taken effect in the
    // renderer loses that document's first request events.
    struct Pending {
        std::size_t left;
        std::string first_error;
    };
    auto pending = std::make_shared<Pending>(Pending{calls.size(), {}});
    for (const auto& [method, params] : calls) {
        const bool seeding = seed && method == "Page.addScriptToEvaluateOnNewDocument";
        call(method, params, [this, pending, seeding](CdpReply reply) {
            if (!reply.ok() && pending->first_error.empty()) pending->first_error = reply.error;
            if (seeding && reply.ok()) seed_script_ = cdp_string(reply.result, "identifier");
            if (--pending->left > 0) return;
            if (!pending->first_error.empty()) return answer(open_done_, {pending->first_error, nullptr});
            restore_cookies();
        });
    }
}

// Cookies belong to the browser context, not the target: Storage.setCookies on the
// browser's own session, for this page's context.
void Page::restore_cookies() {
    if (!options_.storage || options_.storage->cookies.empty()) return answer(open_done_, {});
    if (!browser_) return answer(open_done_, {lost_, nullptr});
    browser_->call("Storage.setCookies", {{"cookies", options_.storage->cookies}, {"browserContextId", context_id_}},
                   life_.guard([this](CdpReply reply) {
                       answer(open_done_, {reply.ok() ? std::string() : "setting the stored cookies: " + reply.error, nullptr});
                   }));
}

void Page::on_cdp_event(const std::string& method, const nlohmann::json& params) {
    if (har_) har_->on_event(method, params);
    if (method == "Page.lifecycleEvent") {
        if (cdp_string(params, "frameId") != target_id_) return;  // a child frame
        lifecycle_.on_event(cdp_string(params, "loaderId"), cdp_string(params, "name"));
        check_waiter();
    } else if (method == "Page.frameNavigated") {
        const auto frame = params.find("frame");
        if (frame == params.end() || !frame->is_object() || frame->contains("parentId")) return;
        url_ = cdp_string(*frame, "url") + cdp_string(*frame, "urlFragment");
        check_url_waiter();
        if (seed_script_.empty() || cdp_string(*frame, "url") == "about:blank") return;
        call("Page.removeScriptToEvaluateOnNewDocument", {{"identifier", seed_script_}}, [](CdpReply) {});
        seed_script_.clear();
    } else if (method == "Page.navigatedWithinDocument") {
        if (cdp_string(params, "frameId") != target_id_) return;
        url_ = cdp_string(params, "url");
        check_url_waiter();
    } else if (method == "Network.responseReceived") {
        if (!options_.watch_responses) return;
        const auto response = params.find("response");
        if (response == params.end() || !response->is_object()) return;
        // The browser's own favicon request is not the page's.
        const auto url = cdp_string(*response, "url");
        if (cdp_string(params, "type") == "Other" && url.size() >= 12 && url.compare(url.size() - 12, 12, "/favicon.ico") == 0) return;
        const auto status = response->find("status");
        responses_.push_back({url, status != response->end() && status->is_number() ? status->get<int>() : 0});
        if (responses_.size() > kMaxResponses) {
            responses_.pop_front();
            ++responses_dropped_;
        }
        check_response_waiter();
    } else if (method == "Target.attachedToTarget" || method == "Target.detachedFromTarget") {
        on_frame_target(method, params);
    } else if (method == "Tracing.tracingComplete") {
        if (!trace_done_) return;
        const auto stream = cdp_string(params, "stream");
        if (stream.empty()) return answer(trace_done_, {"the browser gave no trace", nullptr});
        read_trace(stream, std::make_shared<std::string>());
    } else if (method == "Page.javascriptDialogOpening") {
        on_dialog(params);
    } else if (method == "Fetch.requestPaused") {
        if (router_) router_->on_request_paused(params);
    } else if (method == "Runtime.consoleAPICalled") {
        const auto type = cdp_string(params, "type");
        if (type != "error" && !options_.keep_console_log) return;
        std::string text;
        if (auto args = params.find("args"); args != params.end() && args->is_array()) {
            for (const auto& arg : *args) {
                if (!arg.is_object()) continue;
                std::string part = arg.contains("value") ? (arg["value"].is_string() ? arg["value"].get<std::string>()
                                                                                      : jobfile::json_dump(arg["value"]))
                                                         : cdp_string(arg, "description");
                text += (text.empty() ? "" : " ") + part;
            }
        }
        log_console(type, text);
        if (type == "error") remember_console_error("console.error: " + text);
    } else if (method == "Runtime.exceptionThrown") {
        if (auto details = params.find("exceptionDetails"); details != params.end() && details->is_object()) {
            log_console("uncaught", exception_text(*details));
            remember_console_error("uncaught " + exception_text(*details));
        }
    } else if (method == "Log.entryAdded") {
        if (auto entry = params.find("entry"); entry != params.end() && entry->is_object()) {
            // The browser's own favicon request is not the page's error.
            const auto url = entry->value("url", std::string());
            const bool favicon = url.size() >= 12 && url.compare(url.size() - 12, 12, "/favicon.ico") == 0;
            const auto level = cdp_string(*entry, "level");
            const auto text = cdp_string(*entry, "text");
            log_console(level, url.empty() ? text : text + " (" + url + ")");
            if (level == "error" && !favicon) remember_console_error(text);
        }
    } else if (method == "Inspector.targetCrashed") {
        renderer_crashed_ = true;
        lost("the page crashed (its renderer process died)");
    } else if (method == "Inspector.detached") {
        lost("the page was detached: " + cdp_string(params, "reason", "no reason given"));
    }
}

void Page::remember_console_error(std::string text) {
    if (console_errors_.size() >= kMaxConsoleErrors) return;
    if (text.size() > kMaxConsoleErrorLength) text.resize(kMaxConsoleErrorLength);
    console_errors_.push_back(std::move(text));
}

void Page::log_console(std::string_view level, std::string text) {
    if (!options_.keep_console_log) return;
    if (console_log_.size() >= kMaxConsoleLogLines) {
        ++console_log_dropped_;
        return;
    }
    if (text.size() > kMaxConsoleLogLine) text.resize(kMaxConsoleLogLine);
    char when[32];
    std::snprintf(when, sizeof when, "[%8.3fs] ", static_cast<double>(loop::Loop::hrtime_ns() - opened_ns_) / 1e9);
    console_log_.push_back(when + std::string(level) + ": " + text);
}

std::string Page::console_log() const {
    std::string text;
    for (const auto& line : console_log_) text += line + "\n";
    if (console_log_dropped_ > 0) {
        text += "[gaia: " + std::to_string(console_log_dropped_) + " more messages not kept]\n";
    }
    return text;
}

void Page::check_waiter() {
    if (!waiter_) return;
    if (!lifecycle_.reached(waiter_->loader, waiter_->event)) return;
    auto done = std::move(waiter_->done);
    waiter_.reset();
    answer(done, {});
}

void Page::navigate(const std::string& url, PageDone done) {
    call("Page.navigate", {{"url", url}}, [this, url, done](CdpReply reply) mutable {
        if (!reply.ok()) return answer(done, {reply.error, nullptr});
        if (auto error = cdp_string(reply.result, "errorText"); !error.empty()) {
            return answer(done, {"cannot load " + url + ": " + error, nullptr});
        }
        const auto loader = cdp_string(reply.result, "loaderId");
        if (loader.empty()) return answer(done, {});  // same document: a fragment changed
        waiter_ = LoadWaiter{loader, "load", std::move(done)};
        check_waiter();
    });
}

void Page::wait_for_load(LoadState state, PageDone done) {
    if (!lost_.empty()) return answer(done, {lost_, nullptr});
    waiter_ = LoadWaiter{"", lifecycle_event(state), std::move(done)};
    // Decided on a later turn like every answer, even when the event was seen already.
    loop_.post(life_.guard([this] { check_waiter(); }));
}

void Page::with_element(const std::string& selector, ElementAction action, std::chrono::milliseconds timeout,
                        PageDone done, const nlohmann::json& argument) {
    const bool visible = action != ElementAction::inner_text && action != ElementAction::checked;
    const std::string script = std::string(kFindElement) + "(" + jobfile::json_dump(nlohmann::json(selector)) + ", " +
                               (visible ? "true" : "false") + ", " + std::to_string(timeout.count()) + ", " +
                               action_script(action) + ", " + jobfile::json_dump(argument) + ")";
    const auto deadline = loop::Loop::hrtime_ns() + static_cast<std::uint64_t>(timeout.count()) * 1'000'000;
    run_element_script(script, deadline, [selector, timeout, visible, done](PageResult r) mutable {
        if (!r.ok()) return done(std::move(r));
        if (!r.value.is_object() || !r.value.value("found", false)) {
            return done({"no " + std::string(visible ? "visible " : "") + "element matches `" + selector + "` after " +
                             std::to_string(timeout.count()) + " ms",
                         nullptr});
        }
        done({{}, r.value.value("value", nlohmann::json())});
    });
}

void Page::wait_for_text(const std::string& selector, const std::string& text, std::chrono::milliseconds timeout,
                         PageDone done) {
    const std::string script = std::string(kWaitForText) + "(" + jobfile::json_dump(nlohmann::json(selector)) + ", " +
                               jobfile::json_dump(nlohmann::json(text)) + ", " + std::to_string(timeout.count()) + ")";
    const auto deadline = loop::Loop::hrtime_ns() + static_cast<std::uint64_t>(timeout.count()) * 1'000'000;
    run_element_script(script, deadline, [selector, text, timeout, done](PageResult r) mutable {
        if (!r.ok()) return done(std::move(r));
        if (r.value.is_object() && r.value.contains("ok") && r.value["ok"] == true) return done({});
        const auto after = " after " + std::to_string(timeout.count()) + " ms";
        const auto seen = r.value.is_object() ? r.value.value("seen", nlohmann::json()) : nlohmann::json();
        if (!seen.is_string()) return done({"nothing matches `" + selector + "`" + after, nullptr});
        done({"the text of `" + selector + "` is " + quoted(seen.get<std::string>()) + ", which does not contain " +
                  quoted(text) + after,
              nullptr});
    });
}

void Page::wait_for_url(std::string pattern, PageDone done) {
    if (!lost_.empty()) return answer(done, {lost_, nullptr});
    url_waiter_ = UrlWaiter{std::move(pattern), std::move(done)};
    // Decided on a later turn like every answer, even when the URL matches already.
    loop_.post(life_.guard([this] { check_url_waiter(); }));
}

void Page::check_url_waiter() {
    if (!url_waiter_ || !url_pattern_matches(url_waiter_->pattern, url_)) return;
    auto done = std::move(url_waiter_->done);
    url_waiter_.reset();
    answer(done, {});
}

void Page::set_dialog_answer(bool accept, std::string prompt_text) {
    accept_dialogs_ = accept;
    prompt_text_ = std::move(prompt_text);
}

// A dialog stops the page's script until it is answered: every one is answered at once,
// as the job said, and kept for the details and the console log. Without a `dialog` step,
// alert, confirm and prompt are dismissed (as Playwright does) and beforeunload is
// accepted: the navigation that asked to leave is one the job made.
void Page::on_dialog(const nlohmann::json& params) {
    const auto type = cdp_string(params, "type", "dialog");
    const auto line = type + ": " + cdp_string(params, "message");
    log_console("dialog", line);
    if (dialogs_.size() < kMaxConsoleErrors) dialogs_.push_back(line.size() > kMaxConsoleErrorLength ? line.substr(0, kMaxConsoleErrorLength) : line);
    const bool accept = accept_dialogs_.value_or(type == "beforeunload");
    nlohmann::json answer_params = {{"accept", accept}};
    if (accept && type == "prompt") answer_params["promptText"] = prompt_text_;
    call("Page.handleJavaScriptDialog", std::move(answer_params), [](CdpReply) {});
}

void Page::run_element_script(const std::string& script, std::uint64_t deadline_ns, PageDone done, bool by_value) {
    evaluate_script(script, by_value, [this, script, deadline_ns, done, by_value](PageResult r) mutable {
        if (!r.ok() && context_went_away(r.error) && loop::Loop::hrtime_ns() < deadline_ns && lost_.empty()) {
            // The document is being replaced: ask the next one.
            return run_element_script(script, deadline_ns, std::move(done), by_value);
        }
        done(std::move(r));
    });
}

void Page::evaluate(const std::string& expression, PageDone done) { evaluate_script(expression, true, std::move(done)); }

void Page::evaluate_script(const std::string& expression, bool by_value, PageDone done, bool in_frame) {
    nlohmann::json params = {{"expression", expression}, {"awaitPromise", true}, {"returnByValue", by_value}, {"userGesture", true}};
    auto handle = [this, done, by_value](CdpReply reply) mutable {
        if (!reply.ok()) return answer(done, {reply.error, nullptr});
        if (auto details = reply.result.find("exceptionDetails"); details != reply.result.end()) {
            return answer(done, {exception_text(*details), nullptr});
        }
        nlohmann::json value;
        if (auto r = reply.result.find("result"); r != reply.result.end() && r->is_object()) {
            value = by_value ? r->value("value", nlohmann::json()) : *r;
        }
        answer(done, {{}, std::move(value)});
    };
    if (!in_frame || !frame_) return call("Runtime.evaluate", std::move(params), std::move(handle));
    if (frame_->gone) {
        return answer(done, {"the frame `" + frame_->selector + "` is gone (removed, or moved to another site)", nullptr});
    }
    if (!frame_->session) {
        params["contextId"] = frame_->context;
        return call("Runtime.evaluate", std::move(params), std::move(handle));
    }
    call_in_frame("Runtime.evaluate", std::move(params), std::move(handle));
}

void Page::enter_frame(const std::string& selector, std::chrono::milliseconds timeout, PageDone done) {
    frame_.reset();
    const std::string script = std::string(kFindFrame) + "(" + kFindElement + ", " + jobfile::json_dump(nlohmann::json(selector)) +
                               ", " + std::to_string(timeout.count()) + ")";
    const auto deadline = loop::Loop::hrtime_ns() + static_cast<std::uint64_t>(timeout.count()) * 1'000'000;
    element_handle(script, deadline, [this, selector, deadline, done](PageResult r) mutable {
        if (!r.ok()) return done(std::move(r));
        const auto object = r.value.get<std::string>();
        call("DOM.describeNode", {{"objectId", object}}, [this, object, selector, deadline, done](CdpReply reply) mutable {
            call("Runtime.releaseObject", {{"objectId", object}}, [](CdpReply) {});
            if (!reply.ok()) return answer(done, {reply.error, nullptr});
            const auto node = reply.result.find("node");
            const auto frame = node != reply.result.end() ? cdp_string(*node, "frameId") : std::string();
            if (frame.empty()) return answer(done, {"`" + selector + "` has no document", nullptr});
            find_frame(frame, selector, deadline, std::move(done));
        });
    });
}

// A cross-origin frame has a session of its own (attached as it appeared); a same-origin
// one gets an isolated world. Neither, yet: the frame's session may be a moment behind
// its element, so ask again until the deadline.
void Page::find_frame(const std::string& frame_id, const std::string& selector, std::uint64_t deadline_ns, PageDone done) {
    if (auto it = frame_sessions_.find(frame_id); it != frame_sessions_.end()) {
        frame_ = Frame{selector, it->second.get(), 0, false};
        return answer(done, {});
    }
    call("Page.createIsolatedWorld", {{"frameId", frame_id}, {"worldName", "gaia"}},
         [this, frame_id, selector, deadline_ns, done](CdpReply reply) mutable {
             if (reply.ok()) {
                 const auto context = reply.result.find("executionContextId");
                 if (context == reply.result.end() || !context->is_number_integer()) {
                     return answer(done, {"the browser made no context in `" + selector + "`", nullptr});
                 }
                 frame_ = Frame{selector, nullptr, context->get<std::int64_t>(), false};
                 return answer(done, {});
             }
             if (loop::Loop::hrtime_ns() >= deadline_ns || !lost_.empty()) {
                 return answer(done, {"cannot reach the frame of `" + selector + "`: " + reply.error, nullptr});
             }
             if (!frame_timer_) frame_timer_ = loop::Timer::create(loop_);
             frame_timer_->start(kFrameRetry, life_.guard([this, frame_id, selector, deadline_ns, done]() mutable {
                 find_frame(frame_id, selector, deadline_ns, std::move(done));
             }));
         });
}

void Page::on_frame_target(const std::string& method, const nlohmann::json& params) {
    if (method == "Target.attachedToTarget") {
        const auto info = params.find("targetInfo");
        const auto session = cdp_string(params, "sessionId");
        if (info == params.end() || !info->is_object() || session.empty() || !browser_) return;
        if (cdp_string(*info, "type") != "iframe") return;
        auto child = browser_->session(session);
        child->on_event([](const std::string&, const nlohmann::json&) {});  // only its answers are wanted
        frame_sessions_[cdp_string(*info, "targetId")] = std::move(child);
        return;
    }
    const auto target = cdp_string(params, "targetId");
    auto it = frame_sessions_.find(target);
    if (it == frame_sessions_.end()) return;
    if (frame_ && frame_->session == it->second.get()) {
        frame_->session = nullptr;
        frame_->gone = true;
    }
    it->second->detach("the frame went away");
    frame_sessions_.erase(it);
}

void Page::page_point(double x, double y, PageDone done) {
    if (!frame_) return answer(done, {{}, nlohmann::json::array({x, y})});
    const auto script = std::string(kFrameOrigin) + "(" + jobfile::json_dump(nlohmann::json(frame_->selector)) + ")";
    evaluate_script(script, true, [this, x, y, done](PageResult r) mutable {
        if (!r.ok()) return done(std::move(r));
        const auto& at = r.value;
        if (!(at.is_array() && at.size() == 2 && at[0].is_number() && at[1].is_number())) {
            return done({"the frame `" + (frame_ ? frame_->selector : std::string()) + "` is no longer in the page", nullptr});
        }
        done({{}, nlohmann::json::array({x + at[0].get<double>(), y + at[1].get<double>()})});
    }, false);
}

void Page::set_input_files(const std::string& selector, const std::vector<std::string>& files,
                           std::chrono::milliseconds timeout, PageDone done) {
    const std::string script = std::string(kFindFileInput) + "(" + kFindElement + ", " +
                               jobfile::json_dump(nlohmann::json(selector)) + ", " + std::to_string(timeout.count()) + ")";
    const auto deadline = loop::Loop::hrtime_ns() + static_cast<std::uint64_t>(timeout.count()) * 1'000'000;
    element_handle(script, deadline, [this, files, done](PageResult r) mutable {
        if (!r.ok()) return done(std::move(r));
        const auto object = r.value.get<std::string>();
        call_in_frame("DOM.setFileInputFiles", {{"files", files}, {"objectId", object}}, [this, object, done](CdpReply reply) mutable {
            call_in_frame("Runtime.releaseObject", {{"objectId", object}}, [](CdpReply) {});
            answer(done, {reply.error, nullptr});
        });
    });
}

void Page::element_handle(const std::string& script, std::uint64_t deadline_ns, PageDone done) {
    run_element_script(script, deadline_ns, [done](PageResult r) mutable {
        if (!r.ok()) return done(std::move(r));
        const auto object = cdp_string(r.value, "objectId");
        if (object.empty()) return done({cdp_string(r.value, "value", "the page found no such element"), nullptr});
        done({{}, object});
    }, false);
}

void Page::wait_for_response(std::string pattern, std::uint64_t since, PageDone done) {
    if (!lost_.empty()) return answer(done, {lost_, nullptr});
    response_waiter_ = ResponseWaiter{std::move(pattern), since, std::move(done)};
    // Decided on a later turn like every answer, even when the response came already.
    loop_.post(life_.guard([this] { check_response_waiter(); }));
}

void Page::check_response_waiter() {
    if (!response_waiter_) return;
    const auto first = std::max(response_waiter_->since, responses_dropped_) - responses_dropped_;
    for (auto i = first; i < responses_.size(); ++i) {
        if (!url_pattern_matches(response_waiter_->pattern, responses_[i].url)) continue;
        auto done = std::move(response_waiter_->done);
        response_waiter_.reset();
        return answer(done, {{}, {{"url", responses_[i].url}, {"status", responses_[i].status}}});
    }
}

std::string Page::responses_since(std::uint64_t since) const {
    const auto first = std::max(since, responses_dropped_) - responses_dropped_;
    if (first >= responses_.size()) return "no response came";
    const auto& last = responses_.back();
    const auto count = responses_.size() - first;
    return std::to_string(count) + (count == 1 ? " other response came: " : " other responses came, the last: ") +
           std::to_string(last.status) + " " + quoted(last.url);
}

void Page::allow_downloads(const std::string& directory, PageDone ready) {
    if (!browser_) return answer(ready, {lost_, nullptr});
    browser_->call("Browser.setDownloadBehavior",
                   {{"behavior", "allowAndName"}, {"browserContextId", context_id_}, {"downloadPath", directory}, {"eventsEnabled", true}},
                   life_.guard([this, ready](CdpReply reply) mutable { answer(ready, {reply.error, nullptr}); }));
}

void Page::wait_for_download(PageDone done) {
    if (!lost_.empty()) return answer(done, {lost_, nullptr});
    download_waiter_ = DownloadWaiter{{}, {}, std::move(done)};
}

// Downloads are the browser's, not the page's: Browser.downloadWillBegin names the frame
// that started one; its progress comes by guid.
void Page::on_browser_event(const std::string& method, const nlohmann::json& params) {
    if (!download_waiter_) return;
    auto& waiter = *download_waiter_;
    if (method == "Browser.downloadWillBegin") {
        if (!waiter.guid.empty() || cdp_string(params, "frameId") != target_id_) return;
        waiter.guid = cdp_string(params, "guid");
        waiter.name = cdp_string(params, "suggestedFilename");
    } else if (method == "Browser.downloadProgress") {
        if (waiter.guid.empty() || cdp_string(params, "guid") != waiter.guid) return;
        const auto state = cdp_string(params, "state");
        if (state == "inProgress") return;
        auto done = std::move(waiter.done);
        const auto guid = waiter.guid, name = waiter.name;
        download_waiter_.reset();
        if (state != "completed") return answer(done, {"the download of " + quoted(name) + " was " + state, nullptr});
        const auto bytes = params.find("receivedBytes");
        answer(done, {{}, {{"guid", guid}, {"name", name}, {"bytes", bytes != params.end() && bytes->is_number() ? *bytes : nlohmann::json(0)}}});
    }
}

void Page::stop_trace(PageDone done) {
    if (!options_.trace) return answer(done, {"the page is not traced", nullptr});
    trace_done_ = std::move(done);
    call("Tracing.end", nlohmann::json::object(), [this](CdpReply reply) {
        if (!reply.ok()) answer(trace_done_, {reply.error, nullptr});
    });
}

// IO.read until eof, then IO.close; the trace is JSON text (base64 only if the browser says so).
void Page::read_trace(std::string stream, std::shared_ptr<std::string> data) {
    call("IO.read", {{"handle", stream}, {"size", kTraceChunk}}, [this, stream, data](CdpReply reply) {
        if (!trace_done_) return;
        auto fail = [&](std::string why) {
            call("IO.close", {{"handle", stream}}, [](CdpReply) {});
            answer(trace_done_, {std::move(why), nullptr});
        };
        if (!reply.ok()) return fail("reading the trace: " + reply.error);
        auto chunk = cdp_string(reply.result, "data");
        if (reply.result.value("base64Encoded", false)) {
            auto decoded = text::decode_base64(chunk);
            if (!decoded) return fail("reading the trace: the browser sent bad base64");
            chunk = std::move(*decoded);
        }
        *data += chunk;
        if (data->size() > kMaxTraceBytes) return fail("the trace is larger than 512 MiB");
        if (!reply.result.value("eof", false)) return read_trace(stream, data);
        call("IO.close", {{"handle", stream}}, [](CdpReply) {});
        answer(trace_done_, {{}, std::move(*data)});
    });
}

void Page::move_mouse(double x, double y, PageDone done) {
    call("Input.dispatchMouseEvent", {{"type", "mouseMoved"}, {"x", x}, {"y", y}},
         [this, done](CdpReply reply) mutable { answer(done, {reply.error, nullptr}); });
}

void Page::click_at(double x, double y, PageDone done) {
    nlohmann::json press = {{"type", "mousePressed"}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}};
    nlohmann::json release = press;
    release["type"] = "mouseReleased";
    call("Input.dispatchMouseEvent", {{"type", "mouseMoved"}, {"x", x}, {"y", y}}, [](CdpReply) {});
    call("Input.dispatchMouseEvent", press, [](CdpReply) {});
    call("Input.dispatchMouseEvent", release,
         [this, done](CdpReply reply) mutable { answer(done, {reply.error, nullptr}); });
}

void Page::insert_text(const std::string& text, PageDone done) {
    call("Input.insertText", {{"text", text}}, [this, done](CdpReply reply) mutable { answer(done, {reply.error, nullptr}); });
}

void Page::press(const KeyInfo& key, PageDone done) {
    nlohmann::json down = {{"type", key.text.empty() ? "rawKeyDown" : "keyDown"},
                           {"key", key.key},
                           {"code", key.code},
                           {"windowsVirtualKeyCode", key.key_code}};
    if (!key.text.empty()) {
        down["text"] = key.text;
        down["unmodifiedText"] = key.text;
    }
    nlohmann::json up = {{"type", "keyUp"}, {"key", key.key}, {"code", key.code}, {"windowsVirtualKeyCode", key.key_code}};
    call("Input.dispatchKeyEvent", down, [](CdpReply) {});
    call("Input.dispatchKeyEvent", up, [this, done](CdpReply reply) mutable { answer(done, {reply.error, nullptr}); });
}

void Page::screenshot(bool full_page, std::optional<std::array<double, 4>> clip, PageDone done) {
    auto capture = [this, done](nlohmann::json params) mutable {
        params["format"] = "png";
        call("Page.captureScreenshot", std::move(params), [this, done](CdpReply reply) mutable {
            if (!reply.ok()) return answer(done, {reply.error, nullptr});
            answer(done, {{}, cdp_string(reply.result, "data")});
        });
    };
    auto clip_json = [](double x, double y, double w, double h) {
        return nlohmann::json{{"x", x}, {"y", y}, {"width", w}, {"height", h}, {"scale", 1}};
    };
    if (clip) {
        const auto& c = *clip;
        if (c[2] <= 0 || c[3] <= 0) return answer(done, {"the element has no area to capture", nullptr});
        return capture({{"clip", clip_json(c[0], c[1], c[2], c[3])}, {"captureBeyondViewport", true}});
    }
    if (!full_page) return capture(nlohmann::json::object());
    call("Page.getLayoutMetrics", nlohmann::json::object(), [this, done, capture, clip_json](CdpReply reply) mutable {
        if (!reply.ok()) return answer(done, {reply.error, nullptr});
        const auto size = reply.result.value("cssContentSize", nlohmann::json::object());
        const double width = size.value("width", 0.0), height = size.value("height", 0.0);
        if (width <= 0 || height <= 0) return answer(done, {"the page has no content size to capture", nullptr});
        capture({{"clip", clip_json(0, 0, width, height)}, {"captureBeyondViewport", true}});
    });
}

void Page::pdf(PageDone done) {
    call("Page.printToPDF", {{"printBackground", true}}, [this, done](CdpReply reply) mutable {
        if (!reply.ok()) return answer(done, {reply.error, nullptr});
        answer(done, {{}, cdp_string(reply.result, "data")});
    });
}

nlohmann::json Page::har_log(const std::string& title) const {
    return har_ ? har_->log(title) : nlohmann::json();
}

void Page::read_storage(PageDone done) {
    evaluate(kReadStorageScript, [this, done](PageResult page) mutable {
        if (!page.ok()) return answer(done, std::move(page));
        if (!browser_) return answer(done, {lost_, nullptr});
        browser_->call("Storage.getCookies", {{"browserContextId", context_id_}},
                       life_.guard([this, done, storage = std::move(page.value)](CdpReply reply) mutable {
                           if (!reply.ok()) return answer(done, {reply.error, nullptr});
                           const auto cookies = reply.result.find("cookies");
                           answer(done, {{},
                                         {{"cookies", cookies != reply.result.end() ? *cookies : nlohmann::json::array()},
                                          {"page", std::move(storage)}}});
                       }));
    });
}

void Page::lost(const std::string& reason) {
    if (!lost_.empty()) return;
    lost_ = reason;
    // Every waiter hears the reason once.
    auto fail = [this, &reason](auto& waiter) {
        if (!waiter) return;
        auto done = std::move(waiter->done);
        waiter.reset();
        answer(done, {reason, nullptr});
    };
    fail(waiter_);
    fail(url_waiter_);
    fail(response_waiter_);
    fail(download_waiter_);
    answer(trace_done_, {reason, nullptr});
    for (auto& [id, child] : frame_sessions_) child->detach(reason);
    if (session_) session_->detach(reason);
    if (auto fn = std::move(on_lost_)) {
        on_lost_ = nullptr;
        loop_.post(life_.guard([fn, reason] { fn(reason); }));
    }
}

void Page::browser_gone(const std::string& reason) {
    lost(reason);
    frame_.reset();
    frame_sessions_.clear();
    session_.reset();
    browser_ = nullptr;
}

void Page::close(std::function<void()> closed) {
    waiter_.reset();
    url_waiter_.reset();
    response_waiter_.reset();
    download_waiter_.reset();
    trace_done_ = nullptr;
    frame_.reset();
    frame_sessions_.clear();
    if (frame_timer_) frame_timer_->stop();
    router_.reset();  // mocks still waiting for their delay answer nobody
    on_lost_ = nullptr;
    session_.reset();
    if (!browser_ || context_id_.empty()) {
        loop_.post(life_.guard(std::move(closed)));
        return;
    }
    browser_->call("Target.disposeBrowserContext", {{"browserContextId", context_id_}},
                   life_.guard([closed = std::move(closed)](CdpReply) { closed(); }));
}

}  // namespace gaia::jobs::browser
