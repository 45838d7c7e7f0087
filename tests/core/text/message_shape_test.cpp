// Failures grouped by shape: the numbers that name an instance set aside, the ones that
// say what went wrong kept.

#include "core/text/message_shape.hpp"

#include <doctest/doctest.h>

using gaia::text::message_shape;

TEST_CASE("instances' messages that differ only in the numbers naming them have one shape") {
    CHECK(message_shape("GET http://127.0.0.1:8080/items/3: status 503") ==
          message_shape("GET http://127.0.0.1:8080/items/13: status 503"));
    CHECK(message_shape("GET http://127.0.0.1:8080/items/3: status 503") == "GET http://127.0.0.1:8080/items/N: status 503");
    CHECK(message_shape("GET /search?page=12&q=a") == "GET /search?page=N&q=a");
    CHECK(message_shape("shard-7 of build_42 at 2026-12-02: #3 failed") == "shard-N of build_N at 2026-N-N: #N failed");
}

TEST_CASE("the numbers that say what went wrong keep messages apart") {
    CHECK(message_shape("status 503 (expected 2xx)") != message_shape("status 504 (expected 2xx)"));
    CHECK(message_shape("exited with code 3") == "exited with code 3");
    CHECK(message_shape("took 1.25s, more than 1s") == "took 1.25s, more than 1s");
    CHECK(message_shape("connect 127.0.0.1:9: refused") == "connect 127.0.0.1:9: refused");
    CHECK(message_shape("GET http://10.0.0.7/a") != message_shape("GET http://10.0.0.8/a"));
    CHECK(message_shape("") == "");
    CHECK(message_shape("7 of 9") == "7 of 9");  // at the start, nothing names it
}
