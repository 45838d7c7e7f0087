#pragma once
// What the loader needs from a job kind: the keys it accepts and a compiler for them.
// Each kind declares its own schema, so unknown keys are caught for every kind with the
// same "did you mean" (jobs/registry.cpp hands these to the loader).

#include "core/jobfile/compile_context.hpp"
#include "core/jobfile/model.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobfile {

struct KindSchema {
    std::string_view kind;                       // "process"
    std::string_view subsystem;                  // "process": the name of its [table]
    std::vector<std::string_view> keys;          // job keys beyond the common ones
    std::vector<std::string_view> expect_keys;   // keys of expect
    std::vector<std::string_view> subsystem_keys;
    // The keys of its `[slo.SUBSYSTEM]` table and their defaults, which gaia serve's health
    // judges it by (success_rate and p95 against its recent tasks, the rest in judge_health).
    std::vector<SloKey> slo_keys;
    // Keys that belong to this kind but are not built yet: named with a clear error
    // rather than accepted and ignored.
    std::vector<std::string_view> unavailable_keys;
};

class KindCompiler {
public:
    virtual ~KindCompiler() = default;
    virtual const KindSchema& schema() const = 0;

    // Reads the kind's own keys of one job (the common keys are already read). Problems go
    // to ctx; the result may be null when there were errors.
    virtual std::shared_ptr<const KindConfig> compile_job(const toml::table& job, CompileContext& ctx) const = 0;

    // Checks one `capture.NAME = "SPEC"` value; returns the problem, if any.
    virtual std::optional<std::string> check_capture(std::string_view spec) const = 0;

    // Reads the subsystem table, which may come in fragments from several files (their
    // keys do not conflict: the loader has checked). Called even with no fragment, so the
    // kind always gets its defaults.
    virtual std::shared_ptr<const KindConfig> compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                CompileContext& ctx) const = 0;
};

}  // namespace gaia::jobfile
