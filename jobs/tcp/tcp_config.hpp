#pragma once
// What the tcp kind compiles from a job and from the [tcp] table.

#include "core/jobfile/model.hpp"

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::tcp {

struct TcpCapture {
    enum class Source { connect_time, tls_version, cert_expiry, cert_days_left, response, response_regex };
    std::string name;
    Source source = Source::connect_time;
    std::shared_ptr<const RE2> regex;  // response_regex: its first group, else the whole match
};

struct TcpJobConfig final : jobfile::KindConfig {
    jobfile::Template host;
    jobfile::Template port;  // a number once rendered
    bool tls = false;
    std::optional<jobfile::Template> server_name;  // SNI and the name checked; else host
    std::optional<bool> insecure;                  // else [network].insecure
    std::string ca_file;                           // else [network].ca_file, else the system's
    std::optional<jobfile::Template> send;
    std::uint64_t max_response = 64 * 1024;

    std::shared_ptr<const RE2> expect_response;
    std::string expect_response_text;  // as written, for messages
    std::optional<jobfile::Duration> max_latency;
    std::optional<double> min_cert_days;
    std::vector<TcpCapture> captures;

    // The probe reads what the server says only when something needs it.
    bool reads() const noexcept;
};

struct TcpSubsystemConfig final : jobfile::KindConfig {
    std::uint32_t max = 256;  // connections of tcp jobs at once
    jobfile::Duration timeout = std::chrono::seconds(10);  // a whole probe, unless the job's timeout is shorter
};

}  // namespace gaia::jobs::tcp
