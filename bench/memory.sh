#!/usr/bin/env bash
# Memory per idle subscribed connection of MWS under several JVM settings or builds, one fresh node each
# (bench/run.sh idle, MWS only, one round, no warm-up: RSS after N connections minus RSS before, from
# /proc/PID/status; and the live heap after a full GC by jcmd, before and after: what the connections hold),
# plus the load average and the blocked-thread warnings of the node's start log.
#
#   bench/memory.sh N 'label|JAVA_OPTS|JAR' ...     JAR empty: modules/server/target/mws.jar
#   e.g. bench/memory.sh 5000 'g1|-Xmx1g|' 'serial|-Xmx1g -XX:-UseG1GC -XX:+UseSerialGC|'
#
# Results: bench/results/memory-<label>.json (and .md); one summary line per variant on stdout.
# Env: BASE (default 18000): MWS on BASE+80, its Hazelcast on BASE+701; HISTOGRAM=1: also a class histogram of the
# node (`jcmd PID GC.class_histogram`, live objects) while the N connections are open, into
# bench/results/histogram-<label>.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=$1; shift
log=$here/work/idle/mws.log
base=${BASE:-18000}; port=$((base + 80))

# Waits (at most 5 minutes) for N established connections to the node, then writes its class histogram.
histogram() {
  local out=$1 i
  for ((i = 0; i < 600; i++)); do
    if [ "$(ss -Htn state established "( sport = :$port )" | wc -l)" -ge "$n" ]; then
      # 1 s on: the subscribes answered, before the harness's own live-heap reading (2 s after the last
      # connect), which this histogram's full GC does not change, and well before the closes.
      sleep 1
      jcmd "$(cat "$here/work/idle/mws.pid")" GC.class_histogram > "$out"
      return
    fi
    sleep 0.5
  done
  echo "memory.sh: $n connections never open; no histogram" >&2
}

for variant in "$@"; do
  IFS='|' read -r label opts jar <<< "$variant"
  mkdir -p "$here/work/idle"; : > "$log"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  hist=
  if [ "${HISTOGRAM:-0}" = 1 ]; then histogram "$here/results/histogram-$label.txt" & hist=$!; fi
  JAVA_OPTS="$opts" MWS_JAR=${jar:-} MWS_PORT=$port MWS_HZ_PORT=$((base + 701)) TARGETS=mws ROUNDS=1 WARMUP=0 SUBS=$n \
    "$here/run.sh" idle out="$here/results/memory-$label.json" live_heap=true mws.port=$port > /dev/null
  [ -z "$hist" ] || wait "$hist"
  blocked=$(grep -c "has been blocked" "$log" || true)
  node -e '
    const r = require(process.argv[1]).results[0];
    console.log(`${process.argv[2]}: ${r.connections} connections, RSS ${r.rss_mb_before} -> ${r.rss_mb} MB, ` +
      `${r.rss_kb_per_conn} KB per connection; live heap ${r.heap_mb_before} -> ${r.heap_mb_after} MB, ` +
      `${r.live_heap_kb_per_conn} KB per connection, RSS after that GC ${r.rss_mb_after_gc} MB; ${r.cpu_ms_per_connect} ms CPU per connect+subscribe, ` +
      `${r.connect_per_s}/s, lost ${r.lost}; load ${process.argv[3]}; blocked-thread warnings ${process.argv[4]}`);
  ' "$here/results/memory-$label.json" "$label [$opts]" "$load" "$blocked"
done
