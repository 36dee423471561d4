#!/usr/bin/env bash
# Syscalls and heap allocations per message, for before/after comparisons of the hot paths:
#   bench/per_message.sh [HOOKD_BIN] [messages]
# Ingest (delivery off) and end to end (one endpoint on the bench receiver), each with a fixed
# number of messages at 32 connections after a warm-up. Syscalls: strace -c attached to the
# running server (so the rates it allows are not the figures to read, only the counts divided
# by messages). Allocations: jemalloc's own count of requests (printed when hookd exits), from a
# run with the messages less one without them. To see who allocates, run hookd under heaptrack
# from the start (attaching heaptrack through gdb fails on some VMs).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release}
HOOKD=${1:-$BIN/hookd}
N=${2:-20000}
WORK=$(mktemp -d)
HPORT=19512; RPORT=19511; TOKEN=bench
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
for tool in strace; do
  command -v $tool > /dev/null || { echo "$tool is missing (scripts/install-bench-deps.sh)" >&2; exit 1; }
done

api() { curl -sf -H "authorization: Bearer $TOKEN" -H "content-type: application/json" "$@"; }
unique() { curl -sf http://127.0.0.1:$RPORT/__stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['unique'])"; }

# run MODE(ingest|e2e) TOOL(strace|jemalloc) [MESSAGES]: prints strace's count per message, or
# the allocations jemalloc counted over the whole run.
run() {
  local mode=$1 tool=$2 n=${3:-$N} flags=() env=() out="$WORK/$1.$2"
  rm -rf "$WORK/data"
  [ "$mode" = ingest ] && flags=(--delivery-enabled false)
  [ "$tool" = jemalloc ] && env=(MALLOC_CONF=stats_print:true,stats_print_opts:Jgdablxe)
  env "${env[@]}" HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 HOOKD_LOG_LEVEL=warn "$HOOKD" serve \
    --listen 127.0.0.1:$HPORT --store "sqlite://$WORK/data/hookd.db" --admin-token $TOKEN \
    "${flags[@]}" > "$WORK/hookd.log" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do curl -sf http://127.0.0.1:$HPORT/api/v1/health && break; sleep 0.05; done
  api -X POST http://127.0.0.1:$HPORT/api/v1/app -d '{"name":"bench","uid":"bench"}' > /dev/null
  api -X POST http://127.0.0.1:$HPORT/api/v1/event-type -d '{"name":"message.delivered","description":"d"}' > /dev/null
  api -X POST http://127.0.0.1:$HPORT/api/v1/app/bench/endpoint -d "{\"uid\":\"ep1\",\
\"url\":\"http://127.0.0.1:$RPORT/ep/1\",\"secret\":\"$SECRET\",\"filterTypes\":[\"message.delivered\"]}" > /dev/null
  # Warm up (connections, caches, statements), then attach.
  $BIN/bench_loadgen --url http://127.0.0.1:$HPORT/api/v1/app/bench/msg --method POST \
    --header "authorization: Bearer $TOKEN" --body '{"eventType":"message.delivered","payload":{"n":1}}' \
    --connections 32 --max-requests 2000 --seconds 600 --quiet > /dev/null
  [ "$mode" = e2e ] && while [ "$(unique)" -lt 2000 ]; do sleep 0.1; done
  local tpid=
  [ "$tool" = strace ] && { strace -f -qq -c -o "$out" -p "$pid" & tpid=$!; sleep 2; }
  if [ "$n" -gt 0 ]; then
    $BIN/bench_loadgen --url http://127.0.0.1:$HPORT/api/v1/app/bench/msg --method POST \
      --header "authorization: Bearer $TOKEN" --body '{"eventType":"message.delivered","payload":{"to":"+15550100","status":"delivered"}}' \
      --connections 32 --max-requests "$n" --seconds 600 --quiet > /dev/null
  fi
  [ "$mode" = e2e ] && while [ "$(unique)" -lt $((n + 2000)) ]; do sleep 0.1; done
  sleep 1  # outcomes commit just after the receiver answers
  [ -z "$tpid" ] || { kill -INT "$tpid" 2>/dev/null || true; wait "$tpid" 2>/dev/null || true; }
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  if [ "$tool" = strace ]; then
    awk -v n="$n" '$NF == "total" { printf "%.1f", $4 / n }' "$out"
  else
    /usr/bin/python3 -c "import json,sys; s=open(sys.argv[1]).read(); \
m=json.loads(s[s.index('{\"jemalloc\"'):])['jemalloc']['stats.arenas']['merged']; \
print(m['small']['nrequests'] + m['large']['nrequests'])" "$WORK/hookd.log"
  fi
}

# Allocations per message: a run with the messages less a run with the warm-up alone.
allocations() {
  local with without
  with=$(run "$1" jemalloc)
  without=$(run "$1" jemalloc 0)
  awk -v a="$with" -v b="$without" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / n }'
}

$BIN/bench_receiver --port $RPORT --secret $SECRET > "$WORK/receiver.log" 2>&1 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:$RPORT/__stats > /dev/null && break; sleep 0.05; done
echo "$HOOKD, $N messages at 32 connections:"
for mode in ingest e2e; do
  printf '  %-7s syscalls/msg %6s   allocations/msg %6s\n' "$mode" "$(run $mode strace)" "$(allocations $mode)"
done
