#include "core/jobfile/nesting.hpp"

#include <vector>

namespace gaia::jobfile {
namespace {

class NestingScanner {
public:
    NestingScanner(std::string_view text, std::size_t max_depth) : text_(text), max_(max_depth) {}

    std::optional<DeepNesting> scan() {
        while (!excess_ && i_ < text_.size()) {
            const char c = text_[i_];
            if (c == '#') {
                skip_comment();
            } else if (c == '\n') {
                advance();
                if (open_.empty()) expect_key_ = true;  // a new statement
            } else if (c == ' ' || c == '\t' || c == '\r') {
                advance();
            } else if (expect_key_) {
                read_key_position();
            } else {
                read_value_char(c);
            }
        }
        return excess_;
    }

private:
    struct Open {
        char kind;          // '[' array, '{' inline table
        std::size_t depth;  // of the container itself
    };

    void advance() {
        if (text_[i_] == '\n') {
            ++line_;
            line_start_ = i_ + 1;
        }
        ++i_;
    }

    bool at(std::string_view s) const { return text_.substr(i_, s.size()) == s; }

    void check(std::size_t depth, std::size_t where) {
        if (depth <= max_ || excess_) return;
        excess_ = DeepNesting{line_, static_cast<std::uint32_t>(where - line_start_ + 1)};
    }

    void skip_comment() {
        while (i_ < text_.size() && text_[i_] != '\n') advance();
    }

    // A string as TOML reads it: basic ("…", escapes), literal ('…'), and their
    // multi-line forms. A one-line string stops at a newline, which is an error the
    // parser reports; the scan goes on from there.
    void skip_string() {
        const char quote = text_[i_];
        const bool basic = quote == '"';
        const std::string_view triple = basic ? "\"\"\"" : "'''";
        if (at(triple)) {
            for (int k = 0; k < 3; ++k) advance();
            while (i_ < text_.size() && !at(triple)) {
                if (basic && text_[i_] == '\\' && i_ + 1 < text_.size()) advance();
                advance();
            }
            // Up to two more quotes may close a multi-line string ("""a"""").
            for (int k = 0; k < 5 && i_ < text_.size() && text_[i_] == quote; ++k) advance();
            return;
        }
        advance();
        while (i_ < text_.size() && text_[i_] != quote && text_[i_] != '\n') {
            if (basic && text_[i_] == '\\' && i_ + 1 < text_.size() && text_[i_ + 1] != '\n') advance();
            advance();
        }
        if (i_ < text_.size() && text_[i_] == quote) advance();
    }

    static bool bare_key_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    // The parts of a dotted key (`a."b.c".d` has three); stops before whatever follows it.
    std::size_t count_key_parts() {
        std::size_t parts = 1;
        while (i_ < text_.size()) {
            const char c = text_[i_];
            if (c == '"' || c == '\'') {
                skip_string();
            } else if (bare_key_char(c)) {
                advance();
            } else if (c == ' ' || c == '\t') {
                advance();
            } else if (c == '.') {
                ++parts;
                advance();
            } else {
                break;
            }
        }
        return parts;
    }

    void read_key_position() {
        const char c = text_[i_];
        if (open_.empty() && c == '[') {
            // A table header, [a.b] or [[a.b]]: the statements under it start at its depth.
            const std::size_t start = i_;
            advance();
            if (i_ < text_.size() && text_[i_] == '[') advance();
            header_depth_ = count_key_parts();
            check(header_depth_, start);
            expect_key_ = false;  // the rest of the line is the header's end, or an error
            slot_ = header_depth_;
            return;
        }
        if (!open_.empty() && open_.back().kind == '{' && c == '}') {  // `{}` or a trailing comma
            close_container();
            return;
        }
        const std::size_t start = i_;
        const std::size_t base = open_.empty() ? header_depth_ : open_.back().depth;
        const std::size_t before = i_;
        slot_ = base + count_key_parts();
        check(slot_, start);
        expect_key_ = false;
        if (i_ == before) advance();  // not a key at all: step over it, the parser will say why
        else if (i_ < text_.size() && text_[i_] == '=') advance();
    }

    void read_value_char(char c) {
        switch (c) {
        case '"':
        case '\'': skip_string(); return;
        case '[':
        case '{':
            // The container takes the slot it is assigned to; what it holds is one deeper.
            open_.push_back({c, slot_});
            check(slot_ + 1, i_);
            advance();
            if (c == '[') slot_ = open_.back().depth + 1;
            else expect_key_ = true;
            return;
        case ']':
        case '}': close_container(); return;
        case ',':
            advance();
            if (open_.empty()) return;
            if (open_.back().kind == '{') expect_key_ = true;
            else slot_ = open_.back().depth + 1;
            return;
        default: advance(); return;
        }
    }

    void close_container() {
        advance();
        if (open_.empty()) return;  // unbalanced: the parser reports it
        open_.pop_back();
        expect_key_ = false;
        if (!open_.empty() && open_.back().kind == '[') slot_ = open_.back().depth + 1;
    }

    std::string_view text_;
    std::size_t max_;
    std::size_t i_ = 0;
    std::uint32_t line_ = 1;
    std::size_t line_start_ = 0;
    bool expect_key_ = true;
    std::size_t header_depth_ = 0;
    std::size_t slot_ = 0;  // the depth a value read now would have
    std::vector<Open> open_;
    std::optional<DeepNesting> excess_;
};

}  // namespace

std::optional<DeepNesting> find_deep_nesting(std::string_view text, std::size_t max_depth) {
    return NestingScanner(text, max_depth).scan();
}

}  // namespace gaia::jobfile
