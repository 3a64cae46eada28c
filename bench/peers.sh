#!/usr/bin/env bash
# Installs and starts the servers under test on 127.0.0.1 only; records each one's PID in DIR and stops it
# by that PID (never by name).
#
#   bench/peers.sh start nchan|soketi|mws|baseline DIR
#   bench/peers.sh stop  nchan|soketi|mws|baseline DIR
#   bench/peers.sh pid   nchan|soketi|mws|baseline DIR     prints the PID file's path
#
# Ports (env to override): MWS 18080 (Hazelcast 18701), Nchan 18090, baseline 18091, Soketi 16001
# (discovery UDP 11702 on 127.0.0.1, unicast to 127.0.0.1 only). Env JAVA_OPTS (default -Xmx1g) is given to
# MWS and the baseline alike; MWS_JAVA_EXTRA only to MWS (e.g. a JFR recording).
# SERVER_CPUS (e.g. 0): every server runs under `taskset -c SERVER_CPUS`, so the generator (bench/run.sh pins it
# to GEN_CPUS) has its own core budget; unset: no pinning.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
MWS_PORT=${MWS_PORT:-18080}; MWS_HZ_PORT=${MWS_HZ_PORT:-18701}
NCHAN_PORT=${NCHAN_PORT:-18090}; BASELINE_PORT=${BASELINE_PORT:-18091}
SOKETI_PORT=${SOKETI_PORT:-16001}; SOKETI_UDP_PORT=${SOKETI_UDP_PORT:-11702}
MWS_ADMIN_PASSWORD=${MWS_ADMIN_PASSWORD:-bench-admin}
export MWS_ADMIN_PASSWORD

die() { echo "peers.sh: $*" >&2; exit 1; }

# taskset execs the server, so $! stays the server's PID.
pin=()
[ -n "${SERVER_CPUS:-}" ] && pin=(taskset -c "$SERVER_CPUS")

cmd=${1:-}; what=${2:-}; dir=${3:-}
[ -n "$cmd" ] && [ -n "$what" ] && [ -n "$dir" ] || die "usage: peers.sh start|stop|pid nchan|soketi|mws|baseline DIR"
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
pidfile="$dir/$what.pid"

# The per-process file limit here is 20,000 (hard): the servers get all of it.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n "$s" && "$s" != Z* ]]; }

wait_port() {
  local port=$1 pid=$2 deadline=$((SECONDS + 120))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    alive "$pid" || die "$what exited during start; see $dir/$what.log"
    ((SECONDS < deadline)) || die "$what not listening on $port after 120 s; see $dir/$what.log"
    sleep 0.2
  done
}

install_nchan() {
  [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] && command -v nginx >/dev/null && return
  echo "peers.sh: installing nginx + libnginx-mod-nchan (Debian)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends nginx libnginx-mod-nchan >/dev/null
}

install_soketi() {
  [ -x "$here/soketi/node_modules/.bin/soketi" ] && return
  echo "peers.sh: npm install in bench/soketi (@soketi/soketi 1.6 with the uWebSockets.js override)" >&2
  (cd "$here/soketi" && npm install --no-audit --no-fund >/dev/null)
}

start() {
  [ -f "$pidfile" ] && alive "$(cat "$pidfile")" && die "$what already running (pid $(cat "$pidfile"))"
  case "$what" in
    nchan)
      install_nchan
      mkdir -p "$dir/nchan-tmp"
      cat > "$dir/nchan.conf" <<CONF
# Nchan for the MWS benchmark: publish POST /pub/<channel>, subscribe WebSocket /sub/<channel>; loopback only.
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
daemon off;
worker_processes ${NCHAN_WORKERS:-2};
worker_rlimit_nofile 20000;
pid $dir/nchan-nginx.pid;
error_log $dir/nchan-error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $dir/nchan-tmp;
  proxy_temp_path $dir/nchan-tmp;
  fastcgi_temp_path $dir/nchan-tmp;
  uwsgi_temp_path $dir/nchan-tmp;
  scgi_temp_path $dir/nchan-tmp;
  server {
    listen 127.0.0.1:$NCHAN_PORT;
    location ~ ^/pub/(.+)\$ {
      nchan_publisher http;
      nchan_channel_id \$1;
      nchan_message_buffer_length 16;
      nchan_message_timeout 60s;
    }
    location ~ ^/sub/(.+)\$ {
      nchan_subscriber websocket;
      nchan_channel_id \$1;
      nchan_subscriber_first_message newest;
    }
  }
}
CONF
      setsid "${pin[@]}" nginx -p "$dir" -c "$dir/nchan.conf" >>"$dir/nchan.log" 2>&1 </dev/null &
      echo $! > "$pidfile"; wait_port "$NCHAN_PORT" "$!"
      ;;
    soketi)
      install_soketi
      cat > "$dir/soketi.json" <<CONF
{
  "host": "127.0.0.1",
  "port": $SOKETI_PORT,
  "adapter.driver": "local",
  "cluster.address": "127.0.0.1",
  "cluster.hostname": "127.0.0.1",
  "cluster.unicast": "127.0.0.1",
  "cluster.port": $SOKETI_UDP_PORT,
  "metrics.enabled": false,
  "metrics.host": "127.0.0.1"
}
CONF
      setsid "${pin[@]}" node "$here/soketi/node_modules/@soketi/soketi/bin/server.js" start --config="$dir/soketi.json" \
        >>"$dir/soketi.log" 2>&1 </dev/null &
      echo $! > "$pidfile"; wait_port "$SOKETI_PORT" "$!"
      # Discovery must not listen on all interfaces.
      if ss -ulpn 2>/dev/null | grep "pid=$(cat "$pidfile")," | awk '{print $4}' | grep -qvE '^127\.'; then
        ss -ulpn | grep "pid=$(cat "$pidfile"),"
        kill -TERM "$(cat "$pidfile")"; die "soketi listens on a wildcard UDP address; stopped it"
      fi
      ;;
    mws)
      jar=${MWS_JAR:-$root/modules/server/target/mws.jar}
      [ -f "$jar" ] || die "no $jar: mvn -B -q package -DskipTests"
      # Every bench client comes from 127.0.0.1: no per-address connection cap; metrics on any free port.
      MWS_HTTP_HOST=127.0.0.1 MWS_HTTP_PORT=$MWS_PORT MWS_CLUSTER_HOST=127.0.0.1 MWS_CLUSTER_PORT=$MWS_HZ_PORT \
      MWS_LIMIT_CONNECTIONS_PER_CLIENT_IP=${MWS_LIMIT_CONNECTIONS_PER_CLIENT_IP:-0} MWS_MANAGEMENT_PORT=${MWS_MANAGEMENT_PORT:-0} \
      MWS_CLUSTER_MEMBERS= MWS_CLUSTER_NAME=mws-bench-$RANDOM$RANDOM \
        setsid "${pin[@]}" java "@$root/conf/jvm.options" ${JAVA_OPTS:--Xmx1g} ${MWS_JAVA_EXTRA:-} -jar "$jar" >>"$dir/mws.log" 2>&1 </dev/null &
      echo $! > "$pidfile"; wait_port "$MWS_PORT" "$!"
      local deadline=$((SECONDS + 120))
      until curl -sf -o /dev/null "http://127.0.0.1:$MWS_PORT/readyz"; do
        ((SECONDS < deadline)) || die "mws not ready; see $dir/mws.log"; sleep 0.2
      done
      ;;
    baseline)
      jar=$root/modules/bench/target/bench.jar
      [ -f "$jar" ] || die "no $jar: mvn -B -q package -DskipTests"
      setsid "${pin[@]}" java ${JAVA_OPTS:--Xmx1g} -cp "$jar" io.mws.bench.BaselineServer "$BASELINE_PORT" 2 \
        >>"$dir/baseline.log" 2>&1 </dev/null &
      echo $! > "$pidfile"; wait_port "$BASELINE_PORT" "$!"
      ;;
    *) die "unknown server $what" ;;
  esac
  echo "peers.sh: $what running, pid $(cat "$pidfile")" >&2
}

stop() {
  [ -f "$pidfile" ] || return 0
  local pid t; pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for ((t = 0; t < 150; t++)); do alive "$pid" || break; sleep 0.2; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  pid) echo "$pidfile" ;;
  *) die "unknown command $cmd" ;;
esac
