#include "core/report/redact.hpp"

namespace gaia::report {

nlohmann::json shown_captures(const run::JobResult& r, const text::Redactor& redactor) {
    // Through text, so that invalid UTF-8 in captured output is replaced, not thrown on.
    auto captures = nlohmann::json::parse(r.captures.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    for (const auto& name : r.job->secret_captures) {
        if (auto it = captures.find(name); it != captures.end()) mask_whole(*it);
    }
    scrub_strings(captures, redactor);
    return captures;
}

}  // namespace gaia::report
