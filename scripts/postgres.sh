#!/usr/bin/env bash
# A throw-away PostgreSQL for tests and local clusters: Debian's package (installed when missing),
# a fresh cluster in DIR, listening on 127.0.0.1 only, stopped by the PID it recorded. Nothing is
# ever stopped by name, and the machine's own PostgreSQL (if any) is left alone.
#
#   scripts/postgres.sh start DIR [PORT]   initdb into DIR/pgdata (as the postgres user: initdb refuses
#                                          root), start on PORT (default: a random free one in
#                                          22000-32000), create database "mws" owned by user "mws";
#                                          prints the URL (also in DIR/url):
#                                          postgresql://mws:PASSWORD@127.0.0.1:PORT/mws
#   scripts/postgres.sh stop DIR           fast shutdown (SIGINT) of the server started in DIR, wait for it
#
# State in DIR: pgdata/, postgres.log, pid, port, url.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

bin_dir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ]; then
    echo "postgres.sh: installing postgresql (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [ -n "$found" ] || die "no PostgreSQL binaries under /usr/lib/postgresql/*/bin"
  echo "$found"
}

# initdb and postgres refuse to run as root: run them as the package's postgres user (or one we create).
as_owner() {
  if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  runuser -u postgres -- "$@"
}

free_port() {
  local port attempt
  for ((attempt = 0; attempt < 100; attempt++)); do
    port=$((22000 + RANDOM % 10000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  die "no free port"
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: postgres.sh start DIR [PORT] | stop DIR"

case "$cmd" in
  start)
    bin=$(bin_dir)
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    [ -e "$dir/pid" ] && die "a server is recorded in $dir already; stop it first"
    port=${3:-0}; [ "$port" = 0 ] && port=$(free_port)
    password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    rm -rf "$dir/pgdata"; mkdir -p "$dir/pgdata"
    printf '%s\n' "$password" > "$dir/pwfile"
    [ "$(id -u)" -eq 0 ] && { id postgres >/dev/null 2>&1 || as_owner true; chown -R postgres "$dir"; }
    as_owner "$bin/initdb" -D "$dir/pgdata" -U mws --pwfile="$dir/pwfile" -A scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
    rm -f "$dir/pwfile"
    as_owner "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null \
      || die "the server did not start: $(tail -n 5 "$dir/postgres.log")"
    head -n 1 "$dir/pgdata/postmaster.pid" > "$dir/pid"
    echo "$port" > "$dir/port"
    PGPASSWORD=$password "$bin/psql" -q -h 127.0.0.1 -p "$port" -U mws -d postgres -c "CREATE DATABASE mws" >/dev/null
    echo "postgresql://mws:$password@127.0.0.1:$port/mws" > "$dir/url"
    cat "$dir/url"
    ;;
  stop)
    [ -f "$dir/pid" ] || exit 0
    pid=$(cat "$dir/pid")
    kill -INT "$pid" 2>/dev/null || true
    for ((t = 0; t < 300; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
    rm -f "$dir/pid"
    ;;
  *) die "unknown command $cmd" ;;
esac
