// on_failure / on_success hooks, end to end: examples/hooks.toml posts to a local webhook
// receiver and mails through msmtp to a local SMTP server when its run fails, also after
// SIGTERM; a hook's own failure never hides how the run ended; mistakes in the lists are
// job-file errors.

#include "tests/support/file_helpers.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <sstream>

using namespace gaia::test;

namespace {

// A webhook receiver: every POST body, one per line, in DIR/posts; its port in DIR/port.
constexpr const char* kReceiver = R"PY(
import http.server, sys
class Hook(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[1] + "/gets", "a") as f:
            f.write(self.path + "\n")
        self.send_response(200)
        self.end_headers()
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[1] + "/posts", "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
open(sys.argv[1] + "/port.tmp", "w").write(str(server.server_address[1]))
__import__("os").rename(sys.argv[1] + "/port.tmp", sys.argv[1] + "/port")
server.serve_forever()
)PY";

// A real SMTP server (Python's smtpd): every message it gets in DIR/mail.
constexpr const char* kSmtp = R"PY(
import asyncore, os, sys, warnings
warnings.simplefilter("ignore")
import smtpd
class Keep(smtpd.SMTPServer):
    def process_message(self, peer, sender, recipients, data, **kw):
        with open(sys.argv[1] + "/mail", "a") as f:
            f.write(data if isinstance(data, str) else data.decode())
server = Keep(("127.0.0.1", 0), None)
open(sys.argv[1] + "/smtp.tmp", "w").write(str(server.socket.getsockname()[1]))
os.rename(sys.argv[1] + "/smtp.tmp", sys.argv[1] + "/smtp")
asyncore.loop()
)PY";

struct Receivers {
    TempDir dir;
    std::unique_ptr<BackgroundProcess> hook, smtp;
    std::string webhook, sendmail;

    Receivers() {
        hook = std::make_unique<BackgroundProcess>(std::vector<std::string>{"python3", "-c", kReceiver, dir.path().string()},
                                                   dir.path(), "receiver");
        smtp = std::make_unique<BackgroundProcess>(std::vector<std::string>{"python3", "-c", kSmtp, dir.path().string()},
                                                   dir.path(), "smtpd");
        REQUIRE(eventually([&] { return std::filesystem::exists(dir.path() / "port") && std::filesystem::exists(dir.path() / "smtp"); }));
        webhook = "http://127.0.0.1:" + read_file(dir.path() / "port") + "/gaia";
        // msmtp is the sendmail: its configuration names the local SMTP server.
        const auto rc = dir.file("msmtprc", "account default\nhost 127.0.0.1\nport " + read_file(dir.path() / "smtp") +
                                                "\nfrom gaia@localhost\nauth off\ntls off\n");
        std::filesystem::permissions(rc, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        sendmail = dir.file("sendmail", "#!/bin/sh\nexec msmtp --file=" + rc + " \"$@\"\n");
        std::filesystem::permissions(sendmail, std::filesystem::perms::owner_all);
    }
    std::vector<nlohmann::json> posts() const {
        std::vector<nlohmann::json> out;
        if (!std::filesystem::exists(dir.path() / "posts")) return out;
        std::istringstream in(read_file(dir.path() / "posts"));
        for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
        return out;
    }
    std::string mail() const {
        return std::filesystem::exists(dir.path() / "mail") ? read_file(dir.path() / "mail") : "";
    }
};

std::string example() { return std::string(GAIA_SOURCE_DIR) + "/examples/hooks.toml"; }

}  // namespace

TEST_CASE("hooks: the example's webhook and mail go out when the run fails, with how it failed") {
    Receivers r;
    TempDir dir;
    const auto report = (dir.path() / "run.json").string();
    auto out = run_gaia({"run", "--var", "webhook=" + r.webhook, "--var", "sendmail=" + r.sendmail, "--var",
                         "backup_dir=/nonexistent/backups", "--report-json", report, example()});
    INFO(out.err);
    CHECK(out.exit_code == 1);
    const auto posts = r.posts();
    REQUIRE(posts.size() == 1);
    CHECK(posts[0]["text"] == "gaia run hooks: failed (backup-present)");
    CHECK(posts[0]["error"] == "exit code 1 (expected 0)");
    CHECK(posts[0]["report"] == report);
    REQUIRE(eventually([&] { return r.mail().find("Subject: gaia hooks: failed") != std::string::npos; }, 5));
    CHECK(r.mail().find("Failed: backup-present") != std::string::npos);
    CHECK(r.mail().find("To: ops@localhost") != std::string::npos);

    // The report lists the hooks after the run's jobs.
    const auto json = nlohmann::json::parse(read_file(report));
    CHECK(job(json, "webhook")["hook"] == true);
    CHECK(job(json, "webhook")["status"] == "passed");
    CHECK(job(json, "mail")["status"] == "passed");
    CHECK(json["run"]["status"] == "failed");

    // A run that passes calls no on_failure hook.
    auto passed = run_gaia({"run", "--var", "webhook=" + r.webhook, "--var", "sendmail=" + r.sendmail, "--var",
                            "backup_dir=/", example()});
    CHECK(passed.exit_code == 0);
    CHECK(r.posts().size() == 1);
}

TEST_CASE("hooks: after SIGTERM the run's hooks still run before gaia exits with 143") {
    Receivers r;
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"T([settings]
on_failure = ["notify"]

[jobs.long]
kind = "process"
shell = "touch )T" + (dir.path() / "started").string() + R"T(; sleep 30"

[jobs.notify]
kind = "http"
method = "POST"
url = ")T" + r.webhook + R"T("
json = { status = "{{ run.status }}", failed = "{{ run.failed_jobs }}", why = "{{ failed.long.error }}" }
timeout = "10s"
)T");
    BackgroundGaia gaia({"run", file}, dir.path());
    REQUIRE(eventually([&] { return std::filesystem::exists(dir.path() / "started"); }));
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 143);
    const auto posts = r.posts();
    REQUIRE(posts.size() == 1);
    CHECK(posts[0]["status"] == "terminated");
    CHECK(posts[0]["failed"] == "long");
    CHECK(posts[0]["why"] == "cancelled: terminated (SIGTERM)");
}

TEST_CASE("hooks: a failing hook never hides the run's status, and fails a run that passed") {
    TempDir dir;
    const std::string closed = "http://127.0.0.1:9/nothing-listens-here";
    const auto file = [&](const std::string& verdict) {
        return dir.file("jobs.toml", R"T([jobs.work]
kind = "process"
command = [")T" + verdict + R"T("]
on_failure = ["tell"]
on_success = ["tell"]

[jobs.tell]
kind = "http"
url = ")T" + closed + R"T("
timeout = "2s"
)T");
    };
    const auto json = (dir.path() / "r.json").string();
    auto failed = run_gaia({"run", "--report-json", json, file("false")});
    CHECK(failed.exit_code == 1);
    CHECK(job(nlohmann::json::parse(read_file(json)), "tell")["status"] == "failed");
    auto passed = run_gaia({"run", "--report-json", json, file("true")});
    CHECK(passed.exit_code == 1);
    const auto report = nlohmann::json::parse(read_file(json));
    CHECK(report["run"]["status"] == "passed");  // the run itself
    CHECK(job(report, "tell")["status"] == "failed");
}

TEST_CASE("hooks: mistakes in on_failure and on_success are job-file errors at their place") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"T([settings]
on_failure = ["notfiy"]

[jobs.a]
kind = "process"
command = ["true"]
on_success = ["a", "notify"]

[jobs.notify]
kind = "process"
needs = ["a"]
command = ["echo", "{{ run.status }}"]

[jobs.plain]
kind = "process"
command = ["echo", "{{ run.failed_jobs }}"]
)T");
    auto out = run_gaia({"validate", file});
    CHECK(out.exit_code == 2);
    INFO(out.err);
    CHECK(out.err.find(file + ":2:14: error: `settings.on_failure`: no job named `notfiy` (did you mean `notify`?)") !=
          std::string::npos);
    CHECK(out.err.find(file + ":7:14: error: job `a` cannot be its own hook") != std::string::npos);
    CHECK(out.err.find(file + ":11:9: error: job `notify` is a hook (on_failure, on_success): it runs once the run has ended "
                              "and cannot need other jobs") != std::string::npos);
    CHECK(out.err.find(":16:21: error: `run.failed_jobs` has a value only in a hook job") != std::string::npos);
}

TEST_CASE("--heartbeat pings its URL when the run passes, and only then") {
    Receivers r;
    TempDir dir;
    const auto pass = dir.file("pass.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    const auto fail = dir.file("fail.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"false\"]\n");
    const auto url = r.webhook.substr(0, r.webhook.rfind('/')) + "/ping/3f2a";
    const auto gets = r.dir.path() / "gets";
    auto failed = run_gaia({"run", "--heartbeat", url, fail});
    CHECK(failed.exit_code == 1);
    CHECK_FALSE(std::filesystem::exists(gets));
    const auto json = (dir.path() / "r.json").string();
    auto passed = run_gaia({"run", "--heartbeat", url, "--report-json", json, pass});
    INFO(passed.err);
    CHECK(passed.exit_code == 0);
    CHECK(read_file(gets) == "/ping/3f2a\n");
    CHECK(job(nlohmann::json::parse(read_file(json)), "gaia-heartbeat")["hook"] == true);
    // A service that is down fails the run: the ping that should have gone did not.
    auto down = run_gaia({"run", "--heartbeat", "http://127.0.0.1:9/ping", pass});
    CHECK(down.exit_code == 1);
    auto bad = run_gaia({"run", "--heartbeat", "ftp://example/ping", pass});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--heartbeat takes an http:// or https:// URL") != std::string::npos);
}
