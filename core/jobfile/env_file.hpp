#pragma once
// Env files (`--env-file FILE`, `[settings].env_file`): KEY=VALUE lines, as systemd's
// EnvironmentFile=, docker's --env-file and dotenv read them, for runs whose environment
// is bare (cron, CI). Their variables join gaia's environment before any env.* is read —
// a variable the environment had of its own keeps its value, as with dotenv — and every
// value is a secret: masked in every output.
//
//   # a comment
//   API_TOKEN=s3cr3t
//   export REGION=eu-west-1        (an `export ` prefix is allowed)
//   GREETING="hello, world\n"      (double quotes: \n \t \" \\ escapes)
//   PATTERN='a$b'                  (single quotes: taken as written)

#include "core/jobfile/diagnostics.hpp"

#include <string>
#include <utility>
#include <vector>

namespace gaia::jobfile {

using EnvEntries = std::vector<std::pair<std::string, std::string>>;

// Parses `text` (the contents of `file`); each bad line is an error at FILE:LINE:COL.
EnvEntries parse_env_file(const std::string& text, const std::string& file, Diagnostics& diags);

// Reads and parses the file; a file that cannot be read is an error at `where`.
EnvEntries read_env_file(const std::string& path, const SourcePos& where, Diagnostics& diags);

// Sets each variable the environment did not have of its own — one an earlier env file
// set is set again, so that gaia serve's reload sees a changed file; returns every name
// of the file (their values, set here or before, are secrets).
std::vector<std::string> apply_env(const EnvEntries& entries);

}  // namespace gaia::jobfile
