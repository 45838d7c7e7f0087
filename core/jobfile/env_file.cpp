#include "core/jobfile/env_file.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

namespace gaia::jobfile {
namespace {

constexpr std::size_t kMaxEnvFileBytes = 1u << 20;

bool valid_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
    for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// The value after '=': quoted, or bare up to an unquoted " #" comment. Empty optional
// and *error when the quotes do not close or something follows them.
std::optional<std::string> read_value(std::string_view raw, std::string* error) {
    raw = trim(raw);
    if (raw.empty()) return std::string();
    const char quote = raw.front();
    if (quote != '"' && quote != '\'') {
        const auto comment = raw.find(" #");
        return std::string(trim(raw.substr(0, comment)));
    }
    std::string out;
    std::size_t i = 1;
    for (; i < raw.size() && raw[i] != quote; ++i) {
        if (quote == '"' && raw[i] == '\\' && i + 1 < raw.size()) {
            const char next = raw[++i];
            switch (next) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            default: out += '\\'; out += next; break;
            }
        } else {
            out += raw[i];
        }
    }
    if (i == raw.size()) {
        *error = std::string("the value's ") + (quote == '"' ? "double" : "single") + " quote does not close on its line";
        return std::nullopt;
    }
    const auto rest = trim(raw.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') {
        *error = "`" + std::string(rest) + "` follows the quoted value";
        return std::nullopt;
    }
    return out;
}

}  // namespace

EnvEntries parse_env_file(const std::string& text, const std::string& file, Diagnostics& diags) {
    const auto name_of_file = std::make_shared<const std::string>(file);
    EnvEntries out;
    std::uint32_t line_no = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        std::string_view line(text.data() + start, end - start);
        start = end + 1;
        ++line_no;
        const auto content = trim(line);
        if (content.empty() || content.front() == '#') {
            if (end == text.size()) break;
            continue;
        }
        const auto indent = static_cast<std::uint32_t>(line.find_first_not_of(" \t"));
        auto at = [&](std::size_t column) { return SourcePos{name_of_file, line_no, indent + static_cast<std::uint32_t>(column) + 1}; };
        std::string_view body = content;
        std::size_t offset = 0;
        if (body.rfind("export ", 0) == 0) {
            offset = 7;
            body.remove_prefix(7);
        }
        const auto eq = body.find('=');
        if (eq == std::string_view::npos) {
            diags.error(at(offset), "`" + std::string(content) + "` is not NAME=VALUE");
        } else if (const auto name = trim(body.substr(0, eq)); !valid_name(name)) {
            diags.error(at(offset), "`" + std::string(name) + "` is not a variable name (letters, digits and _, not first a digit)");
        } else {
            std::string error;
            if (auto value = read_value(body.substr(eq + 1), &error)) out.emplace_back(std::string(name), std::move(*value));
            else diags.error(at(offset + eq + 1), error);
        }
        if (end == text.size()) break;
    }
    return out;
}

EnvEntries read_env_file(const std::string& path, const SourcePos& where, Diagnostics& diags) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diags.error(where, "cannot read the env file " + path + ": " + std::strerror(errno));
        return {};
    }
    // Read no further than the limit: a wrong path (/dev/zero, a disk image) fails fast.
    std::string text;
    char chunk[64 * 1024];
    while (text.size() <= kMaxEnvFileBytes && in.read(chunk, sizeof chunk).gcount() > 0) text.append(chunk, in.gcount());
    if (text.size() > kMaxEnvFileBytes) {
        diags.error(where, "the env file " + path + " is larger than 1 MiB");
        return {};
    }
    return parse_env_file(text, path, diags);
}

std::vector<std::string> apply_env(const EnvEntries& entries) {
    // What an env file set may be set again by the next read (gaia serve reloads); what the
    // environment had on its own stays.
    static std::set<std::string> set_by_files;
    std::vector<std::string> names;
    for (const auto& [name, value] : entries) {
        if (std::getenv(name.c_str()) == nullptr || set_by_files.count(name) != 0) {
            ::setenv(name.c_str(), value.c_str(), 1);
            set_by_files.insert(name);
        }
        names.push_back(name);
    }
    return names;
}

}  // namespace gaia::jobfile
