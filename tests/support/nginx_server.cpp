#include "tests/support/nginx_server.hpp"

#include "tests/support/file_server.hpp"

#include <filesystem>
#include <stdexcept>

namespace gaia::test {

NginxServer::NginxServer(std::vector<TlsSite> sites) {
    const auto d = dir_.path().string();
    std::filesystem::create_directories(dir_.path() / "www");
    std::filesystem::create_directories(dir_.path() / "tmp");
    dir_.file("www/hello.txt", "hello, gaia\n");
    dir_.file("www/data.json", R"({"token": "t0k3n", "ids": [1, 2, 3]})");
    dir_.file("www/2mib.bin", std::string(2 << 20, 'x'));
    dir_.file("www/10mib.bin", std::string(10 << 20, 'x'));
    auto cert = run_program({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                             "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                             d + "/key.pem", "-out", d + "/cert.pem"});
    if (cert.exit_code != 0) throw std::runtime_error("openssl could not make a certificate: " + cert.err);
    const std::string locations =
        "    root " + d + "/www;\n"
        // Redirects anywhere, and what a request carried, for the redirect tests.
        "    location = /redirect-to { return 302 $arg_url; }\n"
        "    location = /redirect-307 { return 307 $arg_url; }\n"
        "    location = /echo { default_type text/plain; return 200 \"host=$host "
        "auth=[$http_authorization] cookie=[$http_cookie] method=$request_method\\n\"; }\n"
        // A fan-out that fails one instance in ten: /index/{{ index }}.
        "    location ~ ^/index/[0-9]*3$ { return 503; }\n"
        "    location /index/ { default_type text/plain; return 200 \"ok\\n\"; }\n";
    // A port free when chosen may be taken before nginx binds it (another test's server,
    // or the local end of one of its many connections): then nginx does not start, and
    // another set of ports is tried.
    for (int attempt = 1;; ++attempt) {
        http_port_ = free_port();
        https_port_ = free_port();
        site_ports_.clear();
        std::string more;
        for (const auto& site : sites) {
            site_ports_.push_back(free_port());
            more += "  server {\n    listen 127.0.0.1:" + std::to_string(site_ports_.back()) + " ssl;\n"
                    "    ssl_certificate " + site.cert + ";\n    ssl_certificate_key " + site.key + ";\n"
                    "    ssl_protocols " + site.protocols + ";\n" + locations + "  }\n";
        }
        // One process, no master: nothing to switch users for, nothing left behind.
        dir_.file("nginx.conf", "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + d +
                                    "/nginx.pid;\nerror_log " + d + "/error.log;\nevents { worker_connections 4096; }\n"
                                    "http {\n  access_log off;\n  client_body_temp_path " + d + "/tmp;\n"
                                    "  proxy_temp_path " + d + "/tmp;\n  fastcgi_temp_path " + d + "/tmp;\n"
                                    "  uwsgi_temp_path " + d + "/tmp;\n  scgi_temp_path " + d + "/tmp;\n"
                                    "  keepalive_requests 1000000;\n"
                                    "  server {\n    listen 127.0.0.1:" + std::to_string(http_port_) + ";\n"
                                    "    listen 127.0.0.1:" + std::to_string(https_port_) + " ssl http2;\n"
                                    "    ssl_certificate " + d + "/cert.pem;\n    ssl_certificate_key " + d + "/key.pem;\n"
                                    // nginx 1.22 leaves TLS 1.3 out unless asked.
                                    "    ssl_protocols TLSv1.2 TLSv1.3;\n" +
                                    locations + "  }\n" + more + "}\n");
        try {
            pid_ = start_loopback_server({"nginx", "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf"}, http_port_);
            return;
        } catch (const std::exception&) {
            const bool taken = read_file(dir_.path() / "error.log").find("Address already in use") != std::string::npos;
            if (!taken || attempt == 3) throw;
        }
    }
}

NginxServer::~NginxServer() { stop_loopback_server(pid_); }

std::string NginxServer::http_url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}

std::string NginxServer::https_url(const std::string& path) const {
    return "https://localhost:" + std::to_string(https_port_) + path;
}

std::string NginxServer::site_url(std::size_t i, const std::string& path, const std::string& host) const {
    return "https://" + host + ":" + std::to_string(site_ports_.at(i)) + path;
}

}  // namespace gaia::test
