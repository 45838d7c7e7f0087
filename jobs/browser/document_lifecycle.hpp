#pragma once
// Which lifecycle events (Page.lifecycleEvent: "commit", "DOMContentLoaded", "load",
// "networkIdle", …) each recent document of a page's main frame has reached.
//
// A document is known by its loaderId. Chromium does not always announce a new one with
// "init": with the Fetch domain enabled the navigation's own events start at
// "DOMContentLoaded", and a tab's first document starts at "commit". So any loaderId not
// seen before is a new document and becomes the current one; a late event of an older
// document (its "networkIdle" after the next navigation began) is kept for it and does
// not take the page back.

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gaia::jobs::browser {

class DocumentLifecycle {
public:
    void on_event(std::string_view loader, std::string_view name);
    // Whether document `loader` (empty: the current one) has reached `event`.
    bool reached(std::string_view loader, std::string_view event) const;

private:
    static constexpr std::size_t kKept = 4;  // navigations a waiter can still ask about
    std::vector<std::pair<std::string, std::set<std::string, std::less<>>>> documents_;  // oldest first
};

}  // namespace gaia::jobs::browser
