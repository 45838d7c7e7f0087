#pragma once
// libcurl, loaded when the first http transfer needs it.
//
// Linking libcurl pulls some thirty shared libraries into every gaia process (TLS,
// HTTP/2, LDAP, SSH, Kerberos, IDN…): start-up went from about 2 ms to 8 ms, paid by
// every `gaia` call and by every launcher re-exec of a limited process. Loaded with
// dlopen on first use, it costs only the runs that make HTTP requests.

#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK
#endif
#include <curl/curl.h>

#include <string>

namespace gaia::jobs::http {

struct CurlLibrary {
    CURLcode (*global_init)(long flags);
    CURLM* (*multi_init)();
    CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
    CURLMcode (*multi_cleanup)(CURLM*);
    CURLMcode (*multi_socket_action)(CURLM*, curl_socket_t, int, int*);
    CURLMsg* (*multi_info_read)(CURLM*, int*);
    CURLMcode (*multi_add_handle)(CURLM*, CURL*);
    CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
    const char* (*multi_strerror)(CURLMcode);
    CURL* (*easy_init)();
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    void (*easy_cleanup)(CURL*);
    CURLcode (*easy_pause)(CURL*, int);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
    curl_version_info_data* (*version_info)(CURLversion);

    // Loads libcurl.so.4 once (and runs curl_global_init); throws std::runtime_error
    // saying what is missing when it cannot.
    static const CurlLibrary& get();
};

// "7.88.1 (OpenSSL/3.0.15, zlib/1.2.13, nghttp2/1.52.0)": the libcurl get() loads and what it
// was built with; throws as get() does.
std::string libcurl_version();

}  // namespace gaia::jobs::http
