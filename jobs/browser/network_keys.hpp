#pragma once
// A browser job's keys for its page's network and device: block, mock, headers,
// user_agent, offline, cpu_throttle and color_scheme (gaia-jobs(5), KIND BROWSER).

#include "core/jobfile/compile_context.hpp"
#include "jobs/browser/browser_config.hpp"

#include <toml++/toml.h>

namespace gaia::jobs::browser {

// Reads them into `config`; false when one is wrong (each problem is reported).
bool compile_network_keys(const toml::table& job, BrowserJobConfig& config, jobfile::CompileContext& ctx);

// A mock's body read from `file` is at most this big: fixtures, not downloads.
constexpr std::uint64_t kMaxMockFileBytes = 16 * 1024 * 1024;

}  // namespace gaia::jobs::browser
