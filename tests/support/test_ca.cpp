#include "tests/support/test_ca.hpp"

#include <stdexcept>
#include <vector>

namespace gaia::test {
namespace {

void openssl(std::vector<std::string> args, int days_ago = 0) {
    args.insert(args.begin(), "openssl");
    // libfaketime's relative offset: the certificate's validity begins days_ago back.
    if (days_ago > 0) args.insert(args.begin(), {"faketime", "-f", "-" + std::to_string(days_ago) + "d"});
    auto out = run_program(args);
    if (out.exit_code != 0) throw std::runtime_error("openssl failed: " + out.err);
}

}  // namespace

TestCa::TestCa(const TempDir& dir) : dir_(dir.path().string()) {
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=gaia test CA", "-keyout",
             dir_ + "/ca.key", "-out", dir_ + "/ca.pem"});
}

std::string TestCa::issue(const std::string& name, const std::string& subject, int days, bool server,
                          const std::string& key_password) const {
    const std::string base = dir_ + "/" + name;
    if (key_password.empty()) {
        openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", base + ".key"});
        openssl({"req", "-new", "-key", base + ".key", "-subj", subject, "-out", base + ".csr"});
    } else {
        openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes-256-cbc", "-pass",
                 "pass:" + key_password, "-out", base + ".key"});
        openssl({"req", "-new", "-key", base + ".key", "-passin", "pass:" + key_password, "-subj", subject, "-out",
                 base + ".csr"});
    }
    std::vector<std::string> sign{"x509", "-req", "-in", base + ".csr", "-CA", ca(), "-CAkey", dir_ + "/ca.key",
                                  "-CAcreateserial", "-days", std::to_string(days), "-out", base + ".pem"};
    if (server) {
        TempDir ext;
        const auto file = ext.file("san.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        sign.insert(sign.end(), {"-extfile", file});
        openssl(sign);
    } else {
        openssl(sign);
    }
    return base + ".pem";
}

std::string TestCa::issue_server(const std::string& name, const std::string& san, int days, int days_ago) const {
    const std::string base = dir_ + "/" + name;
    // EC keys: made in milliseconds, where RSA takes a good part of a second.
    openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", base + ".key"});
    openssl({"req", "-new", "-key", base + ".key", "-subj", "/CN=" + name, "-out", base + ".csr"});
    TempDir ext;
    const auto file = ext.file("san.ext", "subjectAltName=" + san + "\n");
    openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca(), "-CAkey", dir_ + "/ca.key", "-CAcreateserial", "-days",
             std::to_string(days), "-extfile", file, "-out", base + ".pem"},
            days_ago);
    return base + ".pem";
}

const LoopbackCertificate& loopback_certificate() {
    static const TempDir dir;
    static const LoopbackCertificate made = [] {
        const TestCa ca(dir);
        LoopbackCertificate out;
        out.ca = ca.ca();
        out.cert = ca.issue_server("loopback", "DNS:localhost,IP:127.0.0.1", 2);
        out.key = ca.key("loopback");
        return out;
    }();
    return made;
}

}  // namespace gaia::test
