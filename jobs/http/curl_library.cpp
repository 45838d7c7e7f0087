#include "jobs/http/curl_library.hpp"

#include <dlfcn.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace gaia::jobs::http {
namespace {

template <class F>
void bind(void* library, const char* name, F& target) {
    void* symbol = ::dlsym(library, name);
    if (symbol == nullptr) throw std::runtime_error(std::string("libcurl has no ") + name);
    target = reinterpret_cast<F>(symbol);
}

CurlLibrary load() {
    void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = ::dlerror();
        throw std::runtime_error(std::string("cannot load libcurl (install libcurl4): ") + (why ? why : "unknown"));
    }
    // Never dlclose'd: libcurl keeps global state for the life of the process.
    CurlLibrary c{};
    bind(library, "curl_global_init", c.global_init);
    bind(library, "curl_multi_init", c.multi_init);
    bind(library, "curl_multi_setopt", c.multi_setopt);
    bind(library, "curl_multi_cleanup", c.multi_cleanup);
    bind(library, "curl_multi_socket_action", c.multi_socket_action);
    bind(library, "curl_multi_info_read", c.multi_info_read);
    bind(library, "curl_multi_add_handle", c.multi_add_handle);
    bind(library, "curl_multi_remove_handle", c.multi_remove_handle);
    bind(library, "curl_multi_strerror", c.multi_strerror);
    bind(library, "curl_easy_init", c.easy_init);
    bind(library, "curl_easy_setopt", c.easy_setopt);
    bind(library, "curl_easy_getinfo", c.easy_getinfo);
    bind(library, "curl_easy_cleanup", c.easy_cleanup);
    bind(library, "curl_easy_pause", c.easy_pause);
    bind(library, "curl_easy_strerror", c.easy_strerror);
    bind(library, "curl_slist_append", c.slist_append);
    bind(library, "curl_slist_free_all", c.slist_free_all);
    bind(library, "curl_version_info", c.version_info);
    if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    return c;
}

}  // namespace

const CurlLibrary& CurlLibrary::get() {
    // A failure is remembered and thrown again: the library does not appear mid-run.
    static std::once_flag once;
    static CurlLibrary library{};
    static std::string failure;
    std::call_once(once, [] {
        try {
            library = load();
        } catch (const std::exception& e) {
            failure = e.what();
        }
    });
    if (!failure.empty()) throw std::runtime_error(failure);
    return library;
}

std::string libcurl_version() {
    const curl_version_info_data* info = CurlLibrary::get().version_info(CURLVERSION_NOW);
    std::vector<std::string> built_with;
    if (info->ssl_version && *info->ssl_version) built_with.emplace_back(info->ssl_version);
    if (info->libz_version && *info->libz_version) built_with.push_back(std::string("zlib/") + info->libz_version);
    // Fields newer than the first struct are there only when the library's age says so.
    if (info->age >= CURLVERSION_SIXTH && info->nghttp2_version) {
        built_with.push_back(std::string("nghttp2/") + info->nghttp2_version);
    }
    std::string text = info->version;
    for (std::size_t i = 0; i < built_with.size(); ++i) text += (i == 0 ? " (" : ", ") + built_with[i];
    if (!built_with.empty()) text += ")";
    return text;
}

}  // namespace gaia::jobs::http
