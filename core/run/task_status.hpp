#pragma once
// How one instance of a job ended (after its retries).

#include <cstdint>
#include <string_view>

namespace gaia::run {

enum class TaskStatus : std::uint8_t { passed, failed, cancelled };

constexpr std::string_view to_string(TaskStatus s) {
    switch (s) {
    case TaskStatus::passed: return "passed";
    case TaskStatus::failed: return "failed";
    case TaskStatus::cancelled: return "cancelled";
    }
    return "unknown";
}

}  // namespace gaia::run
