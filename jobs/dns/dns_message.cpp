#include "jobs/dns/dns_message.hpp"

#include <arpa/inet.h>

#include <array>

namespace gaia::jobs::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr int kMaxPointerJumps = 64;  // a compression loop ends here

struct Reader {
    const unsigned char* data;
    std::size_t length;

    bool has(std::size_t offset, std::size_t n) const { return offset <= length && n <= length - offset; }
    std::uint16_t u16(std::size_t at) const { return static_cast<std::uint16_t>(data[at] << 8 | data[at + 1]); }
    std::uint32_t u32(std::size_t at) const {
        return static_cast<std::uint32_t>(data[at]) << 24 | static_cast<std::uint32_t>(data[at + 1]) << 16 |
               static_cast<std::uint32_t>(data[at + 2]) << 8 | data[at + 3];
    }

    // The name at `offset` ("mail.test"), following compression pointers; *next is the
    // offset after the name where it was written. False when it is malformed.
    bool name(std::size_t offset, std::string* out, std::size_t* next) const {
        out->clear();
        std::size_t at = offset;
        bool jumped = false;
        for (int jumps = 0; jumps <= kMaxPointerJumps;) {
            if (!has(at, 1)) return false;
            const unsigned char label = data[at];
            if (label == 0) {
                if (!jumped) *next = at + 1;
                if (out->empty()) *out = ".";
                return true;
            }
            if ((label & 0xC0) == 0xC0) {
                if (!has(at, 2)) return false;
                if (!jumped) *next = at + 2;
                jumped = true;
                at = static_cast<std::size_t>(u16(at) & 0x3FFF);
                ++jumps;
                continue;
            }
            if ((label & 0xC0) != 0 || !has(at + 1, label)) return false;
            if (!out->empty()) out->push_back('.');
            out->append(reinterpret_cast<const char*>(data + at + 1), label);
            if (out->size() > 1024) return false;
            at += 1 + label;
        }
        return false;
    }
};

// One record's data as text; false when it is malformed.
bool rdata_text(const Reader& r, RecordType type, std::size_t at, std::size_t size, std::string* out) {
    std::size_t next = 0;
    switch (type) {
    case RecordType::A:
    case RecordType::AAAA: {
        const bool v4 = type == RecordType::A;
        if (size != (v4 ? 4u : 16u)) return false;
        char text[INET6_ADDRSTRLEN] = {};
        inet_ntop(v4 ? AF_INET : AF_INET6, r.data + at, text, sizeof text);
        *out = text;
        return true;
    }
    case RecordType::NS:
    case RecordType::CNAME: return r.name(at, out, &next) && next <= at + size;
    case RecordType::MX: {
        if (size < 3) return false;
        std::string host;
        if (!r.name(at + 2, &host, &next) || next > at + size) return false;
        *out = std::to_string(r.u16(at)) + " " + host;
        return true;
    }
    case RecordType::SRV: {
        if (size < 7) return false;
        std::string target;
        if (!r.name(at + 6, &target, &next) || next > at + size) return false;
        *out = std::to_string(r.u16(at)) + " " + std::to_string(r.u16(at + 2)) + " " + std::to_string(r.u16(at + 4)) +
               " " + target;
        return true;
    }
    case RecordType::TXT: {
        // One or more <length><text> strings: joined, as one value.
        out->clear();
        for (std::size_t p = at; p < at + size;) {
            const std::size_t n = r.data[p];
            if (p + 1 + n > at + size) return false;
            out->append(reinterpret_cast<const char*>(r.data + p + 1), n);
            p += 1 + n;
        }
        return true;
    }
    }
    return false;
}

}  // namespace

std::optional<RecordType> record_type(std::string_view name) {
    static const std::array<std::pair<std::string_view, RecordType>, 7> kTypes = {{
        {"A", RecordType::A}, {"AAAA", RecordType::AAAA}, {"CNAME", RecordType::CNAME}, {"MX", RecordType::MX},
        {"TXT", RecordType::TXT}, {"SRV", RecordType::SRV}, {"NS", RecordType::NS},
    }};
    for (const auto& [text, type] : kTypes) {
        if (text == name) return type;
    }
    return std::nullopt;
}

const char* record_type_name(RecordType type) {
    switch (type) {
    case RecordType::A: return "A";
    case RecordType::AAAA: return "AAAA";
    case RecordType::CNAME: return "CNAME";
    case RecordType::MX: return "MX";
    case RecordType::TXT: return "TXT";
    case RecordType::SRV: return "SRV";
    case RecordType::NS: return "NS";
    }
    return "?";
}

std::string rcode_name(int rcode) {
    static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
    if (rcode >= 0 && rcode < 6) return kNames[rcode];
    return "RCODE " + std::to_string(rcode);
}

std::optional<Reply> parse_reply(const unsigned char* message, std::size_t length, RecordType wanted,
                                 std::string* error) {
    const Reader r{message, length};
    if (!r.has(0, kHeaderSize)) {
        *error = "a DNS response shorter than its header (" + std::to_string(length) + " bytes)";
        return std::nullopt;
    }
    Reply reply;
    reply.rcode = message[3] & 0x0F;
    const std::uint16_t questions = r.u16(4), answers = r.u16(6);
    std::size_t at = kHeaderSize;
    std::string name;
    for (std::uint16_t i = 0; i < questions; ++i) {
        if (!r.name(at, &name, &at) || !r.has(at, 4)) {
            *error = "a malformed question section in the DNS response";
            return std::nullopt;
        }
        at += 4;  // type, class
    }
    for (std::uint16_t i = 0; i < answers; ++i) {
        if (!r.name(at, &name, &at) || !r.has(at, 10)) {
            *error = "a malformed answer record in the DNS response";
            return std::nullopt;
        }
        const auto type = r.u16(at);
        const auto ttl = r.u32(at + 4);
        const std::size_t size = r.u16(at + 8);
        at += 10;
        if (!r.has(at, size)) {
            *error = "an answer record longer than the DNS response";
            return std::nullopt;
        }
        if (type == static_cast<std::uint16_t>(wanted)) {
            Record record{wanted, {}, ttl};
            if (!rdata_text(r, wanted, at, size, &record.value)) {
                *error = std::string("a malformed ") + record_type_name(wanted) + " record in the DNS response";
                return std::nullopt;
            }
            reply.answers.push_back(std::move(record));
        } else {
            ++reply.other_answers;
        }
        at += size;
    }
    return reply;
}

}  // namespace gaia::jobs::dns
