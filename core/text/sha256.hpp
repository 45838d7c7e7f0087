#pragma once
// SHA-256 through OpenSSL's EVP, fed piece by piece, as lowercase hex.

#include <memory>
#include <string>
#include <string_view>

namespace gaia::text {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::string_view data);
    // The digest of everything given, in hex; the object is spent afterwards.
    std::string hex();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace gaia::text
