#pragma once
// Talking to gaia's endpoints from tests, with the real curl.

#include "tests/support/subprocess.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

#include <string>
#include <vector>

namespace gaia::test {

// curl -s --max-time 5 ARGS...
Output curl(const std::vector<std::string>& args);
// The HTTP status code of one request ("200"), or "000" when nothing answered.
std::string http_code(const std::vector<std::string>& args);
// GET url, parsed as JSON (null when it is not JSON).
nlohmann::json get_json(const std::string& url);
// Waits up to 5 s until `base`/liveness answers (gaia has loaded its files and started).
bool wait_until_up(const std::string& base);

// `gaia ARGS... --listen 127.0.0.1:PORT` (a serve) on a free loopback port, started in
// `dir`; `base` is its URL. Check wait_until_up(base) before talking to it.
struct ServedGaia {
    ServedGaia(std::vector<std::string> args, const std::filesystem::path& dir);
    int port;
    std::string base;
    BackgroundGaia process;
};

}  // namespace gaia::test
