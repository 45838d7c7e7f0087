#include "core/report/atomic_file.hpp"

#include "core/loop/atomic_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace gaia::report {

std::string write_file_atomically(const std::string& path, std::string_view content) {
    namespace fs = std::filesystem;
    fs::path target(path);
    fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string tmpl = loop::temp_template_beside(path);
    int fd = mkstemp(tmpl.data());
    if (fd < 0) return "cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno);
    auto fail = [&](const char* what) {
        std::string message = std::string(what) + " " + path + ": " + std::strerror(errno);
        ::close(fd);
        ::unlink(tmpl.c_str());
        return message;
    };
    std::size_t written = 0;
    while (written < content.size()) {
        ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("cannot write");
        }
        written += static_cast<std::size_t>(n);
    }
    // mkstemp creates 0600; reports are meant to be read by other tools (node_exporter).
    if (::fchmod(fd, 0644) != 0) return fail("cannot set the mode of");
    if (::fsync(fd) != 0) return fail("cannot sync");
    if (::close(fd) != 0) {
        std::string message = "cannot close " + path + ": " + std::strerror(errno);
        ::unlink(tmpl.c_str());
        return message;
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        std::string message = "cannot rename into " + path + ": " + std::strerror(errno);
        ::unlink(tmpl.c_str());
        return message;
    }
    return {};
}

}  // namespace gaia::report
