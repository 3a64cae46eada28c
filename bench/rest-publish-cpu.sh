#!/usr/bin/env bash
# Server CPU per REST publish, two builds side by side: one single-node cluster per jar (both up at once,
# each on its own ports), a warm-up for each, then ROUNDS interleaved rounds (A B A B ...) of N POSTs to
# /v1/vhosts/bench/channels/c/events, 16 concurrent (bench/rest-publish.mjs). The CPU of a round is the
# node's utime+stime from /proc/PID/stat before and after it. Publish rate limit off for the run.
#
#   bench/rest-publish-cpu.sh BEFORE_JAR AFTER_JAR [ROUNDS=8] [N=5000] [WARMUP=20000]
#
# Prints one line per round and build (us/request, requests/s, load average), then mean and median of
# rounds 3..ROUNDS per build. Everything it starts is stopped by PID (scripts/cluster.sh stop).
set -euo pipefail
before=$1; after=$2; rounds=${3:-8}; n=${4:-5000}; warmup=${5:-20000}
root=$(cd "$(dirname "$0")/.." && pwd); out=${OUT:-/tmp/mws-rest-publish}
mkdir -p "$out"
export MWS_ADMIN_PASSWORD=bench-admin MWS_LIMIT_PUBLISHES_PER_SECOND=10000000 JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
declare -A jar=([before]=$before [after]=$after) base=([before]=${BASE:-23400} [after]=$((${BASE:-23400} + 200))) token=() pid=()
cleanup() { for l in before after; do "$root/scripts/cluster.sh" stop "$out/$l" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for l in before after; do
  rm -rf "${out:?}/$l"
  MWS_JAR=${jar[$l]} "$root/scripts/cluster.sh" start "$out/$l" 1 "${base[$l]}" >/dev/null
  pid[$l]=$(cat "$out/$l/node-1.pid")
  token[$l]=$(node "$root/bench/rest-publish.mjs" setup $((base[$l] + 1)) "$MWS_ADMIN_PASSWORD")
  node "$root/bench/rest-publish.mjs" fire $((base[$l] + 1)) "${token[$l]}" "$warmup" >/dev/null
done
hz=$(getconf CLK_TCK)
: > "$out/rounds.txt"
for ((r = 1; r <= rounds; r++)); do
  for l in before after; do
    t0=$(ticks "${pid[$l]}")
    result=$(node "$root/bench/rest-publish.mjs" fire $((base[$l] + 1)) "${token[$l]}" "$n")
    t1=$(ticks "${pid[$l]}")
    us=$(( (t1 - t0) * 1000000 / hz / n ))
    ms=$(echo "$result" | sed -E 's/.*"ms":([0-9]+).*/\1/')
    echo "round $r $l us_per_request=$us requests_per_s=$(( n * 1000 / ms )) $result load=$(cut -d' ' -f1 /proc/loadavg)" \
      | tee -a "$out/rounds.txt"
  done
done
for l in before after; do
  awk -v l=$l '$3 == l && $2 >= 3 {split($4, a, "="); print a[2]}' "$out/rounds.txt" | sort -n \
    | awk -v l=$l '{v[NR] = $1; s += $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
        printf "%s: rounds 3-%d mean %.0f us/request, median %.0f, min %d, max %d\n", l, NR + 2, s / NR, m, v[1], v[NR]}'
done
