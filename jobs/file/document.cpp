#include "jobs/file/document.hpp"

#include "core/jobfile/template.hpp"

#include "jobs/file/unique_fd.hpp"

#include <pugixml.hpp>
#include <simdjson.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <type_traits>

namespace gaia::jobs::file {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// "line L, column C" of a byte offset.
std::string position_of(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string byte_text(unsigned char c) {
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", c);
    return buf;
}

// The whole file into `out` (which adds simdjson's padding), checking the size limit
// first and the cancel flag between chunks.
template <class Buffer>
std::string load(const std::string& path, std::uint64_t max_bytes, const std::atomic<bool>* cancel,
                 Buffer& out, std::uint64_t* size_out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
    const UniqueFd fd_owner(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return "cannot stat " + path + ": " + std::strerror(errno);
    if (S_ISDIR(st.st_mode)) return "cannot parse " + path + ": it is a directory";
    const auto size = static_cast<std::uint64_t>(st.st_size);
    // A document that cannot be one is refused from its first bytes, before a big read.
    char head[64];
    const ssize_t head_n = ::pread(fd, head, sizeof head, 0);
    if (head_n < 0) return "cannot read " + path + ": " + std::strerror(errno);
    for (ssize_t i = 0; i < head_n; ++i) {
        const auto c = static_cast<unsigned char>(head[i]);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c < 0x20) {
            return path + " is not a text document: " +
                   position_of(std::string_view(head, static_cast<std::size_t>(i)), static_cast<std::size_t>(i)) +
                   ": byte " + byte_text(c);
        }
        break;
    }
    if (size > max_bytes) {
        return "cannot parse " + path + ": it is " + jobfile::format_size(size) + ", more than [file].max_parse (" +
               jobfile::format_size(max_bytes) + ")";
    }
    if constexpr (std::is_same_v<Buffer, std::string>) out.resize(static_cast<std::size_t>(size));
    else out = Buffer(static_cast<std::size_t>(size));
    std::size_t done = 0;
    while (done < size) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return "cancelled";
        const ssize_t n = ::read(fd, out.data() + done, std::min<std::size_t>(size - done, 8u << 20));
        if (n < 0) {
            if (errno == EINTR) continue;
            return "cannot read " + path + ": " + std::strerror(errno);
        }
        if (n == 0) return "cannot read " + path + ": it shrank while being read";
        done += static_cast<std::size_t>(n);
    }
    *size_out = size;
    return {};
}

// ---- JSON -------------------------------------------------------------------------

// simdjson's DOM seen through jsonpath::Path::select_in.
struct SimdTree {
    using Node = simdjson::dom::element;
    static bool is_object(const Node& n) { return n.is_object(); }
    static bool is_array(const Node& n) { return n.is_array(); }
    static std::optional<Node> member(const Node& n, const std::string& key) {
        Node child;
        if (n.at_key(key).get(child) != simdjson::SUCCESS) return std::nullopt;
        return child;
    }
    static std::size_t size(const Node& n) { return simdjson::dom::array(n).size(); }
    static Node element(const Node& n, std::size_t i) { return simdjson::dom::array(n).at(i).value_unsafe(); }
    template <class Fn>
    static void children(const Node& n, Fn&& fn) {
        if (n.is_array()) {
            for (auto child : simdjson::dom::array(n)) fn(child);
        } else {
            for (auto field : simdjson::dom::object(n)) fn(field.value);
        }
    }
};

nlohmann::json to_nlohmann(const simdjson::dom::element& e) {
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::ARRAY: {
        auto out = nlohmann::json::array();
        for (auto child : simdjson::dom::array(e)) out.push_back(to_nlohmann(child));
        return out;
    }
    case element_type::OBJECT: {
        auto out = nlohmann::json::object();
        for (auto field : simdjson::dom::object(e)) out[std::string(field.key)] = to_nlohmann(field.value);
        return out;
    }
    case element_type::INT64: return int64_t(e);
    case element_type::UINT64: return uint64_t(e);
    case element_type::DOUBLE: return double(e);
    case element_type::STRING: return std::string(std::string_view(e));
    case element_type::BOOL: return bool(e);
    case element_type::NULL_VALUE: return nullptr;
    }
    return nullptr;
}

// Where nlohmann-json's parser stops in a document simdjson rejected, and why: "line 3,
// column 10: syntax error …". Empty if it accepts the document (the two disagree on a
// detail).
std::string locate_json_error(std::string_view text) {
    struct Sax : nlohmann::json_sax<nlohmann::json> {
        std::string error;
        std::size_t position = 0;
        bool null() override { return true; }
        bool boolean(bool) override { return true; }
        bool number_integer(number_integer_t) override { return true; }
        bool number_unsigned(number_unsigned_t) override { return true; }
        bool number_float(number_float_t, const string_t&) override { return true; }
        bool string(string_t&) override { return true; }
        bool binary(binary_t&) override { return true; }
        bool start_object(std::size_t) override { return true; }
        bool key(string_t&) override { return true; }
        bool end_object() override { return true; }
        bool start_array(std::size_t) override { return true; }
        bool end_array() override { return true; }
        bool parse_error(std::size_t at, const std::string&, const nlohmann::detail::exception& e) override {
            position = at;
            error = e.what();
            return false;
        }
    } sax;
    nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
    if (sax.error.empty()) return {};
    // nlohmann-json counts the character that ended a bad token (often the line break
    // after it); the last significant character read is where the reader should look.
    // (An empty file has no character at all: its error is at line 1, column 1.)
    std::size_t at = std::min(sax.position, text.size());
    if (at > 0) --at;
    while (at > 0 && std::isspace(static_cast<unsigned char>(text[at]))) --at;
    // Its message starts "[json.exception.parse_error.101] parse error at line …: ".
    std::string why = sax.error;
    if (auto colon = why.find(": "); colon != std::string::npos) why.erase(0, colon + 2);
    return position_of(text, at) + ": " + why;
}

std::string parse_json(const std::string& path, const FileJobConfig& job, std::uint64_t max_bytes,
                       const std::atomic<bool>* cancel, DocumentResult& result) {
    simdjson::padded_string text;
    if (auto error = load(path, max_bytes, cancel, text, &result.bytes); !error.empty()) return error;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto code = parser.parse(text).get(root); code != simdjson::SUCCESS) {
        auto where = locate_json_error(std::string_view(text.data(), text.size()));
        if (where.empty()) where = simdjson::error_message(code);
        return path + " is not valid JSON: " + where;
    }
    for (const auto& [query, expected] : job.expect_json) {
        auto found = query.select_in(root, SimdTree{});
        if (found.empty()) return "expect.json: " + query.text() + " selects nothing in " + path;
        const auto actual = to_nlohmann(found.front());
        if (!jsonpath::same_value(actual, expected)) {
            return "expect.json: " + query.text() + " is " + jobfile::json_dump(actual) + ", expected " + jobfile::json_dump(expected);
        }
    }
    for (const auto& capture : job.captures) {
        if (capture.source != FileCapture::Source::json) continue;
        auto found = capture.path->select_in(root, SimdTree{});
        if (found.empty()) return "capture." + capture.name + ": " + capture.path->text() + " selects nothing in " + path;
        if (capture.path->has_wildcard()) {
            auto list = nlohmann::json::array();
            for (const auto& e : found) list.push_back(to_nlohmann(e));
            result.captures[capture.name] = std::move(list);
        } else {
            result.captures[capture.name] = to_nlohmann(found.front());
        }
    }
    return {};
}

// ---- XML --------------------------------------------------------------------------

// What an XPath selects, as JSON: a string (a node's string value, or several as an
// array), a number or a boolean. Nullopt when a node-set query selects nothing.
std::optional<nlohmann::json> xpath_value(const pugi::xpath_query& query, const pugi::xml_document& doc) {
    switch (query.return_type()) {
    case pugi::xpath_type_node_set: {
        const auto nodes = query.evaluate_node_set(doc);
        if (nodes.empty()) return std::nullopt;
        auto string_of = [](const pugi::xpath_node& n) {
            return n.attribute() ? std::string(n.attribute().value()) : std::string(pugi::xpath_query(".").evaluate_string(n));
        };
        if (nodes.size() == 1) return string_of(nodes[0]);
        auto list = nlohmann::json::array();
        for (const auto& n : nodes) list.push_back(string_of(n));
        return list;
    }
    case pugi::xpath_type_number: return query.evaluate_number(doc);
    case pugi::xpath_type_boolean: return query.evaluate_boolean(doc);
    default: return std::string(query.evaluate_string(doc));
    }
}

bool xpath_matches(const nlohmann::json& actual, const nlohmann::json& expected) {
    if (expected.is_number() && actual.is_string()) {
        char* end = nullptr;
        const auto& text = actual.get_ref<const std::string&>();
        const double value = std::strtod(text.c_str(), &end);
        return end != text.c_str() && *end == '\0' && jsonpath::same_value(nlohmann::json(value), expected);
    }
    if (expected.is_string() && !actual.is_string()) return jobfile::json_dump(actual) == expected.get<std::string>();
    return jsonpath::same_value(actual, expected);
}

std::string parse_xml(const std::string& path, const FileJobConfig& job, std::uint64_t max_bytes,
                      const std::atomic<bool>* cancel, DocumentResult& result) {
    std::string text;
    if (auto error = load(path, max_bytes, cancel, text, &result.bytes); !error.empty()) return error;
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer_inplace(text.data(), text.size(), pugi::parse_default | pugi::parse_declaration);
    if (!parsed) {
        // In-place parsing rewrote the text before the error, but not its line breaks.
        return path + " is not valid XML: " + position_of(text, static_cast<std::size_t>(parsed.offset)) + ": " +
               parsed.description();
    }
    if (!doc.document_element()) return path + " is not valid XML: it has no root element";
    for (const auto& expectation : job.expect_xpath) {
        const pugi::xpath_query query(expectation.query.c_str());
        auto actual = xpath_value(query, doc);
        if (!actual) return "expect.xpath: " + expectation.query + " selects nothing in " + path;
        if (!xpath_matches(*actual, expectation.expected)) {
            return "expect.xpath: " + expectation.query + " is " + jobfile::json_dump(*actual) + ", expected " +
                   jobfile::json_dump(expectation.expected);
        }
    }
    for (const auto& capture : job.captures) {
        if (capture.source != FileCapture::Source::xpath) continue;
        const pugi::xpath_query query(capture.xpath.c_str());
        auto value = xpath_value(query, doc);
        if (!value) return "capture." + capture.name + ": " + capture.xpath + " selects nothing in " + path;
        result.captures[capture.name] = std::move(*value);
    }
    return {};
}

}  // namespace

std::optional<Format> format_from_extension(std::string_view path) {
    const auto slash = path.rfind('/');
    const auto dot = path.rfind('.');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return std::nullopt;
    const auto ext = lower(path.substr(dot + 1));
    if (ext == "json") return Format::json;
    for (const char* xml : {"xml", "svg", "xhtml", "rss", "atom", "xsd"}) {
        if (ext == xml) return Format::xml;
    }
    return std::nullopt;
}

bool check_xpath(std::string_view query, std::string* error) {
    try {
        const pugi::xpath_query compiled(std::string(query).c_str());
        (void)compiled;
        return true;
    } catch (const pugi::xpath_exception& e) {
        *error = "invalid XPath at offset " + std::to_string(e.result().offset) + ": " + e.result().description();
        return false;
    }
}

DocumentResult parse_document(const std::string& path, Format format, const FileJobConfig& job, std::uint64_t max_bytes,
                              const std::atomic<bool>* cancel) {
    DocumentResult result;
    if (format == Format::by_extension) {
        auto found = format_from_extension(path);
        if (!found) {
            result.error = "cannot tell the format of " + path + " from its extension: set format = \"json\" or \"xml\"";
            return result;
        }
        format = *found;
    }
    result.error = format == Format::json ? parse_json(path, job, max_bytes, cancel, result)
                                          : parse_xml(path, job, max_bytes, cancel, result);
    return result;
}

std::vector<build::Component> document_parsers() {
    return {{"simdjson", std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." + std::to_string(simdjson::SIMDJSON_VERSION_MINOR) +
                             "." + std::to_string(simdjson::SIMDJSON_VERSION_REVISION) + " (" +
                             std::string(simdjson::get_active_implementation()->name()) + ")"},
            {"pugixml", std::to_string(PUGIXML_VERSION / 1000) + "." + std::to_string(PUGIXML_VERSION % 1000 / 10)}};
}

}  // namespace gaia::jobs::file
