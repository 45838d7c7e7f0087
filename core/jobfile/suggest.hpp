#pragma once
// "did you mean …?" for misspelt names.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobfile {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to name, if it is close enough to be a plausible typo.
std::optional<std::string> nearest(std::string_view name, const std::vector<std::string_view>& candidates);

// " (did you mean `x`?)" or "".
std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace gaia::jobfile
