#pragma once
// A measured size for a person: "512 B", "3.4 MiB" (binary units, one decimal above bytes).
// Sizes that a job file sets are written back exactly instead (jobfile::format_size).

#include <string>
#include <string_view>

namespace gaia::text {

// `separator` goes between the number and the unit: " " in prose, "" in a tight table.
// A negative or non-finite size reads as 0 B.
std::string byte_size_text(double bytes, std::string_view separator);

}  // namespace gaia::text
