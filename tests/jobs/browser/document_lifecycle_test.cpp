// Which document of a page has reached which lifecycle event, in the orders Chromium
// really sends them (including without "init", as it does with the Fetch domain on).

#include "jobs/browser/document_lifecycle.hpp"

#include <doctest/doctest.h>

using gaia::jobs::browser::DocumentLifecycle;

TEST_CASE("document lifecycle: a navigation whose events start without init still reaches load") {
    DocumentLifecycle lifecycle;
    lifecycle.on_event("first", "commit");
    lifecycle.on_event("first", "load");
    CHECK_FALSE(lifecycle.reached("second", "load"));
    // What Chromium sent for a navigation paused by Fetch.enable: no init, no commit.
    lifecycle.on_event("second", "DOMContentLoaded");
    CHECK_FALSE(lifecycle.reached("second", "load"));
    lifecycle.on_event("second", "load");
    CHECK(lifecycle.reached("second", "load"));
    CHECK(lifecycle.reached("", "load"));
    CHECK(lifecycle.reached("", "DOMContentLoaded"));
    CHECK_FALSE(lifecycle.reached("", "networkIdle"));
}

TEST_CASE("document lifecycle: a late event of the previous document does not take the page back") {
    DocumentLifecycle lifecycle;
    lifecycle.on_event("first", "init");
    lifecycle.on_event("first", "load");
    lifecycle.on_event("second", "init");
    lifecycle.on_event("first", "networkIdle");
    CHECK_FALSE(lifecycle.reached("", "load"));
    CHECK_FALSE(lifecycle.reached("", "networkIdle"));
    CHECK(lifecycle.reached("first", "networkIdle"));
    lifecycle.on_event("second", "load");
    CHECK(lifecycle.reached("", "load"));
}

TEST_CASE("document lifecycle: init starts a document's events again and only a few documents are kept") {
    DocumentLifecycle lifecycle;
    lifecycle.on_event("a", "init");
    lifecycle.on_event("a", "load");
    lifecycle.on_event("a", "init");
    CHECK_FALSE(lifecycle.reached("a", "load"));
    CHECK_FALSE(lifecycle.reached("", "anything"));
    for (const char* loader : {"b", "c", "d", "e"}) lifecycle.on_event(loader, "load");
    CHECK_FALSE(lifecycle.reached("a", "load"));  // forgotten, and so never reached
    CHECK(lifecycle.reached("b", "load"));
    CHECK(lifecycle.reached("e", "load"));
}
