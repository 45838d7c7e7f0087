#pragma once
// Secrets out of JSON, the same way in every report and in gaia serve's run history: every
// string has the redactor's secrets masked, and a secret capture is masked whole.

#include "core/run/results.hpp"
#include "core/text/redactor.hpp"

#include <nlohmann/json.hpp>

namespace gaia::report {

template <class Json>
void scrub_strings(Json& value, const text::Redactor& redactor) {
    if (redactor.empty()) return;
    if (value.is_string()) {
        value = redactor.scrub(value.template get_ref<const std::string&>());
    } else if (value.is_array() || value.is_object()) {
        for (auto& el : value) scrub_strings(el, redactor);
    }
}

// Masks a secret capture's value whole, numbers too (the redactor sees only strings).
template <class Json>
void mask_whole(Json& value) {
    if (value.is_array()) {
        for (auto& v : value) mask_whole(v);
    } else if (!value.is_null()) {
        value = text::Redactor::kMask;
    }
}

// A job's captures as a report shows them: secret ones masked whole, secrets in the rest
// masked, invalid UTF-8 replaced.
nlohmann::json shown_captures(const run::JobResult& r, const text::Redactor& redactor);

}  // namespace gaia::report
