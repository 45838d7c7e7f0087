#include "jobs/browser/browser_task.hpp"

#include "core/jobfile/template.hpp"
#include "core/loop/atomic_writer.hpp"
#include "core/loop/work.hpp"
#include "core/text/base64.hpp"
#include "jobs/browser/browser_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <unistd.h>

namespace gaia::jobs::browser {
namespace {

std::string shown(const std::string& text) {
    constexpr std::size_t kMax = 60;
    return "\"" + (text.size() > kMax ? text.substr(0, kMax) + "…" : text) + "\"";
}

std::string seconds_text(std::chrono::milliseconds ms) {
    return ms.count() % 1000 == 0 ? std::to_string(ms.count() / 1000) + "s" : std::to_string(ms.count()) + "ms";
}

// The current document's timings, in seconds, as web-vitals reads them: time to first
// byte and load from the Navigation Timing entry, FCP from the paint entry, LCP the last
// largest-contentful-paint entry, CLS the largest session window of layout shifts without
// recent input (shifts less than 1 s apart, the window at most 5 s). Null when the page
// has none (no paint yet, a page not loaded over HTTP...).
constexpr const char* kTimingsScript =
    "(() => { const nav = performance.getEntriesByType('navigation')[0];"
    " const s = (ms) => (ms == null || ms < 0 || !isFinite(ms)) ? null : ms / 1000;"
    " const buffered = (type) => { try { const o = new PerformanceObserver(() => {});"
    "   o.observe({ type, buffered: true }); const e = o.takeRecords(); o.disconnect(); return e; } catch (e) { return []; } };"
    " const fcp = performance.getEntriesByName('first-contentful-paint')[0];"
    " const lcp = buffered('largest-contentful-paint').pop();"
    " let cls = 0, session = 0, first = null, last = null;"
    " for (const e of buffered('layout-shift')) { if (e.hadRecentInput) continue;"
    "   if (last !== null && e.startTime - last < 1000 && e.startTime - first < 5000) { session += e.value; }"
    "   else { session = e.value; first = e.startTime; }"
    "   last = e.startTime; cls = Math.max(cls, session); }"
    " return { ttfb: nav ? s(nav.responseStart - nav.startTime) : null, fcp: fcp ? s(fcp.startTime) : null,"
    "   lcp: lcp ? s(lcp.renderTime || lcp.loadTime || lcp.startTime) : null, cls,"
    "   load: nav && nav.loadEventEnd > 0 ? s(nav.loadEventEnd - nav.startTime) : null }; })()";

// What a failed page is saved as, besides its screenshot: the DOM serialised (the page as
// it is now, scripts' changes included) and the requests it made, from its own Resource
// Timing entries (the navigation first) — no Network domain events on a page that passes.
constexpr const char* kArtifactScript =
    "(() => { const s = (ms) => Math.round(ms) / 1000; const requests = [];"
    " const nav = performance.getEntriesByType('navigation')[0];"
    " for (const e of [...(nav ? [nav] : []), ...performance.getEntriesByType('resource')]) requests.push({"
    "   url: e.name, type: e.initiatorType, status: e.responseStatus || null, start_s: s(e.startTime),"
    "   duration_s: s(e.duration), ttfb_s: e.responseStart > 0 ? s(e.responseStart - e.startTime) : null,"
    "   transfer_bytes: e.transferSize, body_bytes: e.decodedBodySize });"
    " const doctype = document.doctype ? '<!DOCTYPE ' + document.doctype.name + '>\\n' : '';"
    " return { url: location.href, title: document.title, requests,"
    "   html: doctype + (document.documentElement ? document.documentElement.outerHTML : '') }; })()";

// capture "timing:NAME" from the final state: a number of seconds (CLS: a score), or null.
nlohmann::json page_timing(const nlohmann::json& state, const std::string& source) {
    const auto timing = state.find("timing");
    if (timing == state.end() || !timing->is_object()) return nullptr;
    const auto value = timing->find(source.substr(std::string_view("timing:").size()));
    return value != timing->end() && value->is_number() ? *value : nlohmann::json(nullptr);
}

// The page's state after the steps, for expect and capture: one evaluation.
std::string final_state_script(bool want_text, const std::vector<std::string>& selectors, bool want_timings) {
    return "(() => { const nav = performance.getEntriesByType('navigation')[0];"
           " const exists = (s) => { try { return document.querySelector(s) !== null; } catch (e) { return String(e.message); } };"
           " return { title: document.title, url: location.href,"
           " status: nav && nav.responseStatus ? nav.responseStatus : null,"
           " text: " + std::string(want_text ? "document.body ? document.body.innerText : ''" : "null") + "," +
           " timing: " + std::string(want_timings ? kTimingsScript : "null") + "," +
           " exists: " + jobfile::json_dump(nlohmann::json(selectors)) + ".map(exists) }; })()";
}

}  // namespace

BrowserTask::~BrowserTask() {
    if (ticket_) pool_.cancel_request(*ticket_);
    if (page_) pool_.return_page(std::move(page_));
}

void BrowserTask::start(const run::TaskContext& ctx, run::Completion done) {
    ctx_ = &ctx;
    done_ = std::move(done);
    artifacts_ = pool_.config().artifacts.value_or(ctx.artifacts);
    PageOptions options;
    options.viewport = config_.viewport;
    options.keep_console_log = artifacts_ != run::ArtifactMode::off;
    options.watch_console = config_.needs_console() || options.keep_console_log;
    if (auto* network = pool_.network(); network && network->settings().bandwidth) {
        // The budget split evenly over every tab the pool can open: an approximation, since
        // Chromium throttles each page on its own and does not share what one leaves unused.
        const double tabs = static_cast<double>(pool_.config().instances) * pool_.config().tabs_per_instance;
        options.throttle_bytes_per_s = *network->settings().bandwidth / tabs;
    }
    options.rules = config_.rules;
    options.record_har = config_.har.has_value();
    options.watch_responses = config_.needs_responses();
    options.trace = config_.trace;
    options.frames = config_.needs_frames();
    if (config_.trace && !config_.trace_path && artifacts_ == run::ArtifactMode::off) {
        pool_.loop().post(life_.guard([this] {
            finish(run::TaskStatus::failed,
                   "trace = true keeps the trace with the attempt's artifacts, which this run does not write: "
                   "run with --artifacts DIR, or give `trace` a path",
                   false);
        }));
        return;
    }
    options.offline = config_.offline;
    options.cpu_throttle = config_.cpu_throttle;
    options.color_scheme = config_.color_scheme;
    try {
        for (const auto& [name, value] : config_.headers) options.extra_headers.emplace_back(name, value.render(ctx.scope));
        if (config_.user_agent) options.user_agent = config_.user_agent->render(ctx.scope);
    } catch (const jobfile::RenderError& e) {
        pool_.loop().post(life_.guard([this, error = std::string(e.what())] { finish(run::TaskStatus::failed, error, false); }));
        return;
    }
    if (config_.storage) {
        std::string path;
        try {
            path = config_.storage->render(ctx.scope);
        } catch (const jobfile::RenderError& e) {
            pool_.loop().post(life_.guard([this, error = std::string(e.what())] { finish(run::TaskStatus::failed, "storage: " + error, false); }));
            return;
        }
        return load_storage(path, std::move(options));
    }
    request_page(std::move(options));
}

// Read on the thread pool when the attempt starts, not when the job file is loaded: the
// job that saves the session usually runs earlier in the same run.
void BrowserTask::load_storage(const std::string& path, PageOptions options) {
    struct Loaded {
        std::optional<StorageState> state;
        std::string error;
    };
    auto loaded = std::make_shared<Loaded>();
    loop::queue_work(
        pool_.loop(),
        [path, loaded] {
            try {
                loaded->state = load_storage_state(path);
            } catch (const std::exception& e) {
                loaded->error = e.what();
            }
        },
        life_.guard([this, loaded, options = std::move(options)](bool cancelled) mutable {
            if (finished_) return;
            if (cancelled) return finish(run::TaskStatus::cancelled, "cancelled");
            if (!loaded->state) return finish(run::TaskStatus::failed, "storage: " + loaded->error, false);
            storage_ = std::make_shared<const StorageState>(std::move(*loaded->state));
            options.storage = storage_;
            request_page(std::move(options));
        }));
}

void BrowserTask::request_page(PageOptions options) {
    ticket_ = pool_.request_page(std::move(options), life_.guard([this](std::unique_ptr<Page> page, std::string error) {
        on_page(std::move(page), std::move(error));
    }));
}

void BrowserTask::on_page(std::unique_ptr<Page> page, std::string error) {
    ticket_.reset();
    if (!page) return finish(run::TaskStatus::failed, error);
    page_ = std::move(page);
    page_ns_ = loop::Loop::hrtime_ns();
    if (ctx_->start_deadline) ctx_->start_deadline();
    page_->on_lost(life_.guard([this](const std::string&) { check_page(); }));
    timer_ = loop::Timer::create(pool_.loop());
    next_step();
}

void BrowserTask::cancel() {
    if (finished_) return;
    if (ticket_) {
        pool_.cancel_request(*ticket_);
        ticket_.reset();
    }
    // The page is closed by return_page(): whatever it was doing stops with it.
    pool_.loop().post(life_.guard([this] { finish(run::TaskStatus::cancelled, "cancelled"); }));
}

void BrowserTask::check_page() {
    if (finished_ || !page_ || !page_->is_lost()) return;
    if (page_->renderer_crashed()) pool_.on_page_crashed();
    auto error = (step_label_.empty() ? std::string() : step_label_ + ": ") + page_->lost_reason();
    finish(run::TaskStatus::failed, std::move(error));
}

void BrowserTask::arm_step_timer(std::chrono::milliseconds limit) {
    timer_->start(limit, life_.guard([this, limit] {
        finish(run::TaskStatus::failed, step_label_ + ": did not finish within " + seconds_text(limit));
    }));
}

// Long (about 90 lines): the next step, or, once every step has passed, the one page
// evaluation that expect and capture read and its judging; the judging reads the
// evaluation's answer in a callback, which keeps it here with the request it answers.
void BrowserTask::next_step() {
    if (finished_) return;
    try {
        const bool has_url = config_.url.has_value();
        responses_at_previous_ = responses_at_step_;
        responses_at_step_ = page_->responses_seen();
        if (frame_steps_) {
            if (frame_next_ < frame_steps_->size()) return run_step((*frame_steps_)[frame_next_++]);
            frame_steps_ = nullptr;
            page_->leave_frame();
        }
        if (has_url && next_ == 0) {
            ++next_;
            const auto url = config_.url->render(ctx_->scope);
            step_label_ = "url " + shown(url);
            return navigate(url);
        }
        const std::size_t index = next_ - (has_url ? 1 : 0);
        if (index < config_.steps.size()) {
            ++next_;
            return run_step(config_.steps[index]);
        }
    } catch (const jobfile::RenderError& e) {
        return finish(run::TaskStatus::failed, step_label_ + ": " + e.what(), false);
    }
    step_label_.clear();
    // Every step passed: read what expect and capture need, in one evaluation.
    std::vector<std::string> selectors;
    try {
        for (const auto& t : config_.expect_selector_exists) selectors.push_back(t.render(ctx_->scope));
    } catch (const jobfile::RenderError& e) {
        return finish(run::TaskStatus::failed, std::string("expect.selector_exists: ") + e.what(), false);
    }
    const bool want_text = !config_.expect_text_contains.empty();
    page_->evaluate(final_state_script(want_text, selectors, config_.needs_timings()), life_.guard([this, selectors](PageResult r) {
        if (finished_) return;
        if (!r.ok()) {
            check_page();  // a crash says so; otherwise the page could not be read
            return finish(run::TaskStatus::failed, "reading the page after its steps: " + r.error);
        }
        const auto& state = r.value;
        if (state.is_object() && state["title"].is_string()) title_ = state["title"].get<std::string>();
        std::string problem;
        try {
            const auto title = state.value("title", std::string());
            if (config_.expect_status) {
                const auto& status = state["status"];
                if (!status.is_number()) {
                    problem = "expect.status: the page has no HTTP status (it was not loaded over HTTP)";
                } else if (status.get<std::uint32_t>() != *config_.expect_status) {
                    problem = "expect.status: the main document answered " + std::to_string(status.get<std::uint32_t>()) +
                              ", expected " + std::to_string(*config_.expect_status);
                }
            }
            for (const auto& t : config_.expect_title_contains) {
                const auto want = t.render(ctx_->scope);
                if (problem.empty() && title.find(want) == std::string::npos) {
                    problem = "expect.title_contains: the title " + shown(title) + " does not contain " + shown(want);
                }
            }
            const auto text = state["text"].is_string() ? state["text"].get<std::string>() : std::string();
            for (const auto& t : config_.expect_text_contains) {
                const auto want = t.render(ctx_->scope);
                if (problem.empty() && text.find(want) == std::string::npos) {
                    problem = "expect.text_contains: the page's text does not contain " + shown(want);
                }
            }
            const auto& exists = state["exists"];
            for (std::size_t i = 0; problem.empty() && i < selectors.size() && i < exists.size(); ++i) {
                if (exists[i].is_string()) problem = "expect.selector_exists: `" + selectors[i] + "`: " + exists[i].get<std::string>();
                else if (!exists[i].get<bool>()) problem = "expect.selector_exists: nothing matches `" + selectors[i] + "`";
            }
        } catch (const std::exception& e) {
            // A render error, or a page that answered in a shape it should not have.
            problem = e.what();
        }
        const auto& errors = page_->console_errors();
        if (problem.empty() && config_.expect_no_console_errors && !errors.empty()) {
            problem = "expect.no_console_errors: " + std::to_string(errors.size()) + " error(s) on the console, the first: " +
                      errors.front();
        }
        const double seconds = static_cast<double>(loop::Loop::hrtime_ns() - page_ns_) / 1e9;
        if (problem.empty() && config_.expect_max_latency &&
            seconds > std::chrono::duration<double>(*config_.expect_max_latency).count()) {
            problem = "expect.max_latency: the page took " + std::to_string(static_cast<int>(seconds * 1000)) +
                      " ms, more than " + jobfile::format_duration(*config_.expect_max_latency);
        }
        for (const auto& [name, source] : config_.captures) {
            if (source == "title") captures_[name] = state.value("title", std::string());
            else if (source == "url") captures_[name] = state.value("url", std::string());
            else if (is_page_timing(source)) captures_[name] = page_timing(state, source);
            else if (auto it = captures_.find(source); it != captures_.end()) captures_[name] = it->second;
        }
        if (!problem.empty()) return finish(run::TaskStatus::failed, problem, false);
        if (config_.save_storage) return save_storage();
        finish(run::TaskStatus::passed, {});
    }));
}

void BrowserTask::save_storage() {
    std::string path;
    try {
        path = config_.save_storage->render(ctx_->scope);
    } catch (const jobfile::RenderError& e) {
        return finish(run::TaskStatus::failed, std::string("save_storage: ") + e.what(), false);
    }
    step_label_ = "save_storage " + shown(path);
    arm_step_timer(kDefaultStepTimeout);
    page_->read_storage(life_.guard([this, path](PageResult r) {
        if (finished_) return;
        if (!r.ok()) {
            check_page();
            return finish(run::TaskStatus::failed, step_label_ + ": " + r.error);
        }
        // 0600: the file holds session cookies, as good as a password.
        write_file(path, storage_state_text(r.value["cookies"], r.value["page"], storage_.get()), 0600,
                   [this](std::string error) {
                       timer_->stop();
                       if (!error.empty()) return finish(run::TaskStatus::failed, step_label_ + ": " + error);
                       finish(run::TaskStatus::passed, {});
                   });
    }));
}

void BrowserTask::navigate(const std::string& url) {
    arm_step_timer(kDefaultStepTimeout);
    page_->navigate(url, life_.guard([this](PageResult r) { step_done(std::move(r)); }));
}

void BrowserTask::run_step(const Step& step) {
    using Action = Step::Action;
    const auto limit = step.timeout.value_or(kDefaultStepTimeout);
    std::string subject;
    if (step.action != Action::press && step.action != Action::sleep && step.action != Action::wait_for_load &&
        step.action != Action::dialog) {
        subject = step.subject.render(ctx_->scope);
    }
    step_label_ = (frame_steps_ ? frame_label_ + ", " : std::string()) + "step " + std::to_string(step.number) + " (" +
                  std::string(action_name(step.action)) +
                  (subject.empty() ? std::string(step.key.empty() ? "" : " " + step.key) : " " + shown(subject)) + ")";
    auto next = life_.guard([this](PageResult r) { step_done(std::move(r)); });
    switch (step.action) {
    case Action::go_to:
        arm_step_timer(limit);
        return page_->navigate(subject, next);
    case Action::wait_for:
        arm_step_timer(limit + kPageAnswerGrace);
        return page_->with_element(subject, ElementAction::none, limit, next);
    case Action::wait_for_load:
        arm_step_timer(limit);
        return page_->wait_for_load(step.load, next);
    case Action::click:
        arm_step_timer(limit + kPageAnswerGrace);
        return pointer_at(subject, limit, true, next);
    case Action::type: {
        arm_step_timer(limit + kPageAnswerGrace);
        const auto field = step.into.render(ctx_->scope);
        return page_->with_element(field, ElementAction::focus, limit, life_.guard([this, next, subject](PageResult r) mutable {
            if (!r.ok()) return next(std::move(r));
            page_->insert_text(subject, next);
        }));
    }
    case Action::press:
        arm_step_timer(kDefaultStepTimeout);
        return page_->press(*key_info(step.key), next);
    case Action::eval:
        arm_step_timer(limit);
        return page_->evaluate(subject, life_.guard([this, next, as = step.as](PageResult r) mutable {
            if (r.ok() && !as.empty()) captures_[as] = r.value;
            next(std::move(r));
        }));
    case Action::extract:
        arm_step_timer(limit + kPageAnswerGrace);
        return page_->with_element(subject, ElementAction::inner_text, limit,
                                   life_.guard([this, next, as = step.as](PageResult r) mutable {
                                       if (r.ok()) captures_[as] = r.value;
                                       next(std::move(r));
                                   }));
    case Action::screenshot: {
        arm_step_timer(limit + kPageAnswerGrace);
        auto write = life_.guard([this, path = subject](PageResult r) { save(path, std::move(r)); });
        if (step.selector.source().empty()) return page_->screenshot(step.full_page, std::nullopt, write);
        const auto selector = step.selector.render(ctx_->scope);
        return page_->with_element(selector, ElementAction::box, limit, life_.guard([this, write](PageResult r) mutable {
            if (!r.ok() || !r.value.is_array() || r.value.size() != 4) {
                return write(r.ok() ? PageResult{"the element has no box to capture", nullptr} : std::move(r));
            }
            std::array<double, 4> clip{};
            for (std::size_t i = 0; i < 4; ++i) clip[i] = r.value[i].get<double>();
            page_->screenshot(false, clip, write);
        }));
    }
    case Action::pdf:
        arm_step_timer(limit);
        return page_->pdf(life_.guard([this, path = subject](PageResult r) { save(path, std::move(r)); }));
    case Action::sleep:
        timer_->start(step.wait, life_.guard([this] { step_done({}); }));
        return;
    case Action::hover:
        arm_step_timer(limit + kPageAnswerGrace);
        return pointer_at(subject, limit, false, next);
    case Action::select:
        arm_step_timer(limit + kPageAnswerGrace);
        return page_->with_element(subject, ElementAction::select_option, limit,
                                   life_.guard([subject, next](PageResult r) mutable {
                                       if (r.ok() && r.value.is_object() && r.value.contains("error")) {
                                           r = {"`" + subject + "` " + cdp_string(r.value, "error", "cannot be chosen from"), nullptr};
                                       }
                                       next(std::move(r));
                                   }),
                                   step.option.render(ctx_->scope));
    case Action::check:
    case Action::uncheck:
        arm_step_timer(limit + kPageAnswerGrace);
        return set_checked(subject, step.action == Action::check, limit, next);
    case Action::scroll:
        arm_step_timer(limit + kPageAnswerGrace);
        if (subject == "top" || subject == "bottom") {
            return page_->evaluate(subject == "top" ? "window.scrollTo(0, 0)"
                                                    : "window.scrollTo(0, document.scrollingElement.scrollHeight)",
                                   next);
        }
        return page_->with_element(subject, ElementAction::scroll, limit, next);
    case Action::expect_text:
        arm_step_timer(limit + kPageAnswerGrace);
        return page_->wait_for_text(subject, step.text.render(ctx_->scope), limit, next);
    case Action::wait_for_url:
        // The page has no answer to give when the limit ends: the URL it is on says why.
        timer_->start(limit, life_.guard([this, limit] {
            finish(run::TaskStatus::failed, step_label_ + ": the page is still at " + shown(page_->url()) + " after " +
                                                seconds_text(limit));
        }));
        return page_->wait_for_url(subject, next);
    case Action::dialog:
        page_->set_dialog_answer(step.accept, step.text.source().empty() ? std::string() : step.text.render(ctx_->scope));
        return pool_.loop().post(life_.guard([this] { step_done({}); }));
    case Action::upload:
        arm_step_timer(limit + kPageAnswerGrace);
        return upload(subject, step.into.render(ctx_->scope), limit, next);
    case Action::wait_for_response: return wait_for_response(step, subject, limit, next);
    case Action::download:
        arm_step_timer(limit + kPageAnswerGrace);
        return download(subject, step.into.render(ctx_->scope), limit, step.as, next);
    case Action::in_frame:
        arm_step_timer(limit + kPageAnswerGrace);
        return page_->enter_frame(subject, limit, life_.guard([this, &step](PageResult r) {
            if (r.ok()) {
                frame_steps_ = &step.steps;
                frame_next_ = 0;
                frame_label_ = step_label_;
            }
            step_done(std::move(r));
        }));
    }
}

// The file must be there when the step runs: Chromium itself reads it only when the form
// is sent, and would send nothing.
void BrowserTask::upload(const std::string& file, const std::string& selector, std::chrono::milliseconds limit, PageDone next) {
    auto path = std::make_shared<std::string>(file);
    auto problem = std::make_shared<std::string>();
    loop::queue_work(
        pool_.loop(),
        [path, problem] {
            std::error_code ec;
            const auto absolute = std::filesystem::absolute(*path, ec).lexically_normal();
            const auto status = ec ? std::filesystem::file_status() : std::filesystem::status(absolute, ec);
            if (ec) *problem = "cannot upload " + *path + ": " + ec.message();
            else if (!std::filesystem::is_regular_file(status)) *problem = "cannot upload " + *path + ": not a regular file";
            else if (::access(absolute.c_str(), R_OK) != 0) *problem = "cannot upload " + *path + ": " + std::strerror(errno);
            *path = absolute.string();
        },
        life_.guard([this, path, problem, selector, limit, next](bool cancelled) mutable {
            if (finished_) return;
            if (cancelled) return finish(run::TaskStatus::cancelled, "cancelled");
            if (!problem->empty()) return next({*problem, nullptr});
            page_->set_input_files(selector, {*path}, limit, next);
        }));
}

// The page has no answer to give when the limit ends: the responses it did get say why.
void BrowserTask::wait_for_response(const Step& step, const std::string& pattern, std::chrono::milliseconds limit, PageDone next) {
    const auto since = responses_at_previous_;
    timer_->start(limit, life_.guard([this, limit, since] {
        finish(run::TaskStatus::failed, step_label_ + ": no response matched after " + seconds_text(limit) + "; " +
                                            page_->responses_since(since));
    }));
    page_->wait_for_response(pattern, since, life_.guard([this, next, want = step.status, as = step.as](PageResult r) mutable {
        if (r.ok()) {
            const auto status = r.value.value("status", 0);
            if (want && static_cast<std::uint32_t>(status) != *want) {
                r = {"the response from " + shown(cdp_string(r.value, "url")) + " answered " + std::to_string(status) +
                         ", expected " + std::to_string(*want),
                     nullptr};
            } else if (!as.empty()) {
                captures_[as] = status;
            }
        }
        next(std::move(r));
    }));
}

void BrowserTask::download(const std::string& selector, const std::string& directory, std::chrono::milliseconds limit,
                           std::string as, PageDone next) {
    struct Download {
        std::string directory;  // absolute
        std::string staging;    // Chromium's, inside it
        std::string problem;
        bool answered = false;
    };
    auto d = std::make_shared<Download>();
    // Hidden and in the same directory: the finished file is renamed, never copied, and a
    // half-written one is never seen under its name.
    const auto staging_name = ".gaia-download-" + std::to_string(::getpid()) + "-" + std::to_string(loop::Loop::hrtime_ns());
    auto once = [d, next](PageResult r) mutable {
        if (d->answered) return;
        d->answered = true;
        next(std::move(r));
    };
    loop::queue_work(
        pool_.loop(),
        [d, directory, staging_name] {
            std::error_code ec;
            const auto dir = std::filesystem::absolute(directory, ec).lexically_normal();
            if (!ec) std::filesystem::create_directories(dir / staging_name, ec);
            if (ec) d->problem = "cannot create " + (dir / staging_name).string() + ": " + ec.message();
            d->directory = dir.string();
            d->staging = (dir / staging_name).string();
        },
        life_.guard([this, d, selector, limit, as, once](bool cancelled) mutable {
            if (finished_) return;
            if (cancelled) return finish(run::TaskStatus::cancelled, "cancelled");
            if (!d->problem.empty()) return once({d->problem, nullptr});
            staging_dirs_.push_back(d->staging);
            page_->allow_downloads(d->staging, life_.guard([this, d, selector, limit, as, once](PageResult ready) mutable {
                if (!ready.ok()) return once({"the browser does not allow the download: " + ready.error, nullptr});
                page_->wait_for_download(life_.guard([this, d, as, once](PageResult r) mutable {
                    if (!r.ok()) return once(std::move(r));
                    // The name is the page's: only its last component, and never empty or a dot.
                    auto name = std::filesystem::path(cdp_string(r.value, "name")).filename().string();
                    if (name.empty() || name == "." || name == "..") name = "download";
                    const auto from = d->staging + "/" + cdp_string(r.value, "guid");
                    const auto to = d->directory + "/" + name;
                    auto error = std::make_shared<std::string>();
                    loop::queue_work(
                        pool_.loop(),
                        [from, to, staging = d->staging, error] {
                            std::error_code ec;
                            std::filesystem::rename(from, to, ec);
                            if (ec) *error = "cannot move the download to " + to + ": " + ec.message();
                            std::filesystem::remove_all(staging, ec);
                        },
                        life_.guard([this, to, as, error, once](bool) mutable {
                            if (!error->empty()) return once({*error, nullptr});
                            if (!as.empty()) captures_[as] = to;
                            once({});
                        }));
                }));
                // The click that starts it; its success answers nothing, the download does.
                pointer_at(selector, limit, true, life_.guard([this, d, limit, once](PageResult clicked) mutable {
                    if (!clicked.ok()) return once(std::move(clicked));
                    if (d->answered) return;  // the download was quicker than the click's answer
                    timer_->start(limit, life_.guard([this, limit] {
                        finish(run::TaskStatus::failed, step_label_ + ": no download finished within " + seconds_text(limit));
                    }));
                }));
            }));
        }));
}

// The mouse at the element's centre, once it is visible and scrolled into view: a click
// there, or only the move (a hover).
void BrowserTask::pointer_at(const std::string& selector, std::chrono::milliseconds limit, bool click, PageDone next) {
    page_->with_element(selector, ElementAction::center, limit, life_.guard([this, click, next](PageResult r) mutable {
        const auto& at = r.value;
        if (r.ok() && !(at.is_array() && at.size() == 2 && at[0].is_number() && at[1].is_number())) {
            r = {click ? "the element has no position to click" : "the element has no position to hover over", nullptr};
        }
        if (!r.ok()) return next(std::move(r));
        mouse_at(at[0].get<double>(), at[1].get<double>(), click, next);
    }));
}

// A point of the current frame's viewport, where the mouse moves and, with click, clicks:
// input goes to the page, which hands it to the frame under the point.
void BrowserTask::mouse_at(double x, double y, bool click, PageDone next) {
    page_->page_point(x, y, life_.guard([this, click, next](PageResult point) mutable {
        if (!point.ok()) return next(std::move(point));
        const double page_x = point.value[0].get<double>(), page_y = point.value[1].get<double>();
        if (click) return page_->click_at(page_x, page_y, next);
        page_->move_mouse(page_x, page_y, next);
    }));
}

// As Playwright's check(): a click only if the state differs, then the state must be
// the one wanted — a radio button cannot be unchecked by a click, a page may refuse it.
void BrowserTask::set_checked(const std::string& selector, bool want, std::chrono::milliseconds limit, PageDone next) {
    const std::string verb = want ? "check" : "uncheck";
    page_->with_element(selector, ElementAction::checkable, limit, life_.guard([this, selector, want, verb, limit, next](PageResult r) mutable {
        if (!r.ok()) return next(std::move(r));
        if (!r.value.is_object()) return next({"the page gave no answer about `" + selector + "`", nullptr});
        if (r.value.contains("error")) return next({"`" + selector + "` " + cdp_string(r.value, "error", "cannot be checked"), nullptr});
        if (r.value.contains("done")) return next({});
        const auto at = r.value.value("at", nlohmann::json());
        if (!at.is_array() || at.size() != 2 || !at[0].is_number() || !at[1].is_number()) {
            return next({"the element has no position to click", nullptr});
        }
        mouse_at(at[0].get<double>(), at[1].get<double>(), true, life_.guard([this, selector, want, verb, limit, next](PageResult clicked) mutable {
            if (!clicked.ok()) return next(std::move(clicked));
            page_->with_element(selector, ElementAction::checked, limit, life_.guard([selector, want, verb, next](PageResult state) mutable {
                if (state.ok() && state.value != nlohmann::json(want)) {
                    state = {"clicking `" + selector + "` did not " + verb + " it", nullptr};
                }
                next(std::move(state));
            }));
        }));
    }), nlohmann::json(want));
}

void BrowserTask::save(const std::string& path, PageResult result) {
    if (finished_) return;
    if (!result.ok()) return step_done(std::move(result));
    auto bytes = result.value.is_string() ? text::decode_base64(result.value.get_ref<const std::string&>()) : std::nullopt;
    if (!bytes || bytes->empty()) return step_done({"the browser sent no image data", nullptr});
    const auto size = bytes->size();
    write_file(path, std::move(*bytes), 0644, [this, size](std::string error) {
        if (!error.empty()) return step_done({std::move(error), nullptr});
        bytes_ += size;
        step_done({});
    });
}

// Its directory made if missing (as `out/{{ index }}.png` wants), then written beside the
// target and renamed: a reader never sees half a file.
void BrowserTask::write_file(const std::string& path, std::string bytes, unsigned mode, std::function<void(std::string)> done) {
    auto data = std::make_shared<std::string>(std::move(bytes));
    auto finished = std::make_shared<std::function<void(std::string)>>(std::move(done));
    auto made = std::make_shared<std::string>();  // why the directory could not be made
    loop::queue_work(
        pool_.loop(),
        [path, made] {
            const auto parent = std::filesystem::path(path).parent_path();
            std::error_code ec;
            if (!parent.empty()) std::filesystem::create_directories(parent, ec);
            if (ec) *made = "cannot create " + parent.string() + ": " + ec.message();
        },
        life_.guard([this, path, mode, data, finished, made](bool cancelled) {
            if (cancelled) return (*finished)("cannot write " + path + ": gaia is stopping");
            if (!made->empty()) return (*finished)(*made);
            auto writer = loop::AtomicWriter::create(pool_.loop(), path, mode);
            writer->open(life_.guard([this, writer, data, path, finished](const std::string& error) {
                if (!error.empty()) return (*finished)("cannot write " + path + ": " + error);
                writer->write(*data);
                writer->commit(life_.guard([writer, path, finished](const std::string& commit_error) {
                    (*finished)(commit_error.empty() ? std::string() : "cannot write " + path + ": " + commit_error);
                }));
            }));
        }));
}

void BrowserTask::step_done(PageResult result) {
    if (finished_) return;
    timer_->stop();
    if (page_->is_lost()) return check_page();
    if (result.ok()) return next_step();
    // A navigation to a page whose renderer dies fails (net::ERR_ABORTED) just before the
    // crash is reported. One round trip to the page tells which it was: a crash is retried.
    auto error = step_label_ + ": " + result.error;
    timer_->start(std::chrono::seconds(2), life_.guard([this, error] { finish(run::TaskStatus::failed, error); }));
    page_->evaluate("0", life_.guard([this, error](PageResult) {
        if (page_->is_lost()) return check_page();
        finish(run::TaskStatus::failed, error);
    }));
}

void BrowserTask::finish(run::TaskStatus status, std::string error, bool retryable) {
    if (finished_) return;
    finished_ = true;
    life_.renew();  // nothing handed out before (page answers, timers) reaches this task now
    if (timer_) timer_->stop();
    run::TaskOutcome outcome;
    outcome.status = status;
    outcome.error = std::move(error);
    if (status == run::TaskStatus::cancelled && ctx_->deadline_passed) {
        outcome.timed_out_in = step_label_.empty() ? std::string(page_ ? "the page's checks" : "waiting for a tab") : step_label_;
    }
    outcome.retryable = retryable;
    const bool stopped_by_user = status == run::TaskStatus::cancelled && !ctx_->deadline_passed;
    if (config_.har && page_ && !stopped_by_user) return write_har(std::move(outcome));
    after_har(std::move(outcome));
}

void BrowserTask::after_har(run::TaskOutcome outcome) {
    const bool stopped_by_user = outcome.status == run::TaskStatus::cancelled && !ctx_->deadline_passed;
    if (config_.trace && page_ && !page_->is_lost() && !stopped_by_user) return end_trace(std::move(outcome));
    after_trace(std::move(outcome));
}

// A trace nobody will read (trace = true, no artifacts for this attempt) is not read at
// all: disposing of the page's context ends it.
void BrowserTask::end_trace(run::TaskOutcome outcome) {
    std::string path;
    try {
        if (config_.trace_path) path = config_.trace_path->render(ctx_->scope);
    } catch (const jobfile::RenderError& e) {
        if (outcome.status == run::TaskStatus::passed) {
            outcome.status = run::TaskStatus::failed;
            outcome.error = std::string("trace: ") + e.what();
            outcome.retryable = false;
        }
        return after_trace(std::move(outcome));
    }
    if (path.empty() && !wants_artifacts(outcome.status)) return after_trace(std::move(outcome));
    // Whichever comes first, the trace or the timer, goes on; the other finds it done.
    auto held = std::make_shared<std::optional<run::TaskOutcome>>(std::move(outcome));
    auto go_on = [this, held](std::string error) {
        if (!*held) return;
        auto result = std::move(**held);
        held->reset();
        if (!error.empty() && result.status == run::TaskStatus::passed) {
            result.status = run::TaskStatus::failed;
            result.error = "trace: " + error;
        } else if (!error.empty()) {
            result.details["trace_error"] = error;
        }
        after_trace(std::move(result));
    };
    timer_->start(kDefaultStepTimeout, life_.guard([go_on] { go_on("the browser did not end the trace within 30s"); }));
    page_->stop_trace(life_.guard([this, held, path, go_on](PageResult r) {
        if (!*held) return;
        timer_->stop();
        if (!r.ok() || !r.value.is_string()) return go_on(r.ok() ? "the browser gave no trace" : r.error);
        if (path.empty()) {
            trace_ = std::move(r.value.get_ref<std::string&>());
            return go_on({});
        }
        // Masked as everything gaia writes: a trace holds the URLs the page loaded.
        auto text = pool_.redactor().scrub(r.value.get_ref<const std::string&>());
        write_file(path, std::move(text), 0644, [held, path, go_on](std::string error) mutable {
            if (error.empty() && *held) (**held).details["trace"] = path;
            go_on(std::move(error));
        });
    }));
}

void BrowserTask::after_trace(run::TaskOutcome outcome) {
    if (wants_artifacts(outcome.status)) return collect_artifacts(std::move(outcome));
    conclude(std::move(outcome));
}

// Every attempt's, passed or not: a failure is when the traffic is most wanted. Secrets
// are masked as in everything else gaia writes.
void BrowserTask::write_har(run::TaskOutcome outcome) {
    auto held = std::make_shared<run::TaskOutcome>(std::move(outcome));
    std::string path;
    try {
        path = config_.har->render(ctx_->scope);
    } catch (const jobfile::RenderError& e) {
        if (held->status == run::TaskStatus::passed) {
            held->status = run::TaskStatus::failed;
            held->error = std::string("har: ") + e.what();
            held->retryable = false;
        }
        return after_har(std::move(*held));
    }
    const auto log = page_->har_log(title_);
    auto text = pool_.redactor().scrub(log.dump(1, ' ', false, nlohmann::json::error_handler_t::replace)) + "\n";
    write_file(path, std::move(text), 0644, [this, held, path](std::string error) {
        if (error.empty()) {
            held->details["har"] = path;
        } else if (held->status == run::TaskStatus::passed) {
            held->status = run::TaskStatus::failed;
            held->error = "har: " + error;
        }
        after_har(std::move(*held));
    });
}

// A timeout reaches the task as a cancel with the deadline passed: the attempt failed.
bool BrowserTask::wants_artifacts(run::TaskStatus status) const {
    if (!page_ || artifacts_ == run::ArtifactMode::off) return false;
    const bool failed = status == run::TaskStatus::failed || (status == run::TaskStatus::cancelled && ctx_->deadline_passed);
    if (status == run::TaskStatus::cancelled && !failed) return false;  // the user stopped the run
    return failed || artifacts_ == run::ArtifactMode::always;
}

// The screenshot and the page's state are asked for together; whatever has come when both
// answered, or when kArtifactTimeout ran out, is what the attempt leaves. A lost page has
// only its console log to give.
void BrowserTask::collect_artifacts(run::TaskOutcome outcome) {
    struct Collected {
        run::TaskOutcome outcome;
        int waiting = 2;
        bool done = false;
    };
    auto collected = std::make_shared<Collected>();
    collected->outcome = std::move(outcome);
    const auto began_ns = loop::Loop::hrtime_ns();
    auto conclude_once = [this, collected, began_ns] {
        if (collected->done) return;
        collected->done = true;
        timer_->stop();
        collected->outcome.artifacts_s = static_cast<double>(loop::Loop::hrtime_ns() - began_ns) / 1e9;
        auto& artifacts = collected->outcome.artifacts;
        // In a fixed order, whichever answered first.
        std::stable_sort(artifacts.begin(), artifacts.end(), [](const run::Artifact& a, const run::Artifact& b) {
            auto rank = [](const std::string& name) { return name == "screenshot.png" ? 0 : name == "page.html" ? 1 : 2; };
            return rank(a.name) < rank(b.name);
        });
        artifacts.push_back({"console.log", page_->console_log()});
        if (!trace_.empty()) artifacts.push_back({"trace.json", std::move(trace_)});
        conclude(std::move(collected->outcome));
    };
    if (page_->is_lost()) return conclude_once();
    auto answered = life_.guard([collected, conclude_once] {
        if (--collected->waiting == 0) conclude_once();
    });
    timer_->start(kArtifactTimeout, life_.guard(conclude_once));
    page_->screenshot(true, std::nullopt, life_.guard([collected, answered](PageResult r) mutable {
        if (!collected->done && r.ok() && r.value.is_string()) {
            if (auto png = text::decode_base64(r.value.get_ref<const std::string&>()); png && !png->empty()) {
                collected->outcome.artifacts.push_back({"screenshot.png", std::move(*png), false});
            }
        }
        answered();
    }));
    page_->evaluate(kArtifactScript, life_.guard([collected, answered](PageResult r) mutable {
        if (!collected->done && r.ok() && r.value.is_object()) {
            auto& value = r.value;
            if (value["html"].is_string()) collected->outcome.artifacts.push_back({"page.html", value["html"].get<std::string>()});
            nlohmann::json network = {{"url", value["url"]}, {"title", value["title"]}, {"requests", value["requests"]}};
            collected->outcome.artifacts.push_back({"network.json", network.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"});
        }
        answered();
    }));
}

void BrowserTask::conclude(run::TaskOutcome outcome) {
    const auto status = outcome.status;
    outcome.bytes = bytes_;
    if (status == run::TaskStatus::passed) {
        for (auto& [name, value] : captures_) outcome.captures[name] = std::move(value);
    }
    const bool lost = page_ && page_->is_lost();
    if (lost) outcome.free_retries = kCrashRetries;  // a new page (and browser) may well pass
    if (page_) {
        if (!page_->console_errors().empty()) outcome.details["console_errors"] = page_->console_errors();
        if (!page_->dialogs().empty()) outcome.details["dialogs"] = page_->dialogs();
        if (const auto blocked = page_->blocked_requests(), mocked = page_->mocked_requests(); blocked + mocked > 0) {
            outcome.details["requests_blocked"] = blocked;
            outcome.details["requests_mocked"] = mocked;
            pool_.on_requests_intercepted(ctx_->job.name, blocked, mocked);
        }
        // A page whose attempt ran out of time failed; only one the run stopped was cancelled.
        const bool failed = status == run::TaskStatus::failed || (status == run::TaskStatus::cancelled && ctx_->deadline_passed);
        const char* name = status == run::TaskStatus::passed ? "passed" : failed ? "failed" : "cancelled";
        const double seconds = static_cast<double>(loop::Loop::hrtime_ns() - page_ns_) / 1e9 - outcome.artifacts_s;
        pool_.on_page_finished(name, std::max(0.0, seconds));
        pool_.return_page(std::move(page_));
    }
    // Chromium's staging directories of downloads that never finished.
    for (auto& dir : staging_dirs_) {
        loop::queue_work(pool_.loop(), [dir] {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }, [](bool) {});
    }
    staging_dirs_.clear();
    auto done = std::move(done_);
    if (done) done(std::move(outcome));
}

}  // namespace gaia::jobs::browser
