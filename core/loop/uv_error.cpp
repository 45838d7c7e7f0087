#include "core/loop/uv_error.hpp"

#include <uv.h>

namespace gaia::loop {

std::string uv_message(int code, std::string_view what) {
    std::string out(what);
    out += ": ";
    out += uv_err_name(code);
    out += " (";
    out += uv_strerror(code);
    out += ")";
    return out;
}

UvError::UvError(int code, std::string_view what) : std::runtime_error(uv_message(code, what)), code_(code) {}

}  // namespace gaia::loop
