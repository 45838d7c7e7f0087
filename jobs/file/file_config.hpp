#pragma once
// What the file kind compiles from a job and from the [file] table.

#include "core/jobfile/model.hpp"
#include "core/jsonpath/jsonpath.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::file {

enum class Op { read, write, copy, move, remove, mkdir, checksum, parse, stat };
enum class Format { by_extension, json, xml };

std::string_view op_name(Op op);  // "delete" for Op::remove

struct FileCapture {
    enum class Source { json, xpath, checksum, size, content };
    std::string name;
    Source source = Source::size;
    std::optional<jsonpath::Path> path;  // json:$.path
    std::string xpath;                   // xpath:/a/b
};

struct XPathExpectation {
    std::string query;
    nlohmann::json expected;  // compared with the string value of what the query selects
};

struct FileJobConfig final : jobfile::KindConfig {
    Op op = Op::read;
    jobfile::Template path;   // every op but copy and move
    jobfile::Template from;   // copy, move
    jobfile::Template to;     // copy, move: a file, or a directory when it ends in '/'
    jobfile::Template content;  // write
    bool append = false;
    std::optional<std::uint32_t> mode;  // write: permission bits of a new file
    bool overwrite = false;
    bool recursive = false;
    bool missing_ok = false;
    bool allow_empty = false;      // a glob that matches nothing passes with no instance
    bool follow_symlinks = false;  // globs and recursive copies descend into linked directories
    std::string algorithm = "sha256";
    Format format = Format::by_extension;
    // The path (or `from`) has a wildcard: the job makes one instance per match.
    bool glob = false;

    std::optional<bool> expect_exists;
    std::optional<std::uint64_t> expect_size;
    std::vector<jobfile::Template> expect_contains;
    std::optional<jobfile::Template> expect_checksum;
    std::vector<std::pair<jsonpath::Path, nlohmann::json>> expect_json;
    std::vector<XPathExpectation> expect_xpath;
    std::vector<FileCapture> captures;

    bool expands() const override { return glob; }
};

// [file]
struct FileConfig final : jobfile::KindConfig {
    std::uint32_t concurrency = 64;          // operations in flight; libuv's pool is sized to match
    std::uint64_t buffer = 256 * 1024;       // streaming buffer per operation
    std::uint64_t max_content = 1u << 20;    // what `capture = "content"` may hold
    std::uint64_t max_parse = 1ull << 30;    // the largest document `parse` loads
};

constexpr std::uint32_t kMaxConcurrency = 1024;  // libuv's largest thread pool

}  // namespace gaia::jobs::file
