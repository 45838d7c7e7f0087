#include "jobs/browser/key_codes.hpp"

#include <array>
#include <cctype>

namespace gaia::jobs::browser {

std::optional<KeyInfo> key_info(std::string_view name) {
    struct Named {
        std::string_view name;
        int key_code;
        std::string_view text;
    };
    static constexpr std::array<Named, 15> kNamed = {{
        {"Enter", 13, "\r"},  {"Tab", 9, ""},        {"Escape", 27, ""},     {"Backspace", 8, ""},
        {"Delete", 46, ""},   {"ArrowLeft", 37, ""}, {"ArrowUp", 38, ""},    {"ArrowRight", 39, ""},
        {"ArrowDown", 40, ""}, {"Home", 36, ""},     {"End", 35, ""},        {"PageUp", 33, ""},
        {"PageDown", 34, ""}, {"Insert", 45, ""},    {"Space", 32, " "},
    }};
    for (const auto& k : kNamed) {
        if (k.name == name) {
            if (name == "Space") return KeyInfo{" ", "Space", 32, " "};
            return KeyInfo{std::string(k.name), std::string(k.name), k.key_code, std::string(k.text)};
        }
    }
    if (name.size() >= 2 && name.size() <= 3 && name[0] == 'F') {
        int n = 0;
        for (char c : name.substr(1)) n = std::isdigit(static_cast<unsigned char>(c)) ? n * 10 + (c - '0') : -100;
        if (n >= 1 && n <= 12) return KeyInfo{std::string(name), std::string(name), 111 + n, ""};
    }
    if (name.size() == 1 && std::isprint(static_cast<unsigned char>(name[0]))) {
        const char c = name[0];
        const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (std::isalpha(static_cast<unsigned char>(c))) return KeyInfo{std::string(1, c), std::string("Key") + upper, upper, std::string(1, c)};
        if (std::isdigit(static_cast<unsigned char>(c))) return KeyInfo{std::string(1, c), std::string("Digit") + c, c, std::string(1, c)};
        // Punctuation: the key and its text are enough for pages, which read `key`.
        return KeyInfo{std::string(1, c), "", 0, std::string(1, c)};
    }
    return std::nullopt;
}

}  // namespace gaia::jobs::browser
