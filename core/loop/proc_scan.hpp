#pragma once
// Finding processes in /proc by their kin, for gaia's promise that nothing it started
// outlives it where no cgroup holds them: a process that left its job's process group
// (setsid, setpgid) is still a descendant of the job's leader while the processes between
// them live; an escaped child that kept the job's stdout or stderr still holds its pipe;
// and one whose parent has exited is gaia's own child (gaia is a child subreaper).

#include <sys/types.h>

#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace gaia::loop {

// Every process's parent, read now.
std::unordered_map<pid_t, pid_t> read_parents();

// Children, grandchildren, … of `root` (not root itself).
std::vector<pid_t> descendants(const std::unordered_map<pid_t, pid_t>& parents, pid_t root);

// Processes with a descriptor open on one of these pipes (pipe:[INODE] in /proc/PID/fd).
std::vector<pid_t> pipe_holders(const std::vector<ino_t>& inodes);

// SIGKILL to every child of this process still running but those in `spared` (children
// whose owners stop them their own way), and to their descendants.
void kill_children_and_descendants(const std::unordered_set<pid_t>& spared);

}  // namespace gaia::loop
