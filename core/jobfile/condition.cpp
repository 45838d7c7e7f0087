#include "core/jobfile/condition.hpp"

#include "core/jobfile/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace gaia::jobfile {

using Type = Condition::Type;
using Op = Condition::Op;

namespace {

struct Token {
    enum class Kind { end, text, number, name, symbol };
    Kind kind = Kind::end;
    std::string text;  // a name, a symbol, or a text literal's value
    double number = 0;
    std::size_t offset = 0;
};

const char* type_name(Type t) {
    switch (t) {
    case Type::text: return "text";
    case Type::number: return "a number";
    case Type::boolean: return "true or false";
    case Type::null: return "null";
    case Type::list: return "a list";
    case Type::any: break;
    }
    return "a value";
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

// A whole string that is one number ("200", " 3.5\n"): captures of text compare with numbers.
std::optional<double> as_number(const nlohmann::json& v) {
    if (v.is_number()) return v.get<double>();
    if (!v.is_string()) return std::nullopt;
    const auto& s = v.get_ref<const std::string&>();
    const char* begin = s.c_str();
    while (std::isspace(static_cast<unsigned char>(*begin))) ++begin;
    if (*begin == '\0') return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(begin, &end);
    if (end == begin || errno == ERANGE || !std::isfinite(d)) return std::nullopt;
    while (std::isspace(static_cast<unsigned char>(*end))) ++end;
    if (*end != '\0') return std::nullopt;
    return d;
}

bool equal(const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number() != b.is_number() && (a.is_number() || b.is_number())) {
        const auto x = as_number(a), y = as_number(b);
        return x && y && *x == *y;
    }
    return a == b;
}

std::string shown(const nlohmann::json& v) {
    std::string text = json_dump(v);
    return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

}  // namespace

class ConditionParser {
public:
    ConditionParser(std::string_view text, Condition& out, ConditionError* error) : text_(text), out_(out), error_(error) {}

    bool parse() {
        if (!tokenize()) return false;
        const auto root = parse_or();
        if (!root) return false;
        if (peek().kind != Token::Kind::end) return fail(peek().offset, "unexpected `" + peek().text + "`");
        const auto& node = out_.nodes_[*root];
        if (node.type != Type::boolean && node.type != Type::any) {
            return fail(node.offset, "the condition is " + std::string(type_name(node.type)) +
                                         ", not true or false: compare it (e.g. `== 'yes'`)");
        }
        return true;
    }

private:
    bool fail(std::size_t offset, std::string message) {
        if (error_->message.empty()) *error_ = {offset, std::move(message)};
        return false;
    }

    bool tokenize() {
        std::size_t i = 0;
        while (i < text_.size()) {
            const char c = text_[i];
            if (std::isspace(static_cast<unsigned char>(c))) {
                ++i;
                continue;
            }
            Token t;
            t.offset = i;
            if (c == '\'' || c == '"') {
                t.kind = Token::Kind::text;
                std::size_t j = i + 1;
                for (; j < text_.size() && text_[j] != c; ++j) {
                    if (text_[j] == '\\' && j + 1 < text_.size()) ++j;
                    t.text += text_[j];
                }
                if (j >= text_.size()) return fail(i, "this text has no closing " + std::string(1, c));
                i = j + 1;
            } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                       (c == '-' && i + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i + 1])))) {
                t.kind = Token::Kind::number;
                const std::string rest(text_.substr(i));
                char* end = nullptr;
                t.number = std::strtod(rest.c_str(), &end);
                const auto length = static_cast<std::size_t>(end - rest.c_str());
                t.text = rest.substr(0, length);
                i += length;
                if (i < text_.size() && is_name_char(text_[i])) return fail(t.offset, "`" + t.text + text_[i] + "` is not a number");
            } else if (is_name_start(c)) {
                t.kind = Token::Kind::name;
                std::size_t j = i;
                while (j < text_.size() && is_name_char(text_[j])) ++j;
                t.text = std::string(text_.substr(i, j - i));
                i = j;
            } else {
                t.kind = Token::Kind::symbol;
                static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
                const auto two = text_.substr(i, 2);
                bool matched = false;
                for (auto s : kTwo) {
                    if (two == s) {
                        t.text = std::string(s);
                        matched = true;
                    }
                }
                if (!matched) {
                    if (std::string_view("!<>()[],").find(c) == std::string_view::npos) {
                        return fail(i, std::string("unexpected `") + c + "`" +
                                           (c == '=' ? " (compare with ==)" : c == '&' ? " (and is &&)" : c == '|' ? " (or is ||)" : ""));
                    }
                    t.text = std::string(1, c);
                }
                i += t.text.size();
            }
            tokens_.push_back(std::move(t));
        }
        Token end;
        end.offset = text_.size();
        tokens_.push_back(end);
        return true;
    }

    const Token& peek() const { return tokens_[at_]; }
    bool accept(std::string_view symbol) {
        const auto& t = peek();
        if ((t.kind == Token::Kind::symbol || (t.kind == Token::Kind::name && symbol == "in")) && t.text == symbol) {
            ++at_;
            return true;
        }
        return false;
    }

    std::size_t add(Condition::Node node) {
        out_.nodes_.push_back(std::move(node));
        return out_.nodes_.size() - 1;
    }
    const Condition::Node& node(std::size_t i) const { return out_.nodes_[i]; }
    std::string what(std::size_t i) const {
        const auto& n = node(i);
        if (n.op == Op::ref) return "`" + out_.refs_[n.ref].text + "` is " + type_name(n.type);
        if (n.op == Op::literal) return "`" + shown(n.value) + "` is " + type_name(n.type);
        return "its value is " + std::string(type_name(n.type));
    }

    bool truth_value(std::size_t operand, std::string_view op) {
        const auto t = node(operand).type;
        if (t == Type::boolean || t == Type::any) return true;
        return fail(node(operand).offset, "`" + std::string(op) + "` needs true or false, and " + what(operand) +
                                              (t == Type::text ? " (compare it: == '…')" : ""));
    }

    // `a || b || c`, `a && b`: left to right, each side true or false.
    std::optional<std::size_t> parse_chain(std::string_view symbol, Op op, std::optional<std::size_t> (ConditionParser::*next)()) {
        auto lhs = (this->*next)();
        while (lhs && peek().kind == Token::Kind::symbol && peek().text == symbol) {
            const auto offset = peek().offset;
            ++at_;
            auto rhs = (this->*next)();
            if (!rhs || !truth_value(*lhs, symbol) || !truth_value(*rhs, symbol)) return std::nullopt;
            lhs = add({op, Type::boolean, offset, nullptr, 0, {*lhs, *rhs}});
        }
        return lhs;
    }
    std::optional<std::size_t> parse_or() { return parse_chain("||", Op::either, &ConditionParser::parse_and); }
    std::optional<std::size_t> parse_and() { return parse_chain("&&", Op::both, &ConditionParser::parse_not); }

    std::optional<std::size_t> parse_not() {
        if (peek().kind == Token::Kind::symbol && peek().text == "!") {
            const auto offset = peek().offset;
            ++at_;
            auto operand = parse_not();
            if (!operand || !truth_value(*operand, "!")) return std::nullopt;
            return add({Op::negate, Type::boolean, offset, nullptr, 0, {*operand}});
        }
        return parse_comparison();
    }

    std::optional<std::size_t> parse_comparison() {
        auto lhs = parse_primary();
        if (!lhs) return std::nullopt;
        static constexpr std::pair<std::string_view, Op> kOps[] = {
            {"==", Op::eq}, {"!=", Op::ne}, {"<", Op::lt}, {">", Op::gt}, {"<=", Op::le}, {">=", Op::ge}, {"in", Op::in}};
        for (const auto& [symbol, op] : kOps) {
            const auto offset = peek().offset;
            if (!accept(symbol)) continue;
            auto rhs = parse_primary();
            if (!rhs || !check_comparison(op, symbol, *lhs, *rhs)) return std::nullopt;
            return add({op, Type::boolean, offset, nullptr, 0, {*lhs, *rhs}});
        }
        return lhs;
    }

    // Known types that cannot compare are an error now, not a false at run time. Text
    // from vars and env may hold a number: that is seen only when it is evaluated.
    bool check_comparison(Op op, std::string_view symbol, std::size_t lhs, std::size_t rhs) {
        const auto a = node(lhs).type, b = node(rhs).type;
        const auto sym = std::string(symbol);
        if (op == Op::in) {
            if (b == Type::number || b == Type::boolean || b == Type::null) {
                return fail(node(rhs).offset, "`in` needs a list or text on its right, and " + what(rhs));
            }
            return true;
        }
        const bool numeric_text = (a == Type::text && b == Type::number && node(lhs).op == Op::ref) ||
                                  (b == Type::text && a == Type::number && node(rhs).op == Op::ref);
        if (op == Op::eq || op == Op::ne) {
            if (a != Type::any && b != Type::any && a != b && !numeric_text) {
                return fail(node(lhs).offset, "`" + sym + "` compares " + type_name(a) + " with " + type_name(b) +
                                                  ": it is always " + (op == Op::eq ? "false" : "true"));
            }
            return true;
        }
        for (auto [side, t] : {std::pair{lhs, a}, std::pair{rhs, b}}) {
            if (t == Type::boolean || t == Type::null || t == Type::list) {
                return fail(node(side).offset, "`" + sym + "` orders numbers or text, and " + what(side));
            }
        }
        if (a != Type::any && b != Type::any && a != b && !numeric_text) {
            return fail(node(lhs).offset, "`" + sym + "` compares " + type_name(a) + " with " + type_name(b));
        }
        return true;
    }

    std::optional<std::size_t> parse_primary() {
        const Token t = peek();
        switch (t.kind) {
        case Token::Kind::end: fail(t.offset, "the condition ends where a value was expected"); return std::nullopt;
        case Token::Kind::text: ++at_; return add({Op::literal, Type::text, t.offset, t.text, 0, {}});
        case Token::Kind::number: {
            ++at_;
            // Whole numbers stay integers: 3 == 3 either way, but messages show what was written.
            const bool whole = t.text.find_first_of(".eE") == std::string::npos && std::abs(t.number) < 9e15;
            const nlohmann::json value = whole ? nlohmann::json(static_cast<std::int64_t>(t.number)) : nlohmann::json(t.number);
            return add({Op::literal, Type::number, t.offset, value, 0, {}});
        }
        case Token::Kind::symbol:
            if (accept("(")) {
                auto inner = parse_or();
                if (!inner) return std::nullopt;
                if (!accept(")")) {
                    fail(peek().offset, "expected `)`");
                    return std::nullopt;
                }
                return inner;
            }
            if (accept("[")) return parse_list(t.offset);
            fail(t.offset, "unexpected `" + t.text + "` where a value was expected");
            return std::nullopt;
        case Token::Kind::name: break;
        }
        ++at_;
        if (t.text == "true" || t.text == "false") return add({Op::literal, Type::boolean, t.offset, t.text == "true", 0, {}});
        if (t.text == "null") return add({Op::literal, Type::null, t.offset, nullptr, 0, {}});
        if (accept("(")) {
            static const std::vector<std::string_view> kFunctions = {"success", "failure", "always"};
            if (std::find(kFunctions.begin(), kFunctions.end(), t.text) == kFunctions.end()) {
                fail(t.offset, "unknown function `" + t.text + "()`" + did_you_mean(t.text, kFunctions) +
                                   " (there are success(), failure() and always())");
                return std::nullopt;
            }
            if (!accept(")")) {
                fail(peek().offset, "`" + t.text + "()` takes nothing");
                return std::nullopt;
            }
            out_.checks_status_ = true;
            return add({Op::call, Type::boolean, t.offset, t.text, 0, {}});
        }
        return parse_ref(t);
    }

    std::optional<std::size_t> parse_ref(const Token& t) {
        TemplateRef ref;
        ref.offset = t.offset;
        ref.text = t.text;
        std::vector<std::string> path;
        for (std::size_t start = 0;;) {
            const auto dot = t.text.find('.', start);
            path.push_back(t.text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        bool ok = std::none_of(path.begin(), path.end(), [](const std::string& p) { return p.empty(); });
        Type type = Type::text;
        if (ok && path[0] == "vars" && path.size() == 2) {
            ref.kind = TemplateRef::Kind::var;
            ref.name = path[1];
        } else if (ok && path[0] == "env" && path.size() == 2) {
            ref.kind = TemplateRef::Kind::env;
            ref.name = path[1];
            type = Type::any;  // text, or null when unset
        } else if (ok && path[0] == "jobs" && path.size() == 3) {
            ref.kind = TemplateRef::Kind::job_capture;
            ref.name = path[1];
            ref.key = path[2];
            type = Type::any;
        } else {
            fail(t.offset, "unknown name `" + t.text +
                               "` (a condition reads vars.NAME, env.NAME and jobs.JOB.CAPTURE; text is quoted: 'like this')");
            return std::nullopt;
        }
        out_.refs_.push_back(std::move(ref));
        return add({Op::ref, type, t.offset, nullptr, out_.refs_.size() - 1, {}});
    }

    std::optional<std::size_t> parse_list(std::size_t offset) {
        Condition::Node list{Op::list, Type::list, offset, nullptr, 0, {}};
        if (!accept("]")) {
            do {
                auto item = parse_primary();
                if (!item) return std::nullopt;
                list.args.push_back(*item);
            } while (accept(","));
            if (!accept("]")) {
                fail(peek().offset, "expected `,` or `]` in the list");
                return std::nullopt;
            }
        }
        return add(std::move(list));
    }

    std::string_view text_;
    Condition& out_;
    ConditionError* error_;
    std::vector<Token> tokens_;
    std::size_t at_ = 0;
};

std::optional<Condition> Condition::compile(std::string_view text, ConditionError* error) {
    Condition c;
    c.source_ = std::string(text);
    *error = {};
    ConditionParser parser(text, c, error);
    if (!parser.parse()) return std::nullopt;
    return c;
}

bool Condition::evaluate(const Scope& scope) const {
    const auto value = eval(nodes_.size() - 1, scope);
    if (!value.is_boolean()) throw ConditionEvalError("the condition is " + shown(value) + ", not true or false");
    return value.get<bool>();
}

nlohmann::json Condition::eval(std::size_t i, const Scope& scope) const {
    const auto& n = nodes_[i];
    auto truth = [&](std::size_t operand) {
        const auto v = eval(operand, scope);
        if (!v.is_boolean()) {
            throw ConditionEvalError("`" + (nodes_[operand].op == Op::ref ? refs_[nodes_[operand].ref].text : shown(v)) +
                                     "` is " + shown(v) + ", not true or false");
        }
        return v.get<bool>();
    };
    switch (n.op) {
    case Op::literal: return n.value;
    case Op::ref: {
        const auto& ref = refs_[n.ref];
        if (ref.kind == TemplateRef::Kind::var) {
            if (scope.vars) {
                const auto it = scope.vars->find(ref.name);
                if (it != scope.vars->end()) return it->second;
            }
            return nullptr;
        }
        if (ref.kind == TemplateRef::Kind::env) {
            const char* value = std::getenv(ref.name.c_str());
            return value ? nlohmann::json(value) : nlohmann::json(nullptr);
        }
        const auto* value = scope.capture ? scope.capture(ref.name, ref.key) : nullptr;
        return value ? *value : nlohmann::json(nullptr);
    }
    case Op::list: {
        auto list = nlohmann::json::array();
        for (auto a : n.args) list.push_back(eval(a, scope));
        return list;
    }
    case Op::call: {
        const auto& name = n.value.get_ref<const std::string&>();
        if (name == "success") return scope.needs_succeeded;
        if (name == "failure") return scope.needs_failed;
        return true;
    }
    case Op::negate: return !truth(n.args[0]);
    case Op::both: return truth(n.args[0]) && truth(n.args[1]);
    case Op::either: return truth(n.args[0]) || truth(n.args[1]);
    case Op::eq: return equal(eval(n.args[0], scope), eval(n.args[1], scope));
    case Op::ne: return !equal(eval(n.args[0], scope), eval(n.args[1], scope));
    case Op::in: {
        const auto needle = eval(n.args[0], scope), hay = eval(n.args[1], scope);
        if (hay.is_array()) return std::any_of(hay.begin(), hay.end(), [&](const auto& v) { return equal(needle, v); });
        if (hay.is_string() && needle.is_string()) {
            return hay.get_ref<const std::string&>().find(needle.get_ref<const std::string&>()) != std::string::npos;
        }
        if (hay.is_object() && needle.is_string()) return hay.contains(needle.get<std::string>());
        throw ConditionEvalError("`in` cannot look for " + shown(needle) + " in " + shown(hay));
    }
    case Op::lt:
    case Op::gt:
    case Op::le:
    case Op::ge: {
        const auto a = eval(n.args[0], scope), b = eval(n.args[1], scope);
        int order = 0;
        if (a.is_string() && b.is_string()) {
            order = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
        } else {
            const auto x = as_number(a), y = as_number(b);
            if (!x || !y) throw ConditionEvalError("cannot order " + shown(a) + " and " + shown(b));
            order = *x < *y ? -1 : *x > *y ? 1 : 0;
        }
        switch (n.op) {
        case Op::lt: return order < 0;
        case Op::gt: return order > 0;
        case Op::le: return order <= 0;
        default: return order >= 0;
        }
    }
    }
    return nullptr;
}

}  // namespace gaia::jobfile
