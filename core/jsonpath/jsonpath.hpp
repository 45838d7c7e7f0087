#pragma once
// The JSONPath subset of gaia-jobs(5) (`$`, `.key`, `['key']`, `[n]`, `[*]`), shared by
// the kinds that look into JSON documents (http responses, parsed files).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gaia::jsonpath {

struct Step {
    enum class Kind { key, index, wildcard };
    Kind kind = Kind::key;
    std::string key;
    long long index = 0;  // negative counts from the end
};

class Path {
public:
    // Nullopt and *error (with the offset in the text) when the path is not in the subset.
    static std::optional<Path> parse(std::string_view text, std::string* error);

    // Every value the path selects (several through [*]); empty when nothing matches.
    std::vector<const nlohmann::json*> select(const nlohmann::json& document) const;
    // The same walk over another JSON tree (a parsed file's DOM), through an adapter:
    //   bool is_object(N), is_array(N); std::optional<N> member(N, key);
    //   std::size_t size(N); N element(N, i); void children(N, fn(N)).
    template <class Node, class Tree>
    std::vector<Node> select_in(const Node& root, const Tree& tree) const;
    // What a capture keeps: the single value, an array when [*] selected several, or
    // nullopt when nothing matched.
    std::optional<nlohmann::json> value(const nlohmann::json& document) const;

    const std::string& text() const noexcept { return text_; }
    const std::vector<Step>& steps() const noexcept { return steps_; }
    bool has_wildcard() const noexcept;

private:
    std::vector<Step> steps_;
    std::string text_;
};

template <class Node, class Tree>
std::vector<Node> Path::select_in(const Node& root, const Tree& tree) const {
    std::vector<Node> current{root};
    for (const auto& step : steps_) {
        std::vector<Node> next;
        for (const auto& node : current) {
            switch (step.kind) {
            case Step::Kind::key:
                if (tree.is_object(node)) {
                    if (auto child = tree.member(node, step.key)) next.push_back(*child);
                }
                break;
            case Step::Kind::index:
                if (tree.is_array(node)) {
                    const auto size = static_cast<long long>(tree.size(node));
                    const long long at = step.index < 0 ? size + step.index : step.index;
                    if (at >= 0 && at < size) next.push_back(tree.element(node, static_cast<std::size_t>(at)));
                }
                break;
            case Step::Kind::wildcard:
                if (tree.is_array(node) || tree.is_object(node)) {
                    tree.children(node, [&](const Node& child) { next.push_back(child); });
                }
                break;
            }
        }
        current = std::move(next);
        if (current.empty()) break;
    }
    return current;
}

// Equality for expectations: numbers compare by value (1 == 1.0), everything else exactly.
bool same_value(const nlohmann::json& actual, const nlohmann::json& expected);

}  // namespace gaia::jsonpath
