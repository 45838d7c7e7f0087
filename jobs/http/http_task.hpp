#pragma once
// One attempt of one http job instance: render the request, send it through the pool's
// engine, then check the expectations and take the captures.

#include "core/loop/lifetime.hpp"
#include "core/run/task.hpp"
#include "jobs/http/admission.hpp"
#include "jobs/http/http_engine.hpp"
#include "jobs/http/http_config.hpp"
#include "jobs/http/multipart_body.hpp"

namespace gaia::jobs::http {

class ApiPool;

class HttpTask final : public run::Task {
public:
    HttpTask(ApiPool& pool, const HttpJobConfig& config);
    ~HttpTask() override;
    void start(const run::TaskContext& ctx, run::Completion done) override;
    void cancel() override;

private:
    // The steps of an attempt, in order; each may wait on the loop.
    bool render(HttpRequest& request);
    void render_credentials(HttpRequest& request);  // these two throw RenderError as render()'s parts
    void render_multipart();
    void open_body(HttpRequest request);   // then send()
    void send(HttpRequest request);
    void transfer(HttpRequest request);   // resolves the host through the coordinator
    void launch(HttpRequest request);     // hands the request to an engine
    void on_response(HttpResponse response);
    bool follow(const HttpResponse& response);  // true when it took the redirect on
    void add_jar_cookies(HttpRequest& request);
    void keep_cookies(const HttpResponse& response);
    std::time_t now() const;  // the wall clock, for cookies and Retry-After dates
    void complete(run::TaskOutcome outcome);
    void fail_soon(std::string error, bool retryable = false);
    run::TaskOutcome outcome(const HttpResponse& response);
    // A failed attempt's request (and response, if one came) as files for --artifacts.
    void add_artifacts(run::TaskOutcome& outcome, const HttpResponse* response) const;

    ApiPool& pool_;
    const HttpJobConfig& config_;
    const run::TaskContext* ctx_ = nullptr;
    run::Completion done_;
    HttpEngine* engine_ = nullptr;  // the engine of the transfer in flight
    std::uint64_t transfer_ = 0;
    Admission::Ticket ticket_;   // our place in the pool's admission
    bool queued_ = false;      // waiting for the pool's limits
    bool resolving_ = false;   // waiting for the DNS cache
    bool running_ = false;     // a transfer is in the engine
    bool cancelled_ = false;
    std::string method_, url_, host_, save_path_;
    std::vector<MultipartPart> multipart_;  // rendered, until open_body() opens their files
    std::shared_ptr<loop::AtomicWriter> save_to_;
    std::uint64_t started_ns_ = 0;        // of the hop in flight
    std::uint64_t first_started_ns_ = 0;  // of the first hop: the response's latency counts from it
    bool deadline_started_ = false;
    std::string request_head_;  // the last hop's request as sent, kept only when artifacts are wanted
    nlohmann::json redirects_;  // the hops followed, for the report (null, not an allocated array, until one)
    // Every callback handed out is guarded: a task that is gone is not called.
    loop::Lifetime life_;
};

// "https://user@host:8443/x" -> "host": the metric label (never the URL).
std::string host_of(std::string_view url);
// Percent-encoding of a query component (RFC 3986 unreserved characters stay).
std::string url_encode(std::string_view text);

}  // namespace gaia::jobs::http
