#include "core/jobfile/diagnostics.hpp"

#include "core/text/printable.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace gaia::jobfile {

std::string SourcePos::str() const {
    // Not from a file (a --var, say): the problem is gaia's command line.
    if (!file) return "gaia";
    std::string out = *file;
    out += ':';
    out += std::to_string(line);
    out += ':';
    out += std::to_string(column);
    return out;
}

void Diagnostics::error(SourcePos pos, std::string message) {
    items_.push_back({Severity::error, std::move(pos), std::move(message)});
    ++errors_;
}

void Diagnostics::warning(SourcePos pos, std::string message) {
    items_.push_back({Severity::warning, std::move(pos), std::move(message)});
}

void Diagnostics::print(std::ostream& out, bool color) const {
    // Files keep the order in which they were first mentioned (the order the user gave);
    // inside a file, problems are sorted by position like a compiler's.
    std::vector<const std::string*> file_order;
    auto rank = [&](const SourcePos& p) {
        const std::string* name = p.file ? p.file.get() : nullptr;
        for (std::size_t i = 0; i < file_order.size(); ++i) {
            if (file_order[i] == name || (name && file_order[i] && *file_order[i] == *name)) return i;
        }
        file_order.push_back(name);
        return file_order.size() - 1;
    };
    std::vector<std::tuple<std::size_t, std::uint32_t, std::uint32_t, std::size_t>> order;
    order.reserve(items_.size());
    for (std::size_t i = 0; i < items_.size(); ++i) {
        const auto& d = items_[i];
        order.emplace_back(rank(d.pos), d.pos.line, d.pos.column, i);
    }
    std::sort(order.begin(), order.end());
    std::set<std::string> seen;
    std::size_t printed = 0, held_back = 0;
    for (const auto& entry : order) {
        const auto& d = items_[std::get<3>(entry)];
        std::string line = text::printable(d.pos.str()) + ": ";
        const bool is_error = d.severity == Severity::error;
        if (color) line += is_error ? "\x1b[1;31merror:\x1b[0m " : "\x1b[1;35mwarning:\x1b[0m ";
        else line += is_error ? "error: " : "warning: ";
        line += text::printable(d.message);
        if (!seen.insert(line).second) continue;
        // 500 jobs that each need all 500 are a handful of mistakes, not 125,000 lines.
        if (printed == kMaxPrinted) {
            ++held_back;
            continue;
        }
        out << line << '\n';
        ++printed;
    }
    if (held_back > 0) {
        out << "gaia: " << held_back << " more problems not shown (the first " << kMaxPrinted << " are above)\n";
    }
}

}  // namespace gaia::jobfile
