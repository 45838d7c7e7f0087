#include "cli/table.hpp"

#include "core/text/printable.hpp"

#include <algorithm>
#include <tuple>

namespace gaia::cli {

void TextTable::add(std::vector<std::string> row) {
    for (auto& cell : row) cell = text::printable(cell);
    rows_.push_back(std::move(row));
}

std::size_t display_width(const std::string& text) {
    std::size_t n = 0;
    for (unsigned char c : text) {
        if ((c & 0xC0) != 0x80) ++n;
    }
    return n;
}

void TextTable::set_color(std::size_t row, std::size_t column, std::string code) {
    colors_.emplace_back(row, column, std::move(code));
}

std::string TextTable::render(bool color) const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
    }
    std::string out;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
        std::string line;
        for (std::size_t i = 0; i < rows_[r].size(); ++i) {
            const auto& cell = rows_[r][i];
            std::string code;
            for (const auto& [cr, cc, cs] : colors_) {
                if (cr == r && cc == i) code = cs;
            }
            if (color && r == 0) line += "\x1b[1m";
            if (color && !code.empty()) line += code;
            line += cell;
            if (color && (!code.empty() || r == 0)) line += "\x1b[0m";
            if (i + 1 < rows_[r].size()) line += std::string(widths[i] - display_width(cell) + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

}  // namespace gaia::cli
