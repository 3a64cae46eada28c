#!/usr/bin/env bash
# Makes the application class-data sharing (AppCDS) archive a node starts faster with (docs/operations.md,
# "Starting a node"): one training start of the jar, as every launch starts it (java @JVM_OPTIONS -jar JAR)
# plus -XX:ArchiveClassesAtExit=ARCHIVE, alone on loopback with a throwaway store, until /readyz answers
# 200; then the requests a node serves first (the API root and document, a vhost, a channel, publishes, a
# publish the schema refuses, history, a token, the metrics), then a graceful stop (SIGTERM), at whose exit
# the JVM writes every class it loaded into ARCHIVE. A later start with -XX:SharedArchiveFile=ARCHIVE maps
# those classes instead of loading and verifying them again.
#
#   scripts/cds-archive.sh JAR ARCHIVE [JVM_OPTIONS]   JVM_OPTIONS: the @file every launch passes
#                                                     (default conf/jvm.options of this checkout)
#
# The Dockerfile runs it at image build (the archive is /opt/mws/mws.jsa, which the entrypoint passes);
# scripts/cluster.sh passes JAR's archive (mws.jar -> mws.jsa beside it) when the file exists.
# The archive belongs to this JDK build and this jar, at this path: a start with another JDK, or with the
# jar rebuilt, moved or touched, ignores it (a warning, then a normal start without it), so make it again.
# The archive is written on top of the JDK's default one (lib/server/classes.jsa): a JDK without it refuses
# to start the training ("DynamicDumpSharedSpaces is unsupported when base CDS archive is not loaded", in
# the log this prints); `java -Xshare:dump`, run once by the JDK's owner, makes it.
# Needs only bash and java (the image has no curl). Env: CDS_PORT_BASE (default 19400): the training node
# listens on 127.0.0.1 at BASE (HTTP), BASE+1 (management), BASE+2 (Hazelcast).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${1:?usage: cds-archive.sh JAR ARCHIVE [JVM_OPTIONS]}
archive=${2:?usage: cds-archive.sh JAR ARCHIVE [JVM_OPTIONS]}
options=${3:-$root/conf/jvm.options}
base=${CDS_PORT_BASE:-19400}
http=$base management=$((base + 1))
die() { echo "cds-archive.sh: $*" >&2; exit 1; }
[ -f "$jar" ] || die "no $jar"
[ -f "$options" ] || die "no $options"

work=$(mktemp -d "${TMPDIR:-/tmp}/mws-cds.XXXXXX")
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
rm -f "$archive"

# request PORT METHOD PATH [AUTHORIZATION] [BODY]: one HTTP/1.1 exchange over bash's /dev/tcp; prints the
# status code, then the response (headers and body). ASCII bodies only (Content-Length counts characters).
request() {
  local port=$1 method=$2 path=$3 auth=${4:-} body=${5:-} head response
  head="$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
  [ -n "$auth" ] && head+="Authorization: $auth\r\n"
  [ -n "$body" ] && head+="Content-Type: application/vnd.api+json\r\nContent-Length: ${#body}\r\n"
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf "$head\r\n%s" "$body" >&3
  response=$(cat <&3) || true
  exec 3<&-
  echo "${response:9:3}"
  echo "$response"
}

# expect STATUS METHOD PATH [AUTHORIZATION] [BODY]: the request, which must answer STATUS; prints the response.
expect() {
  local want=$1 out
  shift
  out=$(request "$http" "$@") || die "$1 $2: no connection"
  [ "${out:0:3}" = "$want" ] || die "$1 $2: expected $want, got: ${out:0:300}"
  echo "$out"
}

password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
MWS_HTTP_HOST=127.0.0.1 MWS_HTTP_PORT=$http MWS_MANAGEMENT_PORT=$management \
MWS_CLUSTER_HOST=127.0.0.1 MWS_CLUSTER_PORT=$((base + 2)) MWS_CLUSTER_MEMBERS=127.0.0.1:$((base + 2)) \
MWS_CLUSTER_NAME="mws-cds-$$" MWS_ADMIN_PASSWORD=$password MWS_DATA_DIR="$work/data" MWS_STORE_URL= \
  java "@$options" -XX:ArchiveClassesAtExit="$archive" -jar "$jar" >"$work/node.log" 2>&1 </dev/null &
pid=$!

deadline=$((SECONDS + 180))
until [ "$(request "$http" GET /readyz 2>/dev/null | head -1)" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/node.log" >&2; die "the training node exited during its start"; }
  ((SECONDS < deadline)) || { cat "$work/node.log" >&2; die "the training node was not ready after 180 s"; }
  sleep 0.2
done

admin="Basic $(printf 'admin:%s' "$password" | base64)"
expect 200 GET /healthz >/dev/null
expect 200 GET /v1 >/dev/null
expect 200 GET /v1/openapi.json >/dev/null
token=$(expect 201 POST /v1/vhosts "$admin" '{"data":{"type":"vhosts","id":"train","attributes":{}}}' |
  grep -o '"token" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
[ -n "$token" ] || die "no vhost token in the answer to POST /v1/vhosts"
backend="Bearer $token"
expect 201 PUT /v1/vhosts/train/channels/c "$backend" >/dev/null
for ((i = 0; i < 20; i++)); do
  expect 202 POST /v1/vhosts/train/channels/c/events "$backend" \
    "{\"data\":{\"type\":\"events\",\"attributes\":{\"event\":\"e\",\"data\":{\"i\":$i}}}}" >/dev/null
done
expect 422 POST /v1/vhosts/train/channels/c/events "$backend" \
  '{"data":{"type":"events","attributes":{"event":"","data":1}}}' >/dev/null
expect 200 GET /v1/vhosts/train/channels/c/events "$backend" >/dev/null
expect 200 GET "/v1/vhosts/train/token?uid=u&channels=.*" "$backend" >/dev/null
[ "$(request "$management" GET /metrics | head -1)" = 200 ] || die "GET /metrics did not answer 200"

kill -TERM "$pid"
wait "$pid" || true # a JVM stopped by SIGTERM exits 143 once its shutdown hooks ran; the archive is written then
pid=""
[ -s "$archive" ] || { cat "$work/node.log" >&2; die "the JVM wrote no archive at $archive"; }
echo "cds-archive.sh: $archive ($(($(wc -c <"$archive") / 1024)) KiB) for $jar"
