#pragma once
// A certificate authority of a test's own (openssl on the command line), and the
// certificates it issues: a server's for localhost and 127.0.0.1, a client's — with a key
// encrypted under a password when one is given.

#include "tests/support/subprocess.hpp"

#include <string>

namespace gaia::test {

class TestCa {
public:
    explicit TestCa(const TempDir& dir);  // writes ca.pem and ca.key in dir

    std::string ca() const { return dir_ + "/ca.pem"; }
    // Writes NAME.pem (signed by the CA, valid `days`) and NAME.key; returns NAME.pem's path.
    std::string issue(const std::string& name, const std::string& subject, int days, bool server,
                      const std::string& key_password = "") const;
    // A server certificate for other names (`san`, as openssl writes subjectAltName), or
    // one whose validity began `days_ago` days back (made under faketime): with days_ago
    // > days, an expired one.
    std::string issue_server(const std::string& name, const std::string& san, int days, int days_ago = 0) const;
    std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

private:
    std::string dir_;
};

// The CA of this test process and a server certificate it issued for localhost and
// 127.0.0.1 — made once, on first use, for the test servers that speak TLS.
struct LoopbackCertificate {
    std::string ca, cert, key;
};
const LoopbackCertificate& loopback_certificate();

}  // namespace gaia::test
