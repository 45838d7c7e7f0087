#include "core/loop/work.hpp"

namespace gaia::loop {

std::shared_ptr<WorkRequest> queue_work(Loop& loop, std::function<void()> work, std::function<void(bool)> after) {
    auto request = std::shared_ptr<WorkRequest>(new WorkRequest);
    request->work_ = std::move(work);
    request->after_ = std::move(after);
    request->req_.data = request.get();
    const int rc = uv_queue_work(loop.get(), &request->req_, &WorkRequest::on_uv_work, &WorkRequest::on_uv_after_work);
    if (rc < 0) {
        // Only an invalid argument can fail here; the caller still hears on a later turn.
        loop.post([after = std::move(request->after_)] { after(true); });
        return request;
    }
    request->pending_ = true;
    request->self_ = request;
    return request;
}

void WorkRequest::cancel() noexcept {
    if (pending_) uv_cancel(reinterpret_cast<uv_req_t*>(&req_));  // UV_EBUSY once running: fine
}

void WorkRequest::on_uv_work(uv_work_t* req) { static_cast<WorkRequest*>(req->data)->work_(); }

void WorkRequest::on_uv_after_work(uv_work_t* req, int status) {
    auto* self = static_cast<WorkRequest*>(req->data);
    std::shared_ptr<WorkRequest> keep = std::move(self->self_);
    self->pending_ = false;
    auto after = std::move(self->after_);
    self->work_ = nullptr;
    if (after) after(status == UV_ECANCELED);
}

}  // namespace gaia::loop
