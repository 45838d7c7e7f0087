#include "core/text/redactor.hpp"

#include <algorithm>
#include <cstdlib>

namespace gaia::text {

void Redactor::add_env(const std::vector<std::string>& names) {
    for (const auto& name : names) {
        if (const char* value = std::getenv(name.c_str())) add_secret(value);
    }
}

void Redactor::add_secret(std::string value) {
    if (value.empty() || std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
    secrets_.push_back(std::move(value));
    std::stable_sort(secrets_.begin(), secrets_.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::scrub(std::string_view text) const {
    std::string out(text);
    for (const auto& secret : secrets_) {
        std::size_t pos = 0;
        while ((pos = out.find(secret, pos)) != std::string::npos) {
            out.replace(pos, secret.size(), kMask);
            pos += kMask.size();
        }
    }
    return out;
}

}  // namespace gaia::text
