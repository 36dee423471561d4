#!/usr/bin/env bash
# The dashboard's API calls against a store of 10,000 messages x 10 endpoints = 100,000
# attempts (issue: a page answers in under 200 ms): each call's best of 5, in ms.
#   bench/dashboard_pages.sh   (BIN=build dir; ports 19700-19701)
set -e
cd "$(dirname "$0")/.."
B=${BIN:-build/release}; W=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W"' EXIT
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
$B/bench_receiver --port 19701 --secret $SECRET > $W/recv.log 2>&1 & RP=$!
HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 HOOKD_LOG_LEVEL=warn $B/hookd serve --listen 127.0.0.1:19700 --store sqlite://$W/h.db --admin-token bench > $W/h.log 2>&1 & HP=$!
for _ in $(seq 200); do curl -sf http://127.0.0.1:19700/api/v1/health > /dev/null && curl -sf http://127.0.0.1:19701/__stats > /dev/null && break; sleep 0.05; done
api() { curl -sf -H "authorization: Bearer bench" -H "content-type: application/json" "$@"; }
api -X POST http://127.0.0.1:19700/api/v1/app -d '{"name":"big","uid":"big"}' >/dev/null
for i in $(seq 10); do api -X POST http://127.0.0.1:19700/api/v1/app/big/endpoint -d "{\"uid\":\"ep$i\",\"url\":\"http://127.0.0.1:19701/ep/$i\",\"secret\":\"$SECRET\"}" >/dev/null; done
$B/bench_loadgen --url http://127.0.0.1:19700/api/v1/app/big/msg --method POST --header "authorization: Bearer bench" --body '{"eventType":"order.created","payload":{"n":"$NS"}}' --connections 32 --max-requests 10000 --seconds 600 --quiet > /dev/null
for i in $(seq 120); do n=$(curl -sf http://127.0.0.1:19701/__stats | python3 -c "import json,sys; print(json.load(sys.stdin)['requests'])"); [ "$n" -ge 100000 ] && break; sleep 1; done
sleep 2
echo "receiver requests: $n"
MSG=$(api "http://127.0.0.1:19700/api/v1/app/big/msg?limit=1" | python3 -c "import json,sys; print(json.load(sys.stdin)['data'][0]['id'])")
t() { local name=$1 url=$2; local best=999; for k in 1 2 3 4 5; do x=$(curl -sf -o /dev/null -w "%{time_total}" -H "authorization: Bearer bench" "$url"); best=$(python3 -c "print(min($best, $x))"); done; printf "%-40s %6.1f ms (best of 5)\n" "$name" "$(python3 -c "print($best*1000)")"; }
U=http://127.0.0.1:19700/api/v1/app/big
t "messages, first page (50)" "$U/msg?limit=50"
t "messages by event type (50)" "$U/msg?limit=50&event_types=order.created"
t "an endpoint's attempts (50)" "$U/attempt/endpoint/ep5?limit=50"
t "a message's attempts" "$U/attempt/msg/$MSG?limit=50"
t "a message's destinations" "$U/msg/$MSG/endpoint?limit=50"
t "endpoints (50)" "$U/endpoint?limit=50"
t "messages by channel (none match)" "$U/msg?limit=50&channel=eu"
t "messages by tag (none match)" "$U/msg?limit=50&tag=vip"
t "an endpoint's messages (50)" "$U/endpoint/ep5/msg?limit=50"
t "endpoint stats" "$U/endpoint/ep5/stats"
t "app statistics, last hour (per minute)" "$U/stats/delivery"
t "endpoint statistics, last week (per hour)" "$U/stats/delivery?endpoint_id=ep5&since=$(date -u -d '-7 days' +%FT%TZ)"
t "endpoints' health (10)" "$U/stats/endpoint-health"
t "the page itself (/ui/)" "http://127.0.0.1:19700/ui/"
ls -la $W/h.db | awk '{print "db bytes", $5}'

