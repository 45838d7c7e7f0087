#include "jobs/browser/network_rules.hpp"

namespace gaia::jobs::browser {

// Greedy with one backtrack point, the last `*`: linear in practice, and never worse than
// pattern × URL, whatever a job file writes.
bool url_pattern_matches(std::string_view pattern, std::string_view url) {
    std::size_t p = 0, u = 0;
    std::size_t star = std::string_view::npos, star_u = 0;
    while (u < url.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            star_u = u;
            continue;
        }
        if (p < pattern.size()) {
            const bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
            const char want = escaped ? pattern[p + 1] : pattern[p];
            if ((!escaped && want == '?') || want == url[u]) {
                p += escaped ? 2 : 1;
                ++u;
                continue;
            }
        }
        if (star == std::string_view::npos) return false;
        p = star + 1;
        u = ++star_u;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace gaia::jobs::browser
