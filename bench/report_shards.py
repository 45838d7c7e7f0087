#!/usr/bin/env python3
"""Shard reports for bench/report_merge.sh, made from a real report of gaia run --shard 1/N
(TEMPLATE) so that everything but the numbers is gaia's own: N reports of PER instances of
the job `fan` each, shard K holding instances [M(K-1)/N, MK/N) of M = N * PER, one in 100
failed (exit code 1) and listed; with LISTED=all every instance is listed.

    report_shards.py TEMPLATE OUT_DIR N PER all|failed
"""
import copy
import json
import math
import random
import sys


def main():
    template_path, out_dir, n, per, listed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    template = json.load(open(template_path))
    total = n * per
    rng = random.Random(7)
    for k in range(1, n + 1):
        report = copy.deepcopy(template)
        report["run"]["shard"] = f"{k}/{n}"
        report["run"]["instances_listed"] = listed
        first, last = total * (k - 1) // n, total * k // n
        durations, lines = [], []
        failed = 0
        for index in range(first, last):
            seconds = round(rng.lognormvariate(math.log(0.004), 0.5), 6)
            durations.append(seconds)
            bad = index % 100 == 7
            failed += bad
            if bad or listed == "all":
                line = {"job": "fan", "index": index, "status": "failed" if bad else "passed", "attempts": 1,
                        "started_s": round(rng.random() * 60, 6), "duration_s": seconds, "exit_code": 1 if bad else 0,
                        "error": "exit code 1 (expected 0)" if bad else None}
                lines.append(json.dumps(line, separators=(",", ":")))
        fan = report["jobs"][1]
        fan.update(instances=last - first, passed=last - first - failed, failed=failed, skipped=0,
                   attempts=last - first, status="passed", first_error=None)
        fan["latency_histogram"] = histogram(durations)
        fan["latency_s"] = {"p50": 0, "p95": 0, "p99": 0, "max": max(durations)}
        head = json.dumps({"run": report["run"], "jobs": report["jobs"]}, indent=2)
        with open(f"{out_dir}/shard-{k}.json", "w") as out:
            out.write(head[:-2] + ',\n  "instances": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n")


def histogram(durations):
    """gaia's latency histogram (core/run/latency_histogram.cpp): buckets 2% wide from 1 us."""
    buckets = {}
    for s in durations:
        i = 0 if s <= 1e-6 else math.ceil(math.log(s / 1e-6) / math.log(1.02) - 1e-9)
        buckets[i] = buckets.get(i, 0) + 1
    return {"growth": 1.02, "floor_s": 1e-6, "min_s": min(durations), "max_s": max(durations),
            "buckets": [[i, c] for i, c in sorted(buckets.items())]}


if __name__ == "__main__":
    main()
