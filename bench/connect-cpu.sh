#!/usr/bin/env bash
# Server CPU per connect+subscribe and node readiness (docs/architecture.md, "Presence"; issue 15):
# starts one node of JAR on 127.0.0.1 (ports BASE+1, +51, +101), times it to /readyz, opens vhost "bench"
# with 10 channels and 100 client tokens, runs bench/connect-cpu.mjs (5 rounds of N connects+WATCH, C at a
# time), then starts a second node joining the first and times it to /readyz. Stops both by PID.
#   bench/connect-cpu.sh JAR BASE N C      e.g. bench/connect-cpu.sh modules/server/target/mws.jar 24000 2000 50
# WARM=<connects> (default 500) before the measured rounds; under 50000 they leave the JIT compiling through
# them (BENCHMARKS.md "Connect CPU and the JIT"). ROUNDS=<measured rounds> (default 5). JAVA_OPTS: more JVM
# options for node 1, the measured one (e.g. -Xlog:jit+compilation=debug:file=/tmp/jit.log or
# -XX:StartFlightRecording=...); KEEP=1 prints the run's folder (node logs).
# Needs the npm package ws (installed into bench/work/ws once).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
jar=$1; base=$2; n=$3; c=$4
dir=$(mktemp -d /tmp/mws-connect-cpu.XXXX)
# ESM resolves packages from the script's folder up: the generator runs from bench/work/ws, where ws is installed.
[ -d "$here/work/ws/node_modules/ws" ] || (mkdir -p "$here/work/ws" && cd "$here/work/ws" && npm install --no-save --no-audit --no-fund ws@8 >/dev/null)
cp "$here/connect-cpu.mjs" "$here/work/ws/connect-cpu.mjs"
name=bench-$RANDOM$RANDOM
start_node() { # i members
  local i=$1
  MWS_HTTP_HOST=127.0.0.1 MWS_HTTP_PORT=$((base + i)) MWS_MANAGEMENT_PORT=$((base + 50 + i)) \
  MWS_CLUSTER_HOST=127.0.0.1 MWS_CLUSTER_PORT=$((base + 100 + i)) MWS_CLUSTER_MEMBERS=$2 \
  MWS_CLUSTER_NAME=$name MWS_ADMIN_PASSWORD=admin MWS_DATA_DIR=$dir/data-$i MWS_LIMIT_CONNECTS_PER_SECOND=100000 \
    setsid java "@$root/conf/jvm.options" -Xmx512m $([ "$i" = 1 ] && echo "${JAVA_OPTS:-}") -jar "$jar" >>"$dir/node-$i.log" 2>&1 < /dev/null &
  echo $! > "$dir/node-$i.pid"
}
wait_ready() { local t0=$(date +%s%N); until curl -sf -o /dev/null "http://127.0.0.1:$1/readyz"; do sleep 0.05; done; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
cleanup() { for f in "$dir"/node-*.pid; do kill "$(cat "$f")" 2>/dev/null || true; done; sleep 3; for f in "$dir"/node-*.pid; do kill -9 "$(cat "$f")" 2>/dev/null || true; done; }
trap cleanup EXIT
[ -z "${KEEP:-}" ] || echo "run folder: $dir"
start_node 1 "127.0.0.1:$((base + 101))"
echo "node 1 ready after $(wait_ready $((base + 1))) ms (alone)"
port=$((base + 1)); pid=$(cat "$dir/node-1.pid")
admin="Authorization: Basic $(printf admin:admin | base64)"
backend=$(curl -sf -X POST -H "$admin" -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/vhosts" \
  -d '{"data":{"type":"vhosts","id":"bench","attributes":{}}}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.attributes.token))')
for i in $(seq 0 9); do curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $backend" "http://127.0.0.1:$port/v1/vhosts/bench/channels/c$i"; done
: > "$dir/tokens"
for i in $(seq 0 99); do curl -sf -H "Authorization: Bearer $backend" "http://127.0.0.1:$port/v1/vhosts/bench/token?uid=u$i&channels=.*" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))' >> "$dir/tokens"; done
node "$here/work/ws/connect-cpu.mjs" "$port" "$pid" "$dir/tokens" "$n" "$c" "${WARM:-500}" "${ROUNDS:-5}"
start_node 2 "127.0.0.1:$((base + 101)),127.0.0.1:$((base + 102))"
echo "node 2 ready after $(wait_ready $((base + 2))) ms (joining node 1)"
