#include "jobs/process/output_tail.hpp"

namespace gaia::jobs::process {

void OutputTail::append(std::string_view data) {
    total_ += data.size();
    if (data.size() >= limit_) {
        buffer_.assign(data.substr(data.size() - limit_));
        return;
    }
    buffer_.append(data);
    if (buffer_.size() > 2 * limit_) buffer_.erase(0, buffer_.size() - limit_);
}

std::string OutputTail::str() const {
    if (buffer_.size() <= limit_) return buffer_;
    return buffer_.substr(buffer_.size() - limit_);
}

void LineSplitter::feed(std::string_view data) {
    while (!data.empty()) {
        auto nl = data.find('\n');
        if (nl == std::string_view::npos) {
            partial_.append(data);
            while (partial_.size() >= max_line_) {
                on_line_(std::string_view(partial_).substr(0, max_line_));
                partial_.erase(0, max_line_);
            }
            return;
        }
        if (partial_.empty()) {
            on_line_(data.substr(0, nl));
        } else {
            partial_.append(data.substr(0, nl));
            on_line_(partial_);
            partial_.clear();
        }
        data.remove_prefix(nl + 1);
    }
}

void LineSplitter::finish() {
    if (partial_.empty()) return;
    on_line_(partial_);
    partial_.clear();
}

}  // namespace gaia::jobs::process
