#include "core/report/previous_metrics.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

namespace gaia::report {
namespace {

// The value of label `name` in `{a="x",b="y"}`, unescaped as the text format escapes it.
std::optional<std::string> label(std::string_view labels, std::string_view name) {
    const std::string key = std::string(name) + "=\"";
    for (std::size_t at = labels.find(key); at != std::string_view::npos; at = labels.find(key, at + 1)) {
        if (at != 1 && labels[at - 1] != ',') continue;  // the tail of a longer name
        std::string value;
        for (std::size_t i = at + key.size(); i < labels.size(); ++i) {
            if (labels[i] == '"') return value;
            if (labels[i] == '\\' && i + 1 < labels.size()) {
                ++i;
                value += labels[i] == 'n' ? '\n' : labels[i];
            } else {
                value += labels[i];
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

PreviousSuccesses read_previous_successes(const std::string& path, std::string_view run_name) {
    PreviousSuccesses out;
    std::ifstream in(path);
    constexpr std::string_view kRun = "gaia_run_last_success_timestamp_seconds{";
    constexpr std::string_view kJob = "gaia_job_last_success_timestamp_seconds{";
    for (std::string line; std::getline(in, line);) {
        const std::string_view text(line);
        const bool run = text.rfind(kRun, 0) == 0, job = text.rfind(kJob, 0) == 0;
        if (!run && !job) continue;
        const auto close = text.find("} ");
        if (close == std::string_view::npos) continue;
        const auto labels = text.substr(run ? kRun.size() - 1 : kJob.size() - 1, close - (run ? kRun.size() : kJob.size()) + 2);
        const std::string number(text.substr(close + 2));
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(number.c_str(), &end);
        if (end == number.c_str() || errno == ERANGE || !std::isfinite(value)) continue;
        if (run) {
            if (label(labels, "run") == std::string(run_name)) out.run = value;
        } else if (auto name = label(labels, "job")) {
            out.jobs[*name] = value;
        }
    }
    return out;
}

}  // namespace gaia::report
