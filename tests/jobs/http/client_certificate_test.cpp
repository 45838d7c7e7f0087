// Client certificates (cert, key, key_password) against nginx that asks for one
// (ssl_verify_client on) and trusts a CA the test makes; a wrong password, a key of
// another certificate and an encrypted key without its password are job-file errors.

#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/test_ca.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

using namespace gaia::test;

namespace {

// nginx on 127.0.0.1 over TLS only, answering /whoami with the client certificate's subject.
class MutualTlsNginx {
public:
    explicit MutualTlsNginx(const TestCa& ca) : port_(free_port()) {
        const auto d = dir_.path().string();
        const auto server = ca.issue("server", "/CN=localhost", 30, true);
        dir_.file("nginx.conf", "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + d + "/nginx.pid;\n"
                                "error_log " + d + "/error.log;\nevents { worker_connections 64; }\n"
                                "http {\n  access_log off;\n  client_body_temp_path " + d + ";\n"
                                "  server {\n    listen 127.0.0.1:" + std::to_string(port_) + " ssl;\n"
                                "    ssl_certificate " + server + ";\n    ssl_certificate_key " + ca.key("server") + ";\n"
                                "    ssl_client_certificate " + ca.ca() + ";\n    ssl_verify_client on;\n"
                                "    location = /whoami { default_type text/plain; return 200 \"client=$ssl_client_s_dn\\n\"; }\n"
                                "  }\n}\n");
        pid_ = start_loopback_server({"nginx", "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf"}, port_);
    }
    ~MutualTlsNginx() { stop_loopback_server(pid_); }
    MutualTlsNginx(const MutualTlsNginx&) = delete;
    MutualTlsNginx& operator=(const MutualTlsNginx&) = delete;

    std::string url(const std::string& path) const { return "https://localhost:" + std::to_string(port_) + path; }

private:
    TempDir dir_;
    int port_;
    pid_t pid_ = 0;
};

}  // namespace

TEST_CASE("client certificates: a server that asks for one gets it, the key password stays secret, and bad pairs are job-file errors") {
    TempDir certs;
    const TestCa ca(certs);
    const std::string password = "client-key-pass-2024";
    const auto client = ca.issue("client", "/CN=gaia client", 2, false, password);
    const auto other = ca.issue("other", "/CN=someone else", 2, false);
    MutualTlsNginx nginx(ca);

    TempDir dir;
    const std::string common = "kind = \"http\"\nurl = \"" + nginx.url("/whoami") + "\"\n";
    auto ran = run_with_metrics(dir, "[network]\nca_file = \"" + ca.ca() + "\"\n"
                                     "[jobs.with]\n" + common + "cert = \"" + client + "\"\nkey = \"" + ca.key("client") +
                                     "\"\nkey_password = \"{{ env.GAIA_TEST_KEY_PASSWORD }}\"\n"
                                     "expect = { body_contains = \"client=CN=gaia client\" }\n"
                                     "[jobs.without]\n" + common,
                                {"-v"}, {"GAIA_TEST_KEY_PASSWORD=" + password});
    INFO(ran.out.err);
    CHECK(job(ran.report, "with")["status"] == "passed");
    CHECK(job(ran.report, "without")["status"] == "failed");
    CHECK(ran.out.err.find("status 400") != std::string::npos);  // nginx: no required SSL certificate was sent
    for (const auto& text : {ran.out.out, ran.out.err, ran.report.dump(), ran.metrics}) CHECK(text.find(password) == std::string::npos);

    const auto bad = dir.file("bad.toml", "[jobs.wrong_password]\n" + common + "cert = \"" + client + "\"\nkey = \"" +
                                              ca.key("client") + "\"\nkey_password = \"not-it\"\n"
                                              "[jobs.no_password]\n" + common + "cert = \"" + client + "\"\nkey = \"" +
                                              ca.key("client") + "\"\n"
                                              "[jobs.mismatch]\n" + common + "cert = \"" + client + "\"\nkey = \"" +
                                              ca.key("other") + "\"\n"
                                              "[jobs.missing]\n" + common + "cert = \"/nonexistent/client.pem\"\n"
                                              "[jobs.key_alone]\n" + common + "key = \"" + ca.key("other") + "\"\n");
    auto out = run_gaia({"validate", bad});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(bad + ":4:8: error: the key " + ca.key("client") + " does not open with key_password (a wrong password?)") !=
          std::string::npos);
    CHECK(out.err.find(bad + ":10:8: error: the key " + ca.key("client") + " is encrypted: set key_password") != std::string::npos);
    CHECK(out.err.find("error: the key " + ca.key("other") + " does not match the certificate " + client) != std::string::npos);
    CHECK(out.err.find("error: cannot read the certificate /nonexistent/client.pem: No such file or directory") !=
          std::string::npos);
    CHECK(out.err.find("error: `key` goes with `cert`, the client certificate") != std::string::npos);
}
