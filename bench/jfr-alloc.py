#!/usr/bin/env python3
"""Bytes allocated per delivery during a JFR recording of the fan-out (bench/jar-round.sh with JFR=1): the weights
of the jdk.ObjectAllocationSample events (JFR's estimate of the bytes each thread allocated; summed over many
samples it is the allocation pressure), over the deliveries the server counted meanwhile
(mws_events_delivered_total scraped at both ends: FILE.jfr.metrics). Also the classes that weigh most.
usage: bench/jfr-alloc.py FILE.jfr"""
import collections, json, subprocess, sys
f = sys.argv[1]
out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "1", "--events", "jdk.ObjectAllocationSample", f],
                     capture_output=True, text=True, check=True).stdout
loops, every, by_class = 0, 0, collections.Counter()
for e in json.loads(out)["recording"]["events"]:
    v = e["values"]; thread = (v.get("eventThread") or {}).get("javaName") or ""
    every += v["weight"]
    if "eventloop" in thread:  # the delivery path: the gateway's loop and the sockets' loops
        loops += v["weight"]; by_class[v["objectClass"]["name"]] += v["weight"]
m = {}
for line in open(f + ".metrics"):
    which, *rest = line.split()
    m[which] = dict(zip(rest[::2], map(float, rest[1::2])))
def delta(k): return m["end"].get(k, 0) - m["start"].get(k, 0)
deliveries = delta("mws_events_delivered_total")
print(f"{f.split('/')[-1]}: {deliveries:.0f} deliveries, {delta('mws_change_encodes_total'):.0f} change encodings;"
      f" allocated per delivery: event loops {loops / deliveries:.0f} B, all threads {every / deliveries:.0f} B")
for c, w in by_class.most_common(5): print(f"    {w / deliveries:6.0f} B  {c}")
