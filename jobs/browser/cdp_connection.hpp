#pragma once
// CDP, layers 2 and 3 (docs/architecture.md). The connection numbers calls, matches each
// reply to its call and routes events by sessionId: one pipe carries the browser's own
// messages and, flattened (Target.attachToTarget with flatten), those of every page. A
// CdpSession is one attached target: its pending calls, its event handlers; when the
// target detaches or crashes, or the browser goes away, every pending call fails with
// the reason — for a dead browser, with its last lines of stderr.
// Malformed messages are counted and logged, never trusted: bad input does not crash.

#include "jobs/browser/cdp_transport.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace gaia::jobs::browser {

struct CdpReply {
    nlohmann::json result;  // the call's "result" object
    std::string error;      // set when the call failed: CDP's message, or why it never got one
    bool ok() const noexcept { return error.empty(); }
};

using ReplyHandler = std::function<void(CdpReply)>;

// A string field of a message from the browser, or `fallback` when the field is absent or
// not a string — nlohmann-json's value() throws on the wrong type, and a browser (or
// whatever is on the pipe) decides the types.
std::string cdp_string(const nlohmann::json& object, const char* key, std::string fallback = {});
using EventHandler = std::function<void(const std::string& method, const nlohmann::json& params)>;

class CdpConnection;

class CdpSession {
public:
    CdpSession(CdpConnection& connection, std::string id) : connection_(connection), id_(std::move(id)) {}
    ~CdpSession();
    CdpSession(const CdpSession&) = delete;
    CdpSession& operator=(const CdpSession&) = delete;

    const std::string& id() const noexcept { return id_; }
    void call(const std::string& method, nlohmann::json params, ReplyHandler reply);
    // Every event of this target; one handler (the page that owns the session).
    void on_event(EventHandler handler) { events_ = std::move(handler); }
    // Fails what is pending and stops routing here (the target went away, or the page is done).
    void detach(const std::string& reason);
    bool attached() const noexcept { return attached_; }

private:
    friend class CdpConnection;
    CdpConnection& connection_;
    std::string id_;
    EventHandler events_;
    bool attached_ = true;
};

class CdpConnection {
public:
    // `send` puts one message on the transport; false fails every pending call now (true
    // keeps the call pending, which the owner may do for a browser on its way out until
    // fail_all says why). `stderr_tail` gives the browser's last stderr lines for error
    // messages. Replies always come on a later loop turn.
    CdpConnection(loop::Loop& loop, std::function<bool(std::string)> send, std::function<std::string()> stderr_tail);
    ~CdpConnection();
    CdpConnection(const CdpConnection&) = delete;
    CdpConnection& operator=(const CdpConnection&) = delete;

    // A call to the browser itself (no session).
    void call(const std::string& method, nlohmann::json params, ReplyHandler reply);
    // Browser-level events (Target.*).
    void on_event(EventHandler handler) { events_ = std::move(handler); }

    // Makes the session object for an attached target id; events for it go there.
    std::unique_ptr<CdpSession> session(const std::string& session_id);

    // Feeds one message from the transport. A message that is not what CDP says (not
    // JSON, fields of the wrong type, …) is counted, logged and dropped.
    void on_message(std::string_view text);
    // The browser is gone: every pending call fails, now and from now on.
    void fail_all(const std::string& reason);

    std::uint64_t malformed_messages() const noexcept { return malformed_; }
    std::size_t pending() const noexcept { return pending_.size(); }

private:
    friend class CdpSession;
    struct Pending {
        std::string session_id;
        std::string method;
        ReplyHandler reply;
    };
    void send_call(const std::string& session_id, const std::string& method, nlohmann::json params, ReplyHandler reply);
    void fail_session(const std::string& session_id, const std::string& reason);
    void forget(CdpSession* session);
    void fail_later(ReplyHandler reply, std::string error);
    void route(const nlohmann::json& message);

    loop::Loop& loop_;
    std::function<bool(std::string)> send_;
    std::function<std::string()> stderr_tail_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, Pending> pending_;
    std::unordered_map<std::string, CdpSession*> sessions_;
    EventHandler events_;
    std::string dead_;  // why the browser is gone, once it is
    std::uint64_t malformed_ = 0;
};

}  // namespace gaia::jobs::browser
