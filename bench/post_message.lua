-- wrk script: creates messages. Usage: wrk -s post_message.lua URL/api/v1/app/APP/msg
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("HOOKD_TOKEN") or "bench")
wrk.body = '{"eventType":"message.delivered","payload":{"to":"+15550100","status":"delivered","ref":"bench"}}'

local bad = 0
function response(status, headers, body)
  if status ~= 202 then bad = bad + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("non-202 responses: %d\n", bad))
end
