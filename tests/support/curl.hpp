#pragma once
// Talking to gaia's endpoints from tests, with the real curl.

#include "tests/support/file_server.hpp"
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
// The job named `name` in `base`/api/v1/jobs (null if absent or nothing answered).
nlohmann::json job_of(const std::string& base, const std::string& name);
// Waits up to 5 s until `base`/liveness answers (gaia has loaded its files and started).
bool wait_until_up(const std::string& base);

// A free loopback port to listen on: `address` for --listen, `base` for its URLs.
struct ListenAddress {
    int port = free_port();
    std::string address = "127.0.0.1:" + std::to_string(port);
    std::string base = "http://" + address;
};

// `gaia ARGS... --listen ADDRESS` (a serve) on a free loopback port, started in `dir`.
// Check wait_until_up(base) before talking to it.
struct ServedGaia : ListenAddress {
    ServedGaia(std::vector<std::string> args, const std::filesystem::path& dir);
    BackgroundGaia process;
};

}  // namespace gaia::test
