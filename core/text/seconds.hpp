#pragma once
// A measured time for a message: "850 ms" below a second, "1.23 s" above. Limits that a job
// file sets are written back as the user wrote them instead (jobfile::format_duration).

#include <string>

namespace gaia::text {

std::string seconds_text(double seconds);

}  // namespace gaia::text
