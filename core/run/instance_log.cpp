#include "core/run/instance_log.hpp"
#include "core/text/tail.hpp"

#include <algorithm>
#include <climits>

namespace gaia::run {

std::uint32_t InstanceLog::intern(std::string_view error) {
    if (error.empty()) return 0;
    // Cut on a UTF-8 boundary, so the report never carries half a character.
    std::string text(text::head_of(error, kMaxErrorBytes));
    if (error.size() > kMaxErrorBytes) text += "… (cut)";
    const auto [it, added] = error_ids_.try_emplace(std::move(text), 0);
    if (added) {
        errors_.push_back(&it->first);
        it->second = static_cast<std::uint32_t>(errors_.size());
        error_bytes_ += it->first.capacity() + sizeof(*it) + sizeof(void*);
    }
    return it->second;
}

void InstanceLog::record(const InstanceEnd& end) {
    InstanceRecord r;
    r.index = end.index;
    r.started_s = static_cast<float>(end.started_s);
    r.seconds = static_cast<float>(end.seconds);
    r.attempts = end.attempts;
    r.error = intern(end.error);
    r.code = end.code;
    r.code_kind = end.code_kind;
    r.signal = static_cast<std::uint8_t>(std::clamp(end.signal, 0, UCHAR_MAX));
    r.status = end.status;
    r.killed = end.killed;
    records_.push_back(r);
    if (end.artifacts && !end.artifacts->empty()) artifacts_[end.index] = *end.artifacts;
}

const std::vector<std::string>* InstanceLog::artifacts(std::uint64_t index) const noexcept {
    const auto it = artifacts_.find(index);
    return it == artifacts_.end() ? nullptr : &it->second;
}

void InstanceLog::sort() {
    std::sort(records_.begin(), records_.end(),
              [](const InstanceRecord& a, const InstanceRecord& b) { return a.index < b.index; });
}

std::string_view InstanceLog::error(const InstanceRecord& r) const noexcept {
    if (r.error == 0 || r.error > errors_.size()) return {};
    return *errors_[r.error - 1];
}

std::size_t InstanceLog::bytes_used() const noexcept {
    std::size_t artifact_bytes = 0;
    for (const auto& [index, paths] : artifacts_) {
        for (const auto& path : paths) artifact_bytes += path.capacity() + sizeof(path);
    }
    return records_.size() * sizeof(InstanceRecord) + error_bytes_ + artifact_bytes +
           error_ids_.bucket_count() * sizeof(void*) + errors_.capacity() * sizeof(void*);
}

}  // namespace gaia::run
