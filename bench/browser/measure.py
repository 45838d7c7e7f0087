#!/usr/bin/env python3
"""Runs a command and prints, as JSON, its wall time and the peak memory of its whole
process tree (the command and every descendant: for gaia and Playwright, every Chromium
process): the largest sum of RSS and the largest sum of PSS (shared pages split among
the processes that share them), sampled every 100 ms; and the CPU time (user + system)
of the whole tree, every process of which was waited for by its parent.
    measure.py CMD [ARG...]"""
import json, os, resource, subprocess, sys, time

PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(root):
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                text = f.read()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    found, unvisited = [], [root]
    while unvisited:
        pid = unvisited.pop()
        found.append(pid)
        unvisited.extend(children.get(pid, []))
    return found


def memory(pids):
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                rss += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
    return rss, pss


start = time.monotonic()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
peak_rss = peak_pss = 0
while child.poll() is None:
    rss, pss = memory(descendants(child.pid))
    peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
    time.sleep(0.1)
wall = time.monotonic() - start
# This script waits for no other child, so its children's times are the command's tree.
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss": peak_rss,
                  "peak_pss": peak_pss, "exit": child.returncode}))
