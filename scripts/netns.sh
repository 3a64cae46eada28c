#!/usr/bin/env bash
# An MWS cluster whose nodes live in network namespaces of their own, so a test can cut a node off the
# network for real (PartitionIT). Needs root. Nothing is added to the root namespace: every interface
# and address lives in namespaces named after PREFIX, and every process is recorded by PID in DIR and
# stopped by that PID.
#
#   PREFIX-br    two bridges: "cluster" (10.77.0.0/24: Hazelcast and the event bus) and "clients"
#                (10.77.1.0/24: HTTP and WebSocket); a veth pair per node into each
#   PREFIX-I     node I (1..N): 10.77.0.(10+I) on the cluster bridge, 10.77.1.(10+I) on the client one
#   PREFIX-c     the clients: 10.77.1.100, and nginx on 127.0.0.1:8080 balancing over the nodes as
#                scripts/cluster.sh configures it (WebSocket upgrades, 503s retried on the next node)
#
#   scripts/netns.sh up PREFIX N DIR        namespaces, links, addresses; N nodes started (with
#                                           conf/jvm.options, DIR/mws.yaml when present) and nginx
#   scripts/netns.sh cut PREFIX I           take node I's cluster link down: it is cut off from the
#                                           other nodes, its clients still reach it
#   scripts/netns.sh heal PREFIX I          bring it back up
#   scripts/netns.sh exec PREFIX NS CMD...  run CMD in namespace PREFIX-NS (c for the clients)
#   scripts/netns.sh down PREFIX N DIR      stop every process in DIR/*.pid (TERM, then KILL), delete
#                                           the namespaces; safe to run on a half-built setup
#
# Env: MWS_JAR (default modules/server/target/mws.jar), JAVA_OPTS (default -Xmx256m, after
# conf/jvm.options), MWS_ADMIN_PASSWORD (default admin).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jar=${MWS_JAR:-$root/modules/server/target/mws.jar}
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"


cluster_ip() { echo "10.77.0.$((10 + $1))"; }
client_ip() { echo "10.77.1.$((10 + $1))"; }

members() {
  local n=$1 i list=""
  for ((i = 1; i <= n; i++)); do list+="${list:+,}$(cluster_ip "$i"):5701"; done
  echo "$list"
}

# A veth pair from bridge BR (in PREFIX-br) to namespace NS, named LINK on the bridge side and DEV inside NS.
wire() {
  local br=$1 link=$2 ns=$3 dev=$4 address=$5
  ip -n "$prefix-br" link add "$link" type veth peer name "$dev" netns "$ns"
  ip -n "$prefix-br" link set "$link" master "$br" up
  ip -n "$ns" addr add "$address/24" dev "$dev"
  ip -n "$ns" link set "$dev" up
}

start_node() {
  local i=$1 conf=()
  [ -f "$dir/mws.yaml" ] && conf=(--conf "$dir/mws.yaml")
  MWS_HTTP_HOST=$(client_ip "$i") MWS_HTTP_PORT=8080 MWS_CLUSTER_HOST=$(cluster_ip "$i") MWS_CLUSTER_PORT=5701 \
  MWS_EVENTBUS_PORT=5711 MWS_CLUSTER_MEMBERS=$(members "$n") MWS_CLUSTER_NAME=mws-$prefix \
  MWS_ADMIN_PASSWORD=${MWS_ADMIN_PASSWORD:-admin} MWS_DATA_DIR="$dir/data-$i" \
    setsid ip netns exec "$prefix-$i" java "@$root/conf/jvm.options" ${JAVA_OPTS:--Xmx256m} -jar "$jar" "${conf[@]}" \
    >>"$dir/node-$i.log" 2>&1 </dev/null &
  echo $! > "$dir/node-$i.pid"
}

# Until node I answers 200 on PROBE (/healthz: up; /readyz: in rotation).
wait_for() {
  local i=$1 probe=$2 deadline=$((SECONDS + 120))
  until ip netns exec "$prefix-c" curl -sf -o /dev/null --max-time 1 "http://$(client_ip "$i"):8080$probe"; do
    kill -0 "$(cat "$dir/node-$i.pid")" 2>/dev/null || die "node $i exited during start; see $dir/node-$i.log"
    ((SECONDS < deadline)) || die "node $i: no 200 on $probe after 120 s; see $dir/node-$i.log"
    sleep 0.3
  done
}

start_nginx() {
  local i servers=""
  for ((i = 1; i <= n; i++)); do servers+="    server $(client_ip "$i"):8080 max_fails=1 fail_timeout=2s;"$'\n'; done
  nginx_lb_conf "$dir" 127.0.0.1:8080 "$servers"
  ip netns exec "$prefix-c" nginx -p "$dir" -c "$dir/nginx.conf"
}


cmd=${1:-}; prefix=${2:-}
[ -n "$cmd" ] && [ -n "$prefix" ] || die "usage: netns.sh up|cut|heal|exec|down PREFIX ..."
[[ "$prefix" =~ ^[a-z0-9]{1,8}$ ]] || die "PREFIX: 1-8 lowercase letters or digits (interface names are short)"

case "$cmd" in
  up)
    n=${3:?number of nodes}; dir=${4:?state folder}
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    ensure_installed ip iproute2
    [ -f "$jar" ] || die "no $jar: build it with mvn -B package -DskipTests"
    ip netns add "$prefix-br"
    ip -n "$prefix-br" link set lo up
    for br in cluster clients; do
      ip -n "$prefix-br" link add "$br" type bridge
      ip -n "$prefix-br" link set "$br" up
    done
    ip netns add "$prefix-c"
    ip -n "$prefix-c" link set lo up
    wire clients c-c "$prefix-c" eth1 10.77.1.100
    for ((i = 1; i <= n; i++)); do
      ip netns add "$prefix-$i"
      ip -n "$prefix-$i" link set lo up
      wire cluster "n$i" "$prefix-$i" eth0 "$(cluster_ip "$i")"
      wire clients "c$i" "$prefix-$i" eth1 "$(client_ip "$i")"
    done
    # The first node forms the cluster, the others join it, one at a time: each is waited for up
    # (/healthz; with a quorum the first is ready only once enough have joined), then all for ready.
    # Started together, a node whose start overlapped another's join could hang for good in
    # PresenceRegistry's IMap.addIndex, a blocking call on an event loop (seen under load).
    for ((i = 1; i <= n; i++)); do start_node "$i"; wait_for "$i" /healthz; done
    for ((i = 1; i <= n; i++)); do wait_for "$i" /readyz; done
    start_nginx
    echo "netns.sh: $n nodes ready; nginx on 127.0.0.1:8080 in namespace $prefix-c" >&2
    ;;
  cut) ip -n "$prefix-br" link set "n${3:?node}" down ;;
  heal) ip -n "$prefix-br" link set "n${3:?node}" up ;;
  exec) ns=${3:?namespace}; shift 3; exec ip netns exec "$prefix-$ns" "$@" ;;
  down)
    n=${3:?number of nodes}; dir=${4:?state folder}
    if [ -d "$dir" ]; then stop_pid_files 20 "$dir"/*.pid; fi
    for ns in br c $(seq 1 "$n"); do ip netns del "$prefix-$ns" 2>/dev/null || true; done
    ;;
  *) die "unknown command $cmd" ;;
esac
