#!/usr/bin/env bash
# One command per scenario: starts the servers on 127.0.0.1 (bench/peers.sh), runs the load generator against
# each in turn (A B A B, same parameters), writes bench/results/<scenario>.json, .md and .png, stops the servers
# by PID.
#
#   bench/run.sh fanout|churn|idle|publish|ceiling|cluster [key=value ...]    extra key=value pairs go to the generator
#
# ceiling: the fan-out at a rising rate (x1.5 a step) until p99 passes 100 ms, per server (ceiling_* keys).
# Fairness (BENCHMARKS.md, "Fair harness"): the order of the servers rotates each round; a full-size warm-up of
# WARMUP seconds per server is reported apart; frames are padded to equal size (equal_frames=false to keep the
# bare payload); with 2+ cores the servers run on SERVER_CPUS (default 0) and the generator on GEN_CPUS
# (default the rest), and each run records the generator's CPU share (generator_bound when above 85 %), the
# servers' CPU per unit of work from /proc/PID/stat, and the load average.
#
# Targets: mws (MWS's own /v1/ws and REST), mws-pusher (MWS's Pusher face /app/{key} and /apps/{id}/events, with
# the same Pusher client and signing as soketi), nchan, soketi, baseline.
# Env: TARGETS (default mws,nchan,soketi,baseline; cluster: mws; e.g. TARGETS=mws-pusher,soketi), ROUNDS (3), SUBS, CHANNELS, RATE, SECONDS,
# CHURN, WARMUP (20 s); MWS_JAVA_EXTRA (e.g. -XX:StartFlightRecording=...) for the MWS process; PIN=0 for no taskset.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
scenario=${1:?usage: bench/run.sh fanout|churn|idle|publish|cluster [key=value ...]}; shift
work="$here/work/$scenario"; results="$here/results"
mkdir -p "$work" "$results"
ulimit -n "$(ulimit -Hn)"

[ -f "$root/modules/server/target/mws.jar" ] && [ -f "$root/modules/bench/target/bench.jar" ] || \
  (cd "$root" && mvn -B -q package -DskipTests)

case "$scenario" in
  fanout)  def_targets=mws,nchan,soketi,baseline; args=(subscribers=${SUBS:-1000} channels=${CHANNELS:-10} rate=${RATE:-200} seconds=${SECONDS_:-20}) ;;
  churn)   def_targets=mws,nchan,soketi,baseline; args=(subscribers=${SUBS:-1000} channels=${CHANNELS:-10} rate=${RATE:-200} seconds=${SECONDS_:-20} churn=${CHURN:-100}) ;;
  publish) def_targets=mws,nchan,soketi,baseline; args=(subscribers=${SUBS:-10} channels=${CHANNELS:-10} rate=${RATE:-1000} seconds=${SECONDS_:-15}) ;;
  ceiling) def_targets=mws,nchan,soketi,baseline; args=(subscribers=${SUBS:-1000} channels=${CHANNELS:-10} rate=${RATE:-100} seconds=${SECONDS_:-8}) ;;
  idle)    def_targets=mws,nchan,soketi,baseline; args=(subscribers=${SUBS:-5000} channels=${CHANNELS:-10} connect_concurrency=200) ;;
  cluster) def_targets=mws; args=(subscribers=${SUBS:-1000} channels=${CHANNELS:-10} rate=${RATE:-200} seconds=${SECONDS_:-20}) ;;
  *) echo "run.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac
targets=${TARGETS:-$def_targets}
# Where the generator writes (an out=... argument overrides bench/results/<scenario>.json); the chart goes beside it.
out=$results/$scenario.json
for a in "$@"; do case "$a" in out=*) out=${a#out=} ;; esac; done
plot=${out%.json}

started=()
cleanup() {
  for s in "${started[@]}"; do
    if [ "$s" = cluster ]; then "$root/scripts/cluster.sh" stop "$work/cluster" || true
    else "$here/peers.sh" stop "$s" "$work" || true; fi
  done
}
trap cleanup EXIT

export MWS_ADMIN_PASSWORD=${MWS_ADMIN_PASSWORD:-bench-admin}
# The generator on its own cores, the servers on theirs (one server runs at a time; the idle ones sleep).
gen_pin=()
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  export SERVER_CPUS=${SERVER_CPUS:-0}
  gen_pin=(taskset -c "${GEN_CPUS:-1-$(($(nproc) - 1))}")
  echo "run.sh: servers on cpu $SERVER_CPUS, generator on cpu ${gen_pin[2]}" >&2
fi
gen=(scenario=$scenario targets=$targets rounds=${ROUNDS:-3} warmup=${WARMUP:-20} out=$results/$scenario.json
     mws.password=$MWS_ADMIN_PASSWORD nchan.port=18090 soketi.port=16001 baseline.port=18091
     nchan.pidfile=$work/nchan.pid soketi.pidfile=$work/soketi.pid baseline.pidfile=$work/baseline.pid)
if [ "$scenario" = cluster ]; then
  # 3 nodes: subscribers on node 1, publishers on node 2 (ports BASE+i); RSS is node 1's (the subscribers').
  base=18200
  JAVA_OPTS=${JAVA_OPTS:--Xmx1g} "$root/scripts/cluster.sh" start "$work/cluster" 3 $base
  started+=(cluster)
  gen+=(mws.port=$((base + 2)) mws.subport=$((base + 1)) mws.pidfile=$work/cluster/node-1.pid note.nodes=3
        note.layout="subscribers on node 1, publishers on node 2")
else
  # mws-pusher is the same MWS server as mws: started once.
  for t in ${targets//,/ }; do
    s=${t/#mws-pusher/mws}
    [[ " ${started[*]} " == *" $s "* ]] && continue
    "$here/peers.sh" start "$s" "$work"; started+=("$s")
  done
  gen+=(mws.port=18080 mws.pidfile=$work/mws.pid mws-pusher.pidfile=$work/mws.pid)
  # Nothing we started may listen on a wildcard UDP address (Soketi's discovery).
  if ss -ulpn | awk '{print $4, $6}' | grep -E "pid=($(cat "$work"/*.pid | paste -sd'|'))," | grep -vE '^127\.'; then
    echo "run.sh: a server listens on a non-loopback UDP address; stopping" >&2; exit 1
  fi
fi

"${gen_pin[@]}" java -Xmx2g -jar "$root/modules/bench/target/bench.jar" "${gen[@]}" "${args[@]}" "$@" 2> "$work/bench.log" \
  | tee "$work/table.md"

if ! command -v gnuplot >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1 || true
fi
if command -v gnuplot >/dev/null && [ -s "$plot.dat" ]; then
  gnuplot <<PLOT || true
set terminal png size 900,420
set output "$plot.png"
set multiplot layout 1,2 title "$scenario (mean over rounds)"
set style data histograms
set style fill solid 0.8
set boxwidth 0.8
set yrange [0:*]
set title "delivered messages/s"
plot "$plot.dat" using 2:xtic(1) notitle lc rgb "#4477aa"
set title "latency p50 / p99 (ms)"
plot "$plot.dat" using 3:xtic(1) title "p50" lc rgb "#66ccee", "" using 4 title "p99" lc rgb "#ee6677"
unset multiplot
PLOT
fi
echo "run.sh: wrote $out, $plot.md$( [ -f "$plot.png" ] && echo ", $plot.png")" >&2
