#include "core/loop/loop.hpp"

#include "core/loop/uv_error.hpp"

#include <map>

namespace gaia::loop {

Loop::Loop() {
    check_uv(uv_loop_init(&loop_), "uv_loop_init");
    idle_ = new uv_idle_t{};
    idle_->data = this;
    check_uv(uv_idle_init(&loop_, idle_), "uv_idle_init");
}

Loop::~Loop() {
    if (!closed_) close();
}

void Loop::post(std::function<void()> fn) {
    posted_.push_back(std::move(fn));
    // An active idle handle makes the loop poll with a zero timeout, so the work runs on the
    // very next turn instead of waiting for unrelated I/O.
    if (posted_.size() == 1 && idle_ != nullptr) {
        uv_idle_start(idle_, [](uv_idle_t* h) { static_cast<Loop*>(h->data)->drain(); });
    }
}

void Loop::drain() {
    // Work posted while draining runs on the next turn, so a task that keeps re-posting
    // cannot starve I/O.
    std::vector<std::function<void()>> batch;
    batch.swap(posted_);
    if (posted_.empty() && idle_ != nullptr) uv_idle_stop(idle_);
    for (auto& fn : batch) fn();
}

int Loop::run() { return uv_run(&loop_, UV_RUN_DEFAULT); }

int Loop::close() {
    if (closed_) return 0;
    // Work posted by close callbacks (deferred deletions) must still run.
    while (!posted_.empty()) {
        drain();
        uv_run(&loop_, UV_RUN_NOWAIT);
    }
    if (idle_ != nullptr) {
        uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
        idle_ = nullptr;
    }
    uv_run(&loop_, UV_RUN_DEFAULT);
    while (!posted_.empty()) drain();
    closed_ = true;
    const int rc = uv_loop_close(&loop_);
    if (rc != 0) {
        std::map<std::string, int> types;
        uv_walk(&loop_, [](uv_handle_t* h, void* arg) {
            (*static_cast<std::map<std::string, int>*>(arg))[uv_handle_type_name(uv_handle_get_type(h))]++;
        }, &types);
        for (const auto& [type, n] : types) leaked_ += (leaked_.empty() ? "" : ", ") + std::to_string(n) + " " + type;
    }
    return rc;
}

}  // namespace gaia::loop
