// Checksums against the coreutils tools' answers for the same file.

#include "jobs/file/checksum.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

using namespace gaia::jobs::file;

TEST_CASE("checksums match coreutils for every algorithm, across buffer boundaries") {
    gaia::test::TempDir dir;
    std::string content;
    for (unsigned i = 0; i < 300000; ++i) content += static_cast<char>((i * 7919u) % 251u);
    const auto path = dir.file("data.bin", content);
    for (auto [algorithm, tool] : {std::pair{"sha256", "sha256sum"}, {"sha512", "sha512sum"}, {"sha1", "sha1sum"},
                                   {"md5", "md5sum"}}) {
        const std::string name = algorithm;  // CAPTURE cannot capture a structured binding
        CAPTURE(name);
        const auto line = gaia::test::run_program({tool, path}).out;
        const auto expected = line.substr(0, line.find(' '));
        const auto small = file_digest(path, algorithm, 4096);  // many chunks
        CHECK(small.error.empty());
        CHECK(small.hex == expected);
        CHECK(small.bytes == content.size());
        CHECK(file_digest(path, algorithm).hex == expected);
    }
    CHECK(file_digest(dir.file("empty", ""), "sha256").hex ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(file_digest(path, "crc32").error == "unknown checksum algorithm `crc32` (sha256, sha512, sha1 or md5)");
    const auto missing = file_digest((dir.path() / "nope").string(), "sha256");
    CHECK(missing.error.find("cannot open") == 0);
    CHECK(missing.error.find("No such file or directory") != std::string::npos);
    CHECK(file_digest(dir.path().string(), "sha256").error.find("it is a directory") != std::string::npos);
}
