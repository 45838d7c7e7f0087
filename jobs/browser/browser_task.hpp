#pragma once
// One attempt of a browser job: a page from the pool, the first navigation (`url`), the
// steps in order, then the expectations and captures read from the page in one round
// trip. Waits have their own limits; the job's `timeout` covers the whole attempt from
// the moment the page is open. A page lost to a crash fails the attempt with the reason
// and asks for a retry on a new page (and, if the browser died, a new browser).

#include "core/loop/lifetime.hpp"
#include "core/loop/timer.hpp"
#include "core/run/task.hpp"
#include "jobs/browser/browser_config.hpp"
#include "jobs/browser/page.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::browser {

class BrowserPool;

class BrowserTask final : public run::Task {
public:
    BrowserTask(BrowserPool& pool, const BrowserJobConfig& config) : pool_(pool), config_(config) {}
    ~BrowserTask() override;

    void start(const run::TaskContext& ctx, run::Completion done) override;
    void cancel() override;

private:
    void load_storage(const std::string& path, PageOptions options);
    void request_page(PageOptions options);
    void on_page(std::unique_ptr<Page> page, std::string error);
    void next_step();
    void run_step(const Step& step);
    void navigate(const std::string& url);
    void pointer_at(const std::string& selector, std::chrono::milliseconds limit, bool click, PageDone next);
    void mouse_at(double x, double y, bool click, PageDone next);
    void set_checked(const std::string& selector, bool want, std::chrono::milliseconds limit, PageDone next);
    void upload(const std::string& file, const std::string& selector, std::chrono::milliseconds limit, PageDone next);
    void wait_for_response(const Step& step, const std::string& pattern, std::chrono::milliseconds limit, PageDone next);
    // Clicks the element, then waits for the download it starts and moves the file into
    // `directory` under the name the page gave it.
    void download(const std::string& selector, const std::string& directory, std::chrono::milliseconds limit,
                  std::string as, PageDone next);
    void save(const std::string& path, PageResult result);
    // Writes the file whole or not at all (AtomicWriter); done gets the error, empty if none.
    void write_file(const std::string& path, std::string bytes, unsigned mode, std::function<void(std::string)> done);
    // save_storage, once every check has passed: the session goes to its file, then the
    // attempt passes.
    void save_storage();
    void step_done(PageResult result);
    void arm_step_timer(std::chrono::milliseconds limit);
    void check_page();
    void finish(run::TaskStatus status, std::string error, bool retryable = true);
    // The HAR of the attempt (`har`), written before its artifacts and its end.
    void write_har(run::TaskOutcome outcome);
    void after_har(run::TaskOutcome outcome);
    // The attempt's trace: to its file, or with the artifacts, or (neither) dropped with the page.
    void end_trace(run::TaskOutcome outcome);
    void after_trace(run::TaskOutcome outcome);
    bool wants_artifacts(run::TaskStatus status) const;
    // Reads the page's artifacts (bounded by kArtifactTimeout) into the outcome, then concludes.
    void collect_artifacts(run::TaskOutcome outcome);
    void conclude(run::TaskOutcome outcome);

    BrowserPool& pool_;
    const BrowserJobConfig& config_;
    const run::TaskContext* ctx_ = nullptr;
    run::Completion done_;
    std::optional<std::uint64_t> ticket_;  // while waiting for a page
    std::unique_ptr<Page> page_;
    std::shared_ptr<const StorageState> storage_;  // what `storage` loaded
    std::size_t next_ = 0;     // the next step; the url, when set, is step 0
    std::string step_label_;   // `step 3 (click "#go")`, for messages
    // While an in_frame step runs its steps: them, the next one, and its own label.
    const std::vector<Step>* frame_steps_ = nullptr;
    std::size_t frame_next_ = 0;
    std::string frame_label_;
    loop::HandlePtr<loop::Timer> timer_;  // a step's limit, or a sleep
    std::uint64_t page_ns_ = 0;           // when the page was ready
    std::map<std::string, nlohmann::json> captures_;
    std::string title_;  // the page's, from the checks after the steps
    std::uint64_t bytes_ = 0;  // screenshots and PDFs written
    // The page's response count when the current step, and the one before it, began:
    // wait_for_response takes a response that came since the step before it began.
    std::uint64_t responses_at_step_ = 0;
    std::uint64_t responses_at_previous_ = 0;
    std::string trace_;                      // the trace, for the artifacts
    std::vector<std::string> staging_dirs_;  // download directories of Chromium's, removed at the end
    run::ArtifactMode artifacts_ = run::ArtifactMode::off;
    bool finished_ = false;
    loop::Lifetime life_;
};

}  // namespace gaia::jobs::browser
