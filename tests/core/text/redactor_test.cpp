#include "core/text/redactor.hpp"

#include <doctest/doctest.h>

#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using gaia::text::Redactor;

TEST_CASE("redactor: long secrets are masked anywhere, the longest first") {
    Redactor r;
    CHECK(r.empty());
    r.add_secret("s3cr3t-t0ken");
    r.add_secret("s3cr3t-t0ken-and-more");
    r.add_secret("");  // nothing to mask
    CHECK_FALSE(r.empty());
    CHECK(r.scrub("Authorization: Bearer s3cr3t-t0ken") == "Authorization: Bearer ***");
    CHECK(r.scrub("x=s3cr3t-t0ken-and-more&y=s3cr3t-t0kens3cr3t-t0ken") == "x=***&y=******");
    CHECK(r.scrub("nothing here") == "nothing here");
}

TEST_CASE("redactor: a short secret is masked where it stands alone, never inside other words") {
    Redactor r;
    r.add_secret("x");
    r.add_secret("hunter2");
    CHECK(Redactor::is_short("hunter2"));
    CHECK_FALSE(Redactor::is_short("hunter22"));
    CHECK(r.scrub("job export skipped") == "job export skipped");
    CHECK(r.scrub("x") == "***");
    CHECK(r.scrub("password=x&user=xavier") == "password=***&user=xavier");
    CHECK(r.scrub("\"x\"") == "\"***\"");
    CHECK(r.scrub("login hunter2 failed; hunter22 is another") == "login *** failed; hunter22 is another");
    CHECK(r.scrub("x_y x-y") == "x_y ***-y");  // _ joins a word, - does not
}

TEST_SUITE_END();
