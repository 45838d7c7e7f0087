#include "core/text/redactor.hpp"

#include <algorithm>
#include <cctype>

namespace gaia::text {

void Redactor::add_secret(std::string value) {
    if (value.empty() || std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
    secrets_.push_back(std::move(value));
    std::stable_sort(secrets_.begin(), secrets_.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A short secret at `pos` of `text` stands alone when no word character touches it.
bool stands_alone(std::string_view text, std::size_t pos, std::size_t length) {
    return (pos == 0 || !word_char(text[pos - 1])) &&
           (pos + length == text.size() || !word_char(text[pos + length]));
}

}  // namespace

std::string Redactor::scrub(std::string_view text) const {
    std::string out(text);
    for (const auto& secret : secrets_) {
        const bool whole_words_only = is_short(secret);
        std::size_t pos = 0;
        while ((pos = out.find(secret, pos)) != std::string::npos) {
            if (whole_words_only && !stands_alone(out, pos, secret.size())) {
                ++pos;
                continue;
            }
            out.replace(pos, secret.size(), kMask);
            pos += kMask.size();
        }
    }
    return out;
}

}  // namespace gaia::text
