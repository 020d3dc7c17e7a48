#!/usr/bin/env python3
"""Interleaved start-up timing: runs every command once per round (in a shuffled order), for N rounds, and
reports each command's median wall time and the median of its per-round difference to the baseline command.
On a shared, noisy machine this is much steadier than timing each command in a separate block (hyperfine).
Usage: startup.py ROUNDS BASELINE_NAME name=command [name=command ...]"""
import random, shlex, statistics, subprocess, sys, time

rounds, base = int(sys.argv[1]), sys.argv[2]
cmds = [a.split("=", 1) for a in sys.argv[3:]]
times = {n: [] for n, _ in cmds}
for r in range(rounds + 2):  # the first two rounds are warm-up
    order = cmds[:]
    random.shuffle(order)
    for name, cmd in order:
        t = time.perf_counter()
        subprocess.run(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if r >= 2:
            times[name].append((time.perf_counter() - t) * 1000)
for name, _ in cmds:
    diffs = [a - b for a, b in zip(times[name], times[base])]
    print(f"{name:44s} median {statistics.median(times[name]):7.1f} ms   vs {base}: {statistics.median(diffs):+6.1f} ms (median of paired differences)")
