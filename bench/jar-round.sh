#!/usr/bin/env bash
# One fan-out round against one mws.jar, to compare two builds round after round (A B A B) in one session:
# 1000 watchers on one channel, 20 events/s (20,000 deliveries/s), 15 s, after a 5 s warm-up.
#
#   bench/jar-round.sh LABEL JAR N      results: $OUT/LABEL-N.json (OUT: /tmp/mws-jar-rounds)
#
# With JFR=1, a recording (settings=profile) of the deliveries only, as the harness measures CPU: it starts once
# the round's 1000 watchers are in place (mws_watches) and stops once the generator has received every
# delivery; mws_events_delivered_total (and mws_change_encodes_total) are scraped at either end
# ($OUT/LABEL-N.jfr.metrics) for bench/jfr-alloc.py.
set -euo pipefail
label=$1; jar=$2; n=$3
root=$(cd "$(dirname "$0")/.." && pwd); out=${OUT:-/tmp/mws-jar-rounds}
mkdir -p "$out/cwd-$label-$n"
cd "$out/cwd-$label-$n"   # the node's embedded store (./data) of its own
work=$root/bench/work/fanout; log=$work/bench.log
rm -f "$log" "$work/mws.pid"
if [ "${JFR:-0}" = 1 ]; then
  ( metrics() { curl -s http://127.0.0.1:18099/metrics | grep -E '^mws_(watches|events_delivered_total|change_encodes_total) ' | tr '\n' ' '; }
    value() { metrics | awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print int($(i + 1))}'; }
    for _ in $(seq 1 3000); do [ "$(value mws_watches 2>/dev/null)" -ge 1000 ] 2>/dev/null && break; sleep 0.1; done
    echo "start $(metrics)" > "$out/$label-$n.jfr.metrics"
    pid=$(cat "$work/mws.pid")
    jcmd "$pid" JFR.start name=round settings=profile >/dev/null
    for _ in $(seq 1 3000); do grep -q '"server":"mws"' "$log" 2>/dev/null && break; sleep 0.1; done  # drained
    echo "end $(metrics)" >> "$out/$label-$n.jfr.metrics"
    jcmd "$pid" JFR.stop name=round filename="$out/$label-$n.jfr" >/dev/null ) &
fi
MWS_MANAGEMENT_PORT=18099 MWS_JAR=$jar TARGETS=mws ROUNDS=1 WARMUP=5 SUBS=1000 CHANNELS=1 RATE=20 SECONDS_=15 \
  "$root/bench/run.sh" fanout out="$out/$label-$n.json" > "$out/$label-$n.md" 2>&1
wait
grep -h '"server":"mws"' "$log" | tail -1
