#pragma once
// Test helpers: run a program (usually the built gaia) and collect what it printed, and
// make scratch directories.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace gaia::test {

struct Output {
    int exit_code = -1;  // 128 + signal when killed
    std::string out;
    std::string err;
};

// Runs argv[0] (looked up in PATH) with stdin_text on its standard input. extra_env
// entries are NAME=VALUE added to the environment.
Output run_program(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                   const std::vector<std::string>& extra_env = {});

// Runs the gaia binary of this build.
Output run_gaia(const std::vector<std::string>& args, const std::string& stdin_text = "",
                const std::vector<std::string>& extra_env = {});

// A fresh directory, removed with everything in it when the object goes.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }
    std::string file(const std::string& name, const std::string& content) const;  // writes, returns the path

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
// The path of a file under tests/.
std::string test_data(const std::string& relative);

}  // namespace gaia::test

namespace gaia::test {

// A program started in the background (looked up in PATH), its output going to
// DIR/NAME.out and DIR/NAME.err, for tests that signal it. Killed if still running at the end.
class BackgroundProcess {
public:
    // extra_env entries are NAME=VALUE added to (or replacing in) the environment.
    BackgroundProcess(const std::vector<std::string>& argv, const std::filesystem::path& dir, const std::string& name,
                      const std::vector<std::string>& extra_env = {});
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;
    void signal(int signum) const;
    // Waits up to `seconds`; returns the exit code (128 + signal if killed), or -1 on timeout.
    int wait(double seconds);
    std::string out() const;
    std::string err() const;

private:
    int pid_ = -1;
    std::filesystem::path out_, err_;
};

// gaia of this build started in the background (output in DIR/bg.out and DIR/bg.err).
class BackgroundGaia : public BackgroundProcess {
public:
    // extra_env: NAME=VALUE entries, as for BackgroundProcess.
    BackgroundGaia(const std::vector<std::string>& args, const std::filesystem::path& dir,
                   std::vector<std::string> extra_env = {});
};

// Polls `ok` every 100 ms until it holds or `seconds` have passed; returns its last answer.
bool eventually(const std::function<bool()>& ok, double seconds = 10);

// Processes whose command line contains `marker` (from /proc; a zombie has none).
int count_processes(const std::string& marker);
// Waits up to 3 s until at least n such processes run; returns how many there are.
int wait_for_processes(const std::string& marker, int n);

}  // namespace gaia::test
