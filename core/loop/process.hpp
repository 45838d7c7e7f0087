#pragma once
// A child process started with uv_spawn.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <cstdint>
#include <functional>

namespace gaia::loop {

class Process final : public HandleOwner<uv_process_t> {
public:
    using ExitCallback = std::function<void(std::int64_t exit_status, int term_signal)>;

    // Starts the child. On failure returns null and sets *error to the uv error; the handle
    // is closed as libuv requires even then (DESIGN convention 2's exception).
    static HandlePtr<Process> spawn(Loop& loop, const uv_process_options_t& options, ExitCallback on_exit, int* error);

    int pid() const noexcept { return handle_.pid; }

private:
    Process() = default;
    void on_close() noexcept override { on_exit_ = nullptr; }

    ExitCallback on_exit_;
};

}  // namespace gaia::loop
