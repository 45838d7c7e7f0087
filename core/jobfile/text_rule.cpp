#include "core/jobfile/text_rule.hpp"

namespace gaia::jobfile {
namespace {

bool token_char(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    for (char t : std::string_view("!#$%&'*+-.^_`|~")) {
        if (c == static_cast<unsigned char>(t)) return true;
    }
    return false;
}

bool refused(unsigned char c, TextRule rule) {
    switch (rule) {
    case TextRule::any: return false;
    case TextRule::no_nul: return c == 0;
    case TextRule::header_value: return c == 0 || c == '\r' || c == '\n';
    case TextRule::token: return !token_char(c);
    case TextRule::url: return c <= 0x20 || c == 0x7f;
    }
    return false;
}

std::string describe(unsigned char c) {
    switch (c) {
    case 0: return "a NUL byte (\\0)";
    case '\r': return "a carriage return (\\r)";
    case '\n': return "a line feed (\\n)";
    case '\t': return "a tab (\\t)";
    case ' ': return "a space";
    default: break;
    }
    static const char* hex = "0123456789abcdef";
    std::string code = "0x";
    code += hex[c >> 4];
    code += hex[c & 15];
    if (c < 0x20 || c == 0x7f) return "a control character (" + code + ")";
    if (c >= 0x80) return "a non-ASCII byte (" + code + ")";
    return "the character `" + std::string(1, static_cast<char>(c)) + "`";
}

}  // namespace

std::optional<TextProblem> text_rule_problem(std::string_view text, TextRule rule) {
    if (rule == TextRule::any) return std::nullopt;
    if (rule == TextRule::token && text.empty()) return TextProblem{"nothing (it is empty)", 0};
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (refused(c, rule)) return TextProblem{describe(c), i + 1};
    }
    return std::nullopt;
}

std::string_view text_rule_summary(TextRule rule) {
    switch (rule) {
    case TextRule::any: return "";
    case TextRule::no_nul: return "NUL bytes are refused in arguments, environment values and paths";
    case TextRule::header_value: return "CR, LF and NUL are refused in header values";
    case TextRule::token: return "header names and methods take letters, digits and !#$%&'*+-.^_`|~ only";
    case TextRule::url: return "URLs may not hold spaces or control characters: percent-encode them";
    }
    return "";
}

}  // namespace gaia::jobfile
