#include "jobs/dns/dns_task.hpp"

#include "core/text/printable.hpp"
#include "core/text/seconds.hpp"
#include "jobs/dns/dns_runtime.hpp"

#include <ares.h>

#include <algorithm>
#include <memory>

namespace gaia::jobs::dns {
namespace {

using text::seconds_text;

constexpr int kClassIn = 1;

// ["10.0.0.1", "10.0.0.2"], printable, for messages.
std::string listed(const std::vector<Record>& answers) {
    std::string out = "[";
    for (const auto& a : answers) out += (out.size() > 1 ? ", " : "") + ("\"" + text::printable(a.value) + "\"");
    return out + "]";
}

// What a query started in one loop turn needs in c-ares' callback, which may come inside
// ares_query() itself: the answer goes to the loop and reaches the task on a later turn.
struct Pending {
    loop::Loop* loop;
    std::function<void(int status, int timeouts, std::vector<unsigned char> message)> done;
};

}  // namespace

DnsTask::DnsTask(DnsRuntime& runtime, const jobfile::Job& job, const DnsJobConfig& config)
    : runtime_(runtime), job_(job), config_(config) {}

std::string DnsTask::question() const { return name_ + " " + record_type_name(config_.type); }

void DnsTask::start(const run::TaskContext& ctx, run::Completion done) {
    done_ = std::move(done);
    try {
        name_ = config_.name.render(ctx.scope);
    } catch (const jobfile::RenderError& e) {
        return fail(e.what(), false);
    }
    if (name_.empty()) return fail("`name` is empty", false);
    std::string error;
    auto* channel = runtime_.channel(config_.server, &error);
    if (!channel) return fail(error, false);
    servers_ = channel->servers_text();
    runtime_.started();
    counted_ = true;
    started_ns_ = loop::Loop::hrtime_ns();
    auto* pending = new Pending{&runtime_.env().loop,
                                lifetime_.guard([this](int status, int timeouts, std::vector<unsigned char> message) {
                                    answered(status, timeouts, message);
                                })};
    ares_query(channel->get(), name_.c_str(), kClassIn, static_cast<int>(config_.type),
               [](void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
                   std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
                   // The channel is going away (the run is over): nobody waits for this.
                   if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) return;
                   std::vector<unsigned char> message;
                   if (abuf && alen > 0) message.assign(abuf, abuf + alen);
                   p->loop->post([done = std::move(p->done), status, timeouts, message = std::move(message)]() mutable {
                       done(status, timeouts, std::move(message));
                   });
               },
               pending);
    channel->queried();
}

void DnsTask::answered(int status, int timeouts, const std::vector<unsigned char>& message) {
    const double latency = static_cast<double>(loop::Loop::hrtime_ns() - started_ns_) / 1e9;
    if (message.empty()) {
        switch (status) {
        case ARES_ETIMEOUT:
            return fail("no answer to " + question() + " from " + servers_ + " after " + std::to_string(timeouts) +
                        " tries of " + seconds_text(std::chrono::duration<double>(runtime_.config().timeout).count()));
        case ARES_ECONNREFUSED: return fail(question() + ": refused by " + servers_);
        default: return fail(question() + ": " + ares_strerror(status) + " (" + servers_ + ")");
        }
    }
    std::string error;
    auto reply = parse_reply(message.data(), message.size(), config_.type, &error);
    if (!reply) return fail(question() + " from " + servers_ + ": " + error);
    judge(*reply, latency);
}

void DnsTask::judge(const Reply& reply, double latency_s) {
    if (reply.rcode != config_.expect_rcode) {
        return fail(question() + ": " + rcode_name(reply.rcode) + " from " + servers_ + " (expected " +
                    rcode_name(config_.expect_rcode) + ")");
    }
    const auto& answers = reply.answers;
    if (config_.expect_count && answers.size() != *config_.expect_count) {
        return fail(question() + ": " + std::to_string(answers.size()) + " answers " + listed(answers) + " (expected " +
                    std::to_string(*config_.expect_count) + ")");
    }
    for (const auto& wanted : config_.expect_answers) {
        const bool found = std::any_of(answers.begin(), answers.end(), [&](const Record& r) { return r.value == wanted; });
        if (!found) return fail(question() + ": no answer \"" + text::printable(wanted) + "\" among " + listed(answers));
    }
    if (config_.answers_match) {
        if (answers.empty()) return fail(question() + ": no answers to match `" + config_.answers_match_text + "`");
        for (const auto& r : answers) {
            if (!RE2::PartialMatch(r.value, *config_.answers_match)) {
                return fail(question() + ": answer \"" + text::printable(r.value) + "\" does not match `" +
                            config_.answers_match_text + "`");
            }
        }
    }
    if (config_.max_latency && latency_s > std::chrono::duration<double>(*config_.max_latency).count()) {
        return fail(question() + ": the answer took " + seconds_text(latency_s) + " (expected at most " +
                    seconds_text(std::chrono::duration<double>(*config_.max_latency).count()) + ")");
    }
    run::TaskOutcome outcome;
    outcome.status = run::TaskStatus::passed;
    nlohmann::json values = nlohmann::json::array();
    std::optional<std::uint32_t> ttl;
    for (const auto& r : answers) {
        values.push_back(r.value);
        ttl = std::min(ttl.value_or(r.ttl), r.ttl);
    }
    for (const auto& c : config_.captures) {
        switch (c.source) {
        case DnsCapture::Source::answers: outcome.captures[c.name] = values; break;
        case DnsCapture::Source::ttl: outcome.captures[c.name] = ttl ? nlohmann::json(*ttl) : nlohmann::json(nullptr); break;
        case DnsCapture::Source::rcode: outcome.captures[c.name] = rcode_name(reply.rcode); break;
        case DnsCapture::Source::latency: outcome.captures[c.name] = latency_s; break;
        }
    }
    outcome.details = {{"question", question()}, {"server", servers_}, {"answers", values}, {"latency_s", latency_s}};
    finish(std::move(outcome), latency_s);
}

void DnsTask::fail(std::string error, bool retryable) {
    run::TaskOutcome outcome;
    outcome.status = run::TaskStatus::failed;
    outcome.error = std::move(error);
    outcome.retryable = retryable;
    finish(std::move(outcome), std::nullopt);
}

void DnsTask::finish(run::TaskOutcome outcome, std::optional<double> latency_s) {
    lifetime_.renew();
    if (counted_) {
        counted_ = false;
        runtime_.finished(job_, outcome.status == run::TaskStatus::passed, latency_s);
    }
    auto done = std::move(done_);
    done_ = nullptr;
    if (!done) return;
    // Never from inside start(): a later turn, always.
    runtime_.env().loop.post([done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
}

void DnsTask::cancel() {
    if (!done_) return;
    run::TaskOutcome outcome;
    outcome.status = run::TaskStatus::cancelled;
    lifetime_.renew();  // the answer, if it still comes, goes nowhere
    if (counted_) {
        counted_ = false;
        runtime_.abandoned();
    }
    auto done = std::move(done_);
    done_ = nullptr;
    runtime_.env().loop.post([done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
}

}  // namespace gaia::jobs::dns
