#pragma once
// Counters, gauges and histograms with labels, exposed in the Prometheus text format.
//
// Every metric is touched on the loop thread only (gaia has one loop thread), so there are
// no locks. Series are created on first use and live as long as the registry; callers
// keep references, which stay valid (series are held by pointer).

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::metrics {

using LabelValues = std::vector<std::string>;

class Counter {
public:
    void inc(double by = 1.0) noexcept { value_ += by; }
    double value() const noexcept { return value_; }

private:
    double value_ = 0;
};

class Gauge {
public:
    void set(double v) noexcept { value_ = v; }
    void inc(double by = 1.0) noexcept { value_ += by; }
    void dec(double by = 1.0) noexcept { value_ -= by; }
    double value() const noexcept { return value_; }

private:
    double value_ = 0;
};

class Histogram {
public:
    explicit Histogram(const std::vector<double>& bounds) : bounds_(bounds), counts_(bounds.size(), 0) {}
    void observe(double v) noexcept { observe(v, 1); }
    // `n` observations of `v` (a histogram read back from a report, bucket by bucket).
    void observe(double v, std::uint64_t n) noexcept;
    const std::vector<double>& bounds() const noexcept { return bounds_; }
    const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }  // per bucket, not cumulative
    double sum() const noexcept { return sum_; }
    std::uint64_t count() const noexcept { return count_; }

private:
    const std::vector<double>& bounds_;
    std::vector<std::uint64_t> counts_;
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

enum class MetricType { counter, gauge, histogram };

// Bounds for durations from 1 ms to about 5 minutes.
const std::vector<double>& default_duration_buckets();

template <class T>
class Family {
public:
    Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds = {})
        : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
          bounds_(std::move(bounds)) {}

    // The series for these label values, created on first use.
    T& with(const LabelValues& values);
    T& with(std::initializer_list<std::string_view> values) {
        return with(LabelValues(values.begin(), values.end()));
    }

    const std::string& name() const noexcept { return name_; }
    const std::string& help() const noexcept { return help_; }
    const std::vector<std::string>& label_names() const noexcept { return label_names_; }
    const std::map<LabelValues, std::unique_ptr<T>>& series() const noexcept { return series_; }

private:
    std::string name_, help_;
    std::vector<std::string> label_names_;
    std::vector<double> bounds_;
    std::map<LabelValues, std::unique_ptr<T>> series_;
};

class Registry {
public:
    Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> labels = {});
    Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
    Family<Histogram>& histogram(std::string name, std::string help, std::vector<std::string> labels = {},
                                 std::vector<double> bounds = default_duration_buckets());

    // Called before every exposition, to refresh gauges that are sampled (RSS, open fds).
    void on_collect(std::function<void()> collector) { collectors_.push_back(std::move(collector)); }

    // Runs the collectors: sampled gauges are fresh afterwards. expose() does it itself.
    void collect();

    // A registered family, for readers of the values (gaia serve's health); null if absent.
    const Family<Counter>* find_counter(std::string_view name) const;
    const Family<Gauge>* find_gauge(std::string_view name) const;

    // The Prometheus text exposition format, version 0.0.4.
    std::string expose();

private:
    struct Entry {
        MetricType type;
        void* family;
    };
    std::vector<std::unique_ptr<Family<Counter>>> counters_;
    std::vector<std::unique_ptr<Family<Gauge>>> gauges_;
    std::vector<std::unique_ptr<Family<Histogram>>> histograms_;
    std::size_t last_exposition_size_ = 0;
    std::vector<Entry> order_;  // registration order, which is exposition order
    std::vector<std::function<void()>> collectors_;
};

// Prometheus's rule for metric names: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool valid_metric_name(std::string_view name) noexcept;

// Escaping of label values in the text format: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);
// Numbers as Prometheus writes them: integers without a fraction, +Inf, NaN.
std::string format_number(double value);

}  // namespace gaia::metrics
