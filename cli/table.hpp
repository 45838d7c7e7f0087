#pragma once
// Plain aligned text tables for the terminal (plan, summary).

#include <string>
#include <tuple>
#include <vector>

namespace gaia::cli {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
    // Cells hold text from outside (job names, errors of servers and processes): control
    // characters in them are escaped, so that a cell is one line and cannot act on the
    // terminal. Colour is set apart (set_color), never written into a cell.
    void add(std::vector<std::string> row);
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
