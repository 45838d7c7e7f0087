// libFuzzer target: the dns kind's reader of DNS responses — the header, the questions,
// the answer records of every type it reads, compression pointers — on bytes a server
// (or anything that answers on its port) sent. It must give an answer or an error, never
// read past the message or loop.

#include "jobs/dns/dns_message.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace gaia::jobs::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    for (auto type : {RecordType::A, RecordType::AAAA, RecordType::CNAME, RecordType::MX, RecordType::TXT,
                      RecordType::SRV, RecordType::NS}) {
        std::string error;
        auto reply = parse_reply(data, size, type, &error);
        if (!reply) {
            if (error.empty()) __builtin_trap();  // every refusal says why
            continue;
        }
        std::size_t text = 0;
        for (const auto& record : reply->answers) {
            if (record.type != type) __builtin_trap();
            text += record.value.size();
        }
        // A record's text comes from the message: names may expand through pointers, but
        // each is bounded, so the answers cannot outgrow the message by more than that.
        if (text > (size + 1) * 1100) __builtin_trap();
    }
    return 0;
}
