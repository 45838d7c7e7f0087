#pragma once
// Plain aligned text tables for the terminal (plan, summary).

#include <string>
#include <vector>

namespace gaia::cli {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Rows so far, the header included: the last added row is rows() - 1.
    std::size_t rows() const noexcept { return rows_.size(); }
    // colour: per cell ANSI prefix for the row, applied without disturbing alignment.
    void set_color(std::size_t row, std::size_t column, std::string code);
    std::string render(bool color) const;

private:
    std::vector<std::vector<std::string>> rows_;
    std::vector<std::tuple<std::size_t, std::size_t, std::string>> colors_;
};

// Display width of UTF-8 text (code points; enough for names and numbers).
std::size_t display_width(const std::string& text);

}  // namespace gaia::cli
