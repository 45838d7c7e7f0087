#pragma once
// The answer section of a DNS response, read from the wire format (RFC 1035) with every
// length and offset checked: a hostile or broken server gets an error, never a read
// past the message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::dns {

// The record types gaia queries, by their number on the wire.
enum class RecordType : std::uint16_t { A = 1, NS = 2, CNAME = 5, MX = 15, TXT = 16, AAAA = 28, SRV = 33 };

std::optional<RecordType> record_type(std::string_view name);  // "MX" → MX
const char* record_type_name(RecordType type);

// The response code of the header, by name: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP,
// REFUSED, or "RCODE N".
std::string rcode_name(int rcode);

struct Record {
    RecordType type;
    std::string value;  // "10.0.0.1", "mail.test", "10 mail.test", "0 5 5060 sip.test", the TXT text
    std::uint32_t ttl = 0;
};

struct Reply {
    int rcode = 0;
    std::vector<Record> answers;  // of the queried type, in the order sent
    std::size_t other_answers = 0;  // records of other types (a CNAME before the A records)
};

// Parses `message`; the answers of type `wanted`. Null and *error when it is not a DNS
// response gaia can read.
std::optional<Reply> parse_reply(const unsigned char* message, std::size_t length, RecordType wanted,
                                 std::string* error);

}  // namespace gaia::jobs::dns
