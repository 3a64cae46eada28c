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
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=$1; shift
log=$here/work/idle/mws.log
for variant in "$@"; do
  IFS='|' read -r label opts jar <<< "$variant"
  mkdir -p "$here/work/idle"; : > "$log"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  JAVA_OPTS="$opts" MWS_JAR=${jar:-} TARGETS=mws ROUNDS=1 WARMUP=0 SUBS=$n \
    "$here/run.sh" idle out="$here/results/memory-$label.json" live_heap=true > /dev/null
  blocked=$(grep -c "has been blocked" "$log" || true)
  node -e '
    const r = require(process.argv[1]).results[0];
    console.log(`${process.argv[2]}: ${r.connections} connections, RSS ${r.rss_mb_before} -> ${r.rss_mb} MB, ` +
      `${r.rss_kb_per_conn} KB per connection; live heap ${r.heap_mb_before} -> ${r.heap_mb_after} MB, ` +
      `${r.live_heap_kb_per_conn} KB per connection, RSS after that GC ${r.rss_mb_after_gc} MB; ${r.cpu_ms_per_connect} ms CPU per connect+subscribe, ` +
      `${r.connect_per_s}/s, lost ${r.lost}; load ${process.argv[3]}; blocked-thread warnings ${process.argv[4]}`);
  ' "$here/results/memory-$label.json" "$label [$opts]" "$load" "$blocked"
done
