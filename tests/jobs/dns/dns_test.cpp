// kind = "dns" end to end: gaia run against dnsmasq on loopback serving records this test
// writes (A, AAAA, CNAME, MX, TXT, SRV, and NS from an authoritative zone), a name that
// does not exist, a port that refuses and a server that never answers.

#include "jobs/dns/dns_message.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <set>
#include <string>

using namespace gaia::test;

namespace {

// dnsmasq with the test's records; or, as `authoritative`, the server of zone.test, which
// answers its NS records (and refuses other names, as authoritative servers do).
class RecordServer {
public:
    explicit RecordServer(bool authoritative = false) : port_(free_port()) {
        std::vector<std::string> args{"dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=",
                                      "--port=" + std::to_string(port_), "--listen-address=127.0.0.1",
                                      "--bind-interfaces", "--no-resolv", "--no-hosts"};
        const std::vector<std::string> records =
            authoritative ? std::vector<std::string>{"--auth-server=ns1.zone.test,127.0.0.1", "--auth-zone=zone.test"}
                          : std::vector<std::string>{"--host-record=web.test,10.0.0.1,300", "--host-record=web.test,fd00::1",
                                                     "--host-record=two.test,10.0.0.7", "--host-record=two.test,10.0.0.8",
                                                     "--cname=www.test,web.test", "--mx-host=mail.test,mx1.mail.test,10",
                                                     "--txt-record=txt.test,v=spf1 -all",
                                                     "--srv-host=_sip._udp.test,sip.test,5060,0,5", "--address=/nx.test/"};
        args.insert(args.end(), records.begin(), records.end());
        if (::geteuid() == 0) args.push_back("--user=root");
        pid_ = start_loopback_server(args, port_);
    }
    ~RecordServer() { stop_loopback_server(pid_); }
    RecordServer(const RecordServer&) = delete;
    RecordServer& operator=(const RecordServer&) = delete;
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    int port_;
    pid_t pid_ = 0;
};

// gaia run on `jobs`, with its JSON report and metrics file.
RunResult run_jobs(const std::string& jobs) {
    TempDir dir;
    return run_with_metrics(dir, jobs);
}

std::string job(const std::string& name, const std::string& type, const std::string& extra = "") {
    return "[jobs." + name + "]\nkind = \"dns\"\nname = \"" + type + "\"\n" + extra;
}

}  // namespace

TEST_CASE("dns: every record type answered, values and TTL captured, answers feeding for_each") {
    RecordServer dns;
    RecordServer zone(true);
    auto ran = run_jobs("[network]\ndns_servers = [\"" + dns.address() + "\"]\n" +
                        job("a", "web.test", "expect = { answers = [\"10.0.0.1\"], answer_count = 1, max_latency = \"2s\" }\n"
                                             "capture = { ips = \"answers\", ttl = \"ttl\", rcode = \"rcode\" }\n") +
                        job("aaaa", "web.test", "type = \"AAAA\"\ncapture = { v = \"answers\" }\n") +
                        job("cname", "www.test", "type = \"CNAME\"\nexpect = { answers = \"web.test\" }\n") +
                        job("mx", "mail.test", "type = \"MX\"\ncapture = { v = \"answers\" }\n") +
                        job("txt", "txt.test", "type = \"TXT\"\nexpect = { answers_match = \"^v=spf1 \" }\n") +
                        job("srv", "_sip._udp.test", "type = \"SRV\"\ncapture = { v = \"answers\" }\n") +
                        job("ns", "zone.test", "type = \"NS\"\nserver = \"" + zone.address() + "\"\ncapture = { v = \"answers\" }\n") +
                        job("nx", "gone.nx.test", "expect = { rcode = \"NXDOMAIN\", answer_count = 0 }\n") +
                        job("two", "two.test", "capture = { ips = \"answers\", t = \"latency\" }\n") +
                        "[jobs.each]\nkind = \"process\"\nneeds = [\"two\"]\nfor_each = \"{{ jobs.two.ips }}\"\n"
                        "command = [\"echo\", \"{{ item }}\"]\ncapture = { out = \"stdout\" }\n");
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 0);
    REQUIRE(ran.report.is_object());
    CHECK(job(ran.report, "a")["captures"]["ips"] == nlohmann::json::array({"10.0.0.1"}));
    CHECK(job(ran.report, "a")["captures"]["ttl"] == 300);
    CHECK(job(ran.report, "a")["captures"]["rcode"] == "NOERROR");
    CHECK(job(ran.report, "aaaa")["captures"]["v"] == nlohmann::json::array({"fd00::1"}));
    CHECK(job(ran.report, "mx")["captures"]["v"] == nlohmann::json::array({"10 mx1.mail.test"}));
    CHECK(job(ran.report, "srv")["captures"]["v"] == nlohmann::json::array({"0 5 5060 sip.test"}));
    CHECK(job(ran.report, "ns")["captures"]["v"] == nlohmann::json::array({"ns1.zone.test"}));
    CHECK(job(ran.report, "two")["captures"]["ips"].size() == 2);
    CHECK(job(ran.report, "two")["captures"]["t"].get<double>() >= 0);
    // The captured array fanned out: one instance per address.
    const auto outs = job(ran.report, "each")["captures"]["out"];
    REQUIRE(outs.size() == 2);
    std::set<std::string> echoed;
    for (const auto& o : outs) echoed.insert(o.get<std::string>().substr(0, o.get<std::string>().find('\n')));
    CHECK(echoed == std::set<std::string>{"10.0.0.7", "10.0.0.8"});
    CHECK(ran.metrics.find("gaia_dns_queries_total{job=\"ns\",result=\"passed\"} 1") != std::string::npos);
    CHECK(ran.metrics.find("gaia_dns_query_duration_seconds_count{job=\"a\"} 1") != std::string::npos);
    CHECK(ran.metrics.find("gaia_dns_queries_in_flight 0") != std::string::npos);
}

TEST_CASE("dns: wrong answers, NXDOMAIN, a refusing port and a silent server fail and say why") {
    RecordServer dns;
    RefusingPort refusing;  // TCP; its UDP twin is closed too (nothing binds it)
    SilentPort silent(SilentPort::Protocol::udp);
    const std::string server = "server = \"" + dns.address() + "\"\n";
    auto ran = run_jobs("[dns]\ntimeout = \"300ms\"\ntries = 2\n" +
                        job("nx", "gone.nx.test", server) +
                        job("count", "two.test", server + "expect = { answer_count = 1 }\n") +
                        job("value", "web.test", server + "expect = { answers = [\"10.9.9.9\"] }\n") +
                        job("match", "web.test", server + "type = \"AAAA\"\nexpect = { answers_match = \"^2001:\" }\n") +
                        job("refused", "web.test", "server = \"127.0.0.1:" + std::to_string(refusing.port()) + "\"\n") +
                        job("silent", "web.test", "server = \"127.0.0.1:" + std::to_string(silent.port()) + "\"\n"));
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 1);
    const auto& err = ran.out.err;
    CHECK(err.find("gone.nx.test A: NXDOMAIN from " + dns.address() + " (expected NOERROR)") != std::string::npos);
    CHECK(err.find("two.test A: 2 answers [\"10.0.0.") != std::string::npos);
    CHECK(err.find("(expected 1)") != std::string::npos);
    CHECK(err.find("web.test A: no answer \"10.9.9.9\" among [\"10.0.0.1\"]") != std::string::npos);
    CHECK(err.find("web.test AAAA: answer \"fd00::1\" does not match `^2001:`") != std::string::npos);
    CHECK(err.find("web.test A: refused by 127.0.0.1:" + std::to_string(refusing.port())) != std::string::npos);
    CHECK(err.find("no answer to web.test A from 127.0.0.1:" + std::to_string(silent.port()) + " after 2 tries of 300 ms") !=
          std::string::npos);
    CHECK(ran.metrics.find("gaia_dns_queries_total{job=\"silent\",result=\"failed\"} 1") != std::string::npos);
}

TEST_CASE("dns: job-file mistakes are errors with their place") {
    TempDir dir;
    const auto file = dir.file("bad.toml", "[jobs.a]\nkind = \"dns\"\n"
                                           "[jobs.b]\nkind = \"dns\"\nname = \"x\"\ntype = \"SOA\"\n"
                                           "[jobs.c]\nkind = \"dns\"\nname = \"x\"\nserver = \"dns.example\"\n"
                                           "[jobs.d]\nkind = \"dns\"\nname = \"x\"\nexpect = { rcode = \"GONE\" }\n"
                                           "[jobs.e]\nkind = \"dns\"\nname = \"x\"\ncapture = { x = \"records\" }\n");
    auto out = run_gaia({"validate", file});
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":1:1: error: a dns job needs `name`") != std::string::npos);
    CHECK(out.err.find(file + ":6:8: error: `type` is one of A, AAAA, CNAME, MX, TXT, SRV, NS, not `SOA`") != std::string::npos);
    CHECK(out.err.find(file + ":10:10: error: `server` is an IP address with an optional port") != std::string::npos);
    CHECK(out.err.find(file + ":14:20: error: `expect.rcode` is one of NOERROR") != std::string::npos);
    CHECK(out.err.find(file + ":18:17: error: `capture.x`: a dns capture is \"answers\"") != std::string::npos);
}

TEST_CASE("dns: hostile responses are errors, never reads past the message") {
    using namespace gaia::jobs::dns;
    std::string error;
    // Header: id, flags (response, NOERROR), 1 question, 1 answer.
    const std::vector<unsigned char> header = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
    const std::vector<unsigned char> question = {1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
    auto message = [&](std::vector<unsigned char> answer) {
        auto m = header;
        m.insert(m.end(), question.begin(), question.end());
        m.insert(m.end(), answer.begin(), answer.end());
        return m;
    };
    // A well-formed A record pointing back at the question's name.
    auto good = message({0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 9});
    auto reply = parse_reply(good.data(), good.size(), RecordType::A, &error);
    REQUIRE(reply);
    REQUIRE(reply->answers.size() == 1);
    CHECK(reply->answers[0].value == "10.0.0.9");
    CHECK(reply->answers[0].ttl == 60);
    // Shorter than a header, a pointer to itself, data longer than the message, a label
    // past the end, an A record of 3 bytes, a truncated answer.
    const std::vector<std::vector<unsigned char>> hostile = {
        {0, 1, 0x81},
        message({0xC0, 24, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 9}),
        message({0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0xFF, 0xFF, 10}),
        message({60, 'a', 'b'}),
        message({0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 10, 0, 0}),
        message({0xC0, 12, 0, 1}),
    };
    for (const auto& bad : hostile) {
        error.clear();
        CHECK_FALSE(parse_reply(bad.data(), bad.size(), RecordType::A, &error));
        CHECK(!error.empty());
    }
    // A pointer loop between two names ends with an error too.
    auto loop = message({0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, 36});  // the rdata at 36 points at 36
    CHECK_FALSE(parse_reply(loop.data(), loop.size(), RecordType::CNAME, &error));
}
