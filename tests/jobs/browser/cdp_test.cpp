// The CDP layers against a real headless Chromium (and the transport against a plain
// pipe): framing, calls and events, isolated contexts, and failures that say why.

#include "core/loop/child_watcher.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "jobs/browser/cdp_connection.hpp"
#include "jobs/browser/cdp_transport.hpp"
#include "jobs/browser/chromium.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace gaia::jobs::browser;
using gaia::loop::Loop;
using nlohmann::json;

namespace {

// Runs the loop until `done()` holds or `seconds` pass; false on timeout.
bool run_until(Loop& loop, const std::function<bool()>& done, double seconds = 30) {
    auto timer = gaia::loop::Timer::create(loop);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    bool ok = false;
    timer->start_repeating(std::chrono::milliseconds(5), [&] {
        if (done()) ok = true;
        if (ok || std::chrono::steady_clock::now() > deadline) {
            timer->stop();
            uv_stop(loop.get());  // pipes and the child watcher would keep it running
        }
    });
    loop.run();
    return ok;
}

LaunchOptions launch_options() {
    std::string error;
    auto executable = find_chromium(&error);
    REQUIRE_MESSAGE(executable, error);
    LaunchOptions options;
    options.executable = *executable;
    return options;
}

// A browser launched for a test, closed (and reaped) at the end.
struct TestBrowser {
    Loop loop;
    gaia::loop::ChildWatcher children{loop};
    Chromium chromium;
    explicit TestBrowser(LaunchOptions options = launch_options(), std::function<void(std::string)> exited = [](std::string) {})
        : chromium(loop, children, std::move(options)) {
        std::string error = "not ready";
        bool ready = false;
        chromium.launch(
            [&](std::string e) {
                error = std::move(e);
                ready = true;
            },
            std::move(exited));
        REQUIRE(run_until(loop, [&] { return ready; }));
        REQUIRE_MESSAGE(error.empty(), error);
    }
    ~TestBrowser() {
        bool closed = false;
        chromium.close([&] { closed = true; });
        CHECK(run_until(loop, [&] { return closed; }));
        children.close();
        loop.run();
        CHECK(loop.close() == 0);
    }
    // A call and its reply, waiting on the loop.
    CdpReply call(const std::string& method, json params = json::object(), CdpSession* session = nullptr) {
        CdpReply reply;
        bool got = false;
        auto handler = [&](CdpReply r) {
            reply = std::move(r);
            got = true;
        };
        if (session) session->call(method, std::move(params), handler);
        else chromium.cdp().call(method, std::move(params), handler);
        REQUIRE(run_until(loop, [&] { return got; }));
        return reply;
    }
    // A page in a fresh browser context, attached with a flattened session.
    std::unique_ptr<CdpSession> new_page() {
        auto context = call("Target.createBrowserContext", {{"disposeOnDetach", true}});
        REQUIRE_MESSAGE(context.ok(), context.error);
        auto target = call("Target.createTarget", {{"url", "about:blank"}, {"browserContextId", context.result["browserContextId"]}});
        REQUIRE_MESSAGE(target.ok(), target.error);
        auto attached = call("Target.attachToTarget", {{"targetId", target.result["targetId"]}, {"flatten", true}});
        REQUIRE_MESSAGE(attached.ok(), attached.error);
        return chromium.cdp().session(attached.result["sessionId"].get<std::string>());
    }
    json eval(CdpSession& page, const std::string& expression) {
        auto r = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}}, &page);
        REQUIRE_MESSAGE(r.ok(), r.error);
        return r.result["result"].value("value", json());
    }
};

// A stand-in for a browser that ends its pipe a second before it exits: it answers
// Browser.getVersion, and on any other call closes its end and exits with status 3.
constexpr const char* kPipeEndsFirst = R"PY(#!/usr/bin/env python3
import json, os, sys, time
pending = b""
while True:
    chunk = os.read(3, 65536)
    if not chunk:
        sys.exit(0)
    pending += chunk
    while b"\0" in pending:
        raw, pending = pending.split(b"\0", 1)
        message = json.loads(raw)
        if message["method"] == "Browser.getVersion":
            os.write(4, json.dumps({"id": message["id"], "result": {"product": "stand-in"}}).encode() + b"\0")
        else:
            os.close(4)
            time.sleep(1)
            sys.exit(3)
)PY";

}  // namespace

TEST_CASE("CDP transport: messages split across reads, joined in one read, and a size bound") {
    Loop loop;
    int to_browser[2], from_browser[2];
    REQUIRE(::pipe2(to_browser, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(from_browser, O_CLOEXEC) == 0);
    std::vector<std::string> messages;
    std::string closed;
    bool broken = false;
    {
        CdpTransport transport(loop, to_browser[1], from_browser[0], 100,
                               {[&](std::string_view m) { messages.emplace_back(m); },
                                [&](const std::string& why, bool b) {
                                    closed = why;
                                    broken = b;
                                }});
        const std::string stream = std::string("{\"id\":1}") + '\0' + "{\"a\":" + '\0' + "{\"id\":2,\"x\":\"" +
                                   std::string(50, 'y') + "\"}" + '\0';
        // One byte at a time, then the rest in one write.
        for (std::size_t i = 0; i < 12; ++i) REQUIRE(::write(from_browser[1], stream.data() + i, 1) == 1);
        REQUIRE(::write(from_browser[1], stream.data() + 12, stream.size() - 12) == static_cast<ssize_t>(stream.size() - 12));
        CHECK(run_until(loop, [&] { return messages.size() == 3; }, 5));
        CHECK(messages[0] == "{\"id\":1}");
        CHECK(messages[1] == "{\"a\":");  // framing only: JSON is the connection's business
        CHECK(messages[2] == "{\"id\":2,\"x\":\"" + std::string(50, 'y') + "\"}");
        CHECK(transport.send("{\"id\":7}"));
        char sent[16] = {};
        CHECK(::read(to_browser[0], sent, sizeof sent) == 9);
        CHECK(std::string(sent, 9) == std::string("{\"id\":7}") + '\0');
        // 150 bytes without a NUL: more than the bound of 100.
        const std::string huge(150, 'z');
        REQUIRE(::write(from_browser[1], huge.data(), huge.size()) == 150);
        CHECK(run_until(loop, [&] { return !closed.empty(); }, 5));
        CHECK(closed == "a message from the browser is larger than 100B");
        CHECK(broken);  // the browser may still run: it is not to be trusted
        CHECK_FALSE(transport.send("{}"));
    }
    ::close(to_browser[0]);
    ::close(from_browser[1]);
    loop.run();
    CHECK(loop.close() == 0);
}

TEST_CASE("CDP transport: a browser that closes its end ended the pipe, it did not break it") {
    Loop loop;
    int to_browser[2], from_browser[2];
    REQUIRE(::pipe2(to_browser, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(from_browser, O_CLOEXEC) == 0);
    std::string closed;
    bool broken = true;
    {
        CdpTransport transport(loop, to_browser[1], from_browser[0], 100,
                               {[](std::string_view) {},
                                [&](const std::string& why, bool b) {
                                    closed = why;
                                    broken = b;
                                }});
        ::close(from_browser[1]);
        CHECK(run_until(loop, [&] { return !closed.empty(); }, 5));
        CHECK(closed == "the browser closed its end of the pipe");
        CHECK_FALSE(broken);
    }
    ::close(to_browser[0]);
    loop.run();
    CHECK(loop.close() == 0);
}

TEST_CASE("CDP connection: replies match calls, bad messages are ignored, a dead browser fails every call") {
    Loop loop;
    std::vector<std::string> sent;
    CdpConnection cdp(loop, [&](std::string m) { sent.push_back(std::move(m)); return true; }, [] { return std::string("last words"); });
    std::vector<std::string> results;
    cdp.call("Browser.getVersion", {}, [&](CdpReply r) { results.push_back(r.ok() ? r.result.dump() : r.error); });
    cdp.call("Target.getTargets", {}, [&](CdpReply r) { results.push_back(r.ok() ? r.result.dump() : r.error); });
    REQUIRE(sent.size() == 2);
    CHECK(json::parse(sent[0])["method"] == "Browser.getVersion");
    cdp.on_message("not json at all");
    cdp.on_message("[1,2]");
    cdp.on_message(R"({"id": 2, "error": {"code": -32601, "message": "no such method"}})");
    cdp.on_message(R"({"id": 99, "result": {}})");  // a reply nobody waits for
    // Fields of the wrong type (found by fuzz_cdp_message: nlohmann-json's value() threw
    // and the exception ended gaia) are ignored like the rest; the event is dropped.
    cdp.on_message(R"({"sessionId": "S2", "method": {}})");
    cdp.on_message(R"({"sessionId": 7, "method": "Page.loadEventFired", "params": []})");
    CHECK(cdp.malformed_messages() == 3);
    CHECK(results == std::vector<std::string>{"Target.getTargets: no such method"});
    cdp.fail_all("the browser was killed by signal KILL");
    CHECK(results.size() == 1);  // failures come on a later turn
    loop.run();
    REQUIRE(results.size() == 2);
    CHECK(results[1] == "Browser.getVersion: the browser was killed by signal KILL; its last output:\nlast words");
    cdp.call("Page.enable", {}, [&](CdpReply r) { results.push_back(r.error); });
    loop.run();
    CHECK(results.back().find("Page.enable: the browser was killed") == 0);
    CHECK(loop.close() == 0);
}

TEST_CASE("Chromium over the pipe: version, pages in isolated contexts, evaluation") {
    gaia::test::FileServer server;
    TestBrowser browser;
    auto version = browser.call("Browser.getVersion");
    REQUIRE(version.ok());
    CHECK(version.result["product"].get<std::string>().find("Chrome") != std::string::npos);

    auto first = browser.new_page();
    auto second = browser.new_page();
    const std::string url = server.url("/hello.txt");
    for (auto* page : {first.get(), second.get()}) {
        auto nav = browser.call("Page.navigate", {{"url", url}}, page);
        REQUIRE_MESSAGE(nav.ok(), nav.error);
    }
    // Same origin, different contexts: what one page stores, the other does not see.
    CHECK(run_until(browser.loop, [&] { return true; }, 1));
    browser.eval(*first, "new Promise(r => { if (document.readyState === 'complete') r(1); else addEventListener('load', () => r(1)); })");
    browser.eval(*second, "new Promise(r => { if (document.readyState === 'complete') r(1); else addEventListener('load', () => r(1)); })");
    browser.eval(*first, "localStorage.setItem('who', 'first'); document.cookie = 'c=1'; 1");
    CHECK(browser.eval(*first, "localStorage.getItem('who')") == "first");
    CHECK(browser.eval(*second, "localStorage.getItem('who')") == nullptr);
    CHECK(browser.eval(*second, "document.cookie") == "");
    CHECK(browser.eval(*first, "document.cookie") == "c=1");
    CHECK(browser.eval(*first, "6 * 7") == 42);
    // What the pool reports as the instance's memory: every process of the browser's group.
    const auto rss = browser.chromium.resident_bytes();
    CHECK(rss > (50u << 20));    // a browser and two renderers are tens of MiB each
    CHECK(rss < (4ull << 30));
}

TEST_CASE("a crashed page fails its calls, the browser goes on — a killed browser fails everything with its stderr") {
    std::string profile;  // this browser's alone: other tests may run browsers meanwhile
    {
        TestBrowser browser;
        profile = browser.chromium.user_data_dir();
        REQUIRE(!profile.empty());
        auto page = browser.new_page();
        std::vector<std::string> events;
        page->on_event([&](const std::string& method, const json&) { events.push_back(method); });
        browser.call("Page.navigate", {{"url", "chrome://crash"}}, page.get());
        CHECK(run_until(browser.loop, [&] { return !page->attached(); }, 20));
        CHECK(std::find(events.begin(), events.end(), "Inspector.targetCrashed") != events.end());
        auto after = browser.call("Runtime.evaluate", {{"expression", "1"}}, page.get());
        CHECK(after.error == "Runtime.evaluate: the page is gone");
        CHECK(browser.call("Browser.getVersion").ok());  // only the page died

        auto other = browser.new_page();
        CdpReply pending;
        bool got = false;
        // A call that never returns by itself, then SIGKILL to the browser.
        other->call("Runtime.evaluate", {{"expression", "new Promise(() => {})"}, {"awaitPromise", true}}, [&](CdpReply r) {
            pending = std::move(r);
            got = true;
        });
        ::kill(browser.chromium.pid(), SIGKILL);
        CHECK(run_until(browser.loop, [&] { return got; }, 20));
        CHECK_MESSAGE(pending.error.find("Runtime.evaluate: the browser was killed by signal KILL") == 0, pending.error);
    }
    CHECK(gaia::test::count_processes(profile) == 0);  // nothing left running
    CHECK_FALSE(std::filesystem::exists(profile));      // the user-data-dir gone with it
}

TEST_CASE("a message larger than the bound fails the browser's calls clearly") {
    auto options = launch_options();
    options.max_message = 64 * 1024;
    TestBrowser browser(options);
    auto page = browser.new_page();
    auto r = browser.call("Runtime.evaluate", {{"expression", "'x'.repeat(200000)"}, {"returnByValue", true}}, page.get());
    CHECK(r.error.find("a message from the browser is larger than 64KiB") != std::string::npos);
}

TEST_CASE("a browser whose pipe ends before it exits fails its calls with how it exited, once its exit is known") {
    gaia::test::TempDir dir;
    const auto program = dir.file("pipe-ends-first", kPipeEndsFirst);
    std::filesystem::permissions(program, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
    LaunchOptions options;
    options.executable = program;
    std::vector<std::string> events;
    TestBrowser browser(options, [&](std::string reason) { events.push_back("exited: " + reason); });
    auto record = [&](CdpReply r) { events.push_back("reply: " + r.error); };
    browser.chromium.cdp().call("Runtime.evaluate", {{"expression", "1"}}, record);
    // The stand-in ends its pipe on reading that call; one made meanwhile waits as well.
    run_until(browser.loop, [] { return false; }, 0.3);
    browser.chromium.cdp().call("Browser.getVersion", {}, record);
    REQUIRE(run_until(browser.loop, [&] { return events.size() == 3; }, 10));
    // Whoever owns the browser hears that it died before any call of it fails: a page
    // caught in a call is known to be lost with its browser, not failed by itself.
    CHECK(events[0] == "exited: the browser exited with status 3");
    CHECK(events[1] == "reply: Runtime.evaluate: the browser exited with status 3");
    CHECK(events[2] == "reply: Browser.getVersion: the browser exited with status 3");
}
