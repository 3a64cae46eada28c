#!/usr/bin/env bash
# Node readiness (issue 15 goal: a joining node ready in < 5 s; BENCHMARKS.md, "Node ready"). RUNS times:
# starts one node with scripts/cluster.sh (as a user does: java @conf/jvm.options -jar mws.jar, loopback,
# behind nginx), gives it state (vhost "bench", CHANNELS channels with EVENTS events of history each,
# WATCHERS WebSocket watchers held open), then adds a second node and a third (each joining the running
# cluster), and prints, per run, the milliseconds from launching each node to its first /readyz 200
# (polled every 50 ms) / the node's CPU milliseconds by then (a figure the machine's load barely moves),
# then each node's own start phases (its "MWS node ready" log line), and the machine's load average.
#   bench/node-ready.sh RUNS [BASE]        e.g. bench/node-ready.sh 5 27000
# Env: MWS_JAR, JAVA_OPTS (cluster.sh's), CHANNELS (20), EVENTS (100), WATCHERS (200).
# Needs the npm package ws (installed into bench/work/ws once). Stops every node by PID (cluster.sh stop).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${1:?runs}; base=${2:-27000}
channels=${CHANNELS:-20}; events=${EVENTS:-100}; watchers=${WATCHERS:-200}
[ -d "$here/work/ws/node_modules/ws" ] || (mkdir -p "$here/work/ws" && cd "$here/work/ws" && npm install --no-save --no-audit --no-fund ws@8 >/dev/null)
cp "$here/node-ready.mjs" "$here/work/ws/node-ready.mjs"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(eval("JSON.parse(s)."+process.argv[1])))' "$1"; }

# Launches `cluster.sh CMD DIR ARGS...` in the background and prints the ms until node I answers /readyz 200.
timed() {
  local i=$1 port=$((base + $1)) t0 cmd
  shift
  t0=$(date +%s%N)
  "$root/scripts/cluster.sh" "$@" >/dev/null 2>&1 & cmd=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$cmd" 2>/dev/null || curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" || { echo "node $i failed to start" >&2; return 1; }
    sleep 0.05
  done
  local ms=$(( ($(date +%s%N) - t0) / 1000000 )) stat
  # The node's CPU time to ready (utime + stime, USER_HZ 100): what the start costs, whatever the load.
  stat=$(cut -d')' -f2 "/proc/$(cat "$dir/node-$i.pid")/stat")
  echo "$ms/$(( ($(echo "$stat" | awk '{print $12 + $13}')) * 10 ))"
  wait "$cmd"
}

echo "run first-node join-2nd join-3rd: wall ms/cpu ms (state: $channels channels x $events events, $watchers watchers)"
for ((r = 1; r <= runs; r++)); do
  dir=$(mktemp -d /tmp/mws-node-ready.XXXX); watcher=""
  trap '[ -n "$watcher" ] && kill "$watcher" 2>/dev/null; "$root/scripts/cluster.sh" stop "$dir" >/dev/null 2>&1 || true' EXIT
  first=$(timed 1 start "$dir" 1 "$base")
  port=$((base + 1))
  admin="Authorization: Basic $(printf admin:admin | base64)"
  backend=$(curl -sf -X POST -H "$admin" -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/vhosts" \
    -d '{"data":{"type":"vhosts","id":"bench","attributes":{}}}' | json data.attributes.token)
  for ((c = 0; c < channels; c++)); do
    curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $backend" "http://127.0.0.1:$port/v1/vhosts/bench/channels/c$c"
    for ((e = 0; e < events; e += 100)); do
      batch=$(node -e 'const [c,n]=process.argv.slice(1);console.log(JSON.stringify({data:Array.from({length:+n},(_,i)=>({type:"events",attributes:{channel:"c"+c,event:"e",data:{i,pad:"x".repeat(200)}}}))}))' "$c" $((events - e < 100 ? events - e : 100)))
      curl -sf -o /dev/null -X POST -H "Authorization: Bearer $backend" -H 'Content-Type: application/json' \
        "http://127.0.0.1:$port/v1/vhosts/bench/events" -d "$batch"
    done
  done
  : > "$dir/tokens"
  for ((u = 0; u < 20; u++)); do
    curl -sf -H "Authorization: Bearer $backend" "http://127.0.0.1:$port/v1/vhosts/bench/token?uid=u$u&channels=.*" | json token >> "$dir/tokens"
  done
  : > "$dir/watchers.out"
  node "$here/work/ws/node-ready.mjs" "$port" "$dir/tokens" "$watchers" "$channels" > "$dir/watchers.out" 2>&1 & watcher=$!
  until grep -q watching "$dir/watchers.out"; do kill -0 "$watcher" || { cat "$dir/watchers.out" >&2; exit 1; }; sleep 0.1; done
  second=$(timed 2 add "$dir")
  third=$(timed 3 add "$dir")
  echo "$r $first $second $third   load $(cut -d' ' -f1 /proc/loadavg)"
  for i in 1 2 3; do
    echo "   node $i: $(grep -o 'MWS node ready in.*after the JVM started' "$dir/node-$i.log" | head -1)"
  done
  kill "$watcher" 2>/dev/null || true; watcher=""
  "$root/scripts/cluster.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
  trap - EXIT # cluster.sh stop would create the folder again
done
