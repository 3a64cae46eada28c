#!/usr/bin/env bash
# An idle node's own CPU (what runs whether or not anything happens: Hazelcast, timers, metrics, GC, sweeps),
# without and then with W idle WebSocket watchers: starts one node of JAR on 127.0.0.1 (ports BASE+1, +51,
# +101), opens vhost "bench" with 10 channels and 100 client tokens, waits SETTLE seconds (default 30), then
# reads the node's utime+stime (/proc/PID/stat) and every thread's (/proc/PID/task/*/stat) over T seconds;
# opens W watchers (bench/idle-cpu.mjs), waits SETTLE again and measures T seconds again. Stops what it started by PID.
#   bench/idle-cpu.sh JAR BASE [T] [W]      e.g. bench/idle-cpu.sh modules/server/target/mws.jar 23100 60 1000
# JFR=1: a recording (settings=profile) of each measured window, beside the node's log in the printed folder.
# Needs the npm package ws (installed into bench/work/ws once).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
jar=$1; base=$2; t=${3:-60}; w=${4:-1000}; settle=${SETTLE:-30}
dir=$(mktemp -d /tmp/mws-idle-cpu.XXXX); echo "idle-cpu: $dir"
[ -d "$here/work/ws/node_modules/ws" ] || (mkdir -p "$here/work/ws" && cd "$here/work/ws" && npm install --no-save --no-audit --no-fund ws@8 >/dev/null)
cp "$here/idle-cpu.mjs" "$here/work/ws/idle-cpu.mjs"
port=$((base + 1))
MWS_HTTP_HOST=127.0.0.1 MWS_HTTP_PORT=$port MWS_MANAGEMENT_PORT=$((base + 51)) \
MWS_CLUSTER_HOST=127.0.0.1 MWS_CLUSTER_PORT=$((base + 101)) MWS_CLUSTER_MEMBERS=127.0.0.1:$((base + 101)) \
MWS_CLUSTER_NAME=bench-$RANDOM$RANDOM MWS_ADMIN_PASSWORD=admin MWS_DATA_DIR=$dir/data MWS_LIMIT_CONNECTIONS_PER_CLIENT_IP=0 \
  setsid java "@$root/conf/jvm.options" -Xmx1g -jar "$jar" >>"$dir/node.log" 2>&1 < /dev/null &
pid=$!; echo $pid > "$dir/node.pid"
gen=
cleanup() { [ -n "$gen" ] && kill "$gen" 2>/dev/null; kill "$pid" 2>/dev/null || true; sleep 3; kill -9 "$pid" 2>/dev/null || true; }
trap cleanup EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.2; done
admin="Authorization: Basic $(printf admin:admin | base64)"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(eval("JSON.parse(s)."+process.argv[1])))' "$1"; }
backend=$(curl -sf -X POST -H "$admin" -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/vhosts" \
  -d '{"data":{"type":"vhosts","id":"bench","attributes":{}}}' | json data.attributes.token)
for i in $(seq 0 9); do curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $backend" "http://127.0.0.1:$port/v1/vhosts/bench/channels/c$i"; done
: > "$dir/tokens"
for i in $(seq 0 99); do curl -sf -H "Authorization: Bearer $backend" "http://127.0.0.1:$port/v1/vhosts/bench/token?uid=u$i&channels=.*" | json token >> "$dir/tokens"; done
# The node's utime+stime (ms) from /proc, and every thread's CPU (jcmd Thread.print) at each end of a window.
ticks() { awk '{print ($14 + $15) * 10}' "/proc/$pid/stat"; }
measure() { # label
  local c0 c1 t0 t1
  sleep "$settle"
  [ "${JFR:-0}" = 1 ] && jcmd "$pid" JFR.start name=$1 settings=profile >/dev/null
  jcmd "$pid" Thread.print > "$dir/$1.threads-0"; c0=$(ticks); t0=$(date +%s%N)
  sleep "$t"
  c1=$(ticks); t1=$(date +%s%N); jcmd "$pid" Thread.print > "$dir/$1.threads-1"
  [ "${JFR:-0}" = 1 ] && jcmd "$pid" JFR.stop name=$1 filename="$dir/$1.jfr" >/dev/null
  local wall=$(( (t1 - t0) / 1000000 ))
  echo "$1: $((c1 - c0)) ms of CPU (/proc) in $wall ms = $(( (c1 - c0) * 1000 / wall )) ms of CPU per second"
  "$here/thread-cpu.py" "$dir/$1.threads-0" "$dir/$1.threads-1" "$wall"
}
measure idle
node "$here/work/ws/idle-cpu.mjs" "$port" "$dir/tokens" "$w" > "$dir/gen.log" 2>&1 &
gen=$!
until grep -qs watching "$dir/gen.log"; do sleep 0.5; done; cat "$dir/gen.log"
measure "watchers-$w"
