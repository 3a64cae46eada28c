#!/usr/bin/env bash
# One fan-out round against one mws.jar, to compare two builds round after round (A B A B) in one session:
# 1000 watchers on one channel, 20 events/s (20,000 deliveries/s), 15 s, after a 5 s warm-up.
#
#   bench/jar-round.sh LABEL JAR N      results: $OUT/LABEL-N.json (OUT: /tmp/mws-jar-rounds)
#
# With JFR=1, a recording (settings=profile) of the deliveries only: it starts once the round's 1000 watchers are
# in place (mws_watches, after the warm-up's row) and DELAY seconds, and stops WINDOW seconds later (default 15:
# give ROUND_SECONDS > DELAY + WINDOW); mws_events_delivered_total (and mws_change_encodes_total) are scraped at either end
# ($OUT/LABEL-N.jfr.metrics) for bench/jfr-alloc.py.
set -euo pipefail
label=$1; jar=$2; n=$3
root=$(cd "$(dirname "$0")/.." && pwd); out=${OUT:-/tmp/mws-jar-rounds}
mkdir -p "$out/cwd-$label-$n"
cd "$out/cwd-$label-$n"   # the node's embedded store (./data) of its own
work=$root/bench/work/fanout; log=$work/bench.log
export MWS_PORT=${MWS_PORT:-18080} MWS_HZ_PORT=${MWS_HZ_PORT:-18701} MWS_MANAGEMENT_PORT=${MWS_MANAGEMENT_PORT:-18099}
rm -f "$log" "$work/mws.pid"
if [ "${JFR:-0}" = 1 ]; then
  ( metrics() { curl -s http://127.0.0.1:$MWS_MANAGEMENT_PORT/metrics | grep -E '^mws_(watches|events_delivered_total|change_encodes_total) ' | tr '\n' ' '; }
    value() { metrics | awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print int($(i + 1))}'; }
    # With a warm-up, the window is the measured round's: its watchers come after the warm-up's row.
    if [ "${WARMUP:-5}" != 0 ]; then
      for _ in $(seq 1 6000); do grep -qs 'warm-up mws' "$log" && break; sleep 0.1; done
    fi
    for _ in $(seq 1 3000); do [ "$(value mws_watches 2>/dev/null)" -ge 1000 ] 2>/dev/null && break; sleep 0.1; done
    sleep "${DELAY:-0}" # past the JIT's busiest part, in a long round (ROUND_SECONDS)
    echo "start $(metrics)" > "$out/$label-$n.jfr.metrics"
    pid=$(cat "$work/mws.pid")
    # The recording ends (and is written) in the node itself after the window: no dump to race the node's stop.
    jcmd "$pid" JFR.start name=round settings=profile duration="${WINDOW:-15}s" filename="$out/$label-$n.jfr" >/dev/null
    jcmd "$pid" Thread.print > "$out/$label-$n.threads-0"; t0=$(date +%s%N)
    stat0=$(awk '{print $14 * 10, $15 * 10}' "/proc/$pid/stat")
    sleep "${WINDOW:-15}" # the round must outlast DELAY + WINDOW (ROUND_SECONDS) for the last scrape
    echo "end $(metrics)" >> "$out/$label-$n.jfr.metrics"
    stat1=$(awk '{print $14 * 10, $15 * 10}' "/proc/$pid/stat"); t1=$(date +%s%N)
    jcmd "$pid" Thread.print > "$out/$label-$n.threads-1"
    sleep 2 # JFR writes the recording
    # The window's user and system CPU (ms), and each thread's (bench/thread-cpu.py).
    echo "cpu user/system ms: $stat0 -> $stat1" >> "$out/$label-$n.jfr.metrics"
    "$root/bench/thread-cpu.py" "$out/$label-$n.threads-0" "$out/$label-$n.threads-1" $(( (t1 - t0) / 1000000 )) \
      > "$out/$label-$n.threads" ) &
fi
MWS_JAR=$jar TARGETS=mws ROUNDS=1 WARMUP=${WARMUP:-5} SUBS=1000 CHANNELS=${CHANNELS:-1} RATE=${RATE:-20} SECONDS_=${ROUND_SECONDS:-15} \
  "$root/bench/run.sh" fanout out="$out/$label-$n.json" mws.port="$MWS_PORT" > "$out/$label-$n.md" 2>&1
wait
grep -h '"server":"mws"' "$log" | tail -1
