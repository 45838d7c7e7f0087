#pragma once
// One file operation with its templates rendered, run start to finish on a pool thread:
// the op itself, then the job's expectations and captures on the file it leaves (the
// "subject": `path`, or the target of a copy or move). Nothing in here touches the loop.

#include "jobs/file/file_config.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::file {

struct Operation {
    const FileJobConfig* job = nullptr;  // shared and immutable while the op runs
    std::string path, from, to, content;
    std::string glob_base;  // a glob match's directory prefix: `to/` keeps what follows it
    std::vector<std::string> contains;
    std::optional<std::string> expected_checksum;
    std::size_t buffer = 256 * 1024;
    std::uint64_t max_content = 1u << 20;
    std::uint64_t max_parse = 1ull << 30;
    std::atomic<bool> cancel{false};
};

struct OperationResult {
    std::string error;  // the first problem; empty when the op and its expectations passed
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
    std::map<std::string, nlohmann::json> captures;
    nlohmann::json details = nlohmann::json::object();
};

OperationResult run_operation(Operation& op);

// Where a copy or move puts `from`: `to` itself, or inside it when it ends in '/' (with
// the part of `from` after glob_base, else its file name).
std::string target_of(const std::string& from, const std::string& to, const std::string& glob_base);

}  // namespace gaia::jobs::file
