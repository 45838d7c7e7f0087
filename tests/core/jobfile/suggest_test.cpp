#include "core/jobfile/suggest.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobfile;

TEST_CASE("did you mean finds plausible typos only") {
    std::vector<std::string_view> keys{"timeout", "retries", "repeat", "concurrency"};
    CHECK(did_you_mean("timout", keys) == " (did you mean `timeout`?)");
    CHECK(did_you_mean("timoeut", keys) == " (did you mean `timeout`?)");
    CHECK(did_you_mean("concurency", keys) == " (did you mean `concurrency`?)");
    CHECK(did_you_mean("banana", keys).empty());
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_SUITE_END();
