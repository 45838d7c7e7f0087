#include "jobs/browser/cdp_connection.hpp"

#include "core/jobfile/template.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace gaia::jobs::browser {

CdpSession::~CdpSession() { detach("the page was closed"); }

void CdpSession::call(const std::string& method, nlohmann::json params, ReplyHandler reply) {
    if (!attached_) {
        connection_.fail_later(std::move(reply), method + ": the page is gone");
        return;
    }
    connection_.send_call(id_, method, std::move(params), std::move(reply));
}

void CdpSession::detach(const std::string& reason) {
    if (!attached_) return;
    attached_ = false;
    events_ = nullptr;
    connection_.forget(this);
    connection_.fail_session(id_, reason);
}

CdpConnection::CdpConnection(loop::Loop& loop, std::function<bool(std::string)> send,
                             std::function<std::string()> stderr_tail)
    : loop_(loop), send_(std::move(send)), stderr_tail_(std::move(stderr_tail)) {}

void CdpConnection::fail_later(ReplyHandler reply, std::string error) {
    if (!reply) return;
    // Never inside the caller's own call.
    loop_.post([reply = std::move(reply), error = std::move(error)] { reply(CdpReply{nullptr, error}); });
}

CdpConnection::~CdpConnection() {
    for (auto& [id, session] : sessions_) session->attached_ = false;
}

void CdpConnection::call(const std::string& method, nlohmann::json params, ReplyHandler reply) {
    send_call("", method, std::move(params), std::move(reply));
}

std::unique_ptr<CdpSession> CdpConnection::session(const std::string& session_id) {
    auto session = std::make_unique<CdpSession>(*this, session_id);
    sessions_[session_id] = session.get();
    return session;
}

void CdpConnection::send_call(const std::string& session_id, const std::string& method, nlohmann::json params,
                              ReplyHandler reply) {
    if (!dead_.empty()) {
        fail_later(std::move(reply), method + ": " + dead_);
        return;
    }
    const auto id = next_id_++;
    pending_[id] = Pending{session_id, method, std::move(reply)};
    nlohmann::json message = {{"id", id}, {"method", method}, {"params", params.is_null() ? nlohmann::json::object() : std::move(params)}};
    if (!session_id.empty()) message["sessionId"] = session_id;
    if (!send_(jobfile::json_dump(message))) fail_all("the pipe to the browser is closed");
}

void CdpConnection::forget(CdpSession* session) {
    auto it = sessions_.find(session->id_);
    if (it != sessions_.end() && it->second == session) sessions_.erase(it);
}

void CdpConnection::fail_session(const std::string& session_id, const std::string& reason) {
    std::vector<ReplyHandler> failed;
    std::vector<std::string> methods;
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.session_id == session_id) {
            methods.push_back(it->second.method);
            failed.push_back(std::move(it->second.reply));
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
    for (std::size_t i = 0; i < failed.size(); ++i) fail_later(std::move(failed[i]), methods[i] + ": " + reason);
}

void CdpConnection::fail_all(const std::string& reason) {
    if (dead_.empty()) {
        dead_ = reason;
        const auto tail = stderr_tail_ ? stderr_tail_() : std::string();
        if (!tail.empty()) dead_ += "; its last output:\n" + tail;
    }
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, p] : pending) fail_later(std::move(p.reply), p.method + ": " + dead_);
}

std::string cdp_string(const nlohmann::json& object, const char* key, std::string fallback) {
    if (!object.is_object()) return fallback;
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

void CdpConnection::on_message(std::string_view text) {
    auto message = nlohmann::json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
        ++malformed_;
        spdlog::warn("browser: ignoring a message that is not a JSON object ({} bytes)", text.size());
        return;
    }
    // Routing and every handler it calls read the message's fields; one of an unexpected
    // type must cost that message, not gaia.
    try {
        route(message);
    } catch (const nlohmann::json::exception& e) {
        ++malformed_;
        spdlog::warn("browser: ignoring a malformed message: {}", e.what());
    }
}

void CdpConnection::route(const nlohmann::json& message) {
    const auto session = cdp_string(message, "sessionId");
    if (auto id = message.find("id"); id != message.end()) {
        if (!id->is_number_unsigned()) {
            ++malformed_;
            return;
        }
        auto it = pending_.find(id->get<std::uint64_t>());
        if (it == pending_.end()) return;  // a reply to a call failed earlier (its session went away)
        auto pending = std::move(it->second);
        pending_.erase(it);
        CdpReply reply;
        if (auto error = message.find("error"); error != message.end()) {
            reply.error = pending.method + ": " + (error->is_object() ? cdp_string(*error, "message", "error") : error->dump());
            if (error->is_object() && error->contains("data") && (*error)["data"].is_string()) {
                reply.error += " (" + (*error)["data"].get<std::string>() + ")";
            }
        } else {
            auto result = message.find("result");
            reply.result = result != message.end() && result->is_object() ? *result : nlohmann::json::object();
        }
        if (pending.reply) pending.reply(std::move(reply));
        return;
    }
    const auto method = cdp_string(message, "method");
    if (method.empty()) {
        ++malformed_;
        return;
    }
    const auto params_it = message.find("params");
    const nlohmann::json params =
        params_it != message.end() && params_it->is_object() ? *params_it : nlohmann::json::object();
    if (session.empty()) {
        // A page that went away takes its pending calls with it.
        if (const auto gone = cdp_string(params, "sessionId"); method == "Target.detachedFromTarget" && !gone.empty()) {
            if (auto it = sessions_.find(gone); it != sessions_.end()) it->second->detach("the page went away");
        }
        if (events_) events_(method, params);
        return;
    }
    auto it = sessions_.find(session);
    if (it == sessions_.end()) return;  // a target nobody watches (yet)
    CdpSession* target = it->second;
    if (method == "Inspector.targetCrashed") {
        auto handler = target->events_;  // the page hears it, then its calls fail
        if (handler) handler(method, params);
        target->detach("the page crashed");
        return;
    }
    if (target->events_) target->events_(method, params);
}

}  // namespace gaia::jobs::browser
