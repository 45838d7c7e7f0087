#pragma once
// One attempt of a tcp job: resolve the host (through the network coordinator's DNS
// cache), wait for room under the connection caps, connect, shake hands when `tls`, send
// `send`, read until `expect.response` matches (or the server closes, or max_response),
// then judge and capture.

#include "core/loop/lifetime.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/net/tls.hpp"
#include "core/run/task.hpp"
#include "jobs/tcp/tcp_config.hpp"

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::tcp {

class TcpRuntime;

class TcpTask final : public run::Task {
public:
    TcpTask(TcpRuntime& runtime, const jobfile::Job& job, const TcpJobConfig& config);
    ~TcpTask() override;

    void start(const run::TaskContext& ctx, run::Completion done) override;
    void cancel() override;

private:
    enum class Phase { resolving, waiting, connecting, handshaking, sending, reading, done };

    void resolved(std::vector<sockaddr_storage> addresses);
    void wait_for_room();
    void connect_next();
    void connected(int status);
    void on_ciphertext(std::string_view data);
    void established();
    void on_plaintext(std::string_view data);
    void on_end(int status);
    void flush_tls();
    void succeed();
    void fail(std::string error, bool retryable = true);
    void finish(run::TaskOutcome outcome);
    void close_connection();
    std::string where() const;
    std::string phase_timeout() const;

    TcpRuntime& runtime_;
    const jobfile::Job& job_;
    const TcpJobConfig& config_;
    run::Completion done_;
    loop::Lifetime lifetime_;
    Phase phase_ = Phase::resolving;

    std::string host_, server_name_, send_;
    int port_ = 0;
    std::vector<sockaddr_storage> addresses_;
    std::size_t next_address_ = 0;
    std::string last_connect_error_;
    loop::HandlePtr<loop::Tcp> connection_;
    bool counted_open_ = false;
    std::unique_ptr<net::TlsSession> tls_;
    loop::HandlePtr<loop::Timer> deadline_;
    std::uint64_t started_ns_ = 0, connect_started_ns_ = 0;
    std::optional<double> connect_s_;
    std::optional<std::int64_t> cert_expiry_;
    std::string tls_version_;
    std::string response_;
};

}  // namespace gaia::jobs::tcp
