#include "core/report/svg_charts.hpp"
#include "core/report/html_text.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace gaia::report::html {
namespace {

// The fill of a job's span by its status (the stylesheet's colours, for a page without it).
const char* status_fill(const std::string& status) {
    if (status == "passed") return "#1a7f37";
    if (status == "failed" || status == "cancelled") return "#cf222e";
    return "#6e7781";
}

// A step of 1, 2 or 5 times a power of ten that cuts `span` into about `parts`.
double nice_step(double span, int parts) {
    const double raw = span / parts;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0}) {
        if (m * power >= raw) return m * power;
    }
    return 10 * power;
}

// `text` then a coordinate, appended to `out`: the pieces of paths and attributes.
void put(std::string& out, std::string_view text, double v) {
    out += text;
    append_coord(out, v);
}

std::string text_at(double x, double y, const std::string& text, const char* anchor_to = "start") {
    std::string out;
    put(out, "<text x=\"", x);
    put(out, "\" y=\"", y);
    return out + "\" text-anchor=\"" + anchor_to + "\">" + esc(text) + "</text>";
}

std::string line(double x1, double y1, double x2, double y2, const char* cls, const char* stroke, const char* extra = "") {
    std::string out = "<line class=\"" + std::string(cls);
    put(out, "\" x1=\"", x1);
    put(out, "\" y1=\"", y1);
    put(out, "\" x2=\"", x2);
    put(out, "\" y2=\"", y2);
    return out + "\" stroke=\"" + stroke + "\"" + extra + "/>";
}

// A label cut to `n` characters (whole UTF-8 characters), with "…".
std::string shortened(const std::string& s, std::size_t n) {
    std::size_t chars = 0, i = 0;
    while (i < s.size()) {
        if (chars == n) return s.substr(0, i) + "…";
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
        ++chars;
    }
    return s;
}

// One lane's density, failure and retry marks, in columns at least kMinColumn px wide.
struct LaneMarks {
    std::string density, failures, retries;
};

LaneMarks lane_marks(const run::ActivityTimeline& activity, double x0, double scale, double top, double height) {
    constexpr double kMinColumn = 2;
    LaneMarks marks;
    const auto& bins = activity.bins();
    const double w = activity.width_s();
    struct Column {
        double x = 0, width = 0, busy_s = 0, span_s = 0;
    };
    std::vector<Column> columns;
    double last_fail_x = -1, last_retry_x = -1;
    for (std::size_t i = 0; i < bins.size(); ++i) {
        const auto& b = bins[i];
        const double x = x0 + static_cast<double>(i) * w * scale;
        if (b.busy_s > 0) {
            if (columns.empty() || columns.back().width >= kMinColumn || x > columns.back().x + columns.back().width + 0.01) {
                columns.push_back({x, 0, 0, 0});
            }
            auto& c = columns.back();
            c.width = x + w * scale - c.x;
            c.busy_s += b.busy_s;
            c.span_s += w;
        }
        const double mid = std::round(x + w * scale / 2);
        if (b.failed > 0 && mid != last_fail_x) {
            put(marks.failures, "M", mid);
            put(marks.failures, " ", top);
            put(marks.failures, "v", height);
            last_fail_x = mid;
        }
        if (b.retried > 0 && mid != last_retry_x) {
            put(marks.retries, "M", mid - 3);
            put(marks.retries, " ", top);
            marks.retries += "h6l-3 5z";
            last_retry_x = mid;
        }
    }
    double peak = 0;
    for (const auto& c : columns) peak = std::max(peak, c.busy_s / c.span_s);
    if (peak <= 0) return marks;
    const double bottom = top + height;
    for (const auto& c : columns) {
        const double h = std::max(1.0, (height - 2) * (c.busy_s / c.span_s) / peak);
        put(marks.density, "M", c.x);
        put(marks.density, " ", bottom);
        put(marks.density, "v-", h);
        put(marks.density, "h", std::max(c.width, 0.5));
        put(marks.density, "v", h);
        marks.density += 'z';
    }
    return marks;
}

}  // namespace

std::string timeline_svg(const std::vector<TimelineLane>& lanes, double run_s) {
    constexpr double kWidth = 960, kLabelWidth = 200, kRight = 16, kTop = 30;
    // Many jobs: thinner lanes, so a 1,000-job run stays a page to scroll, not a wall.
    const double lane_h = lanes.size() > 200 ? 8 : lanes.size() > 60 ? 12 : 18;
    const double gap = lanes.size() > 200 ? 2 : 4, stage_gap = 8;
    std::size_t stages = 0;
    for (std::size_t i = 1; i < lanes.size(); ++i) stages += lanes[i].stage != lanes[i - 1].stage;
    const double height = kTop + static_cast<double>(lanes.size()) * (lane_h + gap) + static_cast<double>(stages) * stage_gap + 8;
    const double x0 = kLabelWidth, x1 = kWidth - kRight;
    run_s = std::max(run_s, 1e-3);
    const double scale = (x1 - x0) / run_s;

    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coord(kWidth) + " " + coord(height) +
                      "\" width=\"" + coord(kWidth) + "\" height=\"" + coord(height) +
                      "\" role=\"img\" aria-labelledby=\"timeline-title\" class=\"timeline\">";
    out += "<title id=\"timeline-title\">Timeline of the run's " + count_of(lanes.size(), "job", "jobs") + " over " +
           duration_label(run_s) + ": a lane per job, instances running at once shaded, failures as red lines, retries as "
           "amber marks</title>";
    const double step = nice_step(run_s, 8);
    for (double t = 0; t <= run_s * 1.0001; t += step) {
        const double x = x0 + t * scale;
        out += line(x, kTop - 6, x, height - 4, "grid", "#d1d9e0");
        out += text_at(x, kTop - 12, duration_label(t), "middle");
    }
    double y = kTop;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        const auto& lane = lanes[i];
        if (i > 0 && lane.stage != lanes[i - 1].stage) {
            out += line(0, y + stage_gap / 2 - gap / 2, x1, y + stage_gap / 2 - gap / 2, "axis", "#d1d9e0");
            y += stage_gap;
        }
        out += "<a href=\"" + esc(lane.href) + "\"><title>" + esc(lane.summary) + "</title>";
        put(out, "<rect class=\"lane\" x=\"0\" y=\"", y);
        put(out, "\" width=\"", x1);
        put(out, "\" height=\"", lane_h);
        out += "\" fill=\"#eaeef2\"/>";
        if (lane_h >= 12) out += text_at(4, y + lane_h - (lane_h - 10) / 2 - 1.5, shortened(lane.label, 30));
        if (lane.start_s) {
            const double start = std::clamp(*lane.start_s, 0.0, run_s);
            const double end = std::clamp(lane.end_s.value_or(start), start, run_s);
            const auto cls = "span-" + lane.status;
            put(out, "<rect class=\"" + esc(cls) + "\" x=\"", x0 + start * scale);
            put(out, "\" y=\"", y);
            put(out, "\" width=\"", std::max(1.5, (end - start) * scale));
            put(out, "\" height=\"", lane_h);
            out += "\" fill=\"";
            out += status_fill(lane.status);
            out += "\" fill-opacity=\"0.55\"/>";
            std::uint64_t started = 0;
            for (const auto& b : lane.activity.bins()) started += b.started;
            const auto marks = lane_marks(lane.activity, x0, scale, y, lane_h);
            if (started > 1 && !marks.density.empty()) {
                out += "<path class=\"density\" d=\"" + marks.density + "\" fill=\"#1f2328\" fill-opacity=\"0.45\"/>";
            }
            if (!marks.failures.empty()) {
                out += "<path class=\"fail-mark\" d=\"" + marks.failures + "\" stroke=\"#cf222e\" stroke-width=\"1.5\"/>";
            }
            if (!marks.retries.empty()) out += "<path class=\"retry-mark\" d=\"" + marks.retries + "\" fill=\"#9a6700\"/>";
        }
        out += "</a>";
        y += lane_h + gap;
    }
    out += "</svg>";
    return out;
}

std::string histogram_svg(const run::LatencyHistogram& histogram, const std::vector<ChartMark>& percentiles,
                          const std::vector<ChartMark>& limits, const std::string& title) {
    if (histogram.count() == 0) return {};
    constexpr double kWidth = 520, kHeight = 180, kLeft = 48, kRight = 16, kTop = 26, kBottom = 26;
    constexpr int kBars = 40;
    double lo = 0, hi = 0;
    histogram.for_each_bucket([&](double s, std::uint64_t) {
        if (lo == 0 || s < lo) lo = s;
        hi = std::max(hi, s);
    });
    for (const auto& m : limits) {
        if (m.seconds <= 0) continue;
        hi = std::max(hi, m.seconds);
        lo = std::min(lo, m.seconds);
    }
    lo = std::max(lo, run::LatencyHistogram::kFloorS);
    hi = std::max(hi, lo);
    if (hi < lo * 1.5) lo /= 1.25, hi *= 1.25;
    const double l0 = std::log10(lo) - 0.02, l1 = std::log10(hi) + 0.02;
    const double x0 = kLeft, x1 = kWidth - kRight, plot_h = kHeight - kTop - kBottom;
    auto x_of = [&](double s) { return x0 + (std::log10(std::max(s, 1e-12)) - l0) / (l1 - l0) * (x1 - x0); };

    std::vector<std::uint64_t> bars(kBars, 0);
    histogram.for_each_bucket([&](double s, std::uint64_t n) {
        const auto i = static_cast<int>((std::log10(s) - l0) / (l1 - l0) * kBars);
        bars[static_cast<std::size_t>(std::clamp(i, 0, kBars - 1))] += n;
    });
    const std::uint64_t peak = *std::max_element(bars.begin(), bars.end());

    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coord(kWidth) + " " + coord(kHeight) +
                      "\" width=\"" + coord(kWidth) + "\" height=\"" + coord(kHeight) +
                      "\" role=\"img\" class=\"histogram\"><title>" + esc(title) + "</title>";
    const double base = kTop + plot_h;
    out += line(x0, base, x1, base, "axis", "#d1d9e0");
    out += text_at(x0 - 4, kTop + 4, count_label(peak), "end");
    out += text_at(x0 - 4, base, "0", "end");
    // Ticks at 1, 2 and 5 times a power of ten; the ends labelled when none falls inside.
    int ticks = 0;
    for (int decade = static_cast<int>(std::floor(l0)); decade <= static_cast<int>(std::ceil(l1)); ++decade) {
        for (const double m : {1.0, 2.0, 5.0}) {
            const double s = m * std::pow(10.0, decade);
            const double x = x_of(s);
            if (x < x0 || x > x1) continue;
            out += line(x, base, x, base + 4, "axis", "#d1d9e0");
            out += text_at(x, base + 16, duration_label(s), "middle");
            ++ticks;
        }
    }
    if (ticks < 2) {
        out += text_at(x0, base + 16, duration_label(std::pow(10.0, l0)), "start");
        out += text_at(x1, base + 16, duration_label(std::pow(10.0, l1)), "end");
    }
    std::string bars_path;
    const double bar_w = (x1 - x0) / kBars;
    for (int i = 0; i < kBars; ++i) {
        const auto n = bars[static_cast<std::size_t>(i)];
        if (n == 0) continue;
        const double h = std::max(1.0, plot_h * static_cast<double>(n) / static_cast<double>(peak));
        put(bars_path, "M", x0 + i * bar_w + 0.5);
        put(bars_path, " ", base);
        put(bars_path, "v-", h);
        put(bars_path, "h", bar_w - 1);
        put(bars_path, "v", h);
        bars_path += 'z';
    }
    out += "<path class=\"bar\" d=\"" + bars_path + "\" fill=\"#0969da\"/>";
    // Marks' labels alternate between two rows, so close percentiles stay readable.
    int row = 0;
    auto mark = [&](const ChartMark& m, const char* cls, const char* stroke, const char* extra) {
        const double x = std::clamp(x_of(m.seconds), x0, x1);
        out += line(x, kTop - 2, x, base, cls, stroke, extra);
        // Near an end a label grows inward, clear of the edge and of the count at the top left.
        const char* anchor_to = x > x1 - 40 ? "end" : x < x0 + 40 ? "start" : "middle";
        out += text_at(x, row % 2 ? kTop - 4 : kTop - 14, m.label, anchor_to);
        ++row;
    };
    for (const auto& m : percentiles) mark(m, "pct", "#1f2328", " stroke-dasharray=\"3 2\"");
    for (const auto& m : limits) mark(m, "limit", "#cf222e", " stroke-width=\"1.5\"");
    out += "</svg>";
    return out;
}

}  // namespace gaia::report::html
