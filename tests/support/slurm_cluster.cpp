#include "tests/support/slurm_cluster.hpp"
#include "tests/support/file_server.hpp"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>

namespace gaia::test {
namespace {

// slurmctld runs only on the host its SlurmctldHost names, by its short name.
std::string short_hostname() {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    std::string host = name;
    return host.substr(0, host.find('.'));
}

}  // namespace

SlurmCluster::SlurmCluster() {
    if (::geteuid() != 0) {
        unavailable_ = "Slurm's daemons run as root, and the tests do not";
        return;
    }
    if (run_program({"sh", "-c", "command -v slurmctld slurmd sbatch munged"}).exit_code != 0) {
        unavailable_ = "slurm-wlm or munge is not installed (scripts/install-deps.sh installs them)";
        return;
    }
    if (!start()) unavailable_ = "the one-node Slurm cluster did not start:\n" + logs();
}

bool SlurmCluster::start() {
    namespace fs = std::filesystem;
    const auto d = dir_.path();
    for (const char* sub : {"munge", "state", "spool", "log"}) fs::create_directories(d / sub);
    fs::permissions(d / "munge", fs::perms::owner_all);
    {
        std::random_device random;
        std::ofstream key(d / "munge/munge.key", std::ios::binary);
        for (int i = 0; i < 1024; ++i) key.put(static_cast<char>(random()));
    }
    fs::permissions(d / "munge/munge.key", fs::perms::owner_read);
    const auto socket = (d / "munge/munge.socket").string();
    munged_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"munged", "--foreground", "--force", "--key-file=" + (d / "munge/munge.key").string(),
                                 "--socket=" + socket, "--pid-file=" + (d / "munge/munged.pid").string(),
                                 "--seed-file=" + (d / "munge/seed").string(),
                                 "--log-file=" + (d / "log/munged.log").string()},
        d / "log", "munged");
    if (!eventually([&] { return fs::exists(socket); }, 10)) return false;

    const auto host = short_hostname();
    std::ofstream(conf()) << "ClusterName=gaiatest\n"
                          << "SlurmctldHost=" << host << "(127.0.0.1)\n"
                          << "SlurmctldPort=" << free_port() << "\nSlurmdPort=" << free_port() << "\n"
                          << "SlurmUser=root\nSlurmdUser=root\n"
                          << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << socket << "\n"
                          << "StateSaveLocation=" << (d / "state").string() << "\n"
                          << "SlurmdSpoolDir=" << (d / "spool").string() << "\n"
                          << "SlurmctldPidFile=" << (d / "slurmctld.pid").string() << "\n"
                          << "SlurmdPidFile=" << (d / "slurmd.pid").string() << "\n"
                          << "SlurmctldLogFile=" << (d / "log/slurmctld.log").string() << "\n"
                          << "SlurmdLogFile=" << (d / "log/slurmd.log").string() << "\n"
                          // No cgroups: a test may run where it cannot have them.
                          << "ProctrackType=proctrack/pgid\nTaskPlugin=task/none\nSwitchType=switch/none\n"
                          << "MpiDefault=none\nMailProg=/bin/true\n"
                          << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nSchedulerType=sched/backfill\n"
                          << "AccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/none\n"
                          << "JobAcctGatherType=jobacct_gather/none\n"
                          << "ReturnToService=2\nInactiveLimit=0\nMinJobAge=300\nKillWait=5\nWaittime=0\n"
                          << "NodeName=" << host << " NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN\n"
                          // Four tasks at once on two CPUs: the array's tasks run side by side.
                          << "PartitionName=main Nodes=" << host
                          << " Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4\n";
    const std::vector<std::string> env = {"SLURM_CONF=" + conf()};
    slurmctld_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{"slurmctld", "-D", "-f", conf()}, d / "log",
                                                     "slurmctld", env);
    slurmd_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{"slurmd", "-D", "-f", conf(), "-N", host},
                                                  d / "log", "slurmd", env);
    return eventually([&] { return run_program({"sinfo", "-h", "-o", "%T"}, "", env).out == "idle\n"; }, 30);
}

SlurmCluster::~SlurmCluster() {
    if (slurmctld_) run_program({"scancel", "--full", "--user=root"}, "", env());
    // slurmd first: it ends the job steps it started.
    for (auto* daemon : {slurmd_.get(), slurmctld_.get(), munged_.get()}) {
        if (!daemon) continue;
        daemon->signal(SIGTERM);
        if (daemon->wait(10) < 0) daemon->signal(SIGKILL);
    }
}

std::vector<std::string> SlurmCluster::env() const { return {"SLURM_CONF=" + conf()}; }

bool SlurmCluster::wait_until_done(double seconds) const {
    return eventually([&] {
        const auto queue = run_program({"squeue", "-h", "-o", "%i"}, "", env());
        return queue.exit_code == 0 && queue.out.empty();
    }, seconds);
}

std::string SlurmCluster::logs() const {
    std::string out;
    for (const char* name : {"munged.log", "slurmctld.log", "slurmd.log", "slurmctld.err", "slurmd.err", "munged.err"}) {
        const auto path = dir_.path() / "log" / name;
        if (std::filesystem::exists(path)) out += "--- " + std::string(name) + "\n" + read_file(path);
    }
    return out;
}

}  // namespace gaia::test
