#include "core/loop/fs.hpp"

#include <memory>

namespace gaia::loop::fs {
namespace {

// A request that frees itself after its callback. When libuv refuses the call at once
// (a negative return), the callback still comes, on a later loop turn: callers are never re-entered.
struct Request {
    uv_fs_t req{};
    std::function<void(uv_fs_t&)> done;

    static void on_uv_done(uv_fs_t* req) {
        std::unique_ptr<Request> self(static_cast<Request*>(req->data));
        if (self->done) self->done(*req);
        uv_fs_req_cleanup(req);
    }
};

template <class Call>
void submit(Loop& loop, std::function<void(uv_fs_t&)> done, Call call) {
    auto* r = new Request;
    r->req.data = r;
    r->done = std::move(done);
    const int rc = call(&r->req, &Request::on_uv_done);
    if (rc < 0) {
        std::unique_ptr<Request> owned(r);
        uv_fs_req_cleanup(&owned->req);
        loop.post([done = std::move(owned->done), rc] {
            uv_fs_t failed{};
            failed.result = rc;
            done(failed);
        });
    }
}

std::function<void(uv_fs_t&)> result_of(Result done) {
    return [done = std::move(done)](uv_fs_t& req) { done(req.result); };
}

}  // namespace

void open(Loop& loop, const std::string& path, int flags, int mode, Result done) {
    submit(loop, result_of(std::move(done)), [&](uv_fs_t* req, uv_fs_cb cb) {
        return uv_fs_open(loop.get(), req, path.c_str(), flags | O_CLOEXEC, mode, cb);
    });
}

void mkstemp(Loop& loop, const std::string& path_template, std::function<void(std::int64_t, std::string)> done) {
    submit(loop,
           [done = std::move(done)](uv_fs_t& req) { done(req.result, req.result >= 0 && req.path ? req.path : ""); },
           [&](uv_fs_t* req, uv_fs_cb cb) { return uv_fs_mkstemp(loop.get(), req, path_template.c_str(), cb); });
}

void read(Loop& loop, uv_file fd, char* buffer, std::size_t length, std::int64_t offset, Result done) {
    submit(loop, result_of(std::move(done)), [&](uv_fs_t* req, uv_fs_cb cb) {
        uv_buf_t buf = uv_buf_init(buffer, static_cast<unsigned>(length));
        return uv_fs_read(loop.get(), req, fd, &buf, 1, offset, cb);
    });
}

void write(Loop& loop, uv_file fd, const char* data, std::size_t length, std::int64_t offset, Result done) {
    submit(loop, result_of(std::move(done)), [&](uv_fs_t* req, uv_fs_cb cb) {
        uv_buf_t buf = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(length));
        return uv_fs_write(loop.get(), req, fd, &buf, 1, offset, cb);
    });
}

void fsync(Loop& loop, uv_file fd, Result done) {
    submit(loop, result_of(std::move(done)),
           [&](uv_fs_t* req, uv_fs_cb cb) { return uv_fs_fsync(loop.get(), req, fd, cb); });
}

void fchmod(Loop& loop, uv_file fd, int mode, Result done) {
    submit(loop, result_of(std::move(done)),
           [&](uv_fs_t* req, uv_fs_cb cb) { return uv_fs_fchmod(loop.get(), req, fd, mode, cb); });
}

void close(Loop& loop, uv_file fd, Result done) {
    submit(loop, result_of(std::move(done)),
           [&](uv_fs_t* req, uv_fs_cb cb) { return uv_fs_close(loop.get(), req, fd, cb); });
}

void unlink(Loop& loop, const std::string& path, Result done) {
    submit(loop, result_of(std::move(done)),
           [&](uv_fs_t* req, uv_fs_cb cb) { return uv_fs_unlink(loop.get(), req, path.c_str(), cb); });
}

void rename(Loop& loop, const std::string& from, const std::string& to, Result done) {
    submit(loop, result_of(std::move(done)),
           [&](uv_fs_t* req, uv_fs_cb cb) { return uv_fs_rename(loop.get(), req, from.c_str(), to.c_str(), cb); });
}

void fstat(Loop& loop, uv_file fd, std::function<void(std::int64_t, const uv_stat_t&)> done) {
    submit(loop, [done = std::move(done)](uv_fs_t& req) { done(req.result, req.statbuf); },
           [&](uv_fs_t* req, uv_fs_cb cb) { return uv_fs_fstat(loop.get(), req, fd, cb); });
}

}  // namespace gaia::loop::fs
