#!/usr/bin/env bash
# CPU and context switches per message at a steady, moderate rate (not the peak), per thread:
#   bench/moderate.sh [HOOKD_BIN] [rate/s] [seconds]
# Messages posted at the given rate (open loop, 32 connections) to one app whose endpoint is the
# bench receiver, so each is ingested, delivered and its outcome recorded. Prints the load
# generator's latency, the store's writes, commits and syncs per message, and each hookd thread's
# CPU µs and voluntary / involuntary context switches per message (from /proc). At moderate load
# the cost per message is several times the peak's: commits are small and threads sleep between
# messages, so this is the view for batching and wakeup changes.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release}
HOOKD=${1:-$BIN/hookd}
RATE=${2:-5000}
SECS=${3:-8}
WORK=$(mktemp -d)
HPORT=19522; RPORT=19521; TOKEN=bench
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

$BIN/bench_receiver --bind 127.0.0.1 --port $RPORT --secret $SECRET > "$WORK/receiver.log" 2>&1 &
HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 HOOKD_LOG_LEVEL=warn "$HOOKD" serve --listen 127.0.0.1:$HPORT \
  --store "sqlite://$WORK/hookd.db" --admin-token $TOKEN > "$WORK/hookd.log" 2>&1 &
PID=$!
for _ in $(seq 200); do curl -sf http://127.0.0.1:$HPORT/api/v1/health > /dev/null && break; sleep 0.05; done
api() { curl -sf -H "authorization: Bearer $TOKEN" -H "content-type: application/json" "$@"; }
api -X POST http://127.0.0.1:$HPORT/api/v1/app -d '{"name":"bench","uid":"bench"}' > /dev/null
api -X POST http://127.0.0.1:$HPORT/api/v1/app/bench/endpoint \
  -d "{\"uid\":\"ep1\",\"url\":\"http://127.0.0.1:$RPORT/ep/1\",\"secret\":\"$SECRET\"}" > /dev/null

# snapshot FILE: the store's counters, then "T thread ticks voluntary involuntary" per thread.
snapshot() {
  { curl -sf http://127.0.0.1:$HPORT/metrics | grep -E "^hookd_store_(writes|commits|syncs)_total" | sed 's/^/M /'
    for t in /proc/$PID/task/*; do
      echo "T $(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat") $(awk '/^voluntary_ctxt/ {v = $2}
        /^nonvoluntary_ctxt/ {n = $2} END {print v, n}' "$t/status")"
    done; } > "$1"
}
snapshot "$WORK/a"
$BIN/bench_loadgen --url http://127.0.0.1:$HPORT/api/v1/app/bench/msg --method POST \
  --header "authorization: Bearer $TOKEN" \
  --body '{"eventType":"message.delivered","payload":{"to":"+15550100","status":"delivered","sent_ns":$NS}}' \
  --connections 32 --rate "$RATE" --seconds "$SECS" --json "$WORK/loadgen.json" --quiet > /dev/null
sleep 1  # the last deliveries and their outcomes
snapshot "$WORK/b"
/usr/bin/python3 - "$WORK" "$(getconf CLK_TCK)" <<'PY'
import collections, json, sys
work, hz = sys.argv[1], int(sys.argv[2])
lg = json.load(open(f"{work}/loadgen.json"))
n = lg["ok"]
def read(name):
    store, threads = {}, collections.defaultdict(lambda: [0, 0, 0])
    for line in open(f"{work}/{name}"):
        f = line.split()
        if f[0] == "M":
            store[f[1]] = float(f[2])
        else:
            for i in range(3):
                threads[f[1]][i] += int(f[2 + i])
    return store, threads
(sa, ta), (sb, tb) = read("a"), read("b")
lat = lg["latency_ms"]
print(f"{lg['rps']:.0f} messages/s, latency p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms")
print("per message: " + ", ".join(f"{k[len('hookd_store_'):-len('_total')]} {(sb[k] - sa[k]) / n:.2f}" for k in sorted(sa)))
total = 0.0
for name in sorted(tb):
    a, b = ta.get(name, [0, 0, 0]), tb[name]
    cpu = (b[0] - a[0]) * 1e6 / hz / n
    if not name.startswith("hookd-") or cpu == 0:
        continue
    total += cpu
    print(f"  {name:16} CPU {cpu:6.1f} µs, switches {(b[1] - a[1]) / n:.2f} voluntary, {(b[2] - a[2]) / n:.2f} involuntary")
print(f"  hookd in all     CPU {total:6.1f} µs per message")
PY
