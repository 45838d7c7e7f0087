#include "jobs/browser/document_lifecycle.hpp"

#include <algorithm>

namespace gaia::jobs::browser {

void DocumentLifecycle::on_event(std::string_view loader, std::string_view name) {
    auto it = std::find_if(documents_.begin(), documents_.end(),
                           [loader](const auto& document) { return document.first == loader; });
    if (it == documents_.end()) {
        if (documents_.size() == kKept) documents_.erase(documents_.begin());
        documents_.emplace_back(std::string(loader), std::set<std::string, std::less<>>{});
        it = documents_.end() - 1;
    } else if (name == "init" && it + 1 != documents_.end()) {
        // The same loader starting again (a reload keeps it): it is current, its events anew.
        auto document = std::move(*it);
        documents_.erase(it);
        document.second.clear();
        documents_.push_back(std::move(document));
        it = documents_.end() - 1;
    } else if (name == "init") {
        it->second.clear();
    }
    it->second.emplace(name);
}

bool DocumentLifecycle::reached(std::string_view loader, std::string_view event) const {
    if (documents_.empty()) return false;
    if (loader.empty()) return documents_.back().second.count(event) != 0;
    for (const auto& [id, events] : documents_) {
        if (id == loader) return events.count(event) != 0;
    }
    return false;
}

}  // namespace gaia::jobs::browser
