#pragma once
// One tab of a pooled browser, in a browser context of its own (Target.createBrowserContext):
// cookies, storage and cache never leak between two pages. It speaks to its target over a
// flattened CDP session and enables only the domains its job needs — Page for lifecycle
// events always; Runtime and Log only to watch for console errors; Network only to
// throttle, go offline, add headers, record a HAR or wait for responses; Fetch only for
// the requests a rule names; Tracing only for a traced job; frame auto-attach only for
// in_frame — because every enabled domain costs events on the pipe for every request.
//
// Every operation answers once with a PageResult, on a later loop turn. When the target
// crashes or the browser dies, what is pending fails and lost() says why.

#include "core/loop/lifetime.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "jobs/browser/browser_config.hpp"
#include "jobs/browser/cdp_connection.hpp"
#include "jobs/browser/document_lifecycle.hpp"
#include "jobs/browser/har_recorder.hpp"
#include "jobs/browser/key_codes.hpp"
#include "jobs/browser/request_router.hpp"
#include "jobs/browser/storage_state.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::browser {

struct PageResult {
    std::string error;
    nlohmann::json value;
    bool ok() const noexcept { return error.empty(); }
};
using PageDone = std::function<void(PageResult)>;

struct PageOptions {
    std::optional<Viewport> viewport;
    bool watch_console = false;                  // collect console errors and uncaught exceptions
    bool keep_console_log = false;               // and every console message, for artifacts
    std::optional<double> throttle_bytes_per_s;  // Network.emulateNetworkConditions, both ways
    // The job's control of the network: its block and mock rules (Fetch), extra request
    // headers, a user agent, no network at all, a slower CPU.
    std::shared_ptr<const NetworkRules> rules;
    std::vector<std::pair<std::string, std::string>> extra_headers;
    std::string user_agent;
    bool offline = false;
    double cpu_throttle = 1;  // Emulation.setCPUThrottlingRate: 4 is four times slower
    std::string color_scheme;  // "light" or "dark": prefers-color-scheme (Emulation.setEmulatedMedia)
    // A stored session to start from: its cookies are set in the context before the page
    // is ready, its origins' items put in place in the first document the page loads.
    std::shared_ptr<const StorageState> storage;
    bool record_har = false;  // the Network domain's events, kept for har_log()
    bool watch_responses = false;  // Network.responseReceived, for wait_for_response()
    // A performance trace from open() to stop_trace(). Chromium records one trace at a
    // time per browser: the pool gives a traced page a browser no other traced page has.
    bool trace = false;
    // in_frame steps: cross-origin frames (processes of their own) are attached as they
    // appear (Target.setAutoAttach), each with its own session.
    bool frames = false;
};

// In-page: what a step does with the element its selector finds.
enum class ElementAction {
    none,
    center,        // scrolled into view: [x, y] of its centre
    focus,
    inner_text,
    box,           // scrolled into view: [x, y, width, height] in page coordinates
    scroll,        // scrolled into view, centred
    select_option, // argument: an option's value or label; { value } or { error }
    checkable,     // argument: the state wanted; { done } if it has it, else { at: [x, y] }, or { error }
    checked,       // its `checked`
};

class Page {
public:
    Page(loop::Loop& loop, CdpConnection& browser, PageOptions options);
    ~Page();
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;

    // Creates the context and the target, attaches, enables what the options need.
    void open(PageDone done);

    // Page.navigate, then waits for the new document's `load` event.
    void navigate(const std::string& url, PageDone done);
    void wait_for_load(LoadState state, PageDone done);
    // Waits (in the page, up to timeout) for the selector to match an element — a visible
    // one unless the action only reads it — then applies the action; value is its result.
    void with_element(const std::string& selector, ElementAction action, std::chrono::milliseconds timeout,
                      PageDone done, const nlohmann::json& argument = nullptr);
    // Waits (in the page, up to timeout) until the element's text contains `text`; fails
    // with what the text was.
    void wait_for_text(const std::string& selector, const std::string& text, std::chrono::milliseconds timeout,
                       PageDone done);
    // Waits until the main frame's URL matches the pattern (a block/mock pattern: `*` any
    // run of characters); no limit of its own.
    void wait_for_url(std::string pattern, PageDone done);
    const std::string& url() const noexcept { return url_; }
    // How the page answers alert, confirm, prompt and beforeunload from now on (until the
    // next call); before any call, see on_dialog().
    void set_dialog_answer(bool accept, std::string prompt_text);
    // The dialogs the page opened, "confirm: Leave?" (at most 20).
    const std::vector<std::string>& dialogs() const noexcept { return dialogs_; }
    // Runtime.evaluate, promises awaited; value is the result (null for undefined).
    void evaluate(const std::string& expression, PageDone done);
    void click_at(double x, double y, PageDone done);
    void move_mouse(double x, double y, PageDone done);
    void insert_text(const std::string& text, PageDone done);
    void press(const KeyInfo& key, PageDone done);
    // value is the base64 PNG. clip = {x, y, width, height} in page coordinates.
    void screenshot(bool full_page, std::optional<std::array<double, 4>> clip, PageDone done);
    void pdf(PageDone done);  // value is the base64 PDF
    // Sets the files of the <input type=file> the selector finds, waiting for it up to
    // timeout — visible or not: a file input is often hidden behind a styled label. The
    // input fires its `input` and `change` events. Paths are absolute.
    void set_input_files(const std::string& selector, const std::vector<std::string>& files,
                         std::chrono::milliseconds timeout, PageDone done);
    // From now on, evaluations and element actions happen in the <iframe> (or <frame>) the
    // selector finds in the page, waiting for it (visible) up to timeout: a same-origin
    // frame through an isolated world gaia makes in it (the frame's DOM, not its scripts'
    // globals), a cross-origin one through its own session (its main world). Until
    // leave_frame(). Frames within frames are not reached.
    void enter_frame(const std::string& selector, std::chrono::milliseconds timeout, PageDone done);
    void leave_frame() noexcept { frame_.reset(); }
    // A point of the current frame's viewport in the page's viewport, where input events
    // go (Chromium routes them into the frame under the point); value is [x, y].
    void page_point(double x, double y, PageDone done);
    // The responses the page has received (watch_responses only), counted from open().
    std::uint64_t responses_seen() const noexcept { return responses_dropped_ + responses_.size(); }
    // Waits until a response whose URL matches the pattern is among those from number
    // `since` on; value is { url, status }. No limit of its own.
    void wait_for_response(std::string pattern, std::uint64_t since, PageDone done);
    // For a message: how many responses came from `since` on, and the last of them.
    std::string responses_since(std::uint64_t since) const;
    // The context's downloads are saved in `directory`, each named by its guid
    // (Browser.setDownloadBehavior); ready once the browser has agreed.
    void allow_downloads(const std::string& directory, PageDone ready);
    // The next download the main frame starts: value is { guid, name (the file name the
    // page suggested), bytes } once it is complete; an error if it is cancelled.
    void wait_for_download(PageDone done);
    // Browser-level events (the pool hears them for every page of its browser).
    void on_browser_event(const std::string& method, const nlohmann::json& params);
    bool traced() const noexcept { return options_.trace; }
    // Ends the trace (trace only); value is the trace, Chrome's JSON trace format.
    void stop_trace(PageDone done);

    // value is { cookies: the context's cookies (Network.Cookie objects), page: the storage
    // of the origin the page is on (kReadStorageScript's answer) }.
    void read_storage(PageDone done);

    // The page's traffic since it opened, as a HAR 1.2 document (record_har only; else
    // null). title: the current document's.
    nlohmann::json har_log(const std::string& title) const;

    // Requests the job's rules failed or answered.
    std::uint64_t blocked_requests() const noexcept { return router_ ? router_->blocked() : 0; }
    std::uint64_t mocked_requests() const noexcept { return router_ ? router_->mocked() : 0; }

    const std::vector<std::string>& console_errors() const noexcept { return console_errors_; }
    // Every console message, exception and browser log entry since open(), one per line
    // with its time ("[   1.234s] warning: …"); kept only with keep_console_log.
    std::string console_log() const;

    // The page cannot go on: its target crashed or its browser died. Pending work fails
    // with the reason; `on_lost` (if set) hears it once.
    void lost(const std::string& reason);
    bool is_lost() const noexcept { return !lost_.empty(); }
    // Lost because its own renderer died (not because the browser did).
    bool renderer_crashed() const noexcept { return renderer_crashed_; }
    const std::string& lost_reason() const noexcept { return lost_; }
    void on_lost(std::function<void(const std::string&)> fn) { on_lost_ = std::move(fn); }

    // Disposes of the context (its target closes with it); `closed` once the browser has
    // answered, or at once when the browser is gone.
    void close(std::function<void()> closed);
    // The browser is gone: forget the connection, fail what waits.
    void browser_gone(const std::string& reason);

private:
    struct LoadWaiter {
        std::string loader;  // the navigation's loaderId; empty: the current document
        std::string event;   // lifecycle event name
        PageDone done;
    };
    void create_target();
    void attach();
    void enable_domains();
    void restore_cookies();
    void on_cdp_event(const std::string& method, const nlohmann::json& params);
    void check_waiter();
    void check_url_waiter();
    void on_dialog(const nlohmann::json& params);
    void call(const std::string& method, nlohmann::json params, std::function<void(CdpReply)> reply);
    // On the entered cross-origin frame's own session; else as call().
    void call_in_frame(const std::string& method, nlohmann::json params, std::function<void(CdpReply)> reply);
    // by_value false: value is the result's remote object (objectId), not its value.
    // in_frame false: in the page's main frame even while a frame is entered.
    void run_element_script(const std::string& script, std::uint64_t deadline_ns, PageDone done, bool by_value = true);
    void evaluate_script(const std::string& expression, bool by_value, PageDone done, bool in_frame = true);
    // Runs an element script that answers an element or a string saying why there is none:
    // value is the element's objectId (the caller releases it), or the error is that string.
    void element_handle(const std::string& script, std::uint64_t deadline_ns, PageDone done);
    void find_frame(const std::string& frame_id, const std::string& selector, std::uint64_t deadline_ns, PageDone done);
    void on_frame_target(const std::string& method, const nlohmann::json& params);
    void check_response_waiter();
    void read_trace(std::string stream, std::shared_ptr<std::string> data);
    void remember_console_error(std::string text);
    void log_console(std::string_view level, std::string text);
    // A done that runs on a later turn and only while this page exists.
    void answer(PageDone& done, PageResult result);

    loop::Loop& loop_;
    CdpConnection* browser_;
    PageOptions options_;
    std::string context_id_;
    std::string target_id_;
    std::unique_ptr<CdpSession> session_;
    std::unique_ptr<RequestRouter> router_;  // with rules only
    std::unique_ptr<HarRecorder> har_;       // with record_har only
    PageDone open_done_;
    DocumentLifecycle lifecycle_;  // the main frame's documents
    std::optional<LoadWaiter> waiter_;
    struct UrlWaiter {
        std::string pattern;
        PageDone done;
    };
    std::optional<UrlWaiter> url_waiter_;
    struct SeenResponse {
        std::string url;
        int status = 0;
    };
    std::deque<SeenResponse> responses_;  // the latest kMaxResponses
    std::uint64_t responses_dropped_ = 0;
    struct ResponseWaiter {
        std::string pattern;
        std::uint64_t since = 0;
        PageDone done;
    };
    std::optional<ResponseWaiter> response_waiter_;
    struct DownloadWaiter {
        std::string guid;  // once it has begun
        std::string name;
        PageDone done;
    };
    std::optional<DownloadWaiter> download_waiter_;
    PageDone trace_done_;  // stop_trace(), until the trace has been read
    struct Frame {
        std::string selector;           // its element in the page
        CdpSession* session = nullptr;  // a cross-origin frame's own
        std::int64_t context = 0;       // else the isolated world gaia made in it
        bool gone = false;              // its session detached: it left the page, or its site changed
    };
    std::optional<Frame> frame_;
    std::map<std::string, std::unique_ptr<CdpSession>> frame_sessions_;  // by frame (= target) id
    loop::HandlePtr<loop::Timer> frame_timer_;  // enter_frame's wait for a frame's session
    std::string url_;  // the main frame's, fragment included
    std::optional<bool> accept_dialogs_;  // unset: as on_dialog() says
    std::string prompt_text_;
    std::vector<std::string> dialogs_;
    std::string seed_script_;  // the storage's init script, until the first document has loaded
    std::vector<std::string> console_errors_;
    std::vector<std::string> console_log_;
    std::size_t console_log_dropped_ = 0;
    std::uint64_t opened_ns_ = 0;
    std::string lost_;
    bool renderer_crashed_ = false;
    std::function<void(const std::string&)> on_lost_;
    loop::Lifetime life_;
};

}  // namespace gaia::jobs::browser
