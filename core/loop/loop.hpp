#pragma once
// The one event loop of a gaia process, with the two services every component needs:
// running a function on a later loop turn (never complete synchronously, so
// that no caller is re-entered) and deleting an object once the callback it is in has returned
// (never delete an object inside its own callback).

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gaia::loop {

class Loop {
public:
    Loop();
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    uv_loop_t* get() noexcept { return &loop_; }

    // Runs fn on a later loop turn, never from inside post().
    void post(std::function<void()> fn);

    // Destroys obj on a later loop turn.
    template <class T>
    void defer_delete(std::unique_ptr<T> obj) {
        if (!obj) return;
        std::shared_ptr<T> held(std::move(obj));
        post([held] {});
    }

    // Runs until nothing is active. Returns uv_run's result.
    int run();

    // Closes the loop's own handles, lets every pending close callback run and closes the
    // loop. Returns uv_loop_close's code: 0 proves nothing was leaked (UV_EBUSY otherwise).
    int close();
    // After a close that returned UV_EBUSY: the handles still open, by type ("2 tcp, 1 timer").
    const std::string& leaked_handles() const noexcept { return leaked_; }

    // The loop's cached clock in milliseconds (uv_now), and a precise one in nanoseconds.
    std::uint64_t now_ms() const noexcept { return uv_now(&loop_); }
    static std::uint64_t hrtime_ns() noexcept { return uv_hrtime(); }

private:
    void drain();

    uv_loop_t loop_{};
    uv_idle_t* idle_ = nullptr;  // active only while posted work is waiting
    std::vector<std::function<void()>> posted_;
    bool closed_ = false;
    std::string leaked_;
};

}  // namespace gaia::loop
