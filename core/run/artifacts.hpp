#pragma once
// Artifacts: what an attempt leaves for a person to open when it fails — a browser's
// screenshot and page, a response's head and body, a process's last output. A task hands
// them over in its outcome (TaskOutcome::artifacts); the scheduler writes each attempt's
// set as one directory, DIR/JOB/INDEX-ATTEMPT/, that appears whole or not at all.

#include "core/loop/loop.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::run {

// When a task collects artifacts. The run's choice (--artifacts) is on_failure; a kind
// may have its own ([browser].artifacts).
enum class ArtifactMode : std::uint8_t { off, on_failure, always };
// "on-failure", "always", "off" (Playwright's spellings, as in its `retain-on-failure`).
std::optional<ArtifactMode> parse_artifact_mode(std::string_view text);

struct Artifact {
    std::string name;   // a plain file name: "screenshot.png"
    std::string bytes;
    bool text = true;   // text is scrubbed of the run's secrets before it is written
};

// The directory gaia writes an attempt's artifacts into, under the run's root.
std::string artifact_dir(std::string_view root, std::string_view job, std::uint64_t index, std::uint32_t attempt);

// The root used when a job file asks for artifacts and the command line names no directory.
inline constexpr std::string_view kDefaultArtifactRoot = "gaia-artifacts";

// Writes `files` on libuv's thread pool into `dir`: first into a hidden sibling, then
// renamed into place (an earlier run's directory of the same name is replaced), so a
// reader never sees half a set. `done` runs on the loop thread, on a later turn, with the
// paths written (dir/name, in the order given) or the error that left nothing behind.
void write_artifacts(loop::Loop& loop, std::string dir, std::vector<Artifact> files,
                     std::function<void(std::vector<std::string> paths, std::string error)> done);

}  // namespace gaia::run
