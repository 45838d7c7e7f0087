#pragma once
// A page's traffic as a HAR 1.2 log (`har = "out/{{ index }}.har"`), built from the
// DevTools protocol's Network events, as Chromium's own DevTools exports it: one HAR page
// per document the main frame loads, one entry per request — each redirect its own
// entry — with its headers, cookies, query, post data, status, sizes and the phases of
// its timing (blocked, dns, connect, ssl, send, wait, receive). Response bodies are not
// kept (content.size and mimeType only), as Playwright's recordHar with content "omit".
// Failed and blocked requests are entries with status 0 and `_error`, as Chrome writes.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace gaia::jobs::browser {

class HarRecorder {
public:
    // main_frame: the page's target id, which is its main frame's id.
    HarRecorder(std::string main_frame, std::string creator_version)
        : main_frame_(std::move(main_frame)), creator_version_(std::move(creator_version)) {}

    // Network.* events (with their ExtraInfo companions), and Page.domContentEventFired / Page.loadEventFired for the page
    // timings; others are ignored.
    void on_event(const std::string& method, const nlohmann::json& params);

    // The log so far; a request still in flight is an entry without its end. title: the
    // current document's, for its page (earlier pages are titled by their URL).
    nlohmann::json log(const std::string& title) const;

    // Beyond this many entries a page's requests are counted, not kept.
    static constexpr std::size_t kMaxEntries = 5000;
    std::size_t dropped() const noexcept { return dropped_; }

private:
    struct Entry {
        std::string request_id;
        std::size_t hop = 0;  // 0, then 1 for the request its redirect made, …
        std::size_t page = 0;
        double start_s = 0;  // monotonic, as the protocol's timestamps
        nlohmann::json request;
        nlohmann::json response;  // null until the response starts
        double response_s = -1;
        double end_s = -1;
        std::string error;
        double decoded_bytes = 0;
        double transfer_bytes = -1;
        std::string resource_type;
        std::string redirect_url;
    };
    struct HarPage {
        double start_s = 0;
        std::string url;
        double content_load_s = -1;
        double load_s = -1;
    };

    void request_will_be_sent(const nlohmann::json& params);
    void response_received(const nlohmann::json& params);
    void loading_finished(const nlohmann::json& params, bool failed);
    void wire_headers(std::map<std::string, std::vector<nlohmann::json>>& into, const nlohmann::json& params);
    // The wire headers of an entry's hop, or `fallback` (the main event's) without them.
    const nlohmann::json& headers_of(const std::map<std::string, std::vector<nlohmann::json>>& wire, const Entry& e,
                                     const nlohmann::json& fallback) const;
    Entry* open_entry(const std::string& request_id);
    nlohmann::json entry_json(const Entry& e) const;
    std::string iso_time(double monotonic_s) const;

    std::string main_frame_;
    std::string creator_version_;
    std::vector<Entry> entries_;
    std::map<std::string, std::size_t> open_;  // requestId → its entry, while it lasts
    std::map<std::string, std::size_t> hops_;  // requestId → its entries so far
    // The headers as they went on the wire, Cookie and Set-Cookie included (which the
    // main events leave out), per requestId in the order of its hops; they may come before
    // or after the event they complete.
    std::map<std::string, std::vector<nlohmann::json>> request_wire_, response_wire_;
    std::size_t wire_kept_ = 0;
    std::vector<HarPage> pages_;
    // The first request's wall-clock time and timestamp: every other time is read from them.
    double wall0_ = -1;
    double mono0_ = 0;
    std::size_t dropped_ = 0;
};

}  // namespace gaia::jobs::browser
