#!/usr/bin/env python3
"""Bytes allocated per delivery during a JFR recording of the fan-out's publishing: the allocation counters of
every thread (jdk.ThreadAllocationStatistics, exact, at the recording's start and end) over the deliveries the
server counted meanwhile (mws_events_delivered_total scraped at both ends: FILE.jfr.metrics).
usage: bench/jfr-alloc.py FILE.jfr (FILE.jfr and FILE.jfr.metrics from bench/jar-round.sh with JFR=1)"""
import json, subprocess, sys, re
f = sys.argv[1]
out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ThreadAllocationStatistics", f],
                     capture_output=True, text=True, check=True).stdout
first, last = {}, {}
for e in json.loads(out)["recording"]["events"]:
    v = e["values"]; name = (v.get("thread") or {}).get("javaName") or "?"
    first.setdefault(name, v["allocated"]); last[name] = v["allocated"]
m = {}
for line in open(f + ".metrics"):
    which, *rest = line.split()
    m[which] = dict(zip(rest[::2], map(float, rest[1::2])))
deliveries = m["end"]["mws_events_delivered_total"] - m["start"]["mws_events_delivered_total"]
encodes = m["end"].get("mws_change_encodes_total", 0) - m["start"].get("mws_change_encodes_total", 0)
loops = sum(last[n] - first[n] for n in last if "eventloop" in n)
every = sum(last[n] - first[n] for n in last)
print(f"{f.split('/')[-1]}: {deliveries:.0f} deliveries, {encodes:.0f} change encodings; allocated per delivery:"
      f" event loops {loops / deliveries:.0f} B, all threads {every / deliveries:.0f} B")
