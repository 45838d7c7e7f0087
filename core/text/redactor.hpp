#pragma once
// Secrets — the values of env.* that job files reference, of an env file, of captures
// marked secret — never reach any output: every string bound for a log, a report, the
// terminal or /metrics passes through scrub().
//
// A long secret is masked wherever it appears. A short one (fewer than
// kMinSubstringSecret characters) is masked only where it stands alone — the whole
// string, or a word between non-word characters — because masking every "x" of
// API_PASSWORD=x would garble every line ("job e***port skipped") and tell a reader
// more about the secret than it hides. Callers warn about short secrets (is_short()).

#include <string>
#include <string_view>
#include <vector>

namespace gaia::text {

class Redactor {
public:
    static constexpr std::string_view kMask = "***";
    // GitLab refuses to mask variables shorter than this; gaia masks them where they stand alone.
    static constexpr std::size_t kMinSubstringSecret = 8;

    void add_secret(std::string value);  // an empty one is ignored

    std::string scrub(std::string_view text) const;
    bool empty() const noexcept { return secrets_.empty(); }
    static bool is_short(std::string_view secret) noexcept { return secret.size() < kMinSubstringSecret; }

private:
    std::vector<std::string> secrets_;  // longest first, so a secret containing another is masked whole
};

}  // namespace gaia::text
