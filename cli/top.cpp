// gaia top [--url URL]: a terminal dashboard of a running gaia serve — health per
// subsystem, live rates, jobs with their last result and next run, and the last runs of
// the selected job (j/k or the arrow keys move the selection) — redrawn every --interval on
// a terminal; one plain snapshot with --once or when stdout is not one.

#include "cli/commands.hpp"
#include "cli/http_get.hpp"
#include "cli/progress.hpp"
#include "cli/setup.hpp"
#include "cli/table.hpp"
#include "core/jobfile/values.hpp"

#include <nlohmann/json.hpp>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

namespace gaia::cli {
namespace {

struct TopOptions {
    std::string url = "http://127.0.0.1:9190";
    std::string interval = "2s";
    bool once = false;
    std::string job;  // selected first; default the first job
};

constexpr int kRunsShown = 10;

constexpr auto kRequestDeadline = std::chrono::seconds(3);

// What one refresh read from gaia serve.
struct Snapshot {
    nlohmann::json health;
    nlohmann::json jobs;
    std::map<std::string, double> totals;  // counters summed for the rates
    std::vector<std::string> work;         // the units of the subsystems' work, in their order
    double in_flight = 0;
    std::chrono::steady_clock::time_point taken;
    std::string selected;   // the job whose runs are shown
    nlohmann::json runs;    // its last runs, newest first; null when there are none to show
    std::string runs_note;  // why not, when they are not
};

// Sums the samples of `name` in a Prometheus text exposition whose labels contain `filter`.
double sum_samples(const std::string& text, const std::string& name, const std::string& filter = "") {
    double total = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.compare(0, name.size(), name) != 0) continue;
        const char next = line.size() > name.size() ? line[name.size()] : '\0';
        if (next != '{' && next != ' ') continue;
        if (!filter.empty() && line.find(filter) == std::string::npos) continue;
        total += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    }
    return total;
}

std::optional<Snapshot> fetch(const HttpUrl& url, std::string* error) {
    Snapshot s;
    s.taken = std::chrono::steady_clock::now();
    auto get = [&](const char* path) -> std::optional<std::string> {
        auto answer = http_get(url, path, kRequestDeadline, error);
        if (!answer) return std::nullopt;
        if (answer->status != 200 && !(answer->status == 503 && std::string_view(path) == "/health")) {
            *error = std::string(path) + " answered " + std::to_string(answer->status);
            return std::nullopt;
        }
        return std::move(answer->body);
    };
    auto health = get("/health");
    auto jobs = health ? get("/api/v1/jobs") : std::nullopt;
    auto metrics = jobs ? get("/metrics") : std::nullopt;
    if (!metrics) return std::nullopt;
    s.health = nlohmann::json::parse(*health, nullptr, false);
    s.jobs = nlohmann::json::parse(*jobs, nullptr, false);
    if (!s.health.is_object() || !s.jobs.is_object()) {
        *error = "the answers are not gaia serve's JSON (is this gaia?)";
        return std::nullopt;
    }
    s.totals["tasks"] = sum_samples(*metrics, "gaia_tasks_total");
    s.totals["failed"] = sum_samples(*metrics, "gaia_tasks_total", "status=\"failed\"");
    // Each subsystem says what its work is and how much it has done.
    if (s.health.contains("subsystems") && s.health["subsystems"].is_object()) {
        for (const auto& [name, subsystem] : s.health["subsystems"].items()) {
            const auto work = subsystem.value("work", nlohmann::json());
            if (!work.is_object() || !work.value("total", nlohmann::json()).is_number()) continue;
            s.work.push_back(work.value("unit", name));
            s.totals["work:" + s.work.back()] = work["total"].get<double>();
        }
    }
    s.in_flight = sum_samples(*metrics, "gaia_tasks_in_flight");
    return s;
}

std::vector<std::string> job_names(const Snapshot& s) {
    std::vector<std::string> names;
    for (const auto& j : s.jobs.value("jobs", nlohmann::json::array())) {
        if (j.value("name", nlohmann::json()).is_string()) names.push_back(j["name"].get<std::string>());
    }
    return names;
}

// The selected job's last runs, from the state database (job names need no escaping in a path).
void fetch_runs(const HttpUrl& url, Snapshot& s) {
    if (s.selected.empty()) return;
    std::string error;
    const auto path = "/api/v1/jobs/" + s.selected + "/runs?limit=" + std::to_string(kRunsShown);
    auto answer = http_get(url, path, kRequestDeadline, &error);
    if (!answer) {
        s.runs_note = error;
        return;
    }
    auto body = nlohmann::json::parse(answer->body, nullptr, false);
    if (answer->status == 200 && body.is_object() && body.value("runs", nlohmann::json()).is_array()) {
        s.runs = body["runs"];
    } else if (answer->status == 409) {
        s.runs_note = "this gaia serve keeps no history (--no-state)";
    } else {
        s.runs_note = path + " answered " + std::to_string(answer->status);
    }
}

std::string text_of(const nlohmann::json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_number_unsigned()) return std::to_string(v.get<long long>());
    if (v.is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", v.get<double>());
        return buf;
    }
    return v.dump();
}

// "12s ago", "in 3m05s" for an ISO 8601 UTC time from the API.
std::string relative(const nlohmann::json& iso) {
    if (!iso.is_string()) return "-";
    std::tm tm{};
    if (!strptime(iso.get<std::string>().c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return iso.get<std::string>();
    const double delta = std::difftime(timegm(&tm), std::time(nullptr));
    if (delta > -1 && delta < 1) return "now";  // the API gives whole seconds
    const auto magnitude = human_seconds(delta < 0 ? -delta : delta);
    return delta < 0 ? magnitude + " ago" : "in " + magnitude;
}

const char* status_color(const std::string& status) {
    if (status == "healthy" || status == "passed") return "\x1b[32m";
    if (status == "degraded" || status == "running" || status == "skipped") return "\x1b[33m";
    if (status == "unhealthy" || status == "failed" || status == "cancelled") return "\x1b[31m";
    return "";
}

std::string render(const std::string& where, const Snapshot& now, const Snapshot* before, bool color) {
    std::ostringstream out;
    const auto& h = now.health;
    const std::string status = h.value("status", "unknown");
    const std::string painted = color ? std::string(status_color(status)) + status + "\x1b[0m" : status;
    out << "gaia " << text_of(h.value("version", nlohmann::json())) << " at " << where << "  " << painted << "  up "
        << human_seconds(h.value("uptime_s", 0.0)) << "  loop lag " << human_seconds(h.value("loop_lag_s", 0.0)) << "\n\n";

    TextTable subsystems({"SUBSYSTEM", "STATUS", "ACTIVE", "SUCCESS (5m)", "P95 (5m)", "WHY"});
    if (h.contains("subsystems") && h["subsystems"].is_object()) {
        for (const auto& [name, s] : h["subsystems"].items()) {
            const auto rate = s.value("success_rate", nlohmann::json());
            std::string success = "-";
            if (rate.is_number()) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.1f%% of %llu", rate.get<double>() * 100.0,
                              static_cast<unsigned long long>(s.value("passed", 0) + s.value("failed", 0)));
                success = buf;
            }
            const auto p95 = s.value("p95_s", nlohmann::json());
            std::string why;
            for (const auto& r : s.value("reasons", nlohmann::json::array())) why += (why.empty() ? "" : "; ") + text_of(r);
            subsystems.add({name, s.value("status", "-"), text_of(s.value("active", nlohmann::json())), success,
                            p95.is_number() ? human_seconds(p95.get<double>()) : "-", why});
            subsystems.set_color(subsystems.rows() - 1, 1, status_color(s.value("status", "")));
        }
    }
    out << subsystems.render(color) << "\n";

    auto per_second = [&](const std::string& key) -> std::string {
        if (!before) return "-";
        const double dt = std::chrono::duration<double>(now.taken - before->taken).count();
        if (dt <= 0) return "-";
        const auto was = before->totals.find(key);
        if (was == before->totals.end()) return "-";
        const double delta = now.totals.at(key) - was->second;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", delta < 0 ? 0.0 : delta / dt);
        return buf;
    };
    out << "tasks/s " << per_second("tasks") << "   failed/s " << per_second("failed");
    for (const auto& unit : now.work) out << "   " << unit << "/s " << per_second("work:" + unit);
    out << "   in flight " << static_cast<long long>(now.in_flight) << "\n\n";

    TextTable jobs({"JOB", "KIND", "SCHEDULE", "LAST", "LAST RUN", "TOOK", "NEXT RUN", "RUNS", "SKIPPED", "ERROR"});
    for (const auto& j : now.jobs.value("jobs", nlohmann::json::array())) {
        const auto& last = j.value("last", nlohmann::json());
        const bool running = j.value("running", false);
        const std::string result = running ? "running" : last.is_object() ? last.value("status", "-") : "never run";
        std::string error = last.is_object() ? text_of(last.value("error", nlohmann::json())) : "";
        if (error == "-") error.clear();
        if (error.size() > 60) error = error.substr(0, 57) + "...";
        const auto name = text_of(j.value("name", nlohmann::json()));
        jobs.add({(name == now.selected ? "> " : "  ") + name, text_of(j.value("kind", nlohmann::json())),
                  j.value("schedule", nlohmann::json()).is_string() ? j["schedule"].get<std::string>() : "on request",
                  result, last.is_object() ? relative(last.value("started", nlohmann::json())) : "-",
                  last.is_object() ? human_seconds(last.value("duration_s", 0.0)) : "-", relative(j.value("next_run", nlohmann::json())),
                  text_of(j.value("runs", nlohmann::json())), text_of(j.value("skipped", nlohmann::json())), error});
        jobs.set_color(jobs.rows() - 1, 3, status_color(result));
    }
    out << jobs.render(color);
    if (now.selected.empty()) return out.str();

    out << "\nLAST RUNS OF " << now.selected << "\n";
    if (!now.runs.is_array()) return out.str() + now.runs_note + "\n";
    if (now.runs.empty()) return out.str() + "none yet\n";
    TextTable runs({"RUN", "STATUS", "TRIGGER", "STARTED", "TOOK", "PASSED", "FAILED", "ERROR"});
    for (const auto& r : now.runs) {
        std::string error = text_of(r.value("error", nlohmann::json()));
        if (error == "-") error.clear();
        if (error.size() > 70) error = error.substr(0, 67) + "...";
        const auto run_status = r.value("status", "-");
        runs.add({text_of(r.value("run_id", nlohmann::json())), run_status, text_of(r.value("trigger", nlohmann::json())),
                  relative(r.value("started", nlohmann::json())), human_seconds(r.value("duration_s", 0.0)),
                  text_of(r.value("passed", nlohmann::json())), text_of(r.value("failed", nlohmann::json())), error});
        runs.set_color(runs.rows() - 1, 1, status_color(run_status));
    }
    out << runs.render(color);
    return out.str();
}

// The selection after a snapshot: the one asked for if it is still there, else the first job.
std::string reselect(const Snapshot& s, const std::string& wanted) {
    const auto names = job_names(s);
    if (std::find(names.begin(), names.end(), wanted) != names.end()) return wanted;
    return names.empty() ? std::string() : names.front();
}

volatile std::sig_atomic_t g_stop = 0;

// The terminal in the state `gaia top` needs, restored however it ends.
class Screen {
public:
    Screen() {
        if (::tcgetattr(STDIN_FILENO, &saved_) == 0) {
            termios raw = saved_;
            raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            raw_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        }
        std::fputs("\x1b[?1049h\x1b[?25l", stdout);  // alternate screen, no cursor
        std::fflush(stdout);
    }
    ~Screen() {
        std::fputs("\x1b[?25h\x1b[?1049l", stdout);
        std::fflush(stdout);
        if (raw_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
    Screen(const Screen&) = delete;
    Screen& operator=(const Screen&) = delete;

    void draw(const std::string& frame) {
        std::string out = "\x1b[H\x1b[2J" + frame;
        std::fputs(out.c_str(), stdout);
        std::fflush(stdout);
    }

private:
    termios saved_{};
    bool raw_ = false;
};

enum class Key { none, quit, up, down };

// Waits up to `wait` for a key (q, j/k or the arrows) on `keyboard` or a signal; none when
// the time is up.
Key wait_for_key(pollfd& p, std::chrono::milliseconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!g_stop) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return Key::none;
        if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
            char keys[8] = {};
            const auto n = ::read(STDIN_FILENO, keys, sizeof keys);
            const std::string_view k(keys, n > 0 ? static_cast<std::size_t>(n) : 0);
            if (k == "q" || k == "Q") return Key::quit;
            if (k == "k" || k == "\x1b[A" || k == "\x1bOA") return Key::up;
            if (k == "j" || k == "\x1b[B" || k == "\x1bOB") return Key::down;
            // Standard input at its end (/dev/null, a closed pipe) is always "readable":
            // stop watching it, or this would spin; Ctrl-C still quits.
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) || (p.revents & (POLLHUP | POLLERR)) != 0) {
                p.fd = -1;
            }
        }
    }
    return Key::quit;
}

int top_command(const GlobalOptions& globals, const TopOptions& options) {
    std::string error;
    const auto url = parse_http_url(options.url, &error);
    if (!url) throw UsageError("--url: " + error);
    const auto interval = jobfile::parse_duration(options.interval, &error);
    if (!interval || *interval < std::chrono::milliseconds(200)) {
        throw UsageError("--interval: " + (error.empty() ? "at least 200ms" : error));
    }
    const auto every = std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
    const bool live = !options.once && ::isatty(STDOUT_FILENO) == 1;
    const bool color = use_color(globals, STDOUT_FILENO);

    if (!live) {
        // Rates need two readings: the snapshot takes them one second apart.
        auto first = fetch(*url, &error);
        if (!first) {
            std::cerr << "gaia top: " << options.url << ": " << error << "\n";
            return kFailed;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
        auto second = fetch(*url, &error);
        if (!second) {
            std::cerr << "gaia top: " << options.url << ": " << error << "\n";
            return kFailed;
        }
        const auto names = job_names(*second);
        if (!options.job.empty() && std::find(names.begin(), names.end(), options.job) == names.end()) {
            std::cerr << "gaia top: " << options.url << " has no job `" << options.job << "`\n";
            return kUsage;
        }
        second->selected = reselect(*second, options.job);
        fetch_runs(*url, *second);
        std::cout << render(options.url, *second, &*first, color);
        return kPassed;
    }

    struct sigaction action{};
    action.sa_handler = [](int) { g_stop = 1; };
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    Screen screen;
    std::optional<Snapshot> last, earlier;  // the latest snapshot and the one before (for rates)
    std::string selected = options.job;
    pollfd keyboard{STDIN_FILENO, POLLIN, 0};
    Key key = Key::none;
    while (!g_stop && key != Key::quit) {
        // A key only moves the selection: the snapshot stays, the runs shown change.
        if (key == Key::none || !last) {
            auto now = fetch(*url, &error);
            if (!now) {
                screen.draw("gaia top: " + options.url + ": " + error + "\nretrying every " + options.interval +
                            "; q quits\n");
                key = wait_for_key(keyboard, every);
                continue;
            }
            earlier = std::move(last);
            last = std::move(now);
        } else {
            const auto names = job_names(*last);
            auto at = std::find(names.begin(), names.end(), selected);
            if (key == Key::down && at != names.end() && at + 1 != names.end()) selected = *(at + 1);
            if (key == Key::up && at != names.end() && at != names.begin()) selected = *(at - 1);
        }
        last->selected = selected = reselect(*last, selected);
        last->runs = nullptr;
        last->runs_note.clear();
        fetch_runs(*url, *last);
        screen.draw(render(options.url, *last, earlier ? &*earlier : nullptr, color) +
                    "\nj/k or arrows select a job; q quits; every " + options.interval + "\n");
        key = wait_for_key(keyboard, every);
    }
    return kPassed;
}

}  // namespace

void add_top_command(CLI::App& app, GlobalOptions& globals, Action& action) {
    auto o = std::make_shared<TopOptions>();
    auto* cmd = app.add_subcommand("top", "Terminal dashboard of a running gaia serve");
    cmd->add_option("--url", o->url, "The gaia serve to watch")->capture_default_str();
    cmd->add_option("--interval", o->interval, "Time between refreshes")->capture_default_str();
    cmd->add_flag("--once", o->once, "Print one snapshot and exit (the default when stdout is not a terminal)");
    cmd->add_option("--job", o->job, "Show the last runs of this job (default: the first; keys j and k move it in a terminal)");
    cmd->callback([&globals, &action, o] { action = [&globals, o] { return top_command(globals, *o); }; });
}

}  // namespace gaia::cli
