#!/usr/bin/env python3
"""Writes gaia's Grafana dashboards (one JSON file each) from the panel lists below.

Edit this file, then run it: python3 configs/grafana_dashboards/generate.py [OUTPUT_DIR]
A test checks that the JSON files are what this script writes, and runs every panel's
PromQL against a real Prometheus that scraped a real `gaia serve`.

Every dashboard has a `datasource` variable (any Prometheus) and an `instance` variable
(gaia instances, from gaia_build_info). Thresholds are the default SLOs of gaia-jobs(5).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${datasource}"}
I = 'instance=~"$instance"'


def thresholds(*steps):
    """steps: (value or None, colour) from the lowest."""
    return {"mode": "absolute", "steps": [{"value": v, "color": c} for v, c in steps]}


def panel(kind, title, exprs, unit="short", steps=None, legend=None, width=8, description=""):
    targets = []
    for n, e in enumerate(exprs):
        expr, fmt = e if isinstance(e, tuple) else (e, legend)
        t = {"refId": chr(ord("A") + n), "datasource": DS, "expr": expr}
        if fmt:
            t["legendFormat"] = fmt
        targets.append(t)
    defaults = {"unit": unit}
    if steps:
        defaults["thresholds"] = thresholds(*steps)
        defaults["color"] = {"mode": "thresholds"} if kind == "stat" else {"mode": "palette-classic"}
        if kind == "timeseries":
            defaults["custom"] = {"thresholdsStyle": {"mode": "line+area"}}
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "gridPos": {"w": width, "h": 8 if kind == "timeseries" else 4},
    }
    if kind == "stat":
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "area"}
    return p


def ts(*a, **k):
    return panel("timeseries", *a, **k)


def stat(*a, **k):
    return panel("stat", *a, width=k.pop("width", 4), **k)


def ratio(metric, sel, window="$__rate_interval"):
    """passed / (passed + failed): not 1 - failed/all, which is empty while nothing failed."""
    sel = f"{sel}," if sel else ""
    good = f'sum by (instance) (rate({metric}{{{sel}status="passed",{I}}}[{window}]))'
    all_ = f'sum by (instance) (rate({metric}{{{sel}status=~"passed|failed",{I}}}[{window}]))'
    return f"{good} / {all_}"


def p95(metric, by="instance"):
    return f'histogram_quantile(0.95, sum by ({by}, le) (rate({metric}_bucket{{{I}}}[$__rate_interval])))'


OK, WARN, BAD = "green", "orange", "red"

DASHBOARDS = {
    "overview": ("gaia — overview", [
        stat("gaia up", [f'up{{job="gaia",{I}}}'], steps=[(None, BAD), (1, OK)]),
        stat("HTTP success (SLO 99%)", [ratio("gaia_tasks_total", 'kind="http"')], unit="percentunit",
             steps=[(None, BAD), (0.495, WARN), (0.99, OK)]),
        stat("file success (SLO 99%)", [ratio("gaia_tasks_total", 'kind="file"')], unit="percentunit",
             steps=[(None, BAD), (0.495, WARN), (0.99, OK)]),
        stat("browser success (SLO 95%)", [ratio("gaia_tasks_total", 'kind="browser"')], unit="percentunit",
             steps=[(None, BAD), (0.475, WARN), (0.95, OK)]),
        stat("process success (SLO 95%)", [ratio("gaia_tasks_total", 'kind="process"')], unit="percentunit",
             steps=[(None, BAD), (0.475, WARN), (0.95, OK)]),
        stat("event loop lag", [f'max(gaia_event_loop_lag_seconds{{{I}}})'], unit="s",
             steps=[(None, OK), (0.1, WARN), (1, BAD)]),
        ts("tasks per second by kind and status", [f'sum by (kind, status) (rate(gaia_tasks_total{{{I}}}[$__rate_interval]))'],
           unit="ops", legend="{{kind}} {{status}}"),
        ts("tasks in flight by kind", [f'sum by (kind) (gaia_tasks_in_flight{{{I}}})'], legend="{{kind}}"),
        ts("task p95 by kind", [p95("gaia_task_duration_seconds", "kind")], unit="s", legend="{{kind}}"),
        ts("job runs by status", [f'sum by (status) (increase(gaia_job_runs_total{{{I}}}[$__rate_interval]))'],
           legend="{{status}}"),
        ts("scheduled runs skipped", [f'sum by (job) (increase(gaia_schedule_skipped_total{{{I}}}[$__rate_interval]))'],
           legend="{{job}}", steps=[(None, OK), (1, WARN)]),
        ts("failed job runs by job", [f'sum by (job) (increase(gaia_job_runs_total{{status="failed",{I}}}[$__rate_interval]))'],
           legend="{{job}}", steps=[(None, OK), (1, BAD)]),
        # The fleet: many gaia instances (shards of one job file, one serve per host) seen
        # together and side by side.
        stat("instances up", [f'sum(up{{job="gaia",{I}}}) or vector(0)'], steps=[(None, BAD), (1, OK)],
             description="gaia instances answering their scrape, of those selected"),
        stat("fleet task success", [f'sum(rate(gaia_tasks_total{{status="passed",{I}}}[$__rate_interval])) / '
                                    f'sum(rate(gaia_tasks_total{{status=~"passed|failed",{I}}}[$__rate_interval]))'],
             unit="percentunit", steps=[(None, BAD), (0.475, WARN), (0.95, OK)],
             description="tasks that passed, of every kind, over all selected instances"),
        ts("tasks per second by instance", [f'sum by (instance) (rate(gaia_tasks_total{{{I}}}[$__rate_interval]))'],
           unit="ops", legend="{{instance}}"),
        ts("event loop lag by instance", [f'max by (instance) (gaia_event_loop_lag_seconds{{{I}}})'], unit="s",
           legend="{{instance}}", steps=[(None, OK), (0.1, WARN), (1, BAD)]),
        ts("runs waiting for the state database by instance", [f'max by (instance) (gaia_state_runs_waiting{{{I}}})'],
           legend="{{instance}}", steps=[(None, OK), (1, WARN)],
           description="gaia serve's ended runs not yet written (a full disk, a read-only file)"),
    ]),
    "api": ("gaia — API client pool", [
        stat("success (SLO 99%)", [ratio("gaia_tasks_total", 'kind="http"')], unit="percentunit",
             steps=[(None, BAD), (0.495, WARN), (0.99, OK)]),
        stat("p95 (SLO 100 ms)", [p95("gaia_api_request_duration_seconds")], unit="s",
             steps=[(None, OK), (0.1, WARN)]),
        stat("in flight (SLO 450)", [f'sum(gaia_api_requests_in_flight{{{I}}})'], steps=[(None, OK), (450, WARN)]),
        stat("queued", [f'sum(gaia_api_queue_depth{{{I}}})'], steps=[(None, OK), (100, WARN)]),
        stat("open circuit breakers", [f'count(gaia_api_circuit_breaker_state{{{I}}} == 2) or vector(0)'],
             steps=[(None, OK), (1, BAD)]),
        ts("requests per second by host and code", [f'sum by (host, code) (rate(gaia_api_requests_total{{{I}}}[$__rate_interval]))'],
           unit="reqps", legend="{{host}} {{code}}"),
        ts("latency by host", [(p95("gaia_api_request_duration_seconds", "host"), "p95 {{host}}"),
                               (f'histogram_quantile(0.5, sum by (host, le) (rate(gaia_api_request_duration_seconds_bucket{{{I}}}[$__rate_interval])))', "p50 {{host}}")],
           unit="s", steps=[(None, OK), (0.1, WARN)]),
        ts("rate-limited requests per second by host", [f'sum by (host) (rate(gaia_api_rate_limited_total{{{I}}}[$__rate_interval]))'],
           unit="reqps", legend="{{host}}"),
        ts("circuit breaker state by host (0 closed, 1 half-open, 2 open)", [f'max by (host) (gaia_api_circuit_breaker_state{{{I}}})'],
           legend="{{host}}", steps=[(None, OK), (1, WARN), (2, BAD)]),
        ts("in flight and queued", [(f'sum(gaia_api_requests_in_flight{{{I}}})', "in flight"), (f'sum(gaia_api_queue_depth{{{I}}})', "queued")],
           steps=[(None, OK), (450, WARN)]),
    ]),
    "file": ("gaia — file manager", [
        stat("success (SLO 99%)", [ratio("gaia_tasks_total", 'kind="file"')], unit="percentunit",
             steps=[(None, BAD), (0.495, WARN), (0.99, OK)]),
        stat("p95 (SLO 500 ms)", [p95("gaia_file_operation_duration_seconds")], unit="s", steps=[(None, OK), (0.5, WARN)]),
        stat("in flight (SLO 100)", [f'sum(gaia_file_operations_in_flight{{{I}}})'], steps=[(None, OK), (100, WARN)]),
        ts("operations per second by op and status", [f'sum by (op, status) (rate(gaia_file_operations_total{{{I}}}[$__rate_interval]))'],
           unit="ops", legend="{{op}} {{status}}"),
        ts("p95 by op", [p95("gaia_file_operation_duration_seconds", "op")], unit="s", legend="{{op}}",
           steps=[(None, OK), (0.5, WARN)]),
        ts("bytes per second by direction", [f'sum by (direction) (rate(gaia_file_bytes_total{{{I}}}[$__rate_interval]))'],
           unit="Bps", legend="{{direction}}"),
    ]),
    "browser": ("gaia — browser pool", [
        stat("page success (SLO 95%)", [ratio("gaia_browser_pages_total", "")],
             unit="percentunit", steps=[(None, BAD), (0.475, WARN), (0.95, OK)]),
        stat("instances (SLO 50)", [f'sum(gaia_browser_instances{{{I}}})'], steps=[(None, OK), (50, WARN)]),
        stat("tabs (SLO 1000)", [f'sum(gaia_browser_tabs_active{{{I}}})'], steps=[(None, OK), (1000, WARN)]),
        stat("queued pages", [f'sum(gaia_browser_queue_depth{{{I}}})'], steps=[(None, OK), (20, WARN)]),
        stat("crashes (1 h)", [f'sum(increase(gaia_browser_crashes_total{{{I}}}[1h]))'], steps=[(None, OK), (1, WARN), (4, BAD)]),
        ts("pages per second by status", [f'sum by (status) (rate(gaia_browser_pages_total{{{I}}}[$__rate_interval]))'],
           unit="ops", legend="{{status}}"),
        ts("page p95", [p95("gaia_browser_page_duration_seconds")], unit="s", legend="{{instance}}"),
        ts("browser memory by pool slot", [f'sum by (slot) (gaia_browser_memory_bytes{{{I}}})'], unit="bytes",
           legend="slot {{slot}}"),
        ts("instances, tabs and queue", [(f'sum(gaia_browser_instances{{{I}}})', "instances"), (f'sum(gaia_browser_tabs_active{{{I}}})', "tabs"),
                                         (f'sum(gaia_browser_queue_depth{{{I}}})', "queued")]),
    ]),
    "process": ("gaia — process manager", [
        stat("success (SLO 95%)", [ratio("gaia_tasks_total", 'kind="process"')], unit="percentunit",
             steps=[(None, BAD), (0.475, WARN), (0.95, OK)]),
        stat("running (SLO 200)", [f'sum(gaia_process_active{{{I}}})'], steps=[(None, OK), (200, WARN)]),
        stat("children's memory (SLO 500 MiB)", [f'sum(gaia_process_memory_bytes{{{I}}})'], unit="bytes",
             steps=[(None, OK), (524288000, WARN)]),
        stat("killed for limits (1 h)", [f'sum(increase(gaia_process_limit_kills_total{{{I}}}[1h])) or vector(0)'],
             steps=[(None, OK), (1, WARN)]),
        ts("exits per second by status", [f'sum by (status) (rate(gaia_process_exits_total{{{I}}}[$__rate_interval]))'],
           unit="ops", legend="{{status}}"),
        ts("wall time p95", [p95("gaia_process_duration_seconds")], unit="s", legend="{{instance}}"),
        ts("CPU of exited children", [f'sum(rate(gaia_process_cpu_seconds_total{{{I}}}[$__rate_interval]))'], unit="percentunit",
           legend="CPU"),
        ts("killed for limits by job and limit", [f'sum by (job, limit) (increase(gaia_process_limit_kills_total{{{I}}}[$__rate_interval]))'],
           legend="{{job}} {{limit}}", steps=[(None, OK), (1, WARN)]),
    ]),
    "network": ("gaia — network coordinator", [
        stat("open connections (SLO 1000)", [f'sum(gaia_network_connections_open{{{I}}})'], steps=[(None, OK), (1000, WARN)]),
        stat("DNS cache hit rate (SLO 80%)", [f'sum(rate(gaia_network_dns_lookups_total{{result="hit",{I}}}[1h])) / sum(rate(gaia_network_dns_lookups_total{{{I}}}[1h]))'],
             unit="percentunit", steps=[(None, WARN), (0.8, OK)]),
        stat("DNS errors (1 h)", [f'sum(increase(gaia_network_dns_lookups_total{{result="error",{I}}}[1h]))'],
             steps=[(None, OK), (1, WARN)]),
        ts("bytes per second by direction", [f'sum by (direction) (rate(gaia_network_bytes_total{{{I}}}[$__rate_interval]))'],
           unit="Bps", legend="{{direction}}"),
        ts("DNS lookups per second by result", [f'sum by (result) (rate(gaia_network_dns_lookups_total{{{I}}}[$__rate_interval]))'],
           unit="ops", legend="{{result}}"),
        ts("time waiting for the bandwidth budget", [f'sum(rate(gaia_network_throttle_wait_seconds_total{{{I}}}[$__rate_interval]))'],
           unit="s", legend="seconds waited per second"),
        ts("open connections", [f'sum by (instance) (gaia_network_connections_open{{{I}}})'], legend="{{instance}}",
           steps=[(None, OK), (1000, WARN)]),
    ]),
    "runtime": ("gaia — runtime", [
        stat("version", [(f'gaia_build_info{{{I}}}', "{{version}}")]),
        stat("uptime", [f'time() - process_start_time_seconds{{job="gaia",{I}}}'], unit="s"),
        stat("failed reloads (24 h)", [f'sum(increase(gaia_config_reloads_total{{result="failure",{I}}}[24h]))'],
             steps=[(None, OK), (1, WARN)]),
        stat("open files", [f'max(process_open_fds{{job="gaia",{I}}} / process_max_fds{{job="gaia",{I}}})'], unit="percentunit",
             steps=[(None, OK), (0.8, WARN)]),
        ts("event loop lag", [f'max by (instance) (gaia_event_loop_lag_seconds{{{I}}})'], unit="s", legend="{{instance}}",
           steps=[(None, OK), (0.1, WARN), (1, BAD)]),
        ts("resident memory", [f'process_resident_memory_bytes{{job="gaia",{I}}}'], unit="bytes", legend="{{instance}}"),
        ts("CPU", [f'rate(process_cpu_seconds_total{{job="gaia",{I}}}[$__rate_interval])'], unit="percentunit", legend="{{instance}}"),
        ts("open file descriptors", [f'process_open_fds{{job="gaia",{I}}}'], legend="{{instance}}"),
        ts("reloads by result", [f'sum by (result) (increase(gaia_config_reloads_total{{{I}}}[$__rate_interval]))'], legend="{{result}}"),
    ]),
}


def layout(panels):
    x = y = row_h = 0
    for n, p in enumerate(panels, start=1):
        p["id"] = n
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > 24:
            x, y, row_h = 0, y + row_h, 0
        p["gridPos"].update({"x": x, "y": y})
        x += w
        row_h = max(row_h, h)
    return panels


def dashboard(uid, title, panels):
    return {
        "uid": f"gaia-{uid}",
        "title": title,
        "tags": ["gaia"],
        "timezone": "",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1},
            {"name": "instance", "label": "gaia", "type": "query", "datasource": DS,
             "query": {"query": "label_values(gaia_build_info, instance)", "refId": "instance"},
             "definition": "label_values(gaia_build_info, instance)",
             "includeAll": True, "multi": True, "allValue": ".+", "current": {}, "refresh": 2, "hide": 0},
        ]},
        "links": [{"title": "gaia dashboards", "type": "dashboards", "tags": ["gaia"], "asDropdown": True}],
        "panels": layout(panels),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE  # the test writes elsewhere and compares
    for uid, (title, panels) in DASHBOARDS.items():
        path = os.path.join(out, f"{uid}.json")
        with open(path, "w") as f:
            json.dump(dashboard(uid, title, panels), f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
