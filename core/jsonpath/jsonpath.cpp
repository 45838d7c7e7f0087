#include "core/jsonpath/jsonpath.hpp"

#include <cctype>
#include <cmath>

namespace gaia::jsonpath {
namespace {

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$'; }

}  // namespace

std::optional<Path> Path::parse(std::string_view text, std::string* error) {
    Path p;
    p.text_ = std::string(text);
    if (text.empty() || text[0] != '$') {
        *error = "a JSONPath starts with `$`";
        return std::nullopt;
    }
    std::size_t i = 1;
    auto fail = [&](const std::string& what) {
        *error = what + " at offset " + std::to_string(i) + " of `" + std::string(text) + "`";
        return std::nullopt;
    };
    while (i < text.size()) {
        if (text[i] == '.') {
            ++i;
            if (i < text.size() && text[i] == '*') {
                p.steps_.push_back({Step::Kind::wildcard, {}, 0});
                ++i;
                continue;
            }
            const std::size_t start = i;
            while (i < text.size() && is_key_char(text[i])) ++i;
            if (i == start) return fail("expected a key after `.`");
            p.steps_.push_back({Step::Kind::key, std::string(text.substr(start, i - start)), 0});
        } else if (text[i] == '[') {
            ++i;
            if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
                const char quote = text[i++];
                const std::size_t start = i;
                while (i < text.size() && text[i] != quote) ++i;
                if (i >= text.size()) return fail("unclosed quoted key");
                std::string key(text.substr(start, i - start));
                ++i;
                if (i >= text.size() || text[i] != ']') return fail("expected `]`");
                ++i;
                p.steps_.push_back({Step::Kind::key, std::move(key), 0});
            } else if (i < text.size() && text[i] == '*') {
                ++i;
                if (i >= text.size() || text[i] != ']') return fail("expected `]`");
                ++i;
                p.steps_.push_back({Step::Kind::wildcard, {}, 0});
            } else {
                const std::size_t start = i;
                if (i < text.size() && text[i] == '-') ++i;
                while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
                if (i == start || (i == start + 1 && text[start] == '-') || i - start > 18) {
                    return fail("expected an index, `*` or a quoted key");
                }
                const long long n = std::stoll(std::string(text.substr(start, i - start)));
                if (i >= text.size() || text[i] != ']') return fail("expected `]`");
                ++i;
                p.steps_.push_back({Step::Kind::index, {}, n});
            }
        } else {
            return fail("unexpected `" + std::string(1, text[i]) + "`");
        }
    }
    return p;
}

bool Path::has_wildcard() const noexcept {
    for (const auto& s : steps_) {
        if (s.kind == Step::Kind::wildcard) return true;
    }
    return false;
}

namespace {

// nlohmann::json seen through the adapter of Path::select_in.
struct NlohmannTree {
    using Node = const nlohmann::json*;
    static bool is_object(Node n) { return n->is_object(); }
    static bool is_array(Node n) { return n->is_array(); }
    static std::optional<Node> member(Node n, const std::string& key) {
        auto it = n->find(key);
        if (it == n->end()) return std::nullopt;
        return &*it;
    }
    static std::size_t size(Node n) { return n->size(); }
    static Node element(Node n, std::size_t i) { return &(*n)[i]; }
    template <class Fn>
    static void children(Node n, Fn&& fn) {
        for (const auto& child : *n) fn(&child);
    }
};

}  // namespace

std::vector<const nlohmann::json*> Path::select(const nlohmann::json& document) const {
    return select_in<const nlohmann::json*>(&document, NlohmannTree{});
}

std::optional<nlohmann::json> Path::value(const nlohmann::json& document) const {
    auto found = select(document);
    if (found.empty() && !has_wildcard()) return std::nullopt;
    if (!has_wildcard()) return *found.front();
    nlohmann::json list = nlohmann::json::array();
    for (const auto* v : found) list.push_back(*v);
    return list;
}

bool same_value(const nlohmann::json& actual, const nlohmann::json& expected) {
    if (actual.is_number() && expected.is_number()) {
        return std::fabs(actual.get<double>() - expected.get<double>()) <= 1e-9 * std::max(1.0, std::fabs(expected.get<double>()));
    }
    return actual == expected;
}

}  // namespace gaia::jsonpath
