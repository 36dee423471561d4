#!/usr/bin/env bash
# Measures (1) durable ingest with delivery off, then (2) how fast hookd drains that backlog to a
# local receiver, and (3) ingest and delivery running together. Loopback only.
#   bench/delivery_throughput.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
BIN=build/release
DIR=$(mktemp -d)
RPORT=19001; HPORT=19002; TOKEN=bench
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$DIR"' EXIT

$BIN/bench_receiver --port $RPORT > "$DIR/recv.log" &
serve() {
  HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 HOOKD_LOG_LEVEL=warn $BIN/hookd serve \
    --listen 127.0.0.1:$HPORT --store "sqlite://$DIR/hookd.db" --admin-token $TOKEN "$@" > "$DIR/hookd.log" 2>&1 &
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$HPORT/api/v1/health && return; sleep 0.05; done
  echo "hookd did not start"; cat "$DIR/hookd.log"; exit 1
}
api() { curl -sf -H "authorization: Bearer $TOKEN" -H "content-type: application/json" "$@"; }
stats() { curl -sf http://127.0.0.1:$RPORT/__stats; }
created() { curl -sf http://127.0.0.1:$HPORT/metrics | awk '/^hookd_messages_created_total/ {print $2}'; }

serve --delivery-enabled false
api -X POST http://127.0.0.1:$HPORT/api/v1/app -d '{"name":"bench","uid":"bench"}' > /dev/null
api -X POST http://127.0.0.1:$HPORT/api/v1/app/bench/endpoint -d "{\"url\":\"http://127.0.0.1:$RPORT/hook\"}" > /dev/null

echo "== ingest, delivery off, ${SECS}s, 64 connections"
HOOKD_TOKEN=$TOKEN wrk -t2 -c64 -d${SECS}s -s bench/post_message.lua http://127.0.0.1:$HPORT/api/v1/app/bench/msg | grep -E "Requests/sec|Latency|non-202"
N=$(created); echo "messages stored: $N"
kill %2; wait %2 2>/dev/null || true

echo "== drain the backlog of $N messages"
start=$(date +%s%N)
serve
while [ "$(stats | sed 's/.*"unique":\([0-9]*\).*/\1/')" -lt "$N" ]; do sleep 0.2; done
s=$(stats); first=$(echo "$s" | sed 's/.*"first_ns":\([0-9]*\).*/\1/'); last=$(echo "$s" | sed 's/.*"last_ns":\([0-9]*\).*/\1/')
echo "receiver: $s"
awk -v n="$N" -v a="$first" -v b="$last" 'BEGIN { printf "delivery rate: %.0f messages/s (first to last arrival)\n", n / ((b - a) / 1e9) }'

echo "== ingest and delivery together, ${SECS}s"
before=$(stats | sed 's/.*"requests":\([0-9]*\).*/\1/')
HOOKD_TOKEN=$TOKEN wrk -t2 -c64 -d${SECS}s -s bench/post_message.lua http://127.0.0.1:$HPORT/api/v1/app/bench/msg | grep -E "Requests/sec|non-202"
after=$(stats | sed 's/.*"requests":\([0-9]*\).*/\1/')
echo "delivered during the run: $((after - before)) ($(( (after - before) / SECS ))/s)"
