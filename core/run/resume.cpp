#include "core/run/resume.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace gaia::run {
namespace {

struct Listed {
    std::uint64_t index = 0;
    const nlohmann::json* item = nullptr;
};

std::string item_text(const nlohmann::json& item) {
    std::string text = item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

std::uint64_t count(const nlohmann::json& job, const char* key) {
    const auto it = job.find(key);
    return it != job.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// The instances to run again of a job whose instances are known now; "" or the problem.
std::string match(const jobfile::Job& job, const std::vector<Listed>& listed, const nlohmann::json& previous,
                  bool sharded, JobResume& out) {
    const std::string who = "job `" + job.name + "`: ";
    if (job.for_each) {
        const auto& items = job.for_each->items;
        std::vector<bool> taken(items.size(), false);
        for (const auto& l : listed) {
            if (!l.item) {
                return who + "instance " + std::to_string(l.index) +
                       " had no item in that run, and the job has a for_each now";
            }
            // Where it was, if it is still there; else wherever the same value is now.
            std::uint64_t at = l.index;
            if (at >= items.size() || taken[at] || items[at] != *l.item) {
                const auto found = std::find_if(items.begin(), items.end(), [&, i = std::size_t{0}](const auto& v) mutable {
                    return !taken[i++] && v == *l.item;
                });
                if (found == items.end()) {
                    return who + "instance " + std::to_string(l.index) + "'s item " + item_text(*l.item) +
                           " is no longer in its for_each";
                }
                at = static_cast<std::uint64_t>(found - items.begin());
            }
            taken[at] = true;
            out.indices.push_back(at);
        }
    } else {
        for (const auto& l : listed) {
            if (l.item) return who + "it had a for_each in that run (instance " + std::to_string(l.index) + ": " +
                               item_text(*l.item) + ") and has none now";
            if (l.index >= job.repeat) {
                return who + "instance " + std::to_string(l.index) + " did not pass, and the job has only " +
                       std::to_string(job.repeat) + " instances now";
            }
            out.indices.push_back(l.index);
        }
        // Instances added since (a larger repeat) have never run. Under --shard the report
        // counts one slice, so this is known only for a whole fan-out.
        if (!sharded) {
            for (auto i = count(previous, "instances"); i < job.repeat; ++i) out.indices.push_back(i);
        }
    }
    std::sort(out.indices.begin(), out.indices.end());
    out.indices.erase(std::unique(out.indices.begin(), out.indices.end()), out.indices.end());
    return {};
}

}  // namespace

bool items_found_at_start(const jobfile::Job& job) {
    return (job.config && job.config->expands()) || (job.for_each && job.for_each->dynamic());
}

std::optional<ResumePlan> ResumePlan::from_report(const jobfile::JobSet& set, const std::string& path,
                                                  const std::string& shard, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot read " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    const auto report = nlohmann::json::parse(text.str(), nullptr, false);
    if (report.is_discarded() || !report.is_object() || !report.contains("run") || !report.contains("jobs")) {
        *error = path + " is not a JSON report of gaia run (--report-json)";
        return std::nullopt;
    }
    const auto& run = report["run"];
    if (!run.is_object() || !run.contains("instances_listed") || !report.contains("instances") ||
        !report["instances"].is_array() || !report["jobs"].is_array()) {
        *error = path + " lists no instances: it was written by a gaia without per-instance results";
        return std::nullopt;
    }
    const std::string was_shard = run.value("shard", nlohmann::json(nullptr)).is_string() ? run["shard"].get<std::string>() : "";
    if (was_shard != shard) {
        *error = path + " is of " + (was_shard.empty() ? std::string("a whole run") : "shard " + was_shard) +
                 ": resume it with " + (was_shard.empty() ? std::string("no --shard") : "--shard " + was_shard);
        return std::nullopt;
    }

    std::map<std::string, const nlohmann::json*, std::less<>> jobs;
    for (const auto& j : report["jobs"]) {
        if (j.is_object() && j.contains("name") && j["name"].is_string()) jobs[j["name"].get<std::string>()] = &j;
    }
    std::map<std::string, std::vector<Listed>, std::less<>> listed;
    for (const auto& i : report["instances"]) {
        if (!i.is_object() || !i.contains("job") || !i["job"].is_string() || !i.contains("index") ||
            !i["index"].is_number_unsigned()) {
            *error = path + ": an entry of \"instances\" has no job or index";
            return std::nullopt;
        }
        if (i.value("status", "") == "passed") continue;
        const auto item = i.find("item");
        listed[i["job"].get<std::string>()].push_back({i["index"].get<std::uint64_t>(), item == i.end() ? nullptr : &*item});
    }

    ResumePlan plan;
    plan.report_path = path;
    plan.run_id = run.value("id", "");
    plan.jobs.resize(set.jobs.size());
    for (std::size_t n = 0; n < set.jobs.size(); ++n) {
        const auto& job = set.jobs[n];
        auto& r = plan.jobs[n];
        const auto found = jobs.find(job.name);
        if (found == jobs.end()) continue;  // new, or not selected then: runs whole
        const auto& previous = *found->second;
        const std::string kind = previous.value("kind", "");
        if (kind != job.kind) {
            *error = "job `" + job.name + "` was a `" + kind + "` job in " + path + " and is a `" + job.kind +
                     "` job now: its instances cannot be matched";
            return std::nullopt;
        }
        r.instances_before = count(previous, "instances");
        if (previous.contains("captures") && previous["captures"].is_object()) r.captures = previous["captures"];
        const std::string status = previous.value("status", "");
        if (status == "passed") {
            r.mode = JobResume::Mode::none;
            r.passed = count(previous, "passed");
            r.attempts = count(previous, "attempts");
            r.bytes = count(previous, "bytes");
            r.cpu_s = previous.value("cpu_s", 0.0);
            continue;
        }
        const auto mine = listed.find(job.name);
        // Nothing listed: it never reached its instances, or failed as a whole (a latency
        // threshold): all of it again.
        if (mine == listed.end()) continue;
        r.mode = JobResume::Mode::some;
        if (items_found_at_start(job)) {
            for (const auto& l : mine->second) {
                if (!l.item) {
                    *error = "job `" + job.name + "`: instance " + std::to_string(l.index) + " has no item in " + path +
                             ", and the job finds its items as it starts";
                    return std::nullopt;
                }
                r.items.push_back(*l.item);
            }
        } else if (auto problem = match(job, mine->second, previous, !shard.empty(), r); !problem.empty()) {
            *error = problem + " (" + path + "): the job file changed in a way that breaks the match; run it whole";
            return std::nullopt;
        }
    }
    return plan;
}

}  // namespace gaia::run
