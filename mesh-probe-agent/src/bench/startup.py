#!/usr/bin/env python3
"""Interleaved start-up timing: runs every command once per round (in a shuffled order), for N rounds, and
reports each command's median wall time and the median of its per-round difference to the baseline command.
On a shared, noisy machine this is much steadier than timing each command in a separate block (hyperfine).
When a command prints "main-start <epochMillis>", the time from launch to main is reported too ("to main"):
that is the start-up cost proper, without what happens at exit (e.g. the quit call).
Usage: startup.py ROUNDS BASELINE_NAME name=command [name=command ...]"""
import random, shlex, statistics, subprocess, sys, time

rounds, base = int(sys.argv[1]), sys.argv[2]
cmds = [a.split("=", 1) for a in sys.argv[3:]]
wall = {n: [] for n, _ in cmds}
main = {n: [] for n, _ in cmds}
for r in range(rounds + 2):  # the first two rounds are warm-up
    order = cmds[:]
    random.shuffle(order)
    for name, cmd in order:
        t0 = time.time()
        t = time.perf_counter()
        out = subprocess.run(shlex.split(cmd), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True, text=True).stdout
        if r >= 2:
            wall[name].append((time.perf_counter() - t) * 1000)
            starts = [int(l.split()[1]) for l in out.splitlines() if l.startswith("main-start ")]
            main[name].append(starts[0] - t0 * 1000 if starts else float("nan"))
def paired(d, name):
    return statistics.median([a - b for a, b in zip(d[name], d[base])])
for name, _ in cmds:
    print(f"{name:46s} wall {statistics.median(wall[name]):6.1f} ms ({paired(wall, name):+6.1f})   "
          f"to main {statistics.median(main[name]):6.1f} ms ({paired(main, name):+6.1f})")
print(f"(in brackets: median of the per-round differences to '{base}', {rounds} rounds)")
