#pragma once
// Reads JSON text (RFC 8259) without building it: checks that it is valid and finds where
// each value begins and ends. A large document — a shard's report listing a million
// instances — can then be checked and copied piece by piece in one pass, at the speed of a
// byte loop, holding nothing but the pieces the reader asks for. (simdjson, which reads the
// file kind's documents, builds a DOM that keeps no trace of where each value's text was;
// the merge of shard reports copies instance lines byte for byte.)

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gaia::text {

class JsonScanner {
public:
    // Deeper nesting is refused, so that hostile input cannot exhaust the stack.
    static constexpr int kMaxDepth = 512;

    explicit JsonScanner(std::string_view text) : text_(text) {}

    // Where reading is, as an offset into the text.
    std::size_t pos() const noexcept { return pos_; }
    std::string_view text() const noexcept { return text_; }

    // The first problem met, with its line and column ("3:14: ..."); empty while all is well.
    // Every reading call returns false once there is one.
    const std::string& error() const noexcept { return error_; }
    bool failed() const noexcept { return !error_.empty(); }

    // One container being read: an object's members or an array's elements.
    struct Container {
        bool first = true;  // no member or element read yet: no comma expected
    };
    // Opens the object or array that must come next.
    bool open_object(Container& c) { return open('{', c); }
    bool open_array(Container& c) { return open('[', c); }
    // The next member's key (unescaped) with the scanner at its value; false at the end
    // of the object (the closing brace is read) or on an error.
    bool next_member(Container& c, std::string& key);
    // The next element, with the scanner at it; false at the end of the array or on an error.
    bool next_element(Container& c);

    // Skips the value that comes next; `begin` gets where its text starts.
    bool skip_value(std::size_t* begin = nullptr);
    // The string that comes next, unescaped.
    bool string(std::string& out);
    // The number that comes next, which must be an integer 0 ≤ n < 2^64.
    bool unsigned_integer(std::uint64_t& out);
    // True if a JSON null comes next (then read); false, reading nothing, otherwise.
    bool null();
    // After the document's value: only white space may follow.
    bool finish();

    // Sets the error at `offset` (for a problem the reader finds in what it read).
    bool fail_at(std::size_t offset, std::string_view what);

private:
    bool open(char bracket, Container& c);
    void skip_space() noexcept;
    bool expect(char c, const char* what);
    bool skip(int depth);
    bool string_body(std::string* out);
    bool escape(std::string* out);
    bool utf8_sequence();
    bool number();
    bool literal(std::string_view word);
    bool fail(std::string_view what) { return fail_at(pos_, what); }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
};

}  // namespace gaia::text
