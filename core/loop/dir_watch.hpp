#pragma once
// Changes in a directory — a file in it written, created, renamed or removed — as loop
// callbacks (inotify, through libuv's uv_fs_event). A directory is watched, not the file:
// editors and Kubernetes replace a file by renaming a new one over it (a ConfigMap volume
// swaps its ..data link), which would end a watch on the old file.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace gaia::loop {

class DirWatch final : public HandleOwner<uv_fs_event_t> {
public:
    // `on_change` gets the name of what changed in the directory (empty when the kernel
    // does not say). The watch does not keep the loop alive. Throws UvError when the
    // directory cannot be watched.
    static HandlePtr<DirWatch> create(Loop& loop, const std::string& dir, std::function<void(std::string_view name)> on_change);

private:
    DirWatch(Loop& loop, std::function<void(std::string_view)> on_change);
    void on_close() noexcept override { on_change_ = nullptr; }

    std::function<void(std::string_view)> on_change_;
};

}  // namespace gaia::loop
