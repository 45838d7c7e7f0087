#pragma once
// Key names a `press` step accepts, as Input.dispatchKeyEvent needs them: the DOM `key`
// and `code`, the Windows virtual key code Chromium's editing commands look at, and the
// text a key types (Enter types "\r", which is what submits a form).

#include <optional>
#include <string>
#include <string_view>

namespace gaia::jobs::browser {

struct KeyInfo {
    std::string key;   // "Enter", "a"
    std::string code;  // "Enter", "KeyA"
    int key_code = 0;  // windowsVirtualKeyCode
    std::string text;  // what it types; empty for keys that type nothing
};

// Named keys (Enter, Tab, Escape, Backspace, Delete, Arrow*, Home, End, PageUp, PageDown,
// Space, F1–F12) and any single printable ASCII character.
std::optional<KeyInfo> key_info(std::string_view name);

}  // namespace gaia::jobs::browser
