#include "core/text/regex.hpp"

namespace gaia::text {
namespace {

constexpr std::string_view kMultiLine = "(?m)";

}  // namespace

std::shared_ptr<const RE2> compile_regex(std::string_view pattern, bool multi_line, std::string* error) {
    auto re = std::make_shared<RE2>(multi_line ? std::string(kMultiLine) + std::string(pattern) : std::string(pattern),
                                    RE2::Quiet);
    if (re->ok()) return re;
    std::string message = re->error();
    if (multi_line) {
        if (auto at = message.find(kMultiLine); at != std::string::npos) message.erase(at, kMultiLine.size());
    }
    *error = "invalid regular expression: " + message;
    return nullptr;
}

std::string written_pattern(const RE2& regex) {
    const auto& pattern = regex.pattern();
    if (pattern.rfind(kMultiLine, 0) == 0) return pattern.substr(kMultiLine.size());
    return pattern;
}

}  // namespace gaia::text
