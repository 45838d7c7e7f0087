// Atomic copies: complete or absent, never half; overwrite = false; clear errors.

#include "jobs/file/copy.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobs::file;

namespace {

std::vector<std::string> temp_files(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().filename().string().find(".gaia-") != std::string::npos) names.push_back(e.path().string());
    }
    return names;
}

}  // namespace

TEST_CASE("copy_file_atomically copies content and mode, by the kernel and by chunks") {
    gaia::test::TempDir dir;
    std::string content(5 * 1024 * 1024 + 123, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 31u) % 253u);
    const auto source = dir.file("source.bin", content);
    ::chmod(source.c_str(), 0640);
    const auto target = (dir.path() / "target.bin").string();
    auto r = copy_file_atomically(source, target);
    CHECK(r.error.empty());
    CHECK(r.bytes == content.size());
    CHECK(gaia::test::read_file(target) == content);
    struct stat st {};
    ::stat(target.c_str(), &st);
    CHECK((st.st_mode & 0777) == 0640);

    // Across file systems copy_file_range gives up and chunks take over: /dev/shm is tmpfs.
    if (std::filesystem::exists("/dev/shm")) {
        const auto other = std::string("/dev/shm/gaia-copy-test-") + std::to_string(::getpid());
        auto chunked = copy_file_atomically(source, other, CopyOptions{true, 4096, nullptr});
        CHECK(chunked.error.empty());
        CHECK(gaia::test::read_file(other) == content);
        std::filesystem::remove(other);
    }
    CHECK(temp_files(dir.path()).empty());
}

TEST_CASE("copy_file_atomically refuses, fails and cancels without leaving anything") {
    gaia::test::TempDir dir;
    const auto source = dir.file("source.txt", "new content\n");
    const auto existing = dir.file("existing.txt", "old content\n");

    auto refused = copy_file_atomically(source, existing, CopyOptions{false, 65536, nullptr});
    CHECK(refused.error == existing + " exists and overwrite = false");
    CHECK(gaia::test::read_file(existing) == "old content\n");

    std::atomic<bool> cancel{true};
    auto cancelled = copy_file_atomically(source, existing, CopyOptions{true, 65536, &cancel});
    CHECK(cancelled.error == "cancelled");
    CHECK(gaia::test::read_file(existing) == "old content\n");

    auto missing = copy_file_atomically((dir.path() / "nope").string(), (dir.path() / "x").string());
    CHECK(missing.error.find("cannot open") == 0);
    CHECK(missing.error.find("No such file or directory") != std::string::npos);
    auto no_dir = copy_file_atomically(source, (dir.path() / "no" / "such" / "dir.txt").string());
    CHECK(no_dir.error.find("does not exist") != std::string::npos);
    auto directory = copy_file_atomically(dir.path().string(), (dir.path() / "y").string());
    CHECK(directory.error.find("it is a directory") != std::string::npos);
    CHECK(temp_files(dir.path()).empty());
    CHECK_FALSE(std::filesystem::exists(dir.path() / "x"));
}

TEST_SUITE_END();
