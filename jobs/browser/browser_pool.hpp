#pragma once
// The browser pool subsystem for one run ([browser]): up to `instances`
// Chromium processes, launched when pages are wanted, each serving up to
// `tabs_per_instance` pages at once. A page request waits in a queue while the pool is
// full (gaia_browser_queue_depth). A browser that has served `recycle_after` pages takes
// no more and is restarted once its pages are done; one that dies is replaced, and the
// pages it took down fail with the reason so that their instances are retried.
// At the end of the run every browser is closed and its user-data-dir removed.

#include "core/loop/lifetime.hpp"
#include "core/run/task.hpp"
#include "jobs/browser/browser_config.hpp"
#include "jobs/browser/chromium.hpp"
#include "jobs/browser/page.hpp"

#include <deque>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace gaia::jobs::browser {

class BrowserPool final : public run::KindRuntime {
public:
    BrowserPool(run::RunEnv& env, const BrowserConfig& config);
    ~BrowserPool() override;

    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override;
    std::uint32_t capacity() const override { return 0; }  // pages queue here, not in the scheduler
    bool starts_deadline() const override { return true; }  // an attempt's timeout runs once it has a page
    void prepare(const jobfile::JobSet& set) override;
    nlohmann::json report() const override;
    void drain(std::function<void()> done) override;
    void close() override;
    void kill_now() noexcept override;

    using Granted = std::function<void(std::unique_ptr<Page> page, std::string error)>;
    // Asks for an open page; `granted` comes once, on a later turn. The ticket cancels.
    std::uint64_t request_page(PageOptions options, Granted granted);
    void cancel_request(std::uint64_t ticket);
    // A page whose attempt is over: the pool closes its context and frees its tab.
    void return_page(std::unique_ptr<Page> page);

    // An attempt ended on a page: metrics and the report.
    void on_page_finished(const char* status, double seconds);
    // Requests a job's rules blocked or mocked on one page: metrics and the report.
    void on_requests_intercepted(const std::string& job, std::uint64_t blocked, std::uint64_t mocked);
    // A page crashed on its own (its renderer died): counted once here.
    void on_page_crashed();

    // /health/browser is unhealthy while no Chromium can be found; the rest of its verdict
    // comes from the gaia_browser_* metrics.
    std::string unavailable() const override { return unavailable_; }
    loop::Loop& loop() noexcept { return env_.loop; }
    net::Network* network() const noexcept { return env_.network; }
    const text::Redactor& redactor() const noexcept { return env_.redactor; }
    const BrowserConfig& config() const noexcept { return config_; }

private:
    struct Instance {
        std::uint32_t slot = 0;  // its gaia_browser_memory_bytes{instance} label
        std::unique_ptr<Chromium> chromium;
        enum class State { launching, ready, retiring, closing } state = State::launching;
        std::uint32_t tabs = 0;    // pages granted and not yet released
        std::uint32_t served = 0;  // pages since launch, for recycle_after
        std::set<Page*> pages;
        Page* tracer = nullptr;  // the page whose trace it records: one at a time
    };
    struct Request {
        std::uint64_t ticket;
        PageOptions options;
        Granted granted;
        std::uint32_t crashes = 0;  // pages that died while opening for it
    };
    struct Opening {
        std::unique_ptr<Page> page;
        Request request;
        bool cancelled = false;  // its task gave up: the page is closed once open
    };

    void pump();
    // The ready browser with a free tab and the fewest pages; for a traced page, one that
    // records no other trace.
    Instance* place(const Request& request);
    void launch();
    void on_launched(Instance* instance, const std::string& error);
    void on_browser_died(Instance* instance, const std::string& reason);
    void grant(Instance& instance, Request request);
    void on_opened(std::uint64_t ticket, PageResult result);
    void retire_if_idle(Instance& instance);
    void shut(Instance& instance);
    void remove(Instance* instance);
    void maybe_drained();
    std::uint32_t free_slot() const;

    run::RunEnv& env_;
    BrowserConfig config_;
    std::string executable_;
    std::string unavailable_;  // why no browser can be started, if so
    std::list<std::unique_ptr<Instance>> instances_;
    std::deque<Request> queue_;
    std::map<std::uint64_t, Opening> opening_;  // by ticket
    std::map<Page*, Instance*> owner_;  // every page granted and not yet closed
    std::uint64_t next_ticket_ = 1;
    std::function<void()> drained_;
    bool draining_ = false;

    std::uint64_t launches_ = 0, crashes_ = 0, passed_ = 0, failed_ = 0;
    std::string last_launch_error_;
    std::vector<float> page_seconds_;
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> intercepted_;  // job: blocked, mocked

    metrics::Gauge& instances_gauge_;
    metrics::Gauge& tabs_gauge_;
    metrics::Gauge& queue_gauge_;
    metrics::Family<metrics::Counter>& pages_;
    metrics::Histogram& page_duration_;
    metrics::Counter& crashes_counter_;
    metrics::Family<metrics::Counter>& intercepted_counter_;
    metrics::Family<metrics::Gauge>& memory_;
    loop::Lifetime life_;
};

}  // namespace gaia::jobs::browser
