#pragma once
// Secrets (the values of env.* referenced by job files) never reach any output: every
// string bound for a log, a report, the terminal or /metrics passes through scrub().

#include <string>
#include <string_view>
#include <vector>

namespace gaia::text {

class Redactor {
public:
    static constexpr std::string_view kMask = "***";

    // Adds the current value of each environment variable (unset or empty ones are skipped).
    void add_env(const std::vector<std::string>& names);
    void add_secret(std::string value);

    std::string scrub(std::string_view text) const;
    bool empty() const noexcept { return secrets_.empty(); }

private:
    std::vector<std::string> secrets_;  // longest first, so a secret containing another is masked whole
};

}  // namespace gaia::text
