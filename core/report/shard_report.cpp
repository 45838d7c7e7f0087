#include "core/report/shard_report.hpp"
#include "core/text/json_scan.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <algorithm>
#include <map>

namespace gaia::report {
namespace {

constexpr std::size_t kCopyPiece = 1 << 20;

// "K/N" with 1 ≤ K ≤ N.
bool parse_shard(std::string_view text, std::uint64_t& k, std::uint64_t& n) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return false;
    auto number = [](std::string_view digits, std::uint64_t& out) {
        const auto* end = digits.data() + digits.size();
        const auto [at, ec] = std::from_chars(digits.data(), end, out);
        return ec == std::errc() && at == end && !digits.empty();
    };
    return number(text.substr(0, slash), k) && number(text.substr(slash + 1), n) && k >= 1 && k <= n;
}

// The "instances" array: each element checked, and located by job.
class InstanceIndex {
public:
    explicit InstanceIndex(text::JsonScanner& scanner) : s_(scanner) {}

    bool read() {
        text::JsonScanner::Container array;
        if (!s_.open_array(array)) return false;
        std::string key, job, status, error;
        ListedInstances* last = nullptr;
        while (s_.next_element(array)) {
            const auto begin = s_.pos();
            text::JsonScanner::Container element;
            if (!s_.open_object(element)) return false;
            job.clear();
            status.clear();
            error.clear();
            std::optional<std::uint64_t> index;
            while (s_.next_member(element, key)) {
                if (key == "job") {
                    s_.string(job);
                } else if (key == "index") {
                    index.emplace();
                    s_.unsigned_integer(*index);
                } else if (key == "status") {
                    s_.string(status);
                } else if (key == "error") {
                    if (!s_.null()) s_.string(error);
                } else {
                    s_.skip_value();
                }
            }
            if (s_.failed()) return false;
            if (job.empty() || !index) return s_.fail_at(begin, "an instance without its job or index");
            if (status != "passed" && status != "failed" && status != "cancelled") {
                return s_.fail_at(begin, "an instance whose status is not passed, failed or cancelled");
            }
            auto& listed = by_job[job];
            if (listed.count > 0 && *index <= listed.last_index) {
                return s_.fail_at(begin, "instance " + std::to_string(*index) + " of job `" + job + "` after instance " +
                                             std::to_string(listed.last_index) + ": not in ascending order");
            }
            if (listed.count == 0) listed.first_index = *index;
            listed.last_index = *index;
            ++listed.count;
            if (status == "failed" && !listed.first_failed) {
                listed.first_failed = *index;
                listed.first_failed_error = error;
            }
            // Lines of one job follow each other: one range grows over all of them.
            if (last == &listed) {
                listed.ranges.back().second = s_.pos();
            } else {
                listed.ranges.emplace_back(begin, s_.pos());
            }
            last = &listed;
        }
        return !s_.failed();
    }

    std::map<std::string, ListedInstances, std::less<>> by_job;

private:
    text::JsonScanner& s_;
};

}  // namespace

std::optional<ShardReport> ShardReport::read(const std::string& path, std::string* error) {
    std::ifstream file(path, std::ios::binary);
    std::string text;
    if (file) {
        file.seekg(0, std::ios::end);
        text.resize(static_cast<std::size_t>(std::max<std::streamoff>(file.tellg(), 0)));
        file.seekg(0);
    }
    if (!file || !file.read(text.data(), static_cast<std::streamsize>(text.size()))) {
        *error = "cannot read " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    auto r = from_text(path, text, error);
    if (r) r->file_ = std::move(file);
    return r;
}

std::optional<ShardReport> ShardReport::from_text(const std::string& path, std::string_view text, std::string* error) {
    ShardReport r;
    r.path_ = path;
    text::JsonScanner s(text);
    InstanceIndex instances(s);
    bool have_run = false, have_jobs = false, have_instances = false;
    auto parse_member = [&](nlohmann::ordered_json& into) {
        std::size_t begin = 0;
        if (!s.skip_value(&begin)) return;
        into = nlohmann::ordered_json::parse(text.begin() + static_cast<std::ptrdiff_t>(begin),
                                             text.begin() + static_cast<std::ptrdiff_t>(s.pos()));
    };
    text::JsonScanner::Container top;
    std::string key;
    if (s.open_object(top)) try {
        while (s.next_member(top, key)) {
            if (key == "run") {
                parse_member(r.run_);
                have_run = true;
            } else if (key == "jobs") {
                parse_member(r.jobs_);
                have_jobs = true;
            } else if (key == "subsystems") {
                parse_member(r.subsystems_);
            } else if (key == "instances") {
                instances.read();
                have_instances = true;
            } else {
                s.skip_value();
            }
        }
        s.finish();
    } catch (const nlohmann::json::exception& e) {
        // Text the scanner found valid and nlohmann did not (a number beyond a double).
        s.fail_at(s.pos(), e.what());
    }
    if (s.failed()) {
        *error = path + ":" + s.error();
        return std::nullopt;
    }

    auto refuse = [&](const std::string& what) {
        *error = path + ": " + what;
        return std::nullopt;
    };
    if (!have_run || !have_jobs || !r.run_.is_object() || !r.jobs_.is_array()) {
        return refuse("not a JSON report of gaia run (--report-json): it has no \"run\" and \"jobs\"");
    }
    if (!have_instances || !r.run_.contains("instances_listed")) {
        return refuse("lists no instances: it was written by a gaia without per-instance results");
    }
    const auto digest = r.run_.find("job_set_digest");
    if (digest == r.run_.end() || !digest->is_string() || digest->get<std::string>().empty()) {
        return refuse("names no job set (run.job_set_digest): it was written by an older gaia; run the shard again");
    }
    const auto shard = r.run_.find("shard");
    if (shard == r.run_.end() || !shard->is_string()) {
        return refuse("is the report of a whole run (run.shard is null): only the reports of gaia run --shard are merged");
    }
    if (!parse_shard(shard->get<std::string>(), r.shard_index_, r.shard_count_)) {
        return refuse("run.shard is `" + shard->get<std::string>() + "`, not K/N");
    }
    std::map<std::string, std::size_t, std::less<>> positions;
    for (std::size_t i = 0; i < r.jobs_.size(); ++i) {
        const auto& job = r.jobs_[i];
        if (!job.is_object() || !job.contains("name") || !job["name"].is_string() || !job.contains("status") ||
            !job["status"].is_string()) {
            return refuse("jobs[" + std::to_string(i) + "] has no name or status");
        }
        if (!positions.emplace(job["name"].get<std::string>(), i).second) {
            return refuse("job `" + job["name"].get<std::string>() + "` is listed twice in \"jobs\"");
        }
    }
    r.listed_.resize(r.jobs_.size());
    for (auto& [name, listed] : instances.by_job) {
        const auto at = positions.find(name);
        if (at == positions.end()) return refuse("an instance of job `" + name + "`, which is not among its \"jobs\"");
        r.listed_[at->second] = std::move(listed);
    }
    return r;
}

std::string ShardReport::copy(std::pair<std::uint64_t, std::uint64_t> range, const std::function<void(std::string_view)>& out) {
    std::string piece;
    file_.clear();
    file_.seekg(static_cast<std::streamoff>(range.first));
    for (auto left = range.second - range.first; left > 0;) {
        piece.resize(static_cast<std::size_t>(std::min<std::uint64_t>(left, kCopyPiece)));
        if (!file_.read(piece.data(), static_cast<std::streamsize>(piece.size()))) {
            return "cannot read " + path_ + " again: " + std::strerror(errno);
        }
        out(piece);
        left -= piece.size();
    }
    return {};
}

std::string ShardReport::for_each_listed(std::size_t job, const std::function<void(const nlohmann::json&)>& fn) {
    for (const auto& range : listed_[job].ranges) {
        std::string text = "[";
        if (auto problem = copy(range, [&text](std::string_view piece) { text += piece; }); !problem.empty()) return problem;
        text += "]";
        text::JsonScanner s(text);
        text::JsonScanner::Container array;
        s.open_array(array);
        while (s.next_element(array)) {
            std::size_t begin = 0;
            if (!s.skip_value(&begin)) break;
            fn(nlohmann::json::parse(text.begin() + static_cast<std::ptrdiff_t>(begin),
                                     text.begin() + static_cast<std::ptrdiff_t>(s.pos())));
        }
        if (s.failed()) return path_ + " changed while it was merged";
    }
    return {};
}

}  // namespace gaia::report
