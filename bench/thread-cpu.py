#!/usr/bin/env python3
"""CPU per thread between two `jcmd PID Thread.print` dumps (each thread's cpu=..ms, VM threads included),
grouped by name with digits folded (the event loops are one line): where a node's CPU went over a window.
    bench/thread-cpu.py BEFORE.txt AFTER.txt WALL_MS [TOP]"""
import collections, re, sys

def threads(path):
    found = {}
    for line in open(path):
        m = re.match(r'^"(.*?)".*?cpu=([0-9.]+)ms.*?nid=(\S+)', line)
        if m: found[(m.group(1), m.group(3))] = float(m.group(2))
    return found

before, after = threads(sys.argv[1]), threads(sys.argv[2])
wall_ms = float(sys.argv[3]); top = int(sys.argv[4]) if len(sys.argv) > 4 else 12
groups = collections.Counter()
for key, ms in after.items():
    groups[re.sub(r'[0-9]+', 'N', key[0])] += ms - before.get(key, 0.0)
total = sum(groups.values())
print(f"threads: {total:.0f} ms of CPU in {wall_ms:.0f} ms = {total * 1000 / wall_ms:.1f} ms of CPU per second")
for name, ms in groups.most_common(top):
    if ms >= 1: print(f"  {ms:8.0f} ms {100 * ms / total:5.1f} %  {name}")
