#!/usr/bin/env python3
"""Side-by-side wall times, interleaved: every round runs each command once, in an order
that rotates from round to round, so that a machine whose speed drifts during the bench
(other tenants, thermal limits, a neighbour's burst) weighs on all of them alike. The
ratio is taken within each round and its median reported, with the range.

    interleave.py ROUNDS NAME=COMMAND NAME=COMMAND ...

The first command is gaia; each row says gaia's time divided by that command's
(< 1: gaia is faster). One round more than asked runs first and is not counted (warm-up).
"""
import statistics
import subprocess
import sys
import time


def run(command):
    start = time.monotonic()
    done = subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"interleave: `{command}` failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return seconds


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    times = {name: [] for name, _ in commands}
    for r in range(rounds + 1):
        shift = r % len(commands)
        for name, command in commands[shift:] + commands[:shift]:
            seconds = run(command)
            if r > 0:
                times[name].append(seconds)
    base = commands[0][0]
    print(f"{'command':<30} {'median':>9} {'min':>9} {'max':>9}  gaia/this, median of {rounds} rounds [range]")
    for name, _ in commands:
        ratios = [g / t for g, t in zip(times[base], times[name])]
        print(f"{name:<30} {statistics.median(times[name]) * 1000:>7.0f}ms {min(times[name]) * 1000:>7.0f}ms "
              f"{max(times[name]) * 1000:>7.0f}ms  {statistics.median(ratios):>6.2f} [{min(ratios):.2f}-{max(ratios):.2f}]")


if __name__ == "__main__":
    main()
