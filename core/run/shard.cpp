#include "core/run/shard.hpp"

#include <charconv>

namespace gaia::run {
namespace {

// A whole number that is all of `text`.
std::optional<std::uint64_t> whole(std::string_view text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto r = std::from_chars(text.data(), end, value);
    if (text.empty() || r.ec != std::errc() || r.ptr != end) return std::nullopt;
    return value;
}

std::optional<Shard> from_slurm(const GetEnv& getenv, std::string* error) {
    const char* id_text = getenv("SLURM_ARRAY_TASK_ID");
    auto number = [&](const char* name) -> std::optional<std::uint64_t> {
        const char* text = getenv(name);
        return text ? whole(text) : std::nullopt;
    };
    const auto id = whole(id_text);
    const auto min = number("SLURM_ARRAY_TASK_MIN");
    const auto max = number("SLURM_ARRAY_TASK_MAX");
    const auto count = number("SLURM_ARRAY_TASK_COUNT");
    const auto step = getenv("SLURM_ARRAY_TASK_STEP") ? number("SLURM_ARRAY_TASK_STEP") : std::optional<std::uint64_t>(1);
    if (!id || !min || !step || *step == 0 || (!max && !count)) {
        *error = "--shard auto: SLURM_ARRAY_TASK_ID is `" + std::string(id_text) +
                 "` but SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX (or SLURM_ARRAY_TASK_COUNT) are not whole "
                 "numbers: is this a job array (sbatch --array)?";
        return std::nullopt;
    }
    const std::uint64_t n = count ? *count : (*max - *min) / *step + 1;
    if (*id < *min || (*id - *min) % *step != 0 || (*id - *min) / *step + 1 > n) {
        *error = "--shard auto: Slurm array task " + std::to_string(*id) + " is not one of " + std::to_string(n) +
                 " tasks from " + std::to_string(*min) + " by " + std::to_string(*step) +
                 ": gaia needs an array that is one range (--array=0-15 or 1-16, a step allowed), not a list";
        return std::nullopt;
    }
    Shard shard;
    shard.index = (*id - *min) / *step + 1;
    shard.count = n;
    shard.from = "Slurm array task " + std::to_string(*id) + " of " + std::to_string(n);
    return shard;
}

std::optional<Shard> from_kubernetes(const GetEnv& getenv, std::string* error) {
    const char* index_text = getenv("JOB_COMPLETION_INDEX");
    const char* count_text = getenv("GAIA_SHARD_COUNT");
    const auto index = whole(index_text);
    const auto count = count_text ? whole(count_text) : std::nullopt;
    if (!count_text) {
        *error = "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but GAIA_SHARD_COUNT is not: "
                 "set it to the Job's `completions` in the pod template";
        return std::nullopt;
    }
    if (!index || !count || *count == 0 || *index >= *count) {
        *error = "--shard auto: JOB_COMPLETION_INDEX `" + std::string(index_text) + "` and GAIA_SHARD_COUNT `" +
                 std::string(count_text) + "` do not make a shard (the index counts from 0 to the count - 1)";
        return std::nullopt;
    }
    Shard shard;
    shard.index = *index + 1;
    shard.count = *count;
    shard.from = "Kubernetes completion index " + std::to_string(*index) + " of " + std::to_string(*count);
    return shard;
}

}  // namespace

std::optional<Shard> parse_shard(std::string_view spec, const GetEnv& getenv, std::string* error) {
    if (spec == "auto") {
        const bool slurm = getenv("SLURM_ARRAY_TASK_ID") != nullptr;
        const bool kubernetes = getenv("JOB_COMPLETION_INDEX") != nullptr;
        if (slurm && kubernetes) {
            *error = "--shard auto: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set: give --shard K/N";
            return std::nullopt;
        }
        if (slurm) return from_slurm(getenv, error);
        if (kubernetes) return from_kubernetes(getenv, error);
        *error = "--shard auto: the environment names no shard: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor "
                 "JOB_COMPLETION_INDEX with GAIA_SHARD_COUNT (a Kubernetes Indexed Job) is set; give --shard K/N";
        return std::nullopt;
    }
    const auto cut = spec.find_first_of("/%");
    const auto k = cut == std::string_view::npos ? std::nullopt : whole(spec.substr(0, cut));
    const auto n = cut == std::string_view::npos ? std::nullopt : whole(spec.substr(cut + 1));
    const bool zero_based = cut != std::string_view::npos && spec[cut] == '%';
    if (!k || !n || *n == 0 || (zero_based ? *k >= *n : (*k == 0 || *k > *n))) {
        *error = "--shard takes K/N (1 <= K <= N, e.g. 2/4), K%N (0 <= K < N, as engines count, e.g. 1%4) or auto, "
                 "not `" + std::string(spec.substr(0, 40)) + "`";
        return std::nullopt;
    }
    Shard shard;
    shard.index = zero_based ? *k + 1 : *k;
    shard.count = *n;
    shard.from = "--shard " + std::string(spec);
    return shard;
}

}  // namespace gaia::run
