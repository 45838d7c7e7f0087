#pragma once
// What the dns kind compiles from a job and from the [dns] table.

#include "core/jobfile/model.hpp"
#include "jobs/dns/dns_message.hpp"

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::dns {

struct DnsCapture {
    enum class Source { answers, ttl, rcode, latency };
    std::string name;
    Source source = Source::answers;
};

struct DnsJobConfig final : jobfile::KindConfig {
    jobfile::Template name;
    RecordType type = RecordType::A;
    std::string server;  // "IP" or "IP:port"; empty: [network].dns_servers, else resolv.conf

    int expect_rcode = 0;  // NOERROR
    std::optional<std::uint64_t> expect_count;
    std::vector<std::string> expect_answers;  // each must be among the answers
    std::shared_ptr<const RE2> answers_match;  // every answer must match
    std::string answers_match_text;
    std::optional<jobfile::Duration> max_latency;
    std::vector<DnsCapture> captures;
};

struct DnsSubsystemConfig final : jobfile::KindConfig {
    std::uint32_t max = 256;                               // queries at once
    jobfile::Duration timeout = std::chrono::seconds(2);  // per try
    std::uint32_t tries = 2;
};

}  // namespace gaia::jobs::dns
