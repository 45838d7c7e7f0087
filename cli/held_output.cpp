#include "cli/held_output.hpp"

#include <cstdio>

namespace gaia::cli {
namespace {

class HeldSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
public:
    explicit HeldSink(HeldOutput& held) : held_(held) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        held_.add(true, std::string(formatted.data(), formatted.size()));
    }
    void flush_() override {}

private:
    HeldOutput& held_;
};

void print(bool to_stderr, const std::string& text) {
    std::FILE* out = to_stderr ? stderr : stdout;
    std::fwrite(text.data(), 1, text.size(), out);
}

}  // namespace

HeldOutput::~HeldOutput() { release(); }

void HeldOutput::add(bool to_stderr, std::string text) {
    if (state_ == State::released) print(to_stderr, text);
    if (state_ != State::holding) return;
    bytes_ += text.size();
    pieces_.push_back({to_stderr, std::move(text)});
    while (bytes_ > kMaxBytes && pieces_.size() > 1) {
        bytes_ -= pieces_.front().text.size();
        pieces_.pop_front();
        ++dropped_lines_;
    }
}

void HeldOutput::release() {
    if (state_ != State::holding) return;
    state_ = State::released;
    std::fflush(stdout);
    if (dropped_lines_ > 0) {
        std::fprintf(stderr, "gaia: … %zu earlier lines of output were not kept (--quiet-success keeps %zu MiB)\n",
                     dropped_lines_, kMaxBytes >> 20);
    }
    for (const auto& piece : pieces_) print(piece.to_stderr, piece.text);
    pieces_.clear();
    bytes_ = 0;
    std::fflush(stdout);
    std::fflush(stderr);
}

void HeldOutput::discard() {
    state_ = State::discarded;
    pieces_.clear();
    bytes_ = 0;
}

std::shared_ptr<spdlog::sinks::sink> HeldOutput::log_sink() { return std::make_shared<HeldSink>(*this); }

}  // namespace gaia::cli
