#!/usr/bin/env bash
# Runs an MWS cluster of separate processes on loopback behind nginx, the load balancer users put in
# front of it (HTTP, SSE and WebSocket). Everything it starts is recorded by PID in the state folder
# and stopped by that PID; nothing is ever killed by name.
#
#   scripts/cluster.sh start DIR N [BASE]   N nodes + nginx; BASE (default 20000) spaces the ports:
#                                           node i: HTTP BASE+i, management (/metrics) BASE+50+i, Hazelcast BASE+100+i; nginx: BASE
#   scripts/cluster.sh stop DIR             SIGTERM every node and nginx, wait, then SIGKILL leftovers
#   scripts/cluster.sh kill DIR I           kill -9 node I (a crash)
#   scripts/cluster.sh term DIR I           a graceful stop, as in a rolling update: take node I out of
#                                           nginx's rotation (marked down, reload), then SIGTERM it
#                                           and wait for it to exit
#   scripts/cluster.sh restart DIR I        start node I again with the same ports (after kill/term);
#                                           once ready, it is back in rotation
#   scripts/cluster.sh add DIR              start one more node, add it to nginx, reload nginx
#   scripts/cluster.sh status DIR           one line per node: index pid http-port ready|down
#   scripts/cluster.sh term-all DIR         SIGTERM every node at once (a full graceful stop; nginx stays)
#   scripts/cluster.sh kill-all DIR         kill -9 every node (a full crash; nginx stays)
#   scripts/cluster.sh restart-all DIR      start every node again (node 1 first), wait until all are ready
#
# State in DIR: node-I.pid, node-I.log, nodes (count), base, nginx.conf, nginx.pid, lb.port.
# Env: MWS_JAR (default modules/server/target/mws.jar), MWS_CDS_ARCHIVE (default: the jar's name with
# .jsa, used when the file exists; scripts/cds-archive.sh makes it), MWS_ADMIN_PASSWORD (default "admin"),
# JAVA_OPTS (default "-Xmx256m"; added after conf/jvm.options, which every node is started with:
# exit on OutOfMemoryError, G1), MWS_CLUSTER_NAME (default mws-<random>), MWS_STORE_URL (the nodes'
# PostgreSQL store of record; without it each node keeps an embedded store in DIR/data-I).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jar=${MWS_JAR:-$root/modules/server/target/mws.jar}
# The jar's class-data sharing archive (scripts/cds-archive.sh makes it: mws.jar -> mws.jsa beside it),
# passed to every node when the file exists: a start with it costs about a third less CPU. A stale one
# (the jar rebuilt since) is ignored by the JVM with a warning; a missing one is not passed at all.
cds=${MWS_CDS_ARCHIVE:-${jar%.jar}.jsa}
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"


http_port() { echo $(( $(cat "$dir/base") + $1 )); }
hz_port() { echo $(( $(cat "$dir/base") + 100 + $1 )); }
management_port() { echo $(( $(cat "$dir/base") + 50 + $1 )); }

members() {
  local n i list=""
  n=$(cat "$dir/nodes")
  for ((i = 1; i <= n; i++)); do list+="${list:+,}127.0.0.1:$(hz_port "$i")"; done
  echo "$list"
}

start_node() {
  local i=$1
  [ -f "$jar" ] || die "no $jar: build it with mvn -B package -DskipTests"
  local share=()
  [ -f "$cds" ] && share=("-XX:SharedArchiveFile=$cds")
  # setsid: the node gets its own process group, so a signal sent to the test or this script never reaches it by accident.
  MWS_HTTP_HOST=127.0.0.1 MWS_HTTP_PORT=$(http_port "$i") MWS_MANAGEMENT_PORT=$(management_port "$i") \
  MWS_CLUSTER_HOST=127.0.0.1 MWS_CLUSTER_PORT=$(hz_port "$i") MWS_CLUSTER_MEMBERS=$(members) \
  MWS_CLUSTER_NAME=$(cat "$dir/cluster") MWS_ADMIN_PASSWORD=${MWS_ADMIN_PASSWORD:-admin} \
  MWS_DATA_DIR="$dir/data-$i" MWS_STORE_URL=${MWS_STORE_URL:-} \
    setsid java "@$root/conf/jvm.options" "${share[@]}" ${JAVA_OPTS:--Xmx256m} -jar "$jar" >>"$dir/node-$i.log" 2>&1 < /dev/null &
  echo $! > "$dir/node-$i.pid"
}

# Until node I answers 200 on PROBE (default /readyz: in rotation; /healthz: up).
wait_ready() {
  local i=$1 probe=${2:-/readyz} port deadline
  port=$(http_port "$i")
  deadline=$((SECONDS + 90))
  until curl -sf -o /dev/null "http://127.0.0.1:$port$probe"; do
    alive "$i" || die "node $i exited during start; see $dir/node-$i.log"
    ((SECONDS < deadline)) || die "node $i not ready after 90 s; see $dir/node-$i.log"
    sleep 0.2
  done
}

# Running and not a zombie: a killed node whose parent is gone may wait unreaped (state Z) for a while.
alive() {
  local pid state
  pid=$(cat "$dir/node-$1.pid" 2>/dev/null) || return 1
  state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z* ]]
}

wait_gone() {
  local i=$1 t
  for ((t = 0; t < 300; t++)); do alive "$i" || return 0; sleep 0.1; done
  die "node $i (pid $(cat "$dir/node-$i.pid")) still running 30 s after the signal"
}

# A node being stopped on purpose is taken out of nginx's rotation first, as an operator's rolling
# update does (on Kubernetes: readiness 503 + the preStop sleep): nginx has no active health checks,
# and a POST it had already sent to a node that closes its listener comes back 502, not retried.
out_of_rotation() { grep -qx "$1" "$dir/out" 2>/dev/null; }

set_rotation() {
  local i=$1 state=$2
  touch "$dir/out"
  grep -vx "$i" "$dir/out" > "$dir/out.new" || true
  [ "$state" = out ] && echo "$i" >> "$dir/out.new"
  mv "$dir/out.new" "$dir/out"
  write_nginx_conf
  kill -HUP "$(cat "$dir/nginx.pid")"
}

write_nginx_conf() {
  local n i servers=""
  n=$(cat "$dir/nodes")
  for ((i = 1; i <= n; i++)); do
    servers+="    server 127.0.0.1:$(http_port "$i") max_fails=1 fail_timeout=2s$(out_of_rotation "$i" && echo " down" || true);"$'\n'
  done
  nginx_lb_conf "$dir" "127.0.0.1:$(cat "$dir/base")" "$servers"
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: cluster.sh start|stop|kill|term|restart|add|status|term-all|kill-all|restart-all DIR ..."
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)

case "$cmd" in
  start)
    n=${3:?number of nodes}; base=${4:-20000}
    ensure_installed nginx nginx
    echo "$n" > "$dir/nodes"; echo "$base" > "$dir/base"; echo "$base" > "$dir/lb.port"
    echo "${MWS_CLUSTER_NAME:-mws-$RANDOM$RANDOM}" > "$dir/cluster"
    # The first node forms the cluster, the others join it. With a quorum (MWS_CLUSTER_MIN_SIZE) the
    # first is ready only once enough have joined: it is waited for up, then all of them for ready.
    start_node 1; wait_ready 1 /healthz
    for ((i = 2; i <= n; i++)); do start_node "$i"; done
    for ((i = 1; i <= n; i++)); do wait_ready "$i"; done
    write_nginx_conf
    nginx -p "$dir" -c "$dir/nginx.conf"
    echo "cluster.sh: $n nodes ready; load balancer on 127.0.0.1:$base" >&2
    ;;
  stop) stop_pid_files 30 "$dir"/node-*.pid "$dir/nginx.pid" ;;
  kill) kill -KILL "$(cat "$dir/node-$3.pid")"; wait_gone "$3" ;;
  term)
    set_rotation "$3" out; sleep 1       # the reloaded nginx workers stop picking node $3
    kill -TERM "$(cat "$dir/node-$3.pid")"; wait_gone "$3"
    ;;
  restart)
    if alive "$3"; then die "node $3 is running"; fi
    start_node "$3"; wait_ready "$3"
    # An if, not `a && b`: as the last command, a false test would become the script's exit status.
    if out_of_rotation "$3"; then set_rotation "$3" in; fi
    ;;
  add)
    n=$(( $(cat "$dir/nodes") + 1 )); echo "$n" > "$dir/nodes"
    start_node "$n"; wait_ready "$n"
    write_nginx_conf; kill -HUP "$(cat "$dir/nginx.pid")"
    echo "$n"
    ;;
  term-all|kill-all)
    signal=$([ "$cmd" = term-all ] && echo TERM || echo KILL)
    for ((i = 1; i <= $(cat "$dir/nodes"); i++)); do
      if alive "$i"; then kill -"$signal" "$(cat "$dir/node-$i.pid")"; fi
    done
    for ((i = 1; i <= $(cat "$dir/nodes"); i++)); do wait_gone "$i"; done
    ;;
  restart-all)
    n=$(cat "$dir/nodes")
    for ((i = 1; i <= n; i++)); do if alive "$i"; then die "node $i is running"; fi; done
    start_node 1; wait_ready 1 /healthz   # as in start: with a quorum, node 1 is ready once others joined
    for ((i = 2; i <= n; i++)); do start_node "$i"; done
    for ((i = 1; i <= n; i++)); do wait_ready "$i"; done
    ;;
  status)
    for ((i = 1; i <= $(cat "$dir/nodes"); i++)); do
      state=down; alive "$i" && curl -sf -o /dev/null "http://127.0.0.1:$(http_port "$i")/readyz" && state=ready
      echo "$i $(cat "$dir/node-$i.pid" 2>/dev/null || echo -) $(http_port "$i") $state"
    done
    ;;
  *) die "unknown command $cmd" ;;
esac
