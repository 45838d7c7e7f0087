#pragma once
// The web dashboard at `/`: one self-contained page — no external script,
// style, font or image — that polls /health, /api/v1/jobs and /metrics and shows
// health per subsystem, jobs with their last result and next run, and live rates.

#include <string_view>

namespace gaia::serve {

std::string_view dashboard_html();

}  // namespace gaia::serve
