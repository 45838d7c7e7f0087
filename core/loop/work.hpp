#pragma once
// Blocking work on libuv's thread pool (file I/O, hashing and parsing leave the
// loop thread). The request owns itself until its result is back on the loop thread, so
// the caller may go away meanwhile: `after` then only has to notice.

#include "core/loop/loop.hpp"

#include <functional>
#include <memory>

namespace gaia::loop {

class WorkRequest;

// Runs `work` on a pool thread, then `after(cancelled)` on the loop thread, on a later
// turn, exactly once. `cancelled` is true when the work never ran (cancel() came before a
// thread took it, or the pool refused it). `work` must not touch loop-owned state.
// The returned handle may be dropped; it only serves cancel().
std::shared_ptr<WorkRequest> queue_work(Loop& loop, std::function<void()> work, std::function<void(bool cancelled)> after);

class WorkRequest {
public:
    // Takes the work off the queue if no thread has started it; `after` then gets true.
    // Work already running is not interrupted (it checks its own flag).
    void cancel() noexcept;

private:
    friend std::shared_ptr<WorkRequest> queue_work(Loop&, std::function<void()>, std::function<void(bool)>);
    static void on_uv_work(uv_work_t* req);
    static void on_uv_after_work(uv_work_t* req, int status);

    uv_work_t req_{};
    std::function<void()> work_;
    std::function<void(bool)> after_;
    std::shared_ptr<WorkRequest> self_;  // held while libuv holds req_
    bool pending_ = false;
};

}  // namespace gaia::loop
