#include "tests/support/curl.hpp"


#include <chrono>
#include <thread>

namespace gaia::test {

Output curl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"curl", "-s", "--max-time", "5"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
}

std::string http_code(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"-o", "/dev/null", "-w", "%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    return curl(argv).out;
}

nlohmann::json get_json(const std::string& url) {
    return nlohmann::json::parse(curl({url}).out, nullptr, false);
}

bool wait_until_up(const std::string& base) {
    for (int i = 0; i < 100; ++i) {
        if (curl({"-o", "/dev/null", base + "/liveness"}).exit_code == 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

namespace {
std::vector<std::string> with_listen(std::vector<std::string> args, const std::string& address) {
    args.push_back("--listen");
    args.push_back(address);
    return args;
}
}  // namespace

nlohmann::json job_of(const std::string& base, const std::string& name) {
    auto all = get_json(base + "/api/v1/jobs");
    if (!all.is_object()) return nullptr;
    for (const auto& j : all["jobs"]) {
        if (j["name"] == name) return j;
    }
    return nullptr;
}

ServedGaia::ServedGaia(std::vector<std::string> args, const std::filesystem::path& dir)
    : process(with_listen(std::move(args), address), dir) {}

}  // namespace gaia::test
