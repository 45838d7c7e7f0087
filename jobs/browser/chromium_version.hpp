#pragma once
// Which Chromium the browser kind would start, and its version, for `gaia version
// --verbose`: a blocking call for the command line (it runs `chromium --version` and waits
// up to a few seconds), never made on the event loop.

#include <string>

namespace gaia::jobs::browser {

// "Chromium 120.0.6099.224 built on Debian 12 (/usr/bin/chromium)", or why there is none:
// nothing found, it could not start, or it printed no version in time.
std::string chromium_version();

}  // namespace gaia::jobs::browser
