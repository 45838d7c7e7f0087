#pragma once
// A new file's content, staged where no reader can see it until it is complete: an
// unnamed file (O_TMPFILE) in the target's directory, given its name by linkat() once
// written and synced — so even a SIGKILL leaves nothing behind. Where the file system
// has no O_TMPFILE, a hidden temporary file beside the target (".name.gaia-XXXXXX"),
// renamed into place, and removed on any error. Blocking: use it on the thread pool (or
// where blocking is the point, as for reports written while gaia exits). Every file gaia
// writes whole goes through it: file jobs' writes and copies, and the reports.

#include <string>

namespace gaia::loop {

// The mkstemp template of a named temporary file for `target`: hidden, beside it (so the
// rename stays on one file system), and named so a leftover is recognisable:
// "dir/.name.gaia-XXXXXX".
std::string temp_template_beside(const std::string& target);

class StagedFile {
public:
    StagedFile() = default;
    ~StagedFile();
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;

    // Opens the staging file for `target` with permission bits `mode` (umask applies).
    // Returns the problem, or an empty string; open_errno() is then the cause, for a
    // caller with words of its own.
    std::string open(const std::string& target, unsigned mode);
    int open_errno() const noexcept { return open_errno_; }
    int fd() const noexcept { return fd_; }
    // Gives the file exactly these permission bits (the umask may have taken some).
    std::string set_mode(unsigned mode);

    // fsync, then gives the file its name: replacing an existing target when `overwrite`,
    // else failing (atomically: the kernel checks) if one exists, and target_existed()
    // then says so. Returns the problem.
    std::string commit(bool overwrite);
    bool target_existed() const noexcept { return target_existed_; }

private:
    std::string existing_target();  // the target is there and must not be replaced

    std::string target_;
    std::string temp_path_;  // only for the named fallback
    int fd_ = -1;
    unsigned mode_ = 0;  // the bits the file has now
    bool committed_ = false;
    bool target_existed_ = false;
    int open_errno_ = 0;
};

// The process's umask, read without changing it (safe on any thread).
unsigned process_umask();

}  // namespace gaia::loop
