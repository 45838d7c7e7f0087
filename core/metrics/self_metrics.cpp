#include "core/metrics/self_metrics.hpp"

#include "core/build_info.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace gaia::metrics {
namespace {

double boot_time_seconds() {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") {
            double t = 0;
            in >> t;
            return t;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

// Field 22 of /proc/self/stat: start time in clock ticks after boot.
double start_time_seconds() {
    std::ifstream in("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');  // the command name may contain spaces
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) return boot_time_seconds() + std::stod(field) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    return 0;
}

double open_fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return 0;
    double n = 0;
    while (auto* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++n;
    }
    closedir(dir);
    return n - 1;  // the descriptor of the directory being read
}

}  // namespace

void register_self_metrics(Registry& registry) {
    registry.gauge("gaia_build_info", "gaia's version; always 1.", {"version"}).with({std::string(build::version())}).set(1);
    auto& cpu = registry.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.")
                    .with(LabelValues{});
    auto& rss = registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.").with(LabelValues{});
    auto& vsize = registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.").with(LabelValues{});
    auto& fds = registry.gauge("process_open_fds", "Number of open file descriptors.").with(LabelValues{});
    auto& max_fds = registry.gauge("process_max_fds", "Maximum number of open file descriptors.").with(LabelValues{});
    auto& start = registry.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
                      .with(LabelValues{});
    start.set(start_time_seconds());
    registry.on_collect([&cpu, &rss, &vsize, &fds, &max_fds] {
        rusage usage{};
        if (getrusage(RUSAGE_SELF, &usage) == 0) {
            double total = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
            cpu.inc(total - cpu.value());  // a counter that mirrors the kernel's
        }
        std::ifstream statm("/proc/self/statm");
        double pages_virtual = 0, pages_resident = 0;
        if (statm >> pages_virtual >> pages_resident) {
            const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
            vsize.set(pages_virtual * page);
            rss.set(pages_resident * page);
        }
        fds.set(open_fds());
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) == 0) max_fds.set(static_cast<double>(limit.rlim_cur));
    });
}

}  // namespace gaia::metrics
