#include "jobs/browser/cdp_transport.hpp"

#include "core/jobfile/values.hpp"

#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace gaia::jobs::browser {

CdpTransport::CdpTransport(loop::Loop& loop, int to_browser_fd, int from_browser_fd, std::size_t max_message,
                           Handlers handlers)
    : max_message_(max_message), handlers_(std::move(handlers)) {
    int error = 0;
    to_browser_ = loop::Pipe::open(loop, to_browser_fd, &error);
    if (!to_browser_) {
        ::close(to_browser_fd);
        ::close(from_browser_fd);
        throw std::runtime_error(std::string("cannot use the pipe to the browser: ") + uv_strerror(error));
    }
    from_browser_ = loop::Pipe::open(loop, from_browser_fd, &error);
    if (!from_browser_) {
        ::close(from_browser_fd);
        throw std::runtime_error(std::string("cannot use the pipe from the browser: ") + uv_strerror(error));
    }
    error = from_browser_->read_start([this](std::string_view chunk) { on_data(chunk); },
                                      [this](int status) {
                                          if (status == 0) fail("the browser closed its end of the pipe", false);
                                          else fail(std::string("reading from the browser failed: ") + uv_strerror(status), true);
                                      });
    if (error < 0) throw std::runtime_error(std::string("cannot read from the browser: ") + uv_strerror(error));
}

CdpTransport::~CdpTransport() { close(); }

bool CdpTransport::send(std::string message) {
    if (!open_) return false;
    message.push_back('\0');
    const int rc = to_browser_->write(std::move(message), [this](int status) {
        if (status < 0 && status != UV_ECANCELED) {
            fail(std::string("writing to the browser failed: ") + uv_strerror(status), status != UV_EPIPE);
        }
    });
    if (rc < 0) {
        fail(std::string("writing to the browser failed: ") + uv_strerror(rc), rc != UV_EPIPE);
        return false;
    }
    return true;
}

void CdpTransport::on_data(std::string_view chunk) {
    // Whole messages straight from the chunk; only a trailing part is copied.
    while (open_ && !chunk.empty()) {
        const auto nul = chunk.find('\0');
        if (nul == std::string_view::npos) {
            if (partial_.size() + chunk.size() > max_message_) {
                fail("a message from the browser is larger than " + jobfile::format_size(max_message_), true);
                return;
            }
            partial_.append(chunk);
            return;
        }
        if (partial_.size() + nul > max_message_) {
            fail("a message from the browser is larger than " + jobfile::format_size(max_message_), true);
            return;
        }
        if (partial_.empty()) {
            if (handlers_.on_message) handlers_.on_message(chunk.substr(0, nul));
        } else {
            partial_.append(chunk.substr(0, nul));
            const std::string message = std::move(partial_);
            partial_.clear();
            if (handlers_.on_message) handlers_.on_message(message);
        }
        chunk.remove_prefix(nul + 1);
    }
}

void CdpTransport::fail(const std::string& reason, bool broken) {
    if (!open_) return;
    close();
    if (auto closed = std::move(handlers_.on_closed)) closed(reason, broken);
}

void CdpTransport::close() {
    open_ = false;
    partial_.clear();
    to_browser_.reset();
    from_browser_.reset();
}

}  // namespace gaia::jobs::browser
