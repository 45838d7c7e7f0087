#!/usr/bin/env python3
"""Reads what one HTTP benchmark run left behind and prints one result line, or prints the
table of medians and ratios of all lines: the parsing shared by bench/http_get.sh and
bench/https_get.sh.

  http_measure.py gaia TIME REPORT N WORKLOAD TOOL   # gaia's JSON report
  http_measure.py hey  TIME OUTPUT N WORKLOAD TOOL
  http_measure.py wrk  TIME OUTPUT WORKLOAD TOOL     # timed run: N is what wrk says it sent
  http_measure.py ab   TIME OUTPUT N WORKLOAD TOOL
  http_measure.py table RESULTS WORKLOAD... -- TOOL...

TIME is GNU time's "%e %U %S %M" (wall, user, sys, peak RSS KiB). A result line is
"WORKLOAD TOOL req/s cpu_us_per_request p99_ms rss_kib"; WORKLOAD has no spaces.
"""
import json
import re
import statistics
import sys


def times(path):
    wall, user, sys_, rss = open(path).read().split()[-4:]
    return float(wall), float(user) + float(sys_), rss


def line(workload, tool, rate, cpu, n, p99_ms, rss):
    print(workload, tool, rate, cpu / n * 1e6, p99_ms, rss)


def gaia(time_file, report, n, workload, tool):
    wall, cpu, rss = times(time_file)
    job = json.load(open(report))["jobs"][0]
    n = int(n)
    assert job["passed"] == n, job
    line(workload, tool, n / wall, cpu, n, job["latency_s"]["p99"] * 1e3, rss)


def hey(time_file, output, n, workload, tool):
    _, cpu, rss = times(time_file)
    out = open(output).read()
    n = int(n)
    ok = int(re.search(r"\[200\]\s+(\d+) responses", out).group(1))
    assert ok == n, out
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1)) * 1e3
    line(workload, tool, rate, cpu, n, p99, rss)


def wrk(time_file, output, workload, tool):
    _, cpu, rss = times(time_file)
    out = open(output).read()
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    n = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
    line(workload, tool, rate, cpu, n, p99, rss)


def ab(time_file, output, n, workload, tool):
    _, cpu, rss = times(time_file)
    out = open(output).read()
    n = int(n)
    complete = int(re.search(r"Complete requests:\s+(\d+)", out).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    assert complete == n and failed == 0, out
    rate = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    p99 = float(re.search(r"\s99%\s+(\d+)", out).group(1))
    line(workload, tool, rate, cpu, n, p99, rss)


def table(results, workloads, tools):
    rows = {}
    for text in open(results):
        workload, tool, *values = text.split()
        rows.setdefault((workload, tool), []).append([float(v) for v in values])

    def median(workload, tool, i):
        return statistics.median(v[i] for v in rows[(workload, tool)])

    print(f"{'workload':<28}{'tool':<11}{'req/s':>9}{'cpu µs/req':>12}{'p99 ms':>9}{'RSS MiB':>9}")
    for workload in workloads:
        for tool in tools:
            if (workload, tool) not in rows:
                continue
            print(f"{workload:<28}{tool:<11}{median(workload, tool, 0):>9.0f}{median(workload, tool, 1):>12.1f}"
                  f"{median(workload, tool, 2):>9.1f}{median(workload, tool, 3) / 1024:>9.1f}")
    print()
    print("ratios (medians; req/s: > 1 means gaia is faster; cpu and p99: < 1 means gaia uses less)")
    for workload in workloads:
        for peer in tools:
            if peer == "gaia" or (workload, peer) not in rows or (workload, "gaia") not in rows:
                continue
            print(f"  {workload:<26} gaia/{peer:<9} req/s {median(workload, 'gaia', 0) / median(workload, peer, 0):5.2f}"
                  f"   cpu/req {median(workload, 'gaia', 1) / median(workload, peer, 1):5.2f}"
                  f"   p99 {median(workload, 'gaia', 2) / median(workload, peer, 2):5.2f}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "table":
        split = args.index("--")
        table(args[0], args[1:split], args[split + 1:])
    else:
        {"gaia": gaia, "hey": hey, "wrk": wrk, "ab": ab}[command](*args)
