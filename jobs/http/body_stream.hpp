#pragma once
// A request body sent as it is produced, never held whole: a file (`body_file`) or a
// multipart form with files in it (`multipart`). The engine takes what is ready and,
// when nothing is, waits for on_ready(); the size is known before the first byte goes
// (it is the Content-Length).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace gaia::jobs::http {

class BodyStream {
public:
    virtual ~BodyStream() = default;

    virtual std::uint64_t size() const noexcept = 0;

    enum class Take { data, wait, end, error };
    // Copies up to `max` ready bytes into dst and sets *n. `wait`: nothing is ready yet,
    // on_ready() will say when; `end`: everything was sent; `error`: see error().
    virtual Take take(char* dst, std::size_t max, std::size_t* n) = 0;
    virtual void on_ready(std::function<void()> fn) = 0;
    virtual const std::string& error() const noexcept = 0;
    // No more callbacks; files close once no read is in flight.
    virtual void close() = 0;
};

}  // namespace gaia::jobs::http
