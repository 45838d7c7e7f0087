#pragma once
// `op = "parse"`: validating a JSON or XML file and looking into it (expect.json,
// expect.xpath, json:/xpath: captures). JSON is read with simdjson, which parses several
// hundred MB/s here where nlohmann-json manages about 60 (measured in bench/file_ops.sh);
// when it rejects a document, nlohmann-json's SAX pass finds the line and column to
// report. XML and XPath are pugixml's. Blocking: call it on the thread pool.

#include "core/build_info.hpp"
#include "jobs/file/file_config.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::file {

// ".json" is JSON; ".xml", ".svg", ".xhtml", ".rss", ".atom", ".xsd" are XML.
std::optional<Format> format_from_extension(std::string_view path);

// Is this an XPath 1.0 expression pugixml can evaluate? *error says where it is not.
bool check_xpath(std::string_view query, std::string* error);

// The parsers documents are read with, for `gaia version --verbose`: simdjson (and the
// CPU-specific implementation it chose here) and pugixml.
std::vector<build::Component> document_parsers();

struct DocumentResult {
    std::string error;  // the first problem: syntax (with line and column) or a failed expectation
    std::uint64_t bytes = 0;
    std::map<std::string, nlohmann::json> captures;  // the json: and xpath: ones
};

DocumentResult parse_document(const std::string& path, Format format, const FileJobConfig& job,
                              std::uint64_t max_bytes, const std::atomic<bool>* cancel);

}  // namespace gaia::jobs::file
