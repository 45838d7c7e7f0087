#pragma once
// Problems found in job files, each with the place it was found:
// `file:line:col` of the TOML node, for semantic problems too.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace gaia::jobfile {

struct SourcePos {
    std::shared_ptr<const std::string> file;
    std::uint32_t line = 1;
    std::uint32_t column = 1;

    // "FILE:LINE:COLUMN"; "gaia" for a problem of the command line (no file)
    std::string str() const;
};

enum class Severity { error, warning };

struct Diagnostic {
    Severity severity = Severity::error;
    SourcePos pos;
    std::string message;
};

class Diagnostics {
public:
    void error(SourcePos pos, std::string message);
    void warning(SourcePos pos, std::string message);

    bool has_errors() const noexcept { return errors_ > 0; }
    std::size_t error_count() const noexcept { return errors_; }
    const std::vector<Diagnostic>& all() const noexcept { return items_; }

    // Prints "FILE:LINE:COLUMN: error: MESSAGE" lines, ordered by file and position, each
    // problem once, control characters escaped (a message is one line and cannot act on
    // the terminal); past kMaxPrinted lines, only how many more there are.
    void print(std::ostream& out, bool color) const;
    static constexpr std::size_t kMaxPrinted = 1000;

private:
    std::vector<Diagnostic> items_;
    std::size_t errors_ = 0;
};

}  // namespace gaia::jobfile
