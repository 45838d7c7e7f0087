#pragma once
// Turning libuv return codes into errors at the call site.

#include <stdexcept>
#include <string>
#include <string_view>

namespace gaia::loop {

// A failed libuv call: the code and what was being attempted.
class UvError : public std::runtime_error {
public:
    UvError(int code, std::string_view what);
    int code() const noexcept { return code_; }

private:
    int code_;
};

// "what: ENOENT (no such file or directory)"
std::string uv_message(int code, std::string_view what);

// Throws UvError when rc is negative; returns rc otherwise.
inline int check_uv(int rc, std::string_view what) {
    if (rc < 0) throw UvError(rc, what);
    return rc;
}

}  // namespace gaia::loop
