#include "core/metrics/registry.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace gaia::metrics {

void Histogram::observe(double v, std::uint64_t n) noexcept {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (v <= bounds_[i]) {
            counts_[i] += n;
            break;
        }
    }
    sum_ += v * static_cast<double>(n);
    count_ += n;
}

const std::vector<double>& default_duration_buckets() {
    static const std::vector<double> bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                               1,     2.5,    5,     10,   30,    60,   120,  300};
    return bounds;
}

template <class T>
T& Family<T>::with(const LabelValues& values) {
    if (values.size() != label_names_.size()) {
        throw std::logic_error("metric " + name_ + ": expected " + std::to_string(label_names_.size()) + " labels");
    }
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
    std::unique_ptr<T> series;
    if constexpr (std::is_same_v<T, Histogram>) series = std::make_unique<T>(bounds_);
    else series = std::make_unique<T>();
    return *series_.emplace(values, std::move(series)).first->second;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

namespace {

// A family asked for twice (two components sharing a metric) is the same family: the
// exposition must not name a metric twice.
template <class F>
F* existing(const std::vector<std::unique_ptr<F>>& families, const std::string& name,
            const std::vector<std::string>& labels) {
    for (const auto& f : families) {
        if (f->name() != name) continue;
        if (f->label_names() != labels) throw std::logic_error("metric " + name + " registered with other labels");
        return f.get();
    }
    return nullptr;
}

}  // namespace

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
    if (auto* f = existing(counters_, name, labels)) return *f;
    counters_.push_back(std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(labels)));
    order_.push_back({MetricType::counter, counters_.back().get()});
    return *counters_.back();
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
    if (auto* f = existing(gauges_, name, labels)) return *f;
    gauges_.push_back(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(labels)));
    order_.push_back({MetricType::gauge, gauges_.back().get()});
    return *gauges_.back();
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels,
                                       std::vector<double> bounds) {
    if (auto* f = existing(histograms_, name, labels)) return *f;
    histograms_.push_back(
        std::make_unique<Family<Histogram>>(std::move(name), std::move(help), std::move(labels), std::move(bounds)));
    order_.push_back({MetricType::histogram, histograms_.back().get()});
    return *histograms_.back();
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", value);
        return buf;
    }
    // The shortest decimal that reads back as the same double: 0.1, not 0.10000000000000001.
    char buf[32];
    for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value) break;
    }
    return buf;
}

namespace {

std::string escape_help(std::string_view help) {
    std::string out;
    for (char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

// `a="x",b="y"`: the inside of a series' braces, without them.
std::string label_pairs(const std::vector<std::string>& names, const LabelValues& values) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out += ',';
        out += names[i];
        out += "=\"";
        out += escape_label_value(values[i]);
        out += '"';
    }
    return out;
}

// NAME{PAIRS} VALUE\n, NAME VALUE\n without labels.
void append_sample(std::string& out, const std::string& name, std::string_view suffix, const std::string& pairs,
            std::string_view value) {
    out += name;
    out += suffix;
    if (!pairs.empty()) {
        out += '{';
        out += pairs;
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
}

template <class F>
void header(std::string& out, const F& family, std::string_view type) {
    out += "# HELP " + family.name() + " " + escape_help(family.help()) + "\n";
    out += "# TYPE " + family.name() + " " + std::string(type) + "\n";
}

}  // namespace

bool valid_metric_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

void Registry::collect() {
    for (auto& collector : collectors_) collector();
}

const Family<Counter>* Registry::find_counter(std::string_view name) const {
    for (const auto& f : counters_) {
        if (f->name() == name) return f.get();
    }
    return nullptr;
}

const Family<Gauge>* Registry::find_gauge(std::string_view name) const {
    for (const auto& f : gauges_) {
        if (f->name() == name) return f.get();
    }
    return nullptr;
}

std::string Registry::expose() {
    collect();
    // Scraped every few seconds, by several scrapers: built in one buffer of the size the
    // last one had, each series' labels escaped once, bucket bounds formatted once.
    std::string out;
    out.reserve(last_exposition_size_ + last_exposition_size_ / 8);
    for (const auto& entry : order_) {
        switch (entry.type) {
        case MetricType::counter: {
            const auto& f = *static_cast<Family<Counter>*>(entry.family);
            header(out, f, "counter");
            for (const auto& [values, c] : f.series()) {
                append_sample(out, f.name(), "", label_pairs(f.label_names(), values), format_number(c->value()));
            }
            break;
        }
        case MetricType::gauge: {
            const auto& f = *static_cast<Family<Gauge>*>(entry.family);
            header(out, f, "gauge");
            for (const auto& [values, g] : f.series()) {
                append_sample(out, f.name(), "", label_pairs(f.label_names(), values), format_number(g->value()));
            }
            break;
        }
        case MetricType::histogram: {
            const auto& f = *static_cast<Family<Histogram>*>(entry.family);
            header(out, f, "histogram");
            std::vector<std::string> le;  // `le="0.005"`, one per bound, then +Inf
            for (const auto& [values, h] : f.series()) {
                if (le.empty()) {
                    for (double bound : h->bounds()) le.push_back("le=\"" + format_number(bound) + "\"");
                    le.emplace_back("le=\"+Inf\"");
                }
                const auto pairs = label_pairs(f.label_names(), values);
                const auto prefix = pairs.empty() ? std::string() : pairs + ",";
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i <= h->bounds().size(); ++i) {
                    cumulative = i < h->bounds().size() ? cumulative + h->counts()[i] : h->count();
                    append_sample(out, f.name(), "_bucket", prefix + le[i], std::to_string(cumulative));
                }
                append_sample(out, f.name(), "_sum", pairs, format_number(h->sum()));
                append_sample(out, f.name(), "_count", pairs, std::to_string(h->count()));
            }
            break;
        }
        }
    }
    last_exposition_size_ = out.size();
    return out;
}

}  // namespace gaia::metrics
