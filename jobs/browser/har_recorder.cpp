#include "jobs/browser/har_recorder.hpp"

#include "core/text/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace gaia::jobs::browser {
namespace {

double number(const nlohmann::json& object, const char* key, double fallback = -1) {
    const auto it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string text(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Milliseconds to three decimals: what a HAR reader shows, without float noise.
double ms(double value) { return std::round(value * 1000) / 1000; }

// The protocol's headers are an object; a header sent several times is one value with
// its lines joined by "\n" (Set-Cookie). HAR lists each.
nlohmann::json header_list(const nlohmann::json& headers) {
    auto out = nlohmann::json::array();
    if (!headers.is_object()) return out;
    for (const auto& [name, value] : headers.items()) {
        if (!value.is_string()) continue;
        const auto& v = value.get_ref<const std::string&>();
        std::size_t start = 0;
        while (true) {
            const auto nl = v.find('\n', start);
            out.push_back({{"name", name}, {"value", v.substr(start, nl == std::string::npos ? nl : nl - start)}});
            if (nl == std::string::npos) break;
            start = nl + 1;
        }
    }
    return out;
}

// The value of a header, whatever its case, or empty.
std::string header(const nlohmann::json& headers, std::string_view name) {
    if (!headers.is_object()) return {};
    for (const auto& [key, value] : headers.items()) {
        if (text::iequals(key, name)) return value.is_string() ? value.get<std::string>() : std::string();
    }
    return {};
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

// "a=1; b=2" → [{name: a, value: 1}, …]
nlohmann::json request_cookies(const std::string& cookie_header) {
    auto out = nlohmann::json::array();
    std::size_t start = 0;
    while (start < cookie_header.size()) {
        auto end = cookie_header.find(';', start);
        if (end == std::string::npos) end = cookie_header.size();
        const std::string_view pair(cookie_header.data() + start, end - start);
        if (const auto eq = pair.find('='); eq != std::string_view::npos) {
            out.push_back({{"name", trim(pair.substr(0, eq))}, {"value", trim(pair.substr(eq + 1))}});
        }
        start = end + 1;
    }
    return out;
}

// Each Set-Cookie line: its name and value, and the attributes HAR names.
nlohmann::json response_cookies(const std::string& set_cookie) {
    auto out = nlohmann::json::array();
    std::size_t line_start = 0;
    while (line_start < set_cookie.size()) {
        auto line_end = set_cookie.find('\n', line_start);
        if (line_end == std::string::npos) line_end = set_cookie.size();
        const std::string_view line(set_cookie.data() + line_start, line_end - line_start);
        line_start = line_end + 1;
        nlohmann::json cookie;
        std::size_t start = 0;
        while (start <= line.size()) {
            auto end = line.find(';', start);
            if (end == std::string_view::npos) end = line.size();
            const auto part = line.substr(start, end - start);
            start = end + 1;
            const auto eq = part.find('=');
            const auto name = trim(part.substr(0, eq));
            const auto value = eq == std::string_view::npos ? std::string() : trim(part.substr(eq + 1));
            if (cookie.is_null()) {
                if (eq == std::string_view::npos) break;  // not a cookie
                cookie = {{"name", name}, {"value", value}};
                continue;
            }
            if (text::iequals(name, "path")) cookie["path"] = value;
            else if (text::iequals(name, "domain")) cookie["domain"] = value;
            else if (text::iequals(name, "httponly")) cookie["httpOnly"] = true;
            else if (text::iequals(name, "secure")) cookie["secure"] = true;
        }
        if (!cookie.is_null()) out.push_back(std::move(cookie));
    }
    return out;
}

// The query of a URL as it is written (not decoded): [{name, value}…].
nlohmann::json query_string(const std::string& url) {
    auto out = nlohmann::json::array();
    const auto q = url.find('?');
    if (q == std::string::npos) return out;
    const auto end = std::min(url.find('#', q), url.size());
    std::size_t start = q + 1;
    while (start < end) {
        auto amp = url.find('&', start);
        if (amp == std::string::npos || amp > end) amp = end;
        const std::string_view pair(url.data() + start, amp - start);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            out.push_back({{"name", std::string(pair.substr(0, eq))},
                           {"value", eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1))}});
        }
        start = amp + 1;
    }
    return out;
}

const nlohmann::json kNoHeaders = nlohmann::json::object();

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

void HarRecorder::on_event(const std::string& method, const nlohmann::json& params) {
    if (!params.is_object()) return;
    if (method == "Network.requestWillBeSent") {
        request_will_be_sent(params);
    } else if (method == "Network.responseReceived") {
        response_received(params);
    } else if (method == "Network.requestWillBeSentExtraInfo") {
        wire_headers(request_wire_, params);
    } else if (method == "Network.responseReceivedExtraInfo") {
        wire_headers(response_wire_, params);
    } else if (method == "Network.dataReceived") {
        if (auto* e = open_entry(text(params, "requestId"))) e->decoded_bytes += std::max(0.0, number(params, "dataLength", 0));
    } else if (method == "Network.loadingFinished") {
        loading_finished(params, false);
    } else if (method == "Network.loadingFailed") {
        loading_finished(params, true);
    } else if (method == "Page.domContentEventFired" || method == "Page.loadEventFired") {
        if (pages_.empty()) return;
        auto& page = pages_.back();
        const double at = number(params, "timestamp");
        if (at < 0) return;
        (method == "Page.loadEventFired" ? page.load_s : page.content_load_s) = at;
    }
}

void HarRecorder::wire_headers(std::map<std::string, std::vector<nlohmann::json>>& into, const nlohmann::json& params) {
    const auto headers = params.find("headers");
    const auto request_id = text(params, "requestId");
    if (headers == params.end() || !headers->is_object() || request_id.empty()) return;
    if (wire_kept_ >= 2 * kMaxEntries) return;
    ++wire_kept_;
    into[request_id].push_back(*headers);
}

const nlohmann::json& HarRecorder::headers_of(const std::map<std::string, std::vector<nlohmann::json>>& wire,
                                              const Entry& e, const nlohmann::json& fallback) const {
    const auto it = wire.find(e.request_id);
    return it != wire.end() && e.hop < it->second.size() ? it->second[e.hop] : fallback;
}

HarRecorder::Entry* HarRecorder::open_entry(const std::string& request_id) {
    const auto it = open_.find(request_id);
    return it == open_.end() ? nullptr : &entries_[it->second];
}

void HarRecorder::request_will_be_sent(const nlohmann::json& params) {
    const auto request_id = text(params, "requestId");
    const auto request = params.find("request");
    if (request_id.empty() || request == params.end() || !request->is_object()) return;
    const double at = number(params, "timestamp", 0);
    if (wall0_ < 0) {
        wall0_ = number(params, "wallTime", 0);
        mono0_ = at;
    }
    // A redirect: the earlier request ends with the redirect's response, and the new one
    // is an entry of its own under the same id.
    const auto redirect = params.find("redirectResponse");
    if (auto* earlier = open_entry(request_id)) {
        if (redirect != params.end() && redirect->is_object()) {
            earlier->response = *redirect;
            earlier->response_s = at;
            earlier->redirect_url = text(*request, "url");
        }
        earlier->end_s = at;
        open_.erase(request_id);
    }
    const auto type = text(params, "type");
    const bool new_document = type == "Document" && text(params, "frameId") == main_frame_ &&
                              (redirect == params.end() || !redirect->is_object());
    if (new_document || pages_.empty()) pages_.push_back({at, text(*request, "url")});
    if (entries_.size() >= kMaxEntries) {
        ++dropped_;
        return;
    }
    Entry e;
    e.request_id = request_id;
    e.hop = hops_[request_id]++;
    e.page = pages_.size() - 1;
    e.start_s = at;
    e.request = *request;
    e.resource_type = lower(type.empty() ? std::string("other") : type);
    open_[request_id] = entries_.size();
    entries_.push_back(std::move(e));
}

void HarRecorder::response_received(const nlohmann::json& params) {
    auto* e = open_entry(text(params, "requestId"));
    const auto response = params.find("response");
    if (!e || response == params.end() || !response->is_object()) return;
    e->response = *response;
    e->response_s = number(params, "timestamp", e->start_s);
}

void HarRecorder::loading_finished(const nlohmann::json& params, bool failed) {
    const auto request_id = text(params, "requestId");
    auto* e = open_entry(request_id);
    if (!e) return;
    e->end_s = number(params, "timestamp", e->start_s);
    if (failed) {
        e->error = text(params, "errorText");
        if (const auto reason = text(params, "blockedReason"); !reason.empty()) e->error += " (" + reason + ")";
        if (e->error.empty()) e->error = "failed";
    } else {
        e->transfer_bytes = number(params, "encodedDataLength");
    }
    open_.erase(request_id);
}

std::string HarRecorder::iso_time(double monotonic_s) const {
    double wall = wall0_ + (monotonic_s - mono0_);
    if (!std::isfinite(wall) || wall < 0 || wall > 9e9) wall = 0;  // a browser's clock is trusted only this far
    auto seconds = static_cast<std::time_t>(std::floor(wall));
    auto millis = static_cast<int>(std::lround((wall - static_cast<double>(seconds)) * 1000));
    if (millis == 1000) {
        ++seconds;
        millis = 0;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03dZ", millis);
    return std::string(date) + fraction;
}

// Long (about 70 lines): one entry is the request, the response and the timing phases,
// each read from the protocol's shape into HAR's, in the order a reader expects.
nlohmann::json HarRecorder::entry_json(const Entry& e) const {
    const auto& rq = e.request;
    const auto& request_headers = headers_of(request_wire_, e, rq.contains("headers") ? rq["headers"] : kNoHeaders);
    const auto& rs = e.response;
    const bool has_response = rs.is_object();
    const auto protocol = has_response ? text(rs, "protocol") : std::string();

    auto url = text(rq, "url") + text(rq, "urlFragment");
    nlohmann::json request = {{"method", text(rq, "method")},
                              {"url", url},
                              {"httpVersion", protocol},
                              {"cookies", request_cookies(header(request_headers, "Cookie"))},
                              {"headers", header_list(request_headers)},
                              {"queryString", query_string(url)},
                              {"headersSize", -1},
                              {"bodySize", 0}};
    if (const auto post = text(rq, "postData"); !post.empty()) {
        const auto type = header(request_headers, "Content-Type");
        request["postData"] = {{"mimeType", type}, {"text", post}};
        request["bodySize"] = post.size();
    }

    const auto& response_headers = headers_of(response_wire_, e, has_response && rs.contains("headers") ? rs["headers"] : kNoHeaders);
    nlohmann::json response = {
        {"status", has_response ? static_cast<int>(number(rs, "status", 0)) : 0},
        {"statusText", has_response ? text(rs, "statusText") : std::string()},
        {"httpVersion", protocol},
        {"cookies", response_cookies(header(response_headers, "Set-Cookie"))},
        {"headers", header_list(response_headers)},
        {"content", {{"size", static_cast<std::uint64_t>(e.decoded_bytes)}, {"mimeType", has_response ? text(rs, "mimeType") : ""}}},
        {"redirectURL", e.redirect_url},
        {"headersSize", -1},
        {"bodySize", -1},
    };
    if (e.transfer_bytes >= 0) response["_transferSize"] = static_cast<std::uint64_t>(e.transfer_bytes);
    if (!e.error.empty()) response["_error"] = e.error;

    // The phases, from the response's ResourceTiming (milliseconds after its requestTime)
    // when the network gave one; else from the events' own times.
    const double end = e.end_s >= 0 ? e.end_s : (e.response_s >= 0 ? e.response_s : e.start_s);
    double blocked = 0, dns = -1, connect = -1, ssl = -1, send = 0, wait = 0, receive = 0;
    const auto timing = has_response ? rs.find("timing") : rs.end();
    if (has_response && timing != rs.end() && timing->is_object() && number(*timing, "requestTime") > 0) {
        const auto& t = *timing;
        const double request_time = number(t, "requestTime");
        const auto phase = [&](const char* from, const char* to) {
            const double a = number(t, from), b = number(t, to);
            return a >= 0 && b >= a ? b - a : -1.0;
        };
        double first = number(t, "sendStart", 0);
        for (const char* k : {"connectStart", "dnsStart"}) {
            if (number(t, k) >= 0) first = number(t, k);
        }
        blocked = std::max(0.0, (request_time - e.start_s) * 1000) + std::max(0.0, first);
        dns = phase("dnsStart", "dnsEnd");
        connect = phase("connectStart", "connectEnd");
        ssl = phase("sslStart", "sslEnd");
        send = std::max(0.0, phase("sendStart", "sendEnd"));
        wait = std::max(0.0, number(t, "receiveHeadersEnd", 0) - number(t, "sendEnd", 0));
        receive = std::max(0.0, (end - request_time) * 1000 - number(t, "receiveHeadersEnd", 0));
    } else if (e.response_s >= 0) {
        wait = std::max(0.0, (e.response_s - e.start_s) * 1000);
        receive = std::max(0.0, (end - e.response_s) * 1000);
    } else {
        wait = std::max(0.0, (end - e.start_s) * 1000);
    }
    // HAR: `time` is the sum of the phases, ssl excepted (it is part of connect).
    const double time = blocked + std::max(0.0, dns) + std::max(0.0, connect) + send + wait + receive;
    nlohmann::json entry = {
        {"pageref", "page_" + std::to_string(e.page + 1)},
        {"startedDateTime", iso_time(e.start_s)},
        {"time", ms(time)},
        {"request", std::move(request)},
        {"response", std::move(response)},
        {"cache", nlohmann::json::object()},
        {"timings",
         {{"blocked", ms(blocked)}, {"dns", ms(dns)}, {"connect", ms(connect)}, {"ssl", ms(ssl)}, {"send", ms(send)},
          {"wait", ms(wait)}, {"receive", ms(receive)}}},
        {"_resourceType", e.resource_type},
    };
    if (has_response) {
        auto ip = text(rs, "remoteIPAddress");
        if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
        if (!ip.empty()) entry["serverIPAddress"] = ip;
        if (const double id = number(rs, "connectionId"); id > 0) entry["connection"] = std::to_string(static_cast<std::uint64_t>(id));
    }
    return entry;
}

nlohmann::json HarRecorder::log(const std::string& title) const {
    auto pages = nlohmann::json::array();
    for (std::size_t i = 0; i < pages_.size(); ++i) {
        const auto& p = pages_[i];
        const auto since = [&](double at) { return at >= 0 ? ms(std::max(0.0, (at - p.start_s) * 1000)) : -1.0; };
        pages.push_back({{"startedDateTime", iso_time(p.start_s)},
                         {"id", "page_" + std::to_string(i + 1)},
                         {"title", i + 1 == pages_.size() && !title.empty() ? title : p.url},
                         {"pageTimings", {{"onContentLoad", since(p.content_load_s)}, {"onLoad", since(p.load_s)}}}});
    }
    // In the order they started, as HAR readers expect: events can come a little out of
    // it (a preflight announced after the request it precedes).
    std::vector<const Entry*> order;
    order.reserve(entries_.size());
    for (const auto& e : entries_) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) { return a->start_s < b->start_s; });
    auto entries = nlohmann::json::array();
    for (const auto* e : order) entries.push_back(entry_json(*e));
    nlohmann::json log = {{"version", "1.2"},
                          {"creator", {{"name", "gaia"}, {"version", creator_version_}}},
                          {"pages", std::move(pages)},
                          {"entries", std::move(entries)}};
    if (dropped_ > 0) log["comment"] = std::to_string(dropped_) + " more requests were not recorded (at most 5000 are)";
    return {{"log", std::move(log)}};
}

}  // namespace gaia::jobs::browser
