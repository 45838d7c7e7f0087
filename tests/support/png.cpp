#include "tests/support/png.hpp"

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace gaia::test {
namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
    return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

std::uint8_t paeth(int a, int b, int c) {
    const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
    if (pa <= pb && pa <= pc) return static_cast<std::uint8_t>(a);
    return static_cast<std::uint8_t>(pb <= pc ? b : c);
}

}  // namespace

std::array<std::uint8_t, 3> Png::rgb(std::uint32_t x, std::uint32_t y) const {
    if (x >= width || y >= height) throw std::runtime_error("pixel outside the image");
    const auto* p = &pixels[(std::size_t(y) * width + x) * channels];
    return {p[0], p[1], p[2]};
}

Png decode_png(const std::string& bytes) {
    if (bytes.size() < 33 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error("not a PNG");
    Png png;
    std::string idat;
    for (std::size_t at = 8; at + 12 <= bytes.size();) {
        const auto length = be32(bytes, at);
        const auto type = bytes.substr(at + 4, 4);
        if (at + 12 + length > bytes.size()) throw std::runtime_error("truncated PNG chunk");
        if (type == "IHDR") {
            png.width = be32(bytes, at + 8);
            png.height = be32(bytes, at + 12);
            const int depth = std::uint8_t(bytes[at + 16]), colour = std::uint8_t(bytes[at + 17]);
            if (depth != 8 || (colour != 2 && colour != 6) || bytes[at + 20] != 0) {
                throw std::runtime_error("only 8-bit RGB(A), non-interlaced PNGs are read here");
            }
            png.channels = colour == 2 ? 3 : 4;
        } else if (type == "IDAT") {
            idat.append(bytes, at + 8, length);
        }
        at += 12 + length;
    }
    const std::size_t stride = std::size_t(png.width) * png.channels;
    std::vector<std::uint8_t> raw((stride + 1) * png.height);
    uLongf raw_size = raw.size();
    if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
        raw_size != raw.size()) {
        throw std::runtime_error("PNG image data does not inflate to its size");
    }
    png.pixels.resize(stride * png.height);
    for (std::size_t y = 0; y < png.height; ++y) {
        const std::uint8_t filter = raw[y * (stride + 1)];
        const std::uint8_t* in = &raw[y * (stride + 1) + 1];
        std::uint8_t* out = &png.pixels[y * stride];
        const std::uint8_t* up = y ? &png.pixels[(y - 1) * stride] : nullptr;
        for (std::size_t i = 0; i < stride; ++i) {
            const int a = i >= png.channels ? out[i - png.channels] : 0;
            const int b = up ? up[i] : 0;
            const int c = up && i >= png.channels ? up[i - png.channels] : 0;
            int v = in[i];
            switch (filter) {
            case 0: break;
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, c); break;
            default: throw std::runtime_error("bad PNG filter type");
            }
            out[i] = static_cast<std::uint8_t>(v);
        }
    }
    return png;
}

}  // namespace gaia::test
