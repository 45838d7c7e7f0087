// kind = "tcp" end to end: gaia run against servers on loopback started here — nginx with
// a certificate signed by a CA the test makes, a server that greets, one that never
// answers, a refused port, and dnsmasq for a name that does not exist.

#include "tests/support/dnsmasq_server.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/test_ca.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>


#include <chrono>
#include <ctime>
#include <stdexcept>
#include <string>
#include <thread>

using namespace gaia::test;

namespace {

// nginx on two loopback ports: plain HTTP, and HTTPS with a certificate for localhost and
// 127.0.0.1 that a CA of the test's own signed, valid for 30 days.
class TlsNginx {
public:
    TlsNginx() : http_port_(free_port()), https_port_(free_port()), ca_(dir_) {
        const auto d = dir_.path().string();
        std::filesystem::create_directories(dir_.path() / "www");
        dir_.file("www/hello.txt", "hello, gaia\n");
        const auto server = ca_.issue("server", "/CN=localhost", 30, true);
        dir_.file("nginx.conf", "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + d + "/nginx.pid;\n"
                                "error_log " + d + "/error.log;\nevents { worker_connections 256; }\n"
                                "http {\n  access_log off;\n  client_body_temp_path " + d + "/www;\n"
                                "  server {\n    listen 127.0.0.1:" + std::to_string(http_port_) + ";\n"
                                "    listen 127.0.0.1:" + std::to_string(https_port_) + " ssl;\n"
                                "    ssl_certificate " + server + ";\n    ssl_certificate_key " + ca_.key("server") +
                                ";\n    root " + d + "/www;\n  }\n}\n");
        pid_ = start_loopback_server({"nginx", "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf"}, http_port_);
    }
    ~TlsNginx() { stop_loopback_server(pid_); }
    TlsNginx(const TlsNginx&) = delete;
    TlsNginx& operator=(const TlsNginx&) = delete;

    int http_port() const noexcept { return http_port_; }
    int https_port() const noexcept { return https_port_; }
    std::string ca() const { return ca_.ca(); }

private:
    TempDir dir_;
    int http_port_, https_port_;
    TestCa ca_;
    pid_t pid_ = 0;
};

// gaia run on `jobs`, with its JSON report and metrics file.
RunResult run_jobs(const std::string& jobs) {
    TempDir dir;
    return run_with_metrics(dir, jobs);
}

}  // namespace

TEST_CASE("tcp: connect, send and expect a response over plain TCP and over verified TLS, with captures") {
    TlsNginx nginx;
    const std::string http = std::to_string(nginx.http_port()), https = std::to_string(nginx.https_port());
    auto ran = run_jobs(
        "[jobs.plain]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = " + http +
        "\ncapture = { took = \"connect_time\" }\n"
        "[jobs.query]\nkind = \"tcp\"\nhost = \"localhost\"\nport = \"" + http + "\"\n"
        "send = \"GET /hello.txt HTTP/1.0\\r\\n\\r\\n\"\nexpect = { response = \"hello, gaia\" }\n"
        "capture = { status = \"response:^HTTP/1\\\\.[01] (\\\\d+)\" }\n"
        "[jobs.tls]\nkind = \"tcp\"\nhost = \"localhost\"\nport = " + https + "\ntls = true\nca_file = \"" + nginx.ca() +
        "\"\nsend = \"GET /hello.txt HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n\"\n"
        "expect = { response = \"^HTTP/1\\\\.1 200\", min_cert_days = 20, max_latency = \"5s\" }\n"
        "capture = { version = \"tls_version\", expiry = \"cert_expiry\", days = \"cert_days_left\" }\n");
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 0);
    REQUIRE(ran.report.is_object());
    CHECK(job(ran.report, "plain")["captures"]["took"].get<double>() >= 0);
    CHECK(job(ran.report, "query")["captures"]["status"] == "200");
    const auto captures = job(ran.report, "tls")["captures"];
    CHECK(captures["version"].get<std::string>().rfind("TLSv1.", 0) == 0);
    const double days = captures["days"].get<double>();
    CHECK(days > 29.9);
    CHECK(days <= 30.01);
    const auto expiry = captures["expiry"].get<std::int64_t>();
    CHECK(expiry > std::time(nullptr) + 29 * 86400);
    // The subsystem's metrics: probes by result, connect time, the certificate's expiry.
    CHECK(ran.metrics.find("gaia_tcp_probes_total{job=\"tls\",result=\"passed\"} 1") != std::string::npos);
    CHECK(ran.metrics.find("gaia_tcp_probes_total{job=\"plain\",result=\"failed\"} 0") != std::string::npos);
    CHECK(ran.metrics.find("gaia_tcp_connect_duration_seconds_count{job=\"tls\"} 1") != std::string::npos);
    CHECK(ran.metrics.find("gaia_tcp_cert_expiry_timestamp_seconds{job=\"tls\"} " + std::to_string(expiry)) !=
          std::string::npos);
    CHECK(ran.metrics.find("gaia_tcp_connections_active 0") != std::string::npos);
}

TEST_CASE("tcp: TLS failures are failures that say why — unknown CA, wrong name, a certificate too close to expiry") {
    TlsNginx nginx;
    const std::string https = std::to_string(nginx.https_port());
    const std::string base = "kind = \"tcp\"\nhost = \"localhost\"\nport = " + https + "\ntls = true\n";
    auto ran = run_jobs("[jobs.untrusted]\n" + base +  // the system's trust store does not know the test's CA
                        "[jobs.wrong_name]\n" + base + "ca_file = \"" + nginx.ca() + "\"\nserver_name = \"other.test\"\n"
                        "[jobs.expiring]\n" + base + "ca_file = \"" + nginx.ca() + "\"\nexpect = { min_cert_days = 45 }\n"
                        "[jobs.insecure]\n" + base + "insecure = true\n");
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 1);
    CHECK(job(ran.report, "insecure")["status"] == "passed");
    CHECK(ran.out.err.find("job untrusted failed") != std::string::npos);
    CHECK(ran.out.err.find("TLS handshake with localhost:" + https +
                           ": certificate verify failed: unable to get local issuer certificate") != std::string::npos);
    CHECK(ran.out.err.find("certificate verify failed: hostname mismatch") != std::string::npos);
    CHECK(ran.out.err.find("the certificate of localhost:" + https + " expires in ") != std::string::npos);
    CHECK(ran.out.err.find("(expected at least 45)") != std::string::npos);
}

TEST_CASE("tcp: refused ports, names that do not exist, silent and greeting servers, responses that do not match") {
    TlsNginx nginx;
    DnsmasqServer dns;
    RefusingPort refusing;
    SilentPort silent(SilentPort::Protocol::tcp);
    // A server that greets first, as SMTP and SSH do.
    const int greeting_port = free_port();
    const auto greeter = start_loopback_server(
        {"python3", "-c",
         "import socket,sys\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
         "s.bind(('127.0.0.1',int(sys.argv[1])))\ns.listen(16)\nwhile True:\n c,_=s.accept()\n"
         " c.sendall(b'220 gaia.test ESMTP ready\\r\\n')\n c.close()\n",
         std::to_string(greeting_port)},
        greeting_port);
    auto ran = run_jobs("[network]\ndns_servers = [\"" + dns.address() + "\"]\n[tcp]\ntimeout = \"700ms\"\n"
                        "[jobs.refused]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(refusing.port()) +
                        "\n[jobs.nxdomain]\nkind = \"tcp\"\nhost = \"nothing.nx.test\"\nport = 80\n"
                        "[jobs.silent]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(silent.port()) +
                        "\nsend = \"PING\\r\\n\"\nexpect = { response = \"^PONG\" }\n"
                        "[jobs.greeting]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(greeting_port) +
                        "\nexpect = { response = \"^220 \" }\ncapture = { banner = \"response\" }\n"
                        "[jobs.mismatch]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(greeting_port) +
                        "\nexpect = { response = \"^SSH-2\\\\.0\" }\n"
                        "[jobs.tls_to_plain]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
                        std::to_string(nginx.http_port()) + "\ntls = true\ninsecure = true\n");
    stop_loopback_server(greeter);
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 1);
    CHECK(job(ran.report, "greeting")["status"] == "passed");
    CHECK(job(ran.report, "greeting")["captures"]["banner"] == "220 gaia.test ESMTP ready\r\n");
    const std::string refused = "127.0.0.1:" + std::to_string(refusing.port());
    CHECK(ran.out.err.find("connect to " + refused + ": connection refused") != std::string::npos);
    CHECK(ran.out.err.find("Could not resolve host: nothing.nx.test (no such name (NXDOMAIN))") != std::string::npos);
    CHECK(ran.out.err.find("no response matching `^PONG` from 127.0.0.1:" + std::to_string(silent.port()) +
                           " within 700 ms (read 0 bytes: \"\")") != std::string::npos);
    CHECK(ran.out.err.find("does not match `^SSH-2\\.0`: \"220 gaia.test ESMTP ready\\r\\n\"") != std::string::npos);
    CHECK(ran.out.err.find("job tls_to_plain failed") != std::string::npos);
    CHECK(ran.out.err.find("TLS handshake with 127.0.0.1:" + std::to_string(nginx.http_port())) != std::string::npos);
    CHECK(ran.metrics.find("gaia_tcp_connections_active 0") != std::string::npos);
}

TEST_CASE("tcp: a send with nothing to read is whole before the job passes, even to a server slow to read") {
    TempDir dir;
    const auto count_file = (dir.path() / "received").string();
    // Takes its time before reading, then counts what the connection brought. The probe
    // connection of start_loopback_server is counted too (0 bytes), before gaia's.
    const int port = free_port();
    const auto counter = start_loopback_server(
        {"python3", "-c",
         "import socket,sys,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
         "s.bind(('127.0.0.1',int(sys.argv[1])))\ns.listen(16)\nwhile True:\n c,_=s.accept()\n time.sleep(0.5)\n n=0\n"
         " while True:\n  b=c.recv(1<<20)\n  if not b: break\n  n+=len(b)\n"
         " open(sys.argv[2]+'.tmp','w').write(str(n))\n __import__('os').replace(sys.argv[2]+'.tmp',sys.argv[2])\n c.close()\n",
         std::to_string(port), count_file},
        port);
    // More than loopback's socket buffers hold: queued is not sent.
    const std::size_t size = 24u << 20;
    auto ran = run_jobs("[jobs.upload]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) +
                        "\nsend = \"" + std::string(size, 'x') + "\"\n");
    std::string received;
    for (int i = 0; i < 100 && received != std::to_string(size); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        received = read_file(count_file);
    }
    stop_loopback_server(counter);
    INFO(ran.out.err);
    CHECK(ran.out.exit_code == 0);
    CHECK(job(ran.report, "upload")["status"] == "passed");
    CHECK(received == std::to_string(size));
}

TEST_CASE("tcp: job-file mistakes are errors with their place") {
    TempDir dir;
    const auto file = dir.file("bad.toml", "[jobs.a]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\n"
                                           "[jobs.b]\nkind = \"tcp\"\nhost = \"h\"\nport = 70000\n"
                                           "[jobs.c]\nkind = \"tcp\"\nhost = \"h\"\nport = 1\nexpect = { min_cert_days = 3 }\n"
                                           "[jobs.d]\nkind = \"tcp\"\nhost = \"h\"\nport = 1\ncapture = { x = \"banner\" }\n"
                                           "[jobs.e]\nkind = \"tcp\"\nhost = \"h\"\nport = 1\nexpect = { response = \"(\" }\n");
    auto out = run_gaia({"validate", file});
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":1:1: error: a tcp job needs `host` and `port`") != std::string::npos);
    CHECK(out.err.find(file + ":7:8: error: `port` is 70000; it must be between 1 and 65535") != std::string::npos);
    CHECK(out.err.find(file + ":12:28: error: `expect.min_cert_days` needs `tls = true`") != std::string::npos);
    CHECK(out.err.find(file + ":17:17: error: `capture.x`: a tcp capture is \"connect_time\"") != std::string::npos);
    CHECK(out.err.find(file + ":22:23: error: `expect.response`: invalid regular expression") != std::string::npos);
}
