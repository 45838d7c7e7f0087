#include "jobs/browser/browser_pool.hpp"

#include "core/run/results.hpp"
#include "jobs/browser/browser_task.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gaia::jobs::browser {

BrowserPool::BrowserPool(run::RunEnv& env, const BrowserConfig& config)
    : env_(env),
      config_(config),
      instances_gauge_(env.metrics.gauge("gaia_browser_instances", "Chromium processes running now.").with({})),
      tabs_gauge_(env.metrics.gauge("gaia_browser_tabs_active", "Pages open now, over all browsers.").with({})),
      queue_gauge_(env.metrics.gauge("gaia_browser_queue_depth", "Pages waiting for a free tab.").with({})),
      pages_(env.metrics.counter("gaia_browser_pages_total", "Page sessions (browser job attempts), by result.",
                                 {"status"})),
      page_duration_(
          env.metrics.histogram("gaia_browser_page_duration_seconds", "How long a page session took, steps included.")
              .with({})),
      crashes_counter_(env.metrics.counter("gaia_browser_crashes_total", "Browsers and pages that crashed.").with({})),
      intercepted_counter_(env.metrics.counter("gaia_browser_requests_intercepted_total",
                                               "Page requests a job's rules answered: blocked or mocked.",
                                               {"job", "action"})),
      memory_(env.metrics.gauge("gaia_browser_memory_bytes",
                                "Resident memory of each browser instance (all its processes), by pool slot.",
                                // Not `instance`: Prometheus gives every series that label (the target).
                                {"slot"})) {
    env.metrics.on_collect(life_.guard([this] {
        for (const auto& instance : instances_) {
            memory_.with({std::to_string(instance->slot)}).set(static_cast<double>(instance->chromium->resident_bytes()));
        }
    }));
}

BrowserPool::~BrowserPool() {
    // Whatever is still running dies with the pool (a second SIGINT, a failed test).
    for (auto& instance : instances_) {
        for (auto* page : instance->pages) page->browser_gone("the browser pool was shut down");
    }
}

std::unique_ptr<run::Task> BrowserPool::make_task(const jobfile::Job& job) {
    return std::make_unique<BrowserTask>(*this, dynamic_cast<const BrowserJobConfig&>(*job.config));
}

void BrowserPool::prepare(const jobfile::JobSet& set) {
    const bool wanted = std::any_of(set.jobs.begin(), set.jobs.end(), [](const jobfile::Job& j) { return j.kind == "browser"; });
    if (!wanted) return;
    if (!config_.executable.empty()) {
        executable_ = config_.executable;
        return;
    }
    std::string error;
    if (auto found = find_chromium(&error)) executable_ = *found;
    else unavailable_ = error;
}

std::uint64_t BrowserPool::request_page(PageOptions options, Granted granted) {
    const auto ticket = next_ticket_++;
    if (!unavailable_.empty() || executable_.empty()) {
        auto error = unavailable_.empty() ? std::string("no Chromium executable") : unavailable_;
        env_.loop.post(life_.guard([granted = std::move(granted), error] { granted(nullptr, error); }));
        return ticket;
    }
    queue_.push_back({ticket, std::move(options), std::move(granted)});
    queue_gauge_.set(static_cast<double>(queue_.size()));
    // Grants wait for a later turn: many requests of one turn are spread together.
    env_.loop.post(life_.guard([this] { pump(); }));
    return ticket;
}

void BrowserPool::cancel_request(std::uint64_t ticket) {
    if (auto opening = opening_.find(ticket); opening != opening_.end()) {
        opening->second.cancelled = true;
        return;
    }
    auto it = std::find_if(queue_.begin(), queue_.end(), [ticket](const Request& r) { return r.ticket == ticket; });
    if (it == queue_.end()) return;
    queue_.erase(it);
    queue_gauge_.set(static_cast<double>(queue_.size()));
}

std::uint32_t BrowserPool::free_slot() const {
    for (std::uint32_t slot = 0;; ++slot) {
        const bool used = std::any_of(instances_.begin(), instances_.end(), [slot](const auto& i) { return i->slot == slot; });
        if (!used) return slot;
    }
}

BrowserPool::Instance* BrowserPool::place(const Request& request) {
    Instance* best = nullptr;
    for (auto& instance : instances_) {
        if (instance->state != Instance::State::ready || instance->tabs >= config_.tabs_per_instance) continue;
        if (request.options.trace && instance->tracer) continue;
        if (!best || instance->tabs < best->tabs) best = instance.get();
    }
    return best;
}

// In order, but a traced page that must wait for a browser's trace to end lets the
// requests behind it go first.
void BrowserPool::pump() {
    for (;;) {
        for (auto it = queue_.begin(); it != queue_.end();) {
            Instance* best = place(*it);
            if (!best) {
                if (!it->options.trace) break;  // no free tab anywhere
                ++it;
                continue;
            }
            auto request = std::move(*it);
            it = queue_.erase(it);
            grant(*best, std::move(request));
        }
        if (queue_.empty()) break;
        // No free tab: start another browser if what is launching cannot take the queue.
        std::uint64_t coming = 0;
        std::uint32_t live = 0;
        for (const auto& instance : instances_) {
            if (instance->state == Instance::State::launching) coming += config_.tabs_per_instance;
            if (instance->state != Instance::State::closing) ++live;
        }
        if (queue_.size() > coming && live < config_.instances) {
            launch();
            continue;
        }
        break;
    }
    queue_gauge_.set(static_cast<double>(queue_.size()));
}

void BrowserPool::launch() {
    auto owned = std::make_unique<Instance>();
    Instance* instance = owned.get();
    instance->slot = free_slot();
    LaunchOptions options;
    options.executable = executable_;
    options.headless = config_.headless;
    options.args = config_.args;
    options.extensions = config_.extensions;
    options.launch_timeout = config_.launch_timeout;
    instance->chromium = std::make_unique<Chromium>(env_.loop, env_.children, std::move(options));
    instances_.push_back(std::move(owned));
    ++launches_;
    instance->chromium->launch(life_.guard([this, instance](std::string error) { on_launched(instance, error); }),
                               life_.guard([this, instance](std::string reason) { on_browser_died(instance, reason); }));
}

void BrowserPool::on_launched(Instance* instance, const std::string& error) {
    if (error.empty()) {
        // Downloads are reported to the browser's own session: each page picks its own.
        instance->chromium->cdp().on_event([instance](const std::string& method, const nlohmann::json& params) {
            if (method.rfind("Browser.download", 0) != 0) return;
            for (auto* page : instance->pages) page->on_browser_event(method, params);
        });
        instance->state = Instance::State::ready;
        instances_gauge_.inc();
        pump();
        return;
    }
    last_launch_error_ = "cannot launch " + executable_ + ": " + error;
    spdlog::error("browser: {}", last_launch_error_);
    shut(*instance);
    // Waiting pages would wait for nothing if no other browser can take them: they fail,
    // and their instances may be retried (a later launch may work).
    const bool other = std::any_of(instances_.begin(), instances_.end(), [](const auto& i) {
        return i->state == Instance::State::ready || i->state == Instance::State::launching;
    });
    if (!other) {
        auto waiting = std::move(queue_);
        queue_.clear();
        queue_gauge_.set(0);
        for (auto& request : waiting) {
            env_.loop.post(life_.guard([granted = std::move(request.granted), error = last_launch_error_] {
                granted(nullptr, error);
            }));
        }
    }
    pump();
}

void BrowserPool::on_browser_died(Instance* instance, const std::string& reason) {
    ++crashes_;
    crashes_counter_.inc();
    if (instance->state != Instance::State::launching) instances_gauge_.dec();
    const std::string why = "the browser crashed (" + reason + ")";
    spdlog::warn("browser {}: {}; {} page(s) lost", instance->slot, why, instance->pages.size());
    for (auto* page : instance->pages) {
        page->browser_gone(why);
        owner_.erase(page);
    }
    tabs_gauge_.dec(static_cast<double>(instance->tabs));
    instance->pages.clear();
    instance->tracer = nullptr;
    instance->tabs = 0;
    instance->state = Instance::State::closing;
    memory_.with({std::to_string(instance->slot)}).set(0);
    // The process is gone already: close() only removes its user-data-dir.
    instance->chromium->close(life_.guard([this, instance] { remove(instance); }));
    pump();  // a replacement, if pages wait
}

void BrowserPool::grant(Instance& instance, Request request) {
    ++instance.tabs;
    ++instance.served;
    tabs_gauge_.inc();
    if (config_.recycle_after != 0 && instance.served >= config_.recycle_after) {
        spdlog::debug("browser {}: {} pages served, recycling it", instance.slot, instance.served);
        instance.state = Instance::State::retiring;
        instances_gauge_.dec();
    }
    auto page = std::make_unique<Page>(env_.loop, instance.chromium->cdp(), request.options);
    Page* raw = page.get();
    instance.pages.insert(raw);
    if (page->traced()) instance.tracer = raw;
    owner_[raw] = &instance;
    const auto ticket = request.ticket;
    opening_.emplace(ticket, Opening{std::move(page), std::move(request), false});
    raw->open(life_.guard([this, ticket](PageResult r) { on_opened(ticket, std::move(r)); }));
}

void BrowserPool::on_opened(std::uint64_t ticket, PageResult result) {
    auto it = opening_.find(ticket);
    if (it == opening_.end()) return;
    auto opening = std::move(it->second);
    opening_.erase(it);
    if (opening.cancelled) {
        return_page(std::move(opening.page));
        return;
    }
    if (result.ok()) {
        opening.request.granted(std::move(opening.page), {});
        return;
    }
    const bool crashed = opening.page->is_lost();
    const std::string error = crashed ? opening.page->lost_reason() : result.error;
    return_page(std::move(opening.page));
    if (crashed && ++opening.request.crashes <= kCrashRetries) {
        // The page never worked: its request goes first in line for the replacement.
        queue_.push_front(std::move(opening.request));
        pump();
        return;
    }
    opening.request.granted(nullptr, "cannot open a page: " + error);
}

void BrowserPool::return_page(std::unique_ptr<Page> page) {
    Page* raw = page.get();
    auto it = owner_.find(raw);
    if (it == owner_.end()) {
        // Its browser died already and took the tab with it.
        env_.loop.defer_delete(std::move(page));
        return;
    }
    Instance* instance = it->second;
    // The tab is free once the context is gone: a new page must not find the old one's memory.
    raw->close(life_.guard([this, instance, raw, holder = std::shared_ptr<Page>(std::move(page))]() mutable {
        auto found = owner_.find(raw);
        if (found != owner_.end()) {
            owner_.erase(found);
            instance->pages.erase(raw);
            if (instance->tracer == raw) instance->tracer = nullptr;
            --instance->tabs;
            tabs_gauge_.dec();
            retire_if_idle(*instance);
        }
        env_.loop.post([holder] {});  // deleted on a later turn, outside its own callback
        pump();
        maybe_drained();
    }));
}

void BrowserPool::retire_if_idle(Instance& instance) {
    if (instance.tabs != 0) return;
    if (instance.state == Instance::State::retiring || (draining_ && instance.state == Instance::State::ready)) {
        shut(instance);
    }
}

void BrowserPool::shut(Instance& instance) {
    if (instance.state == Instance::State::ready) instances_gauge_.dec();
    instance.state = Instance::State::closing;
    memory_.with({std::to_string(instance.slot)}).set(0);
    Instance* raw = &instance;
    instance.chromium->close(life_.guard([this, raw] { remove(raw); }));
}

void BrowserPool::remove(Instance* instance) {
    auto it = std::find_if(instances_.begin(), instances_.end(), [instance](const auto& i) { return i.get() == instance; });
    if (it == instances_.end()) return;
    // Called from the Chromium's own callback: it goes on a later turn (nothing is deleted inside its own callback).
    env_.loop.defer_delete(std::move(*it));
    instances_.erase(it);
    pump();
    maybe_drained();
}

void BrowserPool::drain(std::function<void()> done) {
    draining_ = true;
    drained_ = std::move(done);
    for (auto& instance : instances_) {
        if (instance->state == Instance::State::launching) {
            instance->chromium->kill_now();  // nobody waits for it any more
        } else {
            retire_if_idle(*instance);
        }
    }
    env_.loop.post(life_.guard([this] { maybe_drained(); }));
}

void BrowserPool::maybe_drained() {
    if (!draining_ || !drained_ || !instances_.empty() || !opening_.empty()) return;
    auto done = std::move(drained_);
    drained_ = nullptr;
    done();
}

void BrowserPool::close() {
    // After drain() nothing is left; a run that ended another way kills what remains.
    kill_now();
}

void BrowserPool::kill_now() noexcept {
    for (auto& instance : instances_) instance->chromium->kill_now();
}

void BrowserPool::on_page_finished(const char* status, double seconds) {
    pages_.with({status}).inc();
    if (std::string_view(status) == "cancelled") return;
    page_duration_.observe(seconds);
    page_seconds_.push_back(static_cast<float>(seconds));
    if (std::string_view(status) == "passed") ++passed_;
    else ++failed_;
}

void BrowserPool::on_requests_intercepted(const std::string& job, std::uint64_t blocked, std::uint64_t mocked) {
    if (blocked == 0 && mocked == 0) return;
    if (blocked > 0) intercepted_counter_.with({job, "blocked"}).inc(static_cast<double>(blocked));
    if (mocked > 0) intercepted_counter_.with({job, "mocked"}).inc(static_cast<double>(mocked));
    auto& counts = intercepted_[job];
    counts.first += blocked;
    counts.second += mocked;
}

void BrowserPool::on_page_crashed() {
    ++crashes_;
    crashes_counter_.inc();
}

nlohmann::json BrowserPool::report() const {
    if (launches_ == 0 && page_seconds_.empty()) return nullptr;
    const auto latency = run::summarize(page_seconds_);
    nlohmann::json report = {
        {"executable", executable_},
        {"launches", launches_},
        {"crashes", crashes_},
        {"pages", {{"passed", passed_}, {"failed", failed_}}},
        {"page_seconds", {{"p50", latency.p50}, {"p95", latency.p95}, {"p99", latency.p99}, {"max", latency.max}}}};
    if (!intercepted_.empty()) {
        auto& requests = report["requests_intercepted"];
        for (const auto& [job, counts] : intercepted_) requests[job] = {{"blocked", counts.first}, {"mocked", counts.second}};
    }
    return report;
}

}  // namespace gaia::jobs::browser
