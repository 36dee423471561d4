#!/usr/bin/env bash
# Syscalls and heap allocations per message, for before/after comparisons of the hot paths:
#   bench/per_message.sh [HOOKD_BIN] [messages]
# KEEP=DIR keeps the heaptrack recordings there (heaptrack_print shows who allocates).
# Ingest (delivery off) and end to end (one endpoint on the bench receiver), each with a fixed
# number of messages at 32 connections; strace -c and heaptrack attach to the running server,
# so the rates they allow are not the figures to read, only the counts divided by messages.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release}
HOOKD=${1:-$BIN/hookd}
N=${2:-20000}
WORK=$(mktemp -d)
HPORT=19512; RPORT=19511; TOKEN=bench
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
for tool in strace heaptrack heaptrack_print; do
  command -v $tool > /dev/null || { echo "$tool is missing (scripts/install-bench-deps.sh)" >&2; exit 1; }
done

api() { curl -sf -H "authorization: Bearer $TOKEN" -H "content-type: application/json" "$@"; }
unique() { curl -sf http://127.0.0.1:$RPORT/__stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['unique'])"; }

# run MODE(ingest|e2e) TOOL(strace|heaptrack): prints the tool's count per message.
run() {
  local mode=$1 tool=$2 flags=() out="$WORK/$1.$2"
  rm -rf "$WORK/data"
  [ "$mode" = ingest ] && flags=(--delivery-enabled false)
  HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 HOOKD_LOG_LEVEL=warn "$HOOKD" serve --listen 127.0.0.1:$HPORT \
    --store "sqlite://$WORK/data/hookd.db" --admin-token $TOKEN "${flags[@]}" > "$WORK/hookd.log" 2>&1 &
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
  local tpid
  if [ "$tool" = strace ]; then
    strace -f -qq -c -o "$out" -p "$pid" & tpid=$!
  else
    heaptrack -o "$out" -p "$pid" > /dev/null 2>&1 & tpid=$!
  fi
  sleep 2
  $BIN/bench_loadgen --url http://127.0.0.1:$HPORT/api/v1/app/bench/msg --method POST \
    --header "authorization: Bearer $TOKEN" --body '{"eventType":"message.delivered","payload":{"to":"+15550100","status":"delivered"}}' \
    --connections 32 --max-requests "$N" --seconds 600 --quiet > /dev/null
  [ "$mode" = e2e ] && while [ "$(unique)" -lt $((N + 2000)) ]; do sleep 0.1; done
  sleep 1  # outcomes commit just after the receiver answers
  kill -INT "$tpid" 2>/dev/null || true
  if [ "$tool" = heaptrack ]; then kill "$pid"; fi
  wait "$tpid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  if [ "$tool" = strace ]; then
    awk -v n="$N" '$NF == "total" { printf "%.1f", $4 / n }' "$out"
  else
    [ -z "${KEEP:-}" ] || { mkdir -p "$KEEP"; cp "$out".*zst "$KEEP/"; }
    heaptrack_print "$out".*zst 2>/dev/null | awk -v n="$N" '/^calls to allocation functions:/ { printf "%.1f", $5 / n }'
  fi
}

$BIN/bench_receiver --port $RPORT --secret $SECRET > "$WORK/receiver.log" 2>&1 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:$RPORT/__stats > /dev/null && break; sleep 0.05; done
echo "$HOOKD, $N messages at 32 connections:"
for mode in ingest e2e; do
  printf '  %-7s syscalls/msg %6s   allocations/msg %6s\n' "$mode" "$(run $mode strace)" "$(run $mode heaptrack)"
done
