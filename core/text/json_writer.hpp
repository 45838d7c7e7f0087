#pragma once
// JSON written straight into a string, for answers built row by row (the run history's
// lists): several times faster than building nlohmann::json objects to dump them, which
// matters on an endpoint asked thousands of times a second. Text that is not UTF-8 gets
// U+FFFD in place of each bad byte, as nlohmann's `replace` error handler does.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::text {

// Appends `text` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }
    // The key of the next member; a value call must follow.
    JsonWriter& key(std::string_view name);

    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(double number);  // shortest text that reads back the same; null if not finite
    JsonWriter& null();
    // Text that is JSON already (a stored object), written as it is.
    JsonWriter& raw(std::string_view json);

private:
    JsonWriter& open(char bracket);
    JsonWriter& close(char bracket);
    void separate();  // the comma before an element, unless it is the first

    std::string& out_;
    std::vector<bool> first_ = {true};  // per open container: nothing written in it yet
    bool after_key_ = false;
};

}  // namespace gaia::text
