#include "core/report/html_text.hpp"
#include "core/report/run_report.hpp"
#include "core/text/byte_size.hpp"
#include "core/text/tail.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace gaia::report::html {

std::string esc(std::string_view text) { return xml_escape(text); }

std::string clip(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    const auto head = text::head_of(text, max_bytes);
    return std::string(head) + "… (" + count_label(text.size() - head.size()) + " more bytes)";
}

std::string duration_label(double s) {
    char buf[32];
    if (!std::isfinite(s) || s < 0) s = 0;
    if (s == 0) return "0 s";
    if (s < 1e-3) std::snprintf(buf, sizeof buf, "%.0f µs", s * 1e6);
    else if (s < 1) std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
    else if (s < 60) std::snprintf(buf, sizeof buf, "%.3g s", s);
    else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), (static_cast<int>(s) % 3600) / 60);
    return buf;
}

std::string bytes_label(double bytes) { return text::byte_size_text(bytes, " "); }

std::string count_label(std::uint64_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string count_of(std::uint64_t n, std::string_view one, std::string_view many) {
    return count_label(n) + " " + std::string(n == 1 ? one : many);
}

std::string percent_label(double fraction) {
    if (!std::isfinite(fraction)) return "-";
    char buf[32];
    const double p = fraction * 100;
    // 99.95% is not "100%": a failure must not round away.
    if (p >= 100 && fraction >= 1) return "100%";
    std::snprintf(buf, sizeof buf, "%.1f%%", std::min(p, 99.9));
    return buf;
}

// A 1,000-job page has some hundred thousand of these: to_chars, not printf's locale path.
// No drawing is 10^12 px wide: a value beyond (from a report of another hand) is drawn at 0,
// as a non-finite one is, and always fits the buffer.
void append_coord(std::string& out, double v) {
    if (!std::isfinite(v) || std::abs(v) > 1e12) v = 0;
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 1).ptr;
    if (end - buf > 2 && end[-1] == '0' && end[-2] == '.') end -= 2;
    if (end - buf == 2 && buf[0] == '-' && buf[1] == '0') {
        out += '0';
        return;
    }
    out.append(buf, end);
}

std::string coord(double v) {
    std::string s;
    append_coord(s, v);
    return s;
}

std::string anchor(std::string_view prefix, std::size_t index) { return std::string(prefix) + "-" + std::to_string(index); }

std::string url_path(std::string_view path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : path) {
        const auto u = static_cast<unsigned char>(c);
        const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '/' ||
                           c == '.' || c == '-' || c == '_' || c == '~';
        if (plain) {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

}  // namespace gaia::report::html
