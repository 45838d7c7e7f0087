#include "core/text/json_scan.hpp"
#include "core/text/utf8.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace gaia::text {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

bool JsonScanner::fail_at(std::size_t offset, std::string_view what) {
    if (!error_.empty()) return false;
    offset = std::min(offset, text_.size());
    const auto before = text_.substr(0, offset);
    const auto line = 1 + std::count(before.begin(), before.end(), '\n');
    const auto line_start = before.rfind('\n');
    const auto column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
    error_ = std::to_string(line) + ":" + std::to_string(column) + ": " + std::string(what);
    return false;
}

void JsonScanner::skip_space() noexcept {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
}

bool JsonScanner::expect(char c, const char* what) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
        ++pos_;
        return true;
    }
    return fail(pos_ < text_.size() ? std::string("expected ") + what : std::string("the text ends where ") + what +
                                                                              " should come");
}

bool JsonScanner::open(char bracket, Container& c) {
    if (failed()) return false;
    c.first = true;
    return expect(bracket, bracket == '{' ? "an object" : "an array");
}

bool JsonScanner::next_member(Container& c, std::string& key) {
    if (failed()) return false;
    skip_space();
    if (pos_ >= text_.size()) return fail("the text ends inside an object");
    if (text_[pos_] == '}') {
        ++pos_;
        return false;
    }
    if (!c.first && !expect(',', "a comma or the end of the object")) return false;
    c.first = false;
    skip_space();
    if (pos_ >= text_.size()) return fail("the text ends where a member's name should come");
    if (text_[pos_] != '"') return fail("expected a member's name (a string)");
    key.clear();
    return string(key) && expect(':', "a colon after the member's name");
}

bool JsonScanner::next_element(Container& c) {
    if (failed()) return false;
    skip_space();
    if (pos_ >= text_.size()) return fail("the text ends inside an array");
    if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return false;
    }
    if (!c.first && !expect(',', "a comma or the end of the array")) return false;
    c.first = false;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') return fail("a comma before the closing bracket");
    return true;
}

bool JsonScanner::skip_value(std::size_t* begin) {
    if (failed()) return false;
    skip_space();
    if (begin) *begin = pos_;
    return skip(0);
}

bool JsonScanner::skip(int depth) {
    skip_space();
    if (pos_ >= text_.size()) return fail("the text ends where a value should come");
    switch (text_[pos_]) {
    case '{':
    case '[': {
        if (depth >= kMaxDepth) return fail("nested more than " + std::to_string(kMaxDepth) + " levels deep");
        Container c;
        std::string key;
        if (text_[pos_] == '{') {
            open('{', c);
            while (next_member(c, key)) {
                if (!skip(depth + 1)) return false;
            }
        } else {
            open('[', c);
            while (next_element(c)) {
                if (!skip(depth + 1)) return false;
            }
        }
        return !failed();
    }
    case '"': ++pos_; return string_body(nullptr);
    case 't': return literal("true");
    case 'f': return literal("false");
    case 'n': return literal("null");
    default: return number();
    }
}

bool JsonScanner::string(std::string& out) {
    if (failed()) return false;
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a string");
    ++pos_;
    return string_body(&out);
}

bool JsonScanner::string_body(std::string* out) {
    for (;;) {
        // The common case, a run of plain ASCII, in one step.
        const auto start = pos_;
        while (pos_ < text_.size()) {
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
            ++pos_;
        }
        if (out) out->append(text_.substr(start, pos_ - start));
        if (pos_ >= text_.size()) return fail("a string is not closed");
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"') {
            ++pos_;
            return true;
        }
        if (c == '\\') {
            if (!escape(out)) return false;
        } else if (c < 0x20) {
            return fail("a control character in a string (it must be escaped)");
        } else {
            const auto at = pos_;
            if (!utf8_sequence()) return false;
            if (out) out->append(text_.substr(at, pos_ - at));
        }
    }
}

bool JsonScanner::escape(std::string* out) {
    ++pos_;  // the backslash
    if (pos_ >= text_.size()) return fail("a string is not closed");
    const char c = text_[pos_++];
    char plain = 0;
    switch (c) {
    case '"': plain = '"'; break;
    case '\\': plain = '\\'; break;
    case '/': plain = '/'; break;
    case 'b': plain = '\b'; break;
    case 'f': plain = '\f'; break;
    case 'n': plain = '\n'; break;
    case 'r': plain = '\r'; break;
    case 't': plain = '\t'; break;
    case 'u': break;
    default: --pos_; return fail("an unknown escape in a string");
    }
    if (plain) {
        if (out) *out += plain;
        return true;
    }
    auto hex4 = [this](std::uint32_t& cp) {
        if (pos_ + 4 > text_.size()) return fail("\\u needs four hex digits");
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const int v = hex_value(text_[pos_ + i]);
            if (v < 0) return fail("\\u needs four hex digits");
            cp = cp * 16 + static_cast<std::uint32_t>(v);
        }
        pos_ += 4;
        return true;
    };
    std::uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("a low surrogate \\u escape with no high one before it");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (text_.substr(pos_, 2) != "\\u") return fail("a high surrogate \\u escape with no low one after it");
        pos_ += 2;
        std::uint32_t low = 0;
        if (!hex4(low)) return false;
        if (low < 0xDC00 || low > 0xDFFF) return fail("a high surrogate \\u escape with no low one after it");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (out) append_utf8(*out, cp);
    return true;
}

bool JsonScanner::utf8_sequence() {
    std::uint32_t cp = 0;
    const auto n = decode_utf8(text_, pos_, cp);
    if (n == 0) return fail("a byte that is not UTF-8 in a string");
    pos_ += n;
    return true;
}

bool JsonScanner::number() {
    const auto start = pos_;
    auto digits = [this] {
        const auto from = pos_;
        while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        return pos_ > from;
    };
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
        ++pos_;
    } else if (!digits()) {
        pos_ = start;
        return fail("expected a value");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        if (!digits()) return fail("a number needs digits after its decimal point");
    }
    bool exponent = false;
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        exponent = true;
        ++pos_;
        if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
        if (!digits()) return fail("a number needs digits in its exponent");
    }
    // JSON has no limit; readers that hold numbers as doubles (nlohmann, JavaScript) refuse
    // one beyond a double's range, so it is refused here too. Only a number with an
    // exponent or some 300 digits can be one: the others are not converted.
    if (exponent || pos_ - start > 300) {
        const std::string copy(text_.substr(start, pos_ - start));
        if (std::isinf(std::strtod(copy.c_str(), nullptr))) return fail_at(start, "a number beyond the range of a double");
    }
    return true;
}

bool JsonScanner::literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail("expected a value");
    pos_ += word.size();
    return true;
}

bool JsonScanner::unsigned_integer(std::uint64_t& out) {
    if (failed()) return false;
    skip_space();
    const auto start = pos_;
    if (!skip(0)) return false;
    const auto text = text_.substr(start, pos_ - start);
    if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) {
        return fail_at(start, "expected a whole number of 0 or more");
    }
    out = 0;
    for (char c : text) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (out > (UINT64_MAX - digit) / 10) return fail_at(start, "a number too large");
        out = out * 10 + digit;
    }
    return true;
}

bool JsonScanner::null() {
    if (failed()) return false;
    skip_space();
    if (text_.substr(pos_, 4) != "null") return false;
    pos_ += 4;
    return true;
}

bool JsonScanner::finish() {
    if (failed()) return false;
    skip_space();
    return pos_ == text_.size() || fail("more text after the end of the document");
}

}  // namespace gaia::text
