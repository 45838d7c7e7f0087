#include "jobs/process/process_manager.hpp"

#include "core/loop/spawn.hpp"
#include "core/loop/work.hpp"
#include "jobs/process/launcher.hpp"
#include "core/loop/proc_scan.hpp"
#include "jobs/process/process_task.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <fstream>

namespace gaia::jobs::process {
namespace {

std::string size_text(std::uint64_t bytes) {
    if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "GiB";
    if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "MiB";
    if (bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "KiB";
    return std::to_string(bytes) + "B";
}

std::uint64_t rss_of(int pid) {
    std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
    std::uint64_t pages_virtual = 0, pages_resident = 0;
    if (!(statm >> pages_virtual >> pages_resident)) return 0;
    return pages_resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

ProcessManager::ProcessManager(run::RunEnv& env, const ProcessSubsystemConfig& config)
    : env_(env), config_(config),
      active_(env.metrics.gauge("gaia_process_active", "Child processes running now.").with(metrics::LabelValues{})),
      exits_(env.metrics.counter("gaia_process_exits_total",
                                 "Child process exits by job and status (success, failure, killed, spawn_error).",
                                 {"job", "status"})),
      limit_kills_(env.metrics.counter("gaia_process_limit_kills_total",
                                       "Child processes killed for a resource limit, by job and limit "
                                       "(memory, cpu_time, file_size).",
                                       {"job", "limit"})),
      duration_(env.metrics.histogram("gaia_process_duration_seconds", "Wall time of child processes.")
                    .with(metrics::LabelValues{})),
      cpu_(env.metrics.counter("gaia_process_cpu_seconds_total", "User and system CPU time of exited child processes.")
               .with(metrics::LabelValues{})),
      memory_(env.metrics.gauge("gaia_process_memory_bytes", "Resident memory of the running child processes.")
                  .with(metrics::LabelValues{})) {
    env.metrics.on_collect(life_.guard([this] {
        std::uint64_t total = 0;
        for (int pid : running_) total += rss_of(pid);
        memory_.set(static_cast<double>(total));
    }));
    char exe[4096];
    const auto n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) gaia_exe_.assign(exe, static_cast<std::size_t>(n));
}

ProcessManager::~ProcessManager() {
    kill_now();
    if (cgroups_) {
        for (const auto& leaf : spare_leaves_) cgroups_->remove(leaf);
    }
}

std::optional<std::string> ProcessManager::find_program(const std::string& name, const std::string& path,
                                                         int* error) {
    auto key = std::make_pair(name, path);
    if (auto it = programs_.find(key); it != programs_.end()) return it->second;
    auto found = loop::find_program(name, path, error);
    if (found) programs_.emplace(std::move(key), *found);  // failures are not remembered
    return found;
}

void ProcessManager::prepare(const jobfile::JobSet& set) {
    for (const auto& job : set.jobs) {
        const auto* config = dynamic_cast<const ProcessJobConfig*>(job.config.get());
        if (config && config->limits.over(config_.limits).any()) {
            announce_limits();
            return;
        }
    }
}

Cgroups& ProcessManager::cgroups() {
    if (!cgroups_) cgroups_.emplace(Cgroups::detect());
    return *cgroups_;
}

void ProcessManager::announce_limits() {
    // Said once, at start-up, and only when some job has limits.
    announced_ = true;
    cgroups();
    spdlog::info("process limits: memory through {}, processes through {}, cpu_time, open_files and file_size "
                 "through setrlimit",
                 cgroups_->describe_memory(), cgroups_->describe_pids());
}

std::unique_ptr<run::Task> ProcessManager::make_task(const jobfile::Job& job) {
    return std::make_unique<ProcessTask>(*this, job, static_cast<const ProcessJobConfig&>(*job.config));
}

void ProcessManager::kill_now() noexcept {
    for (int pgid : groups_) ::kill(-pgid, SIGKILL);
    groups_.clear();
    if (cgroups_) {
        for (const auto& [key, leaf] : leaves_) {
            for (pid_t pid : cgroups_->members(leaf)) ::kill(pid, SIGKILL);
        }
    }
}

Guard* ProcessManager::guard() {
    if (!guard_tried_ && !gaia_exe_.empty()) {
        guard_tried_ = true;
        std::string error;
        guard_ = Guard::start(gaia_exe_, &error);
        if (!guard_) spdlog::warn("{}: if gaia is killed with SIGKILL, its processes will outlive it", error);
    }
    return guard_.get();
}

void ProcessManager::remember_leaf(const std::string& key, const Cgroups::Leaf& leaf) {
    leaves_[key] = leaf;
    if (auto* g = guard()) {
        for (const auto& dir : {leaf.memory_dir, leaf.pids_dir}) {
            if (!dir.empty()) g->watch_cgroup(dir);
        }
    }
}

void ProcessManager::spawn(const jobfile::Job& job, const run::TaskContext& ctx, loop::SpawnRequest request,
                           std::array<bool, 3> pipes, std::string cgroup, Spawned done) {
    // The guard starts before the first process, and hears of a cgroup before anything is
    // born in it: a gaia killed right after a spawn leaves nothing the guard does not know.
    // (A process group can be named only once it exists: there, a window of one write.)
    Guard* g = guard();
    std::optional<Cgroups::Leaf> leaf;
    if (cgroup.empty() && cgroups().can_track()) {
        std::string error;
        const bool spare = !spare_leaves_.empty();
        if (spare) {
            leaf = std::move(spare_leaves_.back());
            spare_leaves_.pop_back();
        } else {
            leaf = cgroups_->create_tracking(job.name + "-" + std::to_string(ctx.index), &error);
        }
        if (leaf) {
            tracking_.insert(leaf->key());
            if (spare) leaves_[leaf->key()] = *leaf;  // the guard still watches it
            else remember_leaf(leaf->key(), *leaf);
        } else {
            spdlog::debug("{}: started without a cgroup: {}", job.name, error);
        }
    }
    struct Result {
        Spawn spawn;
        bool inside = false;
        std::string stranded;  // the pool thread could not leave the leaf
    };
    auto result = std::make_shared<Result>();
    result->spawn.cgroup = std::move(cgroup);
    const Cgroups* cgroups = leaf ? &*cgroups_ : nullptr;
    loop::queue_work(
        env_.loop,
        [result, cgroups, leaf, pipes, request = std::move(request)]() mutable {
            // On a pool thread: the thread that spawns moves itself into the leaf (cgroup v1
            // moves single threads), so the child is born there.
            auto& spawn = result->spawn;
            auto start = [&] { return loop::spawn_piped(std::move(request), pipes, spawn.ends, &spawn.failed_pipe); };
            if (cgroups) spawn.pid = cgroups->spawn_inside(*leaf, start, &result->inside, &result->stranded);
            else spawn.pid = start();
        },
        [this, g, result, leaf, done = std::move(done)](bool cancelled) mutable {
            auto& spawn = result->spawn;
            if (cancelled) spawn.pid = -ECANCELED;  // the pool refused the work
            if (!result->stranded.empty()) spdlog::error("{}", result->stranded);
            if (leaf) {
                if (result->inside) spawn.cgroup = leaf->key();
                else release_cgroup(leaf->key());
            }
            if (spawn.pid > 0 && g) g->watch_group(spawn.pid);
            done(std::move(spawn));
        });
}

void ProcessManager::signal_job(pid_t pgid, const std::string& cgroup, int signum) {
    ::kill(-pgid, signum);
    if (auto it = leaves_.find(cgroup); it != leaves_.end() && cgroups_) {
        for (pid_t pid : cgroups_->members(it->second)) ::kill(pid, signum);
        return;
    }
    // No cgroup: the leader's descendants, found while the processes between them live.
    if (::kill(pgid, 0) != 0) return;  // the leader is gone: nothing hangs below it
    for (pid_t pid : loop::descendants(loop::read_parents(), pgid)) ::kill(pid, signum);
}

void ProcessManager::signal_pipe_holders(const std::string& cgroup, const std::vector<ino_t>& pipes, int signum) {
    if (leaves_.count(cgroup) || pipes.empty()) return;  // a cgroup holds them all already
    const auto holders = loop::pipe_holders(pipes);
    if (holders.empty()) return;
    const auto parents = loop::read_parents();
    for (pid_t holder : holders) {
        ::kill(holder, signum);
        for (pid_t pid : loop::descendants(parents, holder)) ::kill(pid, signum);
    }
}

bool ProcessManager::job_gone(pid_t pgid, const std::string& cgroup) const {
    if (::kill(-pgid, 0) == 0) return false;
    auto it = leaves_.find(cgroup);
    return it == leaves_.end() || !cgroups_ || cgroups_->members(it->second).empty();
}

void ProcessManager::retire(loop::Loop& loop, std::unique_ptr<run::Task> task) {
    auto* process = dynamic_cast<ProcessTask*>(task.get());
    if (process && process->service_running()) {
        services_[process->job().name].push_back(std::move(task));
        return;
    }
    loop.defer_delete(std::move(task));
}

void ProcessManager::release(const jobfile::Job& job) {
    auto it = services_.find(job.name);
    if (it == services_.end()) return;
    for (auto& task : it->second) static_cast<ProcessTask&>(*task).stop_service();
}

void ProcessManager::on_service_gone(run::Task* task) {
    for (auto& [name, tasks] : services_) {
        for (auto it = tasks.begin(); it != tasks.end(); ++it) {
            if (it->get() != task) continue;
            env_.loop.defer_delete(std::move(*it));
            tasks.erase(it);
            return;
        }
    }
    // Not retired yet: the scheduler still holds it and deletes it as usual.
}

void ProcessManager::service_lost(const jobfile::Job& job, const std::string& reason) {
    spdlog::warn("{}", env_.redactor.scrub(reason));
    if (env_.service_lost) env_.service_lost(job, reason);
}

void ProcessManager::on_spawned(int pid) {
    groups_.insert(pid);
    running_.insert(pid);
    active_.inc();
}

void ProcessManager::on_killed_by_limit(const jobfile::Job& job, const std::string& limit) {
    limit_kills_.with({job.name, limit}).inc();
}

void ProcessManager::on_exited(const jobfile::Job& job, std::string_view status, double seconds, double cpu_s) {
    exits_.with({job.name, std::string(status)}).inc();
    if (status == "spawn_error") return;
    active_.dec();
    duration_.observe(seconds);
    cpu_.inc(cpu_s);
}

void ProcessManager::on_group_gone(int pgid) {
    groups_.erase(pgid);
    running_.erase(pgid);
    if (guard_) guard_->forget_group(pgid);
}

bool ProcessManager::apply_limits(const jobfile::Job& job, const ProcessJobConfig& config, const run::TaskContext& ctx,
                                  loop::SpawnRequest& request, std::string& cgroup, std::string* error) {
    const Limits limits = config.limits.over(config_.limits);
    if (!limits.any()) return true;
    if (!announced_) announce_limits();
    if (gaia_exe_.empty()) {
        *error = "cannot apply resource limits: the path of the gaia executable is unknown (/proc/self/exe)";
        return false;
    }
    std::vector<std::string> rlimits;
    auto add = [&](int resource, const char* name, unsigned long long soft, unsigned long long hard) {
        rlimit current{};
        ::getrlimit(resource, &current);
        if (::geteuid() != 0 && current.rlim_max != RLIM_INFINITY && hard > current.rlim_max) {
            *error = std::string("cannot apply limits.") + name + ": " + std::to_string(soft) +
                     " is above gaia's own hard limit " + std::to_string(current.rlim_max);
            return false;
        }
        rlimits.push_back(rlimit_arg(resource, soft, hard));
        return true;
    };
    const bool cgroup_memory = limits.memory && cgroups_->memory();
    const bool cgroup_pids = limits.processes && cgroups_->pids();
    if (limits.memory && !cgroup_memory && !add(RLIMIT_AS, "memory", *limits.memory, *limits.memory)) return false;
    if (limits.processes && !cgroup_pids) {
        if (::geteuid() == 0) {
            *error = "cannot apply limits.processes: gaia runs as root, for whom RLIMIT_NPROC is not enforced, and no "
                     "writable pids cgroup was found";
            return false;
        }
        if (!add(RLIMIT_NPROC, "processes", *limits.processes, *limits.processes)) return false;
    }
    if (limits.cpu_time) {
        // SIGXCPU at the limit, SIGKILL a second later for a process that ignores it.
        const auto seconds = static_cast<unsigned long long>(std::ceil(jobfile::to_seconds(*limits.cpu_time)));
        if (!add(RLIMIT_CPU, "cpu_time", seconds, seconds + 1)) return false;
    }
    if (limits.open_files && !add(RLIMIT_NOFILE, "open_files", *limits.open_files, *limits.open_files)) return false;
    if (limits.file_size && !add(RLIMIT_FSIZE, "file_size", *limits.file_size, *limits.file_size)) return false;

    std::vector<std::string> joins;
    if (cgroup_memory || cgroup_pids) {
        auto leaf = cgroups_->create(job.name + "-" + std::to_string(ctx.index),
                                     cgroup_memory ? limits.memory : std::nullopt,
                                     cgroup_pids ? limits.processes : std::nullopt, error);
        if (!leaf) {
            *error = "cannot apply limits through a cgroup: " + *error;
            return false;
        }
        joins = leaf->procs_files();
        cgroup = leaf->key();
        remember_leaf(cgroup, *leaf);
    }
    request.argv = launcher_argv(gaia_exe_, rlimits, joins, request.program, request.argv);
    request.program = gaia_exe_;
    return true;
}

std::optional<std::pair<std::string, std::string>> ProcessManager::limit_verdict(const ProcessJobConfig& config,
                                                                                 int term_signal, std::int64_t exit_status,
                                                                                 double cpu_s, const std::string& cgroup) const {
    const Limits limits = config.limits.over(config_.limits);
    if (!cgroup.empty() && cgroups_) {
        auto it = leaves_.find(cgroup);
        if (it != leaves_.end() && cgroups_->oom_killed(it->second)) {
            return std::make_pair(std::string("memory"), "memory limit (" + size_text(*limits.memory) + ")");
        }
    }
    // A shell reports a child killed by a signal as exit status 128 + signal.
    if (exit_status > 128 && term_signal == 0) term_signal = static_cast<int>(exit_status - 128);
    if (limits.cpu_time && (term_signal == SIGXCPU ||
                            (term_signal == SIGKILL && cpu_s + 0.05 >= jobfile::to_seconds(*limits.cpu_time)))) {
        return std::make_pair(std::string("cpu_time"), "cpu_time limit (" + jobfile::format_duration(*limits.cpu_time) + ")");
    }
    if (limits.file_size && term_signal == SIGXFSZ) {
        return std::make_pair(std::string("file_size"), "file_size limit (" + size_text(*limits.file_size) + ")");
    }
    return std::nullopt;
}

std::uint64_t ProcessManager::cgroup_peak_memory(const std::string& cgroup) const {
    auto it = leaves_.find(cgroup);
    return it == leaves_.end() || !cgroups_ ? 0 : cgroups_->peak_memory(it->second);
}

void ProcessManager::release_cgroup(const std::string& cgroup, bool empty) {
    auto it = leaves_.find(cgroup);
    if (it == leaves_.end()) return;
    const bool tracking = tracking_.erase(cgroup) > 0;
    if (cgroups_) {
        // An empty tracking leaf serves the next spawn; anything else (limits, or processes
        // still inside) is removed — what is inside, killed. The guard keeps watching a
        // spare leaf (killing the members of an empty cgroup does nothing): no message
        // to it for each reuse.
        if (tracking && spare_leaves_.size() < kMaxSpareLeaves && (empty || cgroups_->members(it->second).empty())) {
            spare_leaves_.push_back(it->second);
            leaves_.erase(it);
            return;
        }
        cgroups_->remove(it->second);
    }
    if (guard_) {
        for (const auto& dir : {it->second.memory_dir, it->second.pids_dir}) {
            if (!dir.empty()) guard_->forget_cgroup(dir);
        }
    }
    leaves_.erase(it);
}

}  // namespace gaia::jobs::process
