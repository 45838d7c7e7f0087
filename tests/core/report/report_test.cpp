#include "core/report/atomic_file.hpp"
#include "core/text/redactor.hpp"
#include "core/report/run_report.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <pugixml.hpp>

#include <filesystem>

using namespace gaia;

TEST_CASE("the redactor masks every secret, the longest first") {
    text::Redactor r;
    r.add_secret("hunter2");
    r.add_secret("hunter2-long");
    r.add_secret("");
    CHECK(r.scrub("pw=hunter2-long and hunter2") == "pw=*** and ***");
}

TEST_CASE("xml_escape produces text a real XML parser accepts") {
    const std::string nasty = std::string("a<b>&\"'\x01\x1f") + "\xff\xfe" + "ok é";
    const auto doc_text = "<r a=\"" + report::xml_escape(nasty) + "\">" + report::xml_escape(nasty) + "</r>";
    pugi::xml_document doc;
    auto parsed = doc.load_string(doc_text.c_str());
    INFO(parsed.description());
    CHECK(parsed);
    CHECK(std::string(doc.child("r").attribute("a").value()).find("a<b>&\"'") == 0);
}

TEST_CASE("atomic writes replace the file whole and leave no temporary behind") {
    test::TempDir dir;
    const auto path = (dir.path() / "out.txt").string();
    CHECK(report::write_file_atomically(path, "one").empty());
    CHECK(report::write_file_atomically(path, "two").empty());
    CHECK(test::read_file(path) == "two");
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
    CHECK(entries == 1);
    // Readable by other tools (node_exporter's textfile collector) whatever the umask.
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write | std::filesystem::perms::group_read |
           std::filesystem::perms::others_read));
    CHECK(report::write_file_atomically((dir.path() / "missing/dir/x").string(), "x") ==
          "cannot write " + (dir.path() / "missing/dir/x").string() + ": the directory " +
              (dir.path() / "missing/dir").string() + " does not exist");
}
