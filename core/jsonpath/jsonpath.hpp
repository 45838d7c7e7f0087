#pragma once
// The JSONPath subset of SPEC §2.4/§2.5 (`$`, `.key`, `['key']`, `[n]`, `[*]`), shared by
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
    // What a capture keeps: the single value, an array when [*] selected several, or
    // nullopt when nothing matched.
    std::optional<nlohmann::json> value(const nlohmann::json& document) const;

    const std::string& text() const noexcept { return text_; }
    bool has_wildcard() const noexcept;

private:
    std::vector<Step> steps_;
    std::string text_;
};

// Equality for expectations: numbers compare by value (1 == 1.0), everything else exactly.
bool same_value(const nlohmann::json& actual, const nlohmann::json& expected);

}  // namespace gaia::jsonpath
