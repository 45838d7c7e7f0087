#include "jobs/process/cgroups.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string_view>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace gaia::jobs::process {
namespace {

bool write_text(const std::string& path, const std::string& text, std::string* error = nullptr) {
    std::ofstream out(path);
    out << text;
    out.flush();
    if (!out) {
        if (error) *error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

// One write(2) of `text`: cgroup files take a value per write, and this is on the path of
// every spawn, so no stream buffering.
bool write_value(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

// The whole file, read with plain read(2)s: cgroup.procs is read for every process that
// ends, and a stream's setup cost more than the read.
std::string read_text(const std::string& path) {
    std::string text;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return text;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

std::uint64_t read_number(const std::string& path) {
    std::ifstream in(path);
    std::uint64_t n = 0;
    in >> n;
    return n;
}

// The value of "key N" in a flat-keyed file (memory.events, memory.oom_control).
std::uint64_t read_key(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::string k;
    std::uint64_t v = 0;
    while (in >> k >> v) {
        if (k == key) return v;
    }
    return 0;
}

struct Mount {
    std::string point;
    std::string type;     // cgroup or cgroup2
    std::string options;  // super options: the v1 controllers
};

std::vector<Mount> cgroup_mounts() {
    std::vector<Mount> out;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        // ... mount-point ... - fstype source super-options
        std::istringstream fields(line);
        std::string f, point;
        for (int i = 0; i < 5 && fields >> f; ++i) {
            if (i == 4) point = f;
        }
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream tail(line.substr(dash + 3));
        Mount m;
        std::string source;
        tail >> m.type >> source >> m.options;
        m.point = point;
        if (m.type == "cgroup" || m.type == "cgroup2") out.push_back(m);
    }
    return out;
}

// /proc/self/cgroup: "N:controllers:/path" (v1) or "0::/path" (v2).
std::string own_path(const std::string& controller) {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
        auto a = line.find(':');
        auto b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string list = line.substr(a + 1, b - a - 1);
        std::stringstream ss(list);
        std::string item;
        bool match = controller.empty() ? list.empty() : false;
        while (!controller.empty() && std::getline(ss, item, ',')) match = match || item == controller;
        if (match) return line.substr(b + 1);
    }
    return {};
}

bool has_option(const std::string& options, const std::string& name) {
    std::stringstream ss(options);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item == name) return true;
    }
    return false;
}

// Makes gaia's own directory under a hierarchy; empty when it cannot.
std::string make_base(const std::string& parent) {
    std::string base = parent + "/gaia-" + std::to_string(::getpid());
    if (::mkdir(base.c_str(), 0755) != 0 && errno != EEXIST) return {};
    return base;
}

}  // namespace

Cgroups Cgroups::detect() {
    Cgroups c;
    // GAIA_CGROUPS=off: leave the machine's cgroups alone (a shared or audited hierarchy):
    // limits then go through setrlimit and processes are found through /proc.
    if (const char* choice = std::getenv("GAIA_CGROUPS"); choice && std::string_view(choice) == "off") return c;
    const auto mounts = cgroup_mounts();
    for (const auto& m : mounts) {
        if (m.type != "cgroup") continue;
        for (const char* controller : {"memory", "pids"}) {
            if (!has_option(m.options, controller)) continue;
            const auto path = own_path(controller);
            if (path.empty()) continue;
            const std::string home = m.point + (path == "/" ? "" : path);
            auto base = make_base(home);
            if (base.empty()) continue;
            (std::string(controller) == "memory" ? c.memory_base_ : c.pids_base_) = base;
            if (std::string(controller) == "pids") {
                c.pids_home_ = home;
                c.home_tasks_ = ::open((home + "/tasks").c_str(), O_WRONLY | O_CLOEXEC);
            }
            c.version_ = 1;
        }
    }
    if (c.memory() || c.pids()) return c;
    // v2: only a subtree delegated to us, whose controllers we may enable for children.
    for (const auto& m : mounts) {
        if (m.type != "cgroup2") continue;
        const auto path = own_path("");
        const std::string own = m.point + (path == "/" ? "" : path);
        const auto available = read_text(own + "/cgroup.controllers");
        if (available.find("memory") == std::string::npos && available.find("pids") == std::string::npos) continue;
        auto base = make_base(own);
        if (base.empty()) continue;
        // Enabling controllers needs the parent to have no processes of its own (the v2
        // rule): where gaia itself sits in `own`, this fails and v2 is not used.
        bool ok = true;
        for (const char* controller : {"memory", "pids"}) {
            if (available.find(controller) == std::string::npos) continue;
            ok = ok && write_text(own + "/cgroup.subtree_control", std::string("+") + controller) &&
                 write_text(base + "/cgroup.subtree_control", std::string("+") + controller);
        }
        if (!ok) {
            ::rmdir(base.c_str());
            continue;
        }
        c.version_ = 2;
        if (available.find("memory") != std::string::npos) c.memory_base_ = base;
        if (available.find("pids") != std::string::npos) c.pids_base_ = base;
        break;
    }
    return c;
}

Cgroups::Cgroups(Cgroups&& other) noexcept
    : version_(other.version_), memory_base_(std::move(other.memory_base_)), pids_base_(std::move(other.pids_base_)),
      pids_home_(std::move(other.pids_home_)), home_tasks_(other.home_tasks_), stranded_(other.stranded_.load()),
      counter_(other.counter_) {
    other.memory_base_.clear();
    other.pids_base_.clear();
    other.home_tasks_ = -1;
}

Cgroups::~Cgroups() {
    if (home_tasks_ >= 0) ::close(home_tasks_);
    if (!memory_base_.empty()) ::rmdir(memory_base_.c_str());
    if (!pids_base_.empty() && pids_base_ != memory_base_) ::rmdir(pids_base_.c_str());
}

std::string Cgroups::describe_memory() const {
    return memory() ? "cgroup v" + std::to_string(version_) + " (" + memory_base_ + ")" : "setrlimit(RLIMIT_AS)";
}

std::string Cgroups::describe_pids() const {
    return pids() ? "cgroup v" + std::to_string(version_) + " (" + pids_base_ + ")" : "setrlimit(RLIMIT_NPROC)";
}

std::vector<std::string> Cgroups::Leaf::procs_files() const {
    std::vector<std::string> out;
    if (!memory_dir.empty()) out.push_back(memory_dir + "/cgroup.procs");
    if (!pids_dir.empty() && pids_dir != memory_dir) out.push_back(pids_dir + "/cgroup.procs");
    return out;
}

std::optional<Cgroups::Leaf> Cgroups::create(const std::string& name, std::optional<std::uint64_t> memory_limit,
                                            std::optional<std::uint64_t> processes, std::string* error) {
    Leaf leaf;
    const std::string leaf_name = name + "-" + std::to_string(++counter_);
    auto make = [&](const std::string& base) -> std::string {
        std::string dir = base + "/" + leaf_name;
        if (::mkdir(dir.c_str(), 0755) != 0) {
            *error = "cannot create the cgroup " + dir + ": " + std::strerror(errno);
            return {};
        }
        return dir;
    };
    if (memory_limit && memory()) {
        leaf.memory_dir = make(memory_base_);
        if (leaf.memory_dir.empty()) return std::nullopt;
        const auto value = std::to_string(*memory_limit);
        bool ok = version_ == 1 ? write_text(leaf.memory_dir + "/memory.limit_in_bytes", value, error)
                                : write_text(leaf.memory_dir + "/memory.max", value, error) &&
                                      write_text(leaf.memory_dir + "/memory.swap.max", "0");
        if (version_ == 1) {
            // Without swap accounting the job could page out instead of being limited.
            struct stat st {};
            if (ok && ::stat((leaf.memory_dir + "/memory.memsw.limit_in_bytes").c_str(), &st) == 0) {
                ok = write_text(leaf.memory_dir + "/memory.memsw.limit_in_bytes", value, error);
            }
        }
        if (!ok) {
            remove(leaf);
            return std::nullopt;
        }
    }
    if (processes && pids()) {
        leaf.pids_dir = version_ == 2 && !leaf.memory_dir.empty() ? leaf.memory_dir : make(pids_base_);
        if (leaf.pids_dir.empty() || !write_text(leaf.pids_dir + "/pids.max", std::to_string(*processes), error)) {
            remove(leaf);
            return std::nullopt;
        }
    }
    return leaf;
}

std::optional<Cgroups::Leaf> Cgroups::create_tracking(const std::string& name, std::string* error) {
    if (!can_track()) return std::nullopt;
    Leaf leaf;
    leaf.pids_dir = pids_base_ + "/" + name + "-" + std::to_string(++counter_);
    if (::mkdir(leaf.pids_dir.c_str(), 0755) != 0) {
        *error = "cannot create the cgroup " + leaf.pids_dir + ": " + std::strerror(errno);
        return std::nullopt;
    }
    return leaf;
}

pid_t Cgroups::spawn_inside(const Leaf& leaf, const std::function<pid_t()>& spawn, bool* inside,
                            std::string* stranded) const {
    const std::string tid = std::to_string(::gettid());
    *inside = write_value(leaf.pids_dir + "/tasks", tid);
    const pid_t pid = spawn();
    // Back home, or every later child of this thread would be born in this job's leaf.
    // Through a descriptor kept open: one path lookup fewer on every spawn.
    if (*inside && ::write(home_tasks_, tid.data(), tid.size()) != static_cast<ssize_t>(tid.size())) {
        *stranded = "cannot move gaia's thread back to " + pids_home_ + ": " + std::strerror(errno) +
                    "; processes are no longer tracked by cgroup";
        stranded_ = true;
    }
    return pid;
}

std::vector<pid_t> Cgroups::members(const Leaf& leaf) const {
    std::vector<pid_t> out;
    static const pid_t self = ::getpid();  // gaia never forks without an exec
    for (const auto& file : leaf.procs_files()) {
        const std::string procs = read_text(file);
        const char* p = procs.data();
        const char* end = p + procs.size();
        while (p < end) {
            pid_t pid = 0;
            const auto [next, ec] = std::from_chars(p, end, pid);
            if (ec != std::errc()) {
                ++p;  // the newline between pids
                continue;
            }
            // gaia itself, if its thread were stranded in the leaf, is never a member to kill.
            if (pid != self) out.push_back(pid);
            p = next;
        }
    }
    return out;
}

std::uint64_t Cgroups::peak_memory(const Leaf& leaf) const {
    if (leaf.memory_dir.empty()) return 0;
    return read_number(leaf.memory_dir + (version_ == 1 ? "/memory.max_usage_in_bytes" : "/memory.peak"));
}

bool Cgroups::oom_killed(const Leaf& leaf) const {
    if (leaf.memory_dir.empty()) return false;
    if (version_ == 2) return read_key(leaf.memory_dir + "/memory.events", "oom_kill") > 0;
    return read_key(leaf.memory_dir + "/memory.oom_control", "oom_kill") > 0;
}

void Cgroups::remove(const Leaf& leaf) const {
    for (const auto& dir : {leaf.memory_dir, leaf.pids_dir}) {
        if (dir.empty()) continue;
        // Whatever escaped the job's process group is still in its cgroup.
        for (int attempt = 0; attempt < 100; ++attempt) {
            if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) break;
            for (pid_t pid : members(leaf)) ::kill(pid, SIGKILL);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
}

}  // namespace gaia::jobs::process
