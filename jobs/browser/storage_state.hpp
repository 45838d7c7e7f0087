#pragma once
// A browser session stored in a file (`save_storage`) and started from (`storage`): the
// cookies of a page's browser context and the localStorage and sessionStorage of its
// origins, in Playwright's storageState format —
//   { "cookies": [ { name, value, domain, path, expires, httpOnly, secure, sameSite } ],
//     "origins": [ { origin, localStorage: [ { name, value } ], sessionStorage: [ … ] } ] }
// — so that a state saved by either tool starts the other's pages. `sessionStorage` is
// gaia's addition; Playwright ignores it.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::browser {

struct StoredItem {
    std::string name;
    std::string value;
};

struct StoredOrigin {
    std::string origin;  // "https://example.org", as location.origin says it
    std::vector<StoredItem> local;
    std::vector<StoredItem> session;
};

struct StorageState {
    // In the DevTools protocol's Network.CookieParam shape, ready for Storage.setCookies.
    nlohmann::json cookies = nlohmann::json::array();
    std::vector<StoredOrigin> origins;
    bool has_items() const noexcept;
};

// Reads a state file's text. Throws std::runtime_error saying where and what is wrong
// ("cookies[2].sameSite: …") for anything that is not a state.
StorageState parse_storage_state(std::string_view text);

// Reads and parses the file (blocking: for the thread pool). Throws std::runtime_error
// saying why not: it cannot be read, is larger than kMaxStorageStateBytes, or is no state.
StorageState load_storage_state(const std::string& path);
constexpr std::uint64_t kMaxStorageStateBytes = 16 << 20;

// The file's text from what the page reports: the context's cookies (Storage.getCookies'
// Network.Cookie objects) and the storage of the origin the page is on (null when it has
// none: about:blank, data: URLs). Origins of `earlier` (the state the page started from)
// that the page is not on are kept as they were.
std::string storage_state_text(const nlohmann::json& cdp_cookies, const nlohmann::json& page_storage,
                               const StorageState* earlier);

// A script for Page.addScriptToEvaluateOnNewDocument that puts a document's origin's
// items in place before the document's own scripts run.
std::string storage_seed_script(const StorageState& state);

// In-page: { origin, local: [[name, value]…], session: […] }, or null for an opaque origin.
extern const char* const kReadStorageScript;

}  // namespace gaia::jobs::browser
