#include "core/report/html_page.hpp"
#include "core/report/html_text.hpp"
#include "core/text/base64.hpp"
#include "core/text/sha256.hpp"

namespace gaia::report::html {
namespace {

// Light by default, dark where the reader's system is; status colours that keep their
// contrast in both. SVG shapes take their colours from classes here, over the attributes
// they carry for a page without this sheet.
constexpr std::string_view kStyle = R"CSS(
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --skip: #6e7781; --accent: #0969da; --lane: #eaeef2; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
    --ok: #3fb950; --bad: #f85149; --warn: #d29922; --skip: #9198a1; --accent: #4493f8; --lane: #212830; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: 600; }
.verdict.passed { background: var(--ok); } .verdict.failed, .verdict.timeout { background: var(--bad); }
.verdict.interrupted, .verdict.terminated { background: var(--warn); }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 8px 0; padding: 0; list-style: none; }
.facts b { display: block; font-size: 18px; }
.facts span { color: var(--muted); font-size: 12px; }
nav ul { display: flex; gap: 16px; list-style: none; padding: 0; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; }
th, td.n, table.jobs td:first-child { white-space: nowrap; }
.wide { overflow-x: auto; }
th { background: var(--panel); font-weight: 600; }
th button { all: unset; cursor: pointer; } th button::after { content: "\2195"; color: var(--muted); font-size: 11px; margin-left: 2px; }
th[aria-sort=ascending] button::after { content: "\2191"; } th[aria-sort=descending] button::after { content: "\2193"; }
.s-passed { color: var(--ok); } .s-failed, .s-cancelled { color: var(--bad); } .s-skipped, .s-pending { color: var(--skip); }
.held { color: var(--ok); } .broke { color: var(--bad); font-weight: 600; }
pre { background: var(--panel); padding: 8px; overflow: auto; max-height: 320px; margin: 4px 0; white-space: pre-wrap; word-break: break-all; }
details { margin: 4px 0; } summary { cursor: pointer; }
.job { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 10px; margin: 12px 0; }
.muted { color: var(--muted); }
svg { display: block; max-width: 100%; height: auto; }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; }
svg .axis { stroke: var(--line); } svg .grid { stroke: var(--line); stroke-dasharray: 2 3; }
svg .lane { fill: var(--lane); }
svg .span-passed { fill: var(--ok); } svg .span-failed, svg .span-cancelled { fill: var(--bad); }
svg .span-skipped, svg .span-pending, svg .span-running { fill: var(--skip); }
svg .density { fill: var(--fg); opacity: 0.45; }
svg .fail-mark { stroke: var(--bad); } svg .retry-mark { fill: var(--warn); }
svg .bar { fill: var(--accent); } svg .pct { stroke: var(--fg); stroke-dasharray: 3 2; } svg .limit { stroke: var(--bad); }
svg a:focus-visible .lane { stroke: var(--accent); stroke-width: 2; }
)CSS";

// Sorting by a column: a header's button sorts its table by that column (numbers by the
// cell's data-v), again the other way. Nothing else runs.
constexpr std::string_view kScript = R"JS(
for (const table of document.querySelectorAll('table.sortable')) {
  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((th, column) => {
    const button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', () => {
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      for (const other of heads) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const key = (row) => { const cell = row.cells[column]; return cell.dataset.v !== undefined ? Number(cell.dataset.v) : cell.textContent; };
      const body = table.tBodies[0];
      const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b);
        const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y)); return ascending ? order : -order; });
      body.append(...rows);
    });
  });
}
)JS";

std::string csp_hash(std::string_view text) {
    text::Sha256 sha;
    sha.update(text);
    const auto hex = sha.hex();
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return "'sha256-" + text::encode_base64(bytes) + "'";
}

}  // namespace

std::string page_head(std::string_view title) {
    static const std::string policy = "default-src 'none'; style-src " + csp_hash(kStyle) + "; script-src " +
                                      csp_hash(kScript) + "; img-src data:; base-uri 'none'; form-action 'none'";
    std::string out = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + policy + "\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<meta name=\"color-scheme\" content=\"light dark\">\n";
    out += "<meta name=\"generator\" content=\"gaia\">\n";
    out += "<title>" + esc(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
    return out;
}

std::string page_foot() { return "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n"; }

}  // namespace gaia::report::html
