#pragma once
// Reading a PNG in tests: its size and the colour of a pixel, decoded with zlib (8-bit RGB
// or RGBA, not interlaced — what Chromium writes). Throws std::runtime_error otherwise.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace gaia::test {

struct Png {
    std::uint32_t width = 0, height = 0;
    unsigned channels = 0;              // 3 (RGB) or 4 (RGBA)
    std::vector<std::uint8_t> pixels;  // rows of width * channels bytes, unfiltered
    std::array<std::uint8_t, 3> rgb(std::uint32_t x, std::uint32_t y) const;
};

Png decode_png(const std::string& bytes);

}  // namespace gaia::test

// A pixel check that fails shows the colour it found, not "{?}".
template <>
struct doctest::StringMaker<std::array<std::uint8_t, 3>> {
    static doctest::String convert(const std::array<std::uint8_t, 3>& c) {
        const auto text = "rgb(" + std::to_string(c[0]) + ", " + std::to_string(c[1]) + ", " + std::to_string(c[2]) + ")";
        return text.c_str();
    }
};
