#pragma once
// Single file-system calls on libuv's thread pool (blocking work leaves the loop
// thread). Each call owns its uv_fs_t until the result is back on the loop thread, so the
// caller may go away meanwhile: its callback then only has to notice, not to wait.
// Results follow libuv: a non-negative value, or a negative UV_E* code.

#include "core/loop/loop.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace gaia::loop::fs {

using Result = std::function<void(std::int64_t result)>;

void open(Loop& loop, const std::string& path, int flags, int mode, Result done);  // result: the fd
// Creates a unique file from a template ending in "XXXXXX"; done gets the fd and the name.
void mkstemp(Loop& loop, const std::string& path_template, std::function<void(std::int64_t fd, std::string path)> done);
void read(Loop& loop, uv_file fd, char* buffer, std::size_t length, std::int64_t offset, Result done);
void write(Loop& loop, uv_file fd, const char* data, std::size_t length, std::int64_t offset, Result done);
void fsync(Loop& loop, uv_file fd, Result done);
void fchmod(Loop& loop, uv_file fd, int mode, Result done);
void close(Loop& loop, uv_file fd, Result done);
void unlink(Loop& loop, const std::string& path, Result done);
void rename(Loop& loop, const std::string& from, const std::string& to, Result done);
void fstat(Loop& loop, uv_file fd, std::function<void(std::int64_t result, const uv_stat_t& stat)> done);

}  // namespace gaia::loop::fs
