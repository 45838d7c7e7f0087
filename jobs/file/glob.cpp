#include "jobs/file/glob.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace gaia::jobs::file {
namespace {

std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start) parts.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return parts;
}

// `[...]` at pattern[i]: matches c? Sets *next past the class; false *valid when unclosed.
bool match_class(std::string_view p, std::size_t i, char c, std::size_t* next, bool* valid) {
    std::size_t j = i + 1;
    const bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
    if (negate) ++j;
    bool hit = false;
    bool first = true;
    while (j < p.size() && (p[j] != ']' || first)) {
        first = false;
        if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
            if (c >= p[j] && c <= p[j + 2]) hit = true;
            j += 3;
        } else {
            if (c == p[j]) hit = true;
            ++j;
        }
    }
    *valid = j < p.size();
    *next = j + 1;
    return hit != negate;
}

// One component against one name: iterative with backtracking to the last `*`.
bool match_component(std::string_view p, std::string_view s) {
    if (!s.empty() && s.front() == '.' && (p.empty() || p.front() != '.')) return false;
    std::size_t pi = 0, si = 0, star = std::string_view::npos, star_s = 0;
    while (si < s.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            star_s = si;
            continue;
        }
        if (pi < p.size() && p[pi] == '?') {
            ++pi;
            ++si;
            continue;
        }
        if (pi < p.size() && p[pi] == '[') {
            std::size_t next = 0;
            bool valid = false;
            const bool hit = match_class(p, pi, s[si], &next, &valid);
            if (!valid) {  // an unclosed `[` is a literal
                if (s[si] == '[') {
                    ++pi;
                    ++si;
                    continue;
                }
            } else if (hit) {
                pi = next;
                ++si;
                continue;
            }
        } else if (pi < p.size() && p[pi] == s[si]) {
            ++pi;
            ++si;
            continue;
        }
        if (star == std::string_view::npos) return false;
        pi = star + 1;
        si = ++star_s;
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

bool match_parts(const std::vector<std::string_view>& p, std::size_t pi, const std::vector<std::string_view>& s,
                 std::size_t si) {
    if (pi == p.size()) return si == s.size();
    if (p[pi] == "**") {
        // Zero or more directories (not hidden ones, as `*`).
        for (std::size_t k = si; k <= s.size(); ++k) {
            if (match_parts(p, pi + 1, s, k)) return true;
            if (k < s.size() && s[k].front() == '.') return false;
        }
        return false;
    }
    return si < s.size() && match_component(p[pi], s[si]) && match_parts(p, pi + 1, s, si + 1);
}

}  // namespace

bool has_wildcard(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

bool glob_match(std::string_view pattern, std::string_view path) {
    return match_parts(split(pattern), 0, split(path), 0);
}

std::string glob_base(std::string_view pattern) {
    std::string root = !pattern.empty() && pattern.front() == '/' ? "/" : "";
    for (auto part : split(pattern)) {
        if (has_wildcard(part)) break;
        root += std::string(part) + "/";
    }
    return root;
}

GlobResult expand_glob(const std::string& pattern, bool follow_symlinks) {
    namespace fs = std::filesystem;
    GlobResult result;
    if (!has_wildcard(pattern)) {
        std::error_code ec;
        if (fs::symlink_status(pattern, ec).type() != fs::file_type::not_found && !ec) result.paths.push_back(pattern);
        return result;
    }
    // The walk starts at the directories before the first wildcard.
    const auto parts = split(pattern);
    const std::string root = glob_base(pattern);
    std::size_t fixed = 0;
    while (fixed < parts.size() && !has_wildcard(parts[fixed])) ++fixed;
    const bool deep = std::find(parts.begin() + static_cast<std::ptrdiff_t>(fixed), parts.end(), "**") != parts.end();
    const std::size_t max_depth = parts.size() - fixed;  // components below root, without **
    const fs::path start = root.empty() ? fs::path(".") : fs::path(root);
    std::error_code ec;
    auto options = fs::directory_options::skip_permission_denied;
    if (follow_symlinks) options |= fs::directory_options::follow_directory_symlink;
    fs::recursive_directory_iterator it(start, options, ec), end;
    if (ec) {
        if (ec != std::errc::no_such_file_or_directory) result.error = "cannot read " + start.string() + ": " + ec.message();
        return result;
    }
    for (; it != end; it.increment(ec)) {
        if (ec) {
            result.error = "cannot read below " + start.string() + ": " + ec.message();
            break;
        }
        const auto depth = static_cast<std::size_t>(it.depth()) + 1;
        std::string relative = it->path().lexically_relative(start).generic_string();
        std::string full = root + relative;
        if (glob_match(pattern, full)) result.paths.push_back(full);
        // Only `**` needs to go deeper than the pattern is long.
        if (!deep && depth >= max_depth) it.disable_recursion_pending();
    }
    std::sort(result.paths.begin(), result.paths.end());
    return result;
}

}  // namespace gaia::jobs::file
