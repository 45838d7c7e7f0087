#include "jobs/browser/storage_state.hpp"

#include "core/jobfile/template.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gaia::jobs::browser {
namespace {

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
    throw std::runtime_error(where + ": " + what);
}

const nlohmann::json& member(const nlohmann::json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end()) invalid(where, std::string("no `") + key + "`");
    return *it;
}

std::string string_member(const nlohmann::json& object, const char* key, const std::string& where) {
    const auto& value = member(object, key, where);
    if (!value.is_string()) invalid(where + "." + key, "not a string");
    return value.get<std::string>();
}

nlohmann::json cookie_param(const nlohmann::json& cookie, const std::string& where) {
    if (!cookie.is_object()) invalid(where, "not an object");
    nlohmann::json param = {{"name", string_member(cookie, "name", where)},
                            {"value", string_member(cookie, "value", where)},
                            {"domain", string_member(cookie, "domain", where)}};
    if (param["domain"].get_ref<const std::string&>().empty()) invalid(where + ".domain", "empty");
    param["path"] = cookie.contains("path") ? string_member(cookie, "path", where) : "/";
    if (const auto it = cookie.find("expires"); it != cookie.end()) {
        if (!it->is_number()) invalid(where + ".expires", "not a number (seconds since 1970, -1 for a session cookie)");
        // -1: a session cookie, which Storage.setCookies makes when `expires` is absent.
        if (it->get<double>() >= 0) param["expires"] = *it;
    }
    for (const char* flag : {"httpOnly", "secure"}) {
        if (const auto it = cookie.find(flag); it != cookie.end()) {
            if (!it->is_boolean()) invalid(where + "." + flag, "not true or false");
            param[flag] = *it;
        }
    }
    if (const auto it = cookie.find("sameSite"); it != cookie.end()) {
        if (!it->is_string() || (*it != "Strict" && *it != "Lax" && *it != "None")) {
            invalid(where + ".sameSite", "not \"Strict\", \"Lax\" or \"None\"");
        }
        param["sameSite"] = *it;
    }
    return param;
}

std::vector<StoredItem> items(const nlohmann::json& origin, const char* key, const std::string& where) {
    std::vector<StoredItem> out;
    const auto it = origin.find(key);
    if (it == origin.end()) return out;
    if (!it->is_array()) invalid(where + "." + key, "not an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
        const auto item_where = where + "." + key + "[" + std::to_string(i) + "]";
        const auto& item = (*it)[i];
        if (!item.is_object()) invalid(item_where, "not an object");
        out.push_back({string_member(item, "name", item_where), string_member(item, "value", item_where)});
    }
    return out;
}

nlohmann::ordered_json items_json(const std::vector<StoredItem>& list) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& item : list) out.push_back({{"name", item.name}, {"value", item.value}});
    return out;
}

// [[name, value]…] from the page; anything else is no items.
std::vector<StoredItem> page_items(const nlohmann::json& list) {
    std::vector<StoredItem> out;
    if (!list.is_array()) return out;
    for (const auto& pair : list) {
        if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
            out.push_back({pair[0].get<std::string>(), pair[1].get<std::string>()});
        }
    }
    return out;
}

}  // namespace

const char* const kReadStorageScript =
    "(() => { const all = (s) => { const out = [];"
    "   for (let i = 0; i < s.length; i++) { const k = s.key(i); out.push([k, s.getItem(k)]); } return out; };"
    " try { if (location.origin === 'null') return null;"
    "   return { origin: location.origin, local: all(localStorage), session: all(sessionStorage) };"
    " } catch (e) { return null; } })()";

bool StorageState::has_items() const noexcept {
    for (const auto& o : origins) {
        if (!o.local.empty() || !o.session.empty()) return true;
    }
    return false;
}

StorageState parse_storage_state(std::string_view text) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // "[json.exception.parse_error.101] parse error at line 3, column 7: …": the place and what.
        std::string what = e.what();
        if (const auto at = what.find("] "); at != std::string::npos) what.erase(0, at + 2);
        throw std::runtime_error("not JSON: " + what);
    }
    if (!doc.is_object()) invalid("the file", "not a JSON object with `cookies` and `origins`");
    StorageState state;
    if (const auto it = doc.find("cookies"); it != doc.end()) {
        if (!it->is_array()) invalid("cookies", "not an array");
        for (std::size_t i = 0; i < it->size(); ++i) state.cookies.push_back(cookie_param((*it)[i], "cookies[" + std::to_string(i) + "]"));
    }
    if (const auto it = doc.find("origins"); it != doc.end()) {
        if (!it->is_array()) invalid("origins", "not an array");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const auto where = "origins[" + std::to_string(i) + "]";
            const auto& o = (*it)[i];
            if (!o.is_object()) invalid(where, "not an object");
            StoredOrigin origin{string_member(o, "origin", where), items(o, "localStorage", where), items(o, "sessionStorage", where)};
            if (origin.origin.find("://") == std::string::npos) invalid(where + ".origin", "not an origin (scheme://host[:port])");
            state.origins.push_back(std::move(origin));
        }
    }
    return state;
}

StorageState load_storage_state(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0 || static_cast<std::uint64_t>(size) > kMaxStorageStateBytes) {
        throw std::runtime_error(path + " is larger than 16 MiB, more than any stored session");
    }
    in.seekg(0);
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parse_storage_state(text.str());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

std::string storage_state_text(const nlohmann::json& cdp_cookies, const nlohmann::json& page_storage,
                               const StorageState* earlier) {
    // In Playwright's key order, for a person reading the file.
    auto cookies = nlohmann::ordered_json::array();
    if (cdp_cookies.is_array()) {
        for (const auto& c : cdp_cookies) {
            if (!c.is_object()) continue;
            nlohmann::ordered_json cookie = {{"name", c.value("name", "")},     {"value", c.value("value", "")},
                                     {"domain", c.value("domain", "")}, {"path", c.value("path", "/")},
                                     {"expires", c.value("expires", -1.0)}, {"httpOnly", c.value("httpOnly", false)},
                                     {"secure", c.value("secure", false)},
                                     // Chromium treats a cookie without SameSite as Lax, and Playwright writes it so.
                                     {"sameSite", c.value("sameSite", "Lax")}};
            if (c.value("session", false)) cookie["expires"] = -1;
            cookies.push_back(std::move(cookie));
        }
    }
    std::vector<StoredOrigin> origins;
    std::string current;
    if (page_storage.is_object() && page_storage.value("origin", "").find("://") != std::string::npos) {
        current = page_storage["origin"].get<std::string>();
        origins.push_back({current, page_items(page_storage.value("local", nlohmann::json())),
                           page_items(page_storage.value("session", nlohmann::json()))});
    }
    if (earlier) {
        for (const auto& o : earlier->origins) {
            if (o.origin != current) origins.push_back(o);
        }
    }
    auto list = nlohmann::ordered_json::array();
    for (const auto& o : origins) {
        nlohmann::ordered_json entry = {{"origin", o.origin}, {"localStorage", items_json(o.local)}};
        if (!o.session.empty()) entry["sessionStorage"] = items_json(o.session);
        list.push_back(std::move(entry));
    }
    const nlohmann::ordered_json doc = {{"cookies", std::move(cookies)}, {"origins", std::move(list)}};
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string storage_seed_script(const StorageState& state) {
    auto data = nlohmann::json::object();
    for (const auto& o : state.origins) {
        if (o.local.empty() && o.session.empty()) continue;
        auto pairs = [](const std::vector<StoredItem>& list) {
            auto out = nlohmann::json::array();
            for (const auto& item : list) out.push_back({item.name, item.value});
            return out;
        };
        data[o.origin] = {{"local", pairs(o.local)}, {"session", pairs(o.session)}};
    }
    // A document whose storage is not reachable (an opaque origin, storage disabled) is left as it is.
    return "(() => { const o = (" + jobfile::json_dump(data) +
           ")[location.origin]; if (!o) return;"
           " try { for (const [k, v] of o.local) localStorage.setItem(k, v);"
           " for (const [k, v] of o.session) sessionStorage.setItem(k, v); } catch (e) {} })()";
}

}  // namespace gaia::jobs::browser
