#include "core/loop/clock.hpp"

#include <uv.h>

namespace gaia::loop {
namespace {

class SystemClock final : public Clock {
public:
    std::uint64_t monotonic_ns() const noexcept override { return uv_hrtime(); }
    std::chrono::system_clock::time_point wall() const noexcept override { return std::chrono::system_clock::now(); }
};

}  // namespace

const Clock& Clock::system() noexcept {
    static const SystemClock clock;
    return clock;
}

}  // namespace gaia::loop
