#pragma once
// The standard process_* metrics of gaia itself, read from /proc like the Prometheus
// client libraries do, and gaia_build_info with its version.

#include "core/metrics/registry.hpp"

namespace gaia::metrics {

void register_self_metrics(Registry& registry);

}  // namespace gaia::metrics
