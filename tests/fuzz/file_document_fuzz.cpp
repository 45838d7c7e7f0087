// libFuzzer target: the file kind's `op = "parse"` — the input as a JSON file and as an
// XML file, each parsed (simdjson, then nlohmann-json's SAX pass for the error's place;
// pugixml) and checked against JSONPath and XPath expectations and captures.

#include "jobs/file/document.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>

using namespace gaia::jobs::file;

namespace {

FileJobConfig make_config() {
    FileJobConfig config;
    config.op = Op::parse;
    std::string error;
    for (const char* path : {"$.a", "$.a.b[0]", "$['k'][*]", "$[-1]", "$.*"}) {
        auto p = gaia::jsonpath::Path::parse(path, &error);
        if (p) config.expect_json.emplace_back(*p, nlohmann::json(1));
    }
    config.expect_xpath.push_back({"/a/b/@c", "v"});
    config.expect_xpath.push_back({"count(//x)", 2});
    FileCapture json_capture;
    json_capture.name = "j";
    json_capture.source = FileCapture::Source::json;
    json_capture.path = gaia::jsonpath::Path::parse("$.list[*].id", &error);
    config.captures.push_back(json_capture);
    FileCapture xml_capture;
    xml_capture.name = "x";
    xml_capture.source = FileCapture::Source::xpath;
    xml_capture.xpath = "//item[1]/text()";
    config.captures.push_back(xml_capture);
    return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const FileJobConfig config = make_config();
    static const std::string path = "/tmp/gaia-fuzz-document-" + std::to_string(::getpid());
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    for (Format format : {Format::json, Format::xml}) (void)parse_document(path, format, config, 1 << 20, nullptr);
    return 0;
}
