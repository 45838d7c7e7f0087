#pragma once
// A one-node Slurm cluster on 127.0.0.1, started by a test from Debian's slurm-wlm and
// munge: its own munge key and socket, slurm.conf, state and spool in a scratch
// directory, slurmctld and slurmd on free loopback ports. sbatch, squeue and the rest
// find it through SLURM_CONF (env()). Slurm's daemons run as root: constructed without
// root, it is not started (available() says why).

#include "tests/support/subprocess.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gaia::test {

class SlurmCluster {
public:
    SlurmCluster();
    ~SlurmCluster();
    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;

    // "" when the cluster is up, its node idle; else why it is not.
    const std::string& unavailable() const noexcept { return unavailable_; }
    // NAME=VALUE entries that point Slurm's commands at this cluster.
    std::vector<std::string> env() const;
    // Waits until none of the jobs is in the queue any more; false after `seconds`.
    bool wait_until_done(double seconds) const;
    // The daemons' logs, for a failure's message.
    std::string logs() const;

private:
    bool start();
    std::string conf() const { return (dir_.path() / "slurm.conf").string(); }

    TempDir dir_;
    std::string unavailable_;
    std::unique_ptr<BackgroundProcess> munged_, slurmctld_, slurmd_;
};

}  // namespace gaia::test
