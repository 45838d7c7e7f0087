// gaia plan FILE...: the dependency order and the task count of each job.

#include "cli/commands.hpp"
#include "cli/setup.hpp"
#include "cli/table.hpp"
#include "core/jobfile/graph.hpp"
#include "core/run/selection.hpp"

#include <algorithm>
#include <iostream>

namespace gaia::cli {
namespace {

struct PlanOptions {
    std::vector<std::string> files;
    std::vector<std::string> only;
};

int plan(const GlobalOptions& globals, const PlanOptions& options) {
    jobfile::Diagnostics diags;
    auto set = load_files(globals, options.files, false, diags);
    if (!set) return kUsage;
    std::vector<std::string> unknown;
    auto selected = run::select_jobs(*set, options.only, &unknown);
    if (!unknown.empty()) throw UsageError("--only: no job or tag named `" + unknown.front() + "`");

    // An `if` column only when a job has a condition: it decides whether the job runs at all.
    const bool conditions = std::any_of(set->jobs.begin(), set->jobs.end(), [](const auto& j) { return j.condition != nullptr; });
    TextTable table(conditions ? std::vector<std::string>{"#", "job", "kind", "needs", "if", "tasks"}
                               : std::vector<std::string>{"#", "job", "kind", "needs", "tasks"});
    std::uint64_t tasks = 0;
    std::size_t jobs = 0, dynamic = 0, n = 0;
    for (auto i : jobfile::topological_order(jobfile::need_indices(*set))) {
        if (!selected[i]) continue;
        const auto& job = set->jobs[i];
        std::string needs;
        for (const auto& need : job.needs) needs += (needs.empty() ? "" : ", ") + need;
        std::string count;
        if (job.for_each && job.for_each->dynamic()) {
            count = "from jobs." + job.for_each->from_job + "." + job.for_each->from_capture;
            ++dynamic;
        } else {
            const std::uint64_t c = job.for_each ? job.for_each->items.size() : job.repeat;
            tasks += c;
            count = std::to_string(c);
        }
        ++jobs;
        std::vector<std::string> row = {std::to_string(++n), job.name, job.kind, needs.empty() ? "-" : needs, count};
        if (conditions) row.insert(row.begin() + 4, job.condition ? job.condition->source() : "-");
        table.add(std::move(row));
    }
    std::cout << table.render(use_color(globals, 1));
    std::cout << jobs << (jobs == 1 ? " job, " : " jobs, ") << tasks << (tasks == 1 ? " task" : " tasks");
    if (dynamic > 0) std::cout << " (+ " << dynamic << (dynamic == 1 ? " job" : " jobs") << " sized at run time)";
    std::cout << '\n';
    return kPassed;
}

}  // namespace

void add_plan_command(CLI::App& app, GlobalOptions& globals, Action& action) {
    auto options = std::make_shared<PlanOptions>();
    auto* cmd = app.add_subcommand("plan", "Print the dependency order and the task count of each job");
    cmd->add_option("files", options->files, "Job files (- for standard input)")->required();
    cmd->add_option("--only", options->only, "Only this job or tag, with what it needs (repeatable)")->allow_extra_args(false);
    cmd->callback([&globals, &action, options] { action = [&globals, options] { return plan(globals, *options); }; });
}

}  // namespace gaia::cli
