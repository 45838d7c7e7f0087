// libFuzzer target: the job-file loader — bytes as a job file on standard input, through
// toml++, the nesting bound, every kind's compiler, the template and graph checks and
// the printing of every diagnostic. Anything may be wrong with the input; nothing may
// crash, hang or leak.

#include "core/jobfile/loader.hpp"
#include "jobs/registry.hpp"

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = [] {
        spdlog::set_level(spdlog::level::off);
        return true;
    }();
    (void)quiet;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    gaia::jobfile::LoadOptions options;
    options.files = {"-"};
    options.vars = {{"base", "http://127.0.0.1:1"}};
    options.require_env = false;
    options.standard_input = &in;
    for (const auto* kind : gaia::jobs::all_kinds()) options.kinds.push_back(kind);
    gaia::jobfile::Diagnostics diags;
    auto set = gaia::jobfile::load_job_files(options, diags);
    std::ostringstream out;
    diags.print(out, true);
    return 0;
}
