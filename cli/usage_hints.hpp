#pragma once
// Clearer words than CLI11's for a command line gaia cannot parse: a misspelt command or
// option gets the nearest real one ("did you mean"), a missing job file is named as such.
// Job files already get this care; the command line deserves the same.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace gaia::cli {

// The message for this parse error, or nothing when CLI11's own says it well.
std::optional<std::string> explain_parse_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv);

}  // namespace gaia::cli
