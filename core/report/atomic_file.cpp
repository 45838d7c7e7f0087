#include "core/report/atomic_file.hpp"

#include "core/loop/staged_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gaia::report {

std::string write_file_atomically(const std::string& path, std::string_view content) {
    loop::StagedFile staged;
    if (auto error = staged.open(path, 0644); !error.empty()) return error;
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(staged.fd(), content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return "cannot write " + path + ": " + std::strerror(errno);
        }
        written += static_cast<std::size_t>(n);
    }
    // Exactly 0644, whatever the umask: reports are read by other tools (node_exporter).
    if (auto error = staged.set_mode(0644); !error.empty()) return error;
    return staged.commit(true);
}

}  // namespace gaia::report
