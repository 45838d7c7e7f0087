#include "core/serve/dashboard.hpp"

namespace gaia::serve {
namespace {

// The page builds every element with textContent: job names and errors from the job files
// are never parsed as HTML.
constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gaia</title>
<style>
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2430; --dim:#667085; --ok:#1a7f37; --warn:#b35900; --bad:#c62828; --line:#e4e7ec; }
@media (prefers-color-scheme: dark) { :root { --bg:#14171c; --card:#1d2129; --ink:#e6e9ef; --dim:#98a2b3; --line:#2d333d; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--ink); }
header { display:flex; align-items:baseline; gap:1em; padding:14px 20px; border-bottom:1px solid var(--line); background:var(--card); }
header h1 { margin:0; font-size:20px; }
header .meta { color:var(--dim); }
main { padding:16px 20px; display:grid; gap:16px; }
section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); margin:0 0 8px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(180px, 1fr)); gap:10px; }
.card { background:var(--card); border:1px solid var(--line); border-left:5px solid var(--dim); border-radius:6px; padding:10px 12px; }
.card .name { font-weight:600; }
.card .facts { color:var(--dim); font-size:12px; white-space:pre-line; }
.healthy { border-left-color:var(--ok); } .degraded { border-left-color:var(--warn); } .unhealthy { border-left-color:var(--bad); }
.status { font-weight:600; }
.status.healthy, .status.passed, .status.alive { color:var(--ok); }
.status.degraded, .status.running, .status.skipped { color:var(--warn); }
.status.unhealthy, .status.failed, .status.cancelled { color:var(--bad); }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:6px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--dim); font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
td.error { color:var(--bad); font-size:12px; max-width:40ch; overflow-wrap:anywhere; }
.rates { display:grid; grid-template-columns:repeat(auto-fill, minmax(160px, 1fr)); gap:10px; }
.rate { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.rate .value { font-size:22px; font-variant-numeric:tabular-nums; }
.rate .label { color:var(--dim); font-size:12px; }
#problem { color:var(--bad); }
.strip { display:flex; gap:2px; }
.cell { width:12px; height:18px; border:0; border-radius:2px; padding:0; cursor:pointer; background:var(--dim); }
.cell.passed { background:var(--ok); } .cell.failed { background:var(--bad); }
.cell.cancelled, .cell.skipped { background:var(--warn); }
.cell.selected { outline:2px solid var(--ink); outline-offset:1px; }
#run { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
#run[hidden] { display:none; }
#run pre { background:var(--bg); padding:6px 8px; border-radius:4px; max-height:20em; overflow:auto; white-space:pre-wrap; overflow-wrap:anywhere; margin:4px 0; }
#run .instance { border-top:1px solid var(--line); padding-top:6px; margin-top:6px; }
</style>
</head>
<body>
<header><h1>gaia</h1><span id="overall" class="status">loading…</span><span class="meta" id="meta"></span><span id="problem"></span></header>
<main>
<section><h2>Subsystems</h2><div class="cards" id="subsystems"></div></section>
<section><h2>Live rates</h2><div class="rates" id="rates"></div></section>
<section><h2>Jobs</h2>
<table id="jobs"><thead><tr><th>job</th><th>kind</th><th>schedule</th><th>last result</th><th>last run</th><th class="num">duration</th><th class="num">runs</th><th class="num">skipped</th><th>next run</th><th>recent runs</th><th>error</th></tr></thead><tbody></tbody></table>
</section>
<section id="run" hidden><h2>Run</h2><div id="run-body"></div></section>
</main>
<script>
"use strict";
const REFRESH_MS = 2000;
let previous = null;  // the last /metrics sample, for rates
const RECENT = 20;     // runs in each job's strip, oldest left
const recent = new Map();  // job -> {key, runs}: its strip, fetched again when its last run changes
let selected = null;   // the run id whose details are shown

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function seconds(s) {
  if (s === null || s === undefined) return "—";
  if (s < 1) return (s * 1000).toFixed(0) + " ms";
  if (s < 120) return s.toFixed(1) + " s";
  return (s / 60).toFixed(1) + " min";
}
function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const delta = (d.getTime() - Date.now()) / 1000;
  const rel = Math.abs(delta) < 90 ? Math.round(Math.abs(delta)) + " s" : Math.round(Math.abs(delta) / 60) + " min";
  return d.toLocaleTimeString() + (delta >= 0 ? " (in " + rel + ")" : " (" + rel + " ago)");
}
// Sums every sample of a metric in the Prometheus text, optionally filtered by a label.
function sum(text, name, label, value) {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || line[0] === "#") continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    if (label && rest.indexOf(label + "=\"" + value + "\"") < 0) continue;
    const v = parseFloat(line.slice(line.lastIndexOf(" ") + 1));
    if (!isNaN(v)) total += v;
  }
  return total;
}
function renderHealth(h) {
  const overall = document.getElementById("overall");
  overall.textContent = h.status;
  overall.className = "status " + h.status;
  document.getElementById("meta").textContent = "version " + h.version + " · up " + seconds(h.uptime_s) + " · loop lag " + seconds(h.loop_lag_s);
  const box = document.getElementById("subsystems");
  box.replaceChildren();
  const parts = Object.entries(h.subsystems);
  if (h.state) parts.push(["state", h.state]);  // the state database: written or not
  for (const [name, s] of parts) {
    const card = el("div", "card " + s.status);
    card.dataset.subsystem = name;
    card.append(el("div", "name", name), el("div", "status " + s.status, s.status));
    const facts = [];
    if (s.active !== undefined) facts.push("active " + s.active);
    if (s.success_rate !== null && s.success_rate !== undefined) facts.push("success " + (s.success_rate * 100).toFixed(1) + "% of " + (s.passed + s.failed));
    if (s.p95_s !== null && s.p95_s !== undefined) facts.push("p95 " + seconds(s.p95_s));
    for (const r of s.reasons || []) facts.push(r);
    if (s.error) facts.push(s.error);
    if (s.runs_waiting) facts.push(s.runs_waiting + " runs waiting to be written");
    card.append(el("div", "facts", facts.join("\n")));
    box.append(card);
  }
}
// The strip of a job's recent runs (from the state database); null without one.
async function recentRuns(j) {
  const key = (j.last ? j.last.run_id : "") + "/" + j.running + "/" + j.runs;
  const known = recent.get(j.name);
  if (known && known.key === key) return known.runs;
  const r = await fetch("/api/v1/jobs/" + encodeURIComponent(j.name) + "/runs?limit=" + RECENT, {cache: "no-store"});
  const runs = r.ok ? (await r.json()).runs.slice().reverse() : null;
  recent.set(j.name, {key, runs});
  return runs;
}
function strip(runs) {
  const box = el("div", "strip");
  for (const run of runs || []) {
    const b = el("button", "cell " + run.status + (run.run_id === selected ? " selected" : ""));
    b.type = "button";
    b.dataset.run = run.run_id;
    b.title = run.status + " · " + when(run.started) + " · " + seconds(run.duration_s) + " · " + run.trigger +
              (run.error ? "\n" + run.error : "");
    b.setAttribute("aria-label", b.title);
    b.addEventListener("click", () => showRun(run.run_id));
    box.append(b);
  }
  return box;
}
async function showRun(id) {
  selected = id;
  for (const c of document.querySelectorAll(".cell")) c.classList.toggle("selected", c.dataset.run === id);
  const panel = document.getElementById("run");
  const body = document.getElementById("run-body");
  const r = await fetch("/api/v1/runs/" + encodeURIComponent(id), {cache: "no-store"});
  const run = await r.json();
  body.replaceChildren();
  if (!r.ok) {
    body.append(el("div", "error", run.error));
  } else {
    const head = el("div");
    head.append(el("span", "status " + run.status, run.status), el("span", null,
      " · job " + run.job + " · run " + run.run_id + " · " + run.trigger + " · " + when(run.started) + " · " +
      seconds(run.duration_s) + " · " + run.passed + " passed, " + run.failed + " failed of " + run.instances));
    body.append(head);
    if (run.error) body.append(el("div", "error", run.error));
    if (run.captures && Object.keys(run.captures).length) body.append(el("pre", null, "captures " + JSON.stringify(run.captures, null, 2)));
    for (const i of run.instances || []) {
      const d = el("div", "instance");
      const code = i.exit_code !== undefined ? " · exit " + i.exit_code : i.http_status !== undefined ? " · HTTP " + i.http_status : "";
      d.append(el("div", null, i.job + " #" + i.index + " · " + i.status + code + (i.signal ? " · " + i.signal : "") + " · " + i.attempts + " attempt(s)"));
      if (i.error) d.append(el("div", "error", i.error));
      if (i.stderr_tail) d.append(el("div", "label", "stderr"), el("pre", "stderr", i.stderr_tail));
      if (i.stdout_tail) d.append(el("div", "label", "stdout"), el("pre", "stdout", i.stdout_tail));
      body.append(d);
    }
    if (run.instances_omitted) body.append(el("div", null, run.instances_omitted + " more did not pass"));
  }
  panel.hidden = false;
}
async function renderJobs(data) {
  const strips = await Promise.all(data.jobs.map(recentRuns));
  const body = document.querySelector("#jobs tbody");
  body.replaceChildren();
  for (const [n, j] of data.jobs.entries()) {
    const tr = el("tr");
    tr.dataset.job = j.name;
    const last = j.last;
    const status = j.running ? "running" : (last ? last.status : "never run");
    tr.append(el("td", null, j.name), el("td", null, j.kind), el("td", null, j.schedule || "on request"),
              el("td", "status " + status.replace(/ /g, "-"), status), el("td", null, last ? when(last.started) : "—"),
              el("td", "num", last ? seconds(last.duration_s) : "—"), el("td", "num", j.runs), el("td", "num", j.skipped),
              el("td", null, j.paused ? "paused" : when(j.next_run)));
    const cells = el("td");
    if (strips[n]) cells.append(strip(strips[n]));
    tr.append(cells, el("td", "error", last && last.error ? last.error : ""));
    body.append(tr);
  }
}
function renderRates(text, health, now) {
  const sample = {
    t: now,
    tasks: sum(text, "gaia_tasks_total"),
    failed: sum(text, "gaia_tasks_total", "status", "failed"),
  };
  // Each subsystem says what its work is and how much it has done (/health: work).
  const work = [];
  for (const [name, s] of Object.entries(health.subsystems || {})) {
    if (!s.work) continue;
    sample["work:" + name] = s.work.total;
    work.push(["work:" + name, s.work.unit]);
  }
  const rates = document.getElementById("rates");
  rates.replaceChildren();
  const show = (label, value) => { const d = el("div", "rate"); d.append(el("div", "value", value), el("div", "label", label)); rates.append(d); };
  const per = (k) => previous && previous[k] !== undefined ? Math.max(0, (sample[k] - previous[k]) / ((sample.t - previous.t) / 1000)) : 0;
  show("tasks / s", per("tasks").toFixed(1));
  show("failed tasks / s", per("failed").toFixed(1));
  for (const [key, unit] of work) show(unit + " / s", per(key).toFixed(1));
  show("tasks in flight", sum(text, "gaia_tasks_in_flight"));
  show("tasks since start", sample.tasks);
  previous = sample;
}
async function refresh() {
  const problem = document.getElementById("problem");
  try {
    const [health, jobs, metrics] = await Promise.all([
      fetch("/health", {cache: "no-store"}).then(r => r.json()),
      fetch("/api/v1/jobs", {cache: "no-store"}).then(r => r.json()),
      fetch("/metrics", {cache: "no-store"}).then(r => r.text()),
    ]);
    renderHealth(health);
    await renderJobs(jobs);
    renderRates(metrics, health, Date.now());
    problem.textContent = "";
    document.body.dataset.loaded = "true";
  } catch (e) {
    problem.textContent = "gaia is not answering: " + e.message;
  }
}
refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view dashboard_html() { return kPage; }

}  // namespace gaia::serve
