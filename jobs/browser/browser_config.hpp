#pragma once
// What the browser kind compiles from a job and from the [browser] table.

#include "core/jobfile/model.hpp"
#include "core/run/artifacts.hpp"
#include "jobs/browser/network_rules.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::browser {

// The page timings a browser capture can name (capture x = "timing:lcp"): the page's own
// Performance APIs' view of the current document, in seconds (CLS has no unit).
inline bool is_page_timing(std::string_view source) {
    for (std::string_view t : {"timing:ttfb", "timing:fcp", "timing:lcp", "timing:cls", "timing:load"}) {
        if (source == t) return true;
    }
    return false;
}

enum class LoadState { load, domcontentloaded, networkidle };

struct Step {
    enum class Action {
        go_to, wait_for, wait_for_load, click, type, press, eval, extract, screenshot, pdf, sleep,
        hover, select, check, uncheck, scroll, expect_text, wait_for_url, dialog, upload, wait_for_response, download,
        in_frame,
    };
    Action action = Action::go_to;
    std::size_t number = 0;       // 1-based position in `steps`, for messages
    jobfile::Template subject;    // the URL, selector, text, expression or output path
    jobfile::Template into;       // type, upload: the field's selector; download: the directory
    jobfile::Template selector;   // screenshot of one element
    jobfile::Template option;     // select: an option's value or label
    jobfile::Template text;       // expect_text: the text; dialog: a prompt's answer
    bool accept = false;          // dialog: accept (else dismiss)
    std::optional<std::uint32_t> status;  // wait_for_response: the status the response must have
    std::string as;               // eval, extract: the capture's name
    std::string key;              // press: a key name ("Enter", "a")
    LoadState load = LoadState::load;
    bool full_page = false;
    std::chrono::milliseconds wait{0};               // sleep
    std::optional<std::chrono::milliseconds> timeout;  // waits: the step's own limit
    std::vector<Step> steps;      // in_frame: what runs in the frame
};

std::string_view action_name(Step::Action action);

struct Viewport {
    std::uint32_t width = 1280;
    std::uint32_t height = 720;
};

struct BrowserJobConfig final : jobfile::KindConfig {
    std::optional<jobfile::Template> url;  // the first navigation
    std::vector<Step> steps;
    std::optional<Viewport> viewport;      // default: 1280×720, as Playwright

    // The page's network: rules for its requests (null: none), headers added to every
    // request, its user agent, no network at all, a slower CPU, a light or dark
    // prefers-color-scheme (empty: the browser's own).
    std::shared_ptr<const NetworkRules> rules;
    std::vector<std::pair<std::string, jobfile::Template>> headers;
    std::optional<jobfile::Template> user_agent;
    bool offline = false;
    double cpu_throttle = 1;
    std::string color_scheme;

    // A stored session (cookies, localStorage, sessionStorage) the page starts from, and
    // the file its own session is written to once its steps and expectations have passed.
    std::optional<jobfile::Template> storage;
    std::optional<jobfile::Template> save_storage;
    // Where each attempt's traffic is written as a HAR 1.2 file.
    std::optional<jobfile::Template> har;
    // A performance trace of each attempt: written to trace_path, or, without one, kept
    // with the attempt's artifacts (trace.json) when those are written.
    bool trace = false;
    std::optional<jobfile::Template> trace_path;

    std::optional<std::uint32_t> expect_status;
    std::vector<jobfile::Template> expect_title_contains;
    std::vector<jobfile::Template> expect_text_contains;
    std::vector<jobfile::Template> expect_selector_exists;
    bool expect_no_console_errors = false;
    std::optional<jobfile::Duration> expect_max_latency;

    // capture NAME = "title" | "url" | "timing:…"; step captures (`as`) are kept under
    // their own names.
    std::vector<std::pair<std::string, std::string>> captures;
    bool needs_timings() const noexcept {
        for (const auto& [name, source] : captures) {
            if (is_page_timing(source)) return true;
        }
        return false;
    }

    // What the page must report beyond the steps themselves: each one costs CDP traffic,
    // so a page enables only what its job asks for.
    bool needs_console() const noexcept { return expect_no_console_errors; }
    bool needs_responses() const noexcept { return has_step(Step::Action::wait_for_response); }
    bool needs_frames() const noexcept { return has_step(Step::Action::in_frame); }
    bool has_step(Step::Action action) const noexcept {
        for (const auto& step : steps) {
            if (step.action == action) return true;
            for (const auto& inner : step.steps) {
                if (inner.action == action) return true;
            }
        }
        return false;
    }
};

// [browser]
struct BrowserConfig final : jobfile::KindConfig {
    std::uint32_t instances = 1;           // Chromium processes; contexts are far cheaper than browsers
    std::uint32_t tabs_per_instance = 8;   // pages open at once in one browser
    std::string executable;                // empty: found as gaia-jobs(5) says
    bool headless = true;
    std::vector<std::string> args;
    std::vector<std::string> extensions;   // unpacked extension directories, absolute
    std::uint32_t recycle_after = 0;       // pages before a browser is restarted; 0: never
    std::chrono::milliseconds launch_timeout{30'000};
    // When pages leave artifacts (screenshot, HTML, console, network log); unset: as the
    // run says (--artifacts: on failure).
    std::optional<run::ArtifactMode> artifacts;
};

constexpr std::uint32_t kMaxInstances = 64;
constexpr std::uint32_t kMaxTabsPerInstance = 256;
// A wait with no `timeout` of its own, and a navigation, give up after this (Playwright's
// default too); the job's `timeout` bounds the whole attempt.
constexpr std::chrono::milliseconds kDefaultStepTimeout{30'000};
// A step that waits in the page (wait_for, click, type, extract, an element's screenshot)
// has the page's answer when its own timeout ends, which says what the page saw. gaia's
// timer fails the step only this much later, if no answer comes: a busy machine can
// delay one by seconds.
constexpr std::chrono::milliseconds kPageAnswerGrace{5'000};
// How long the crash of a browser or of a page may be retried for one instance, beyond the
// job's own `retries`: a page that always crashes still fails.
constexpr std::uint32_t kCrashRetries = 2;
// A failed page's artifacts are read from it for at most this long: a page stuck in a
// script answers nothing, and its attempt still has to end.
constexpr std::chrono::milliseconds kArtifactTimeout{5'000};

}  // namespace gaia::jobs::browser
