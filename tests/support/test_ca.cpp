#include "tests/support/test_ca.hpp"

#include <stdexcept>
#include <vector>

namespace gaia::test {
namespace {

void openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    auto out = run_program(args);
    if (out.exit_code != 0) throw std::runtime_error("openssl " + args[1] + " failed: " + out.err);
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

}  // namespace gaia::test
