// Crash safety of delivery: every message acknowledged with 202 is delivered at least once even
// when hookd is SIGKILLed while deliveries are flowing. After a restart on the same store the
// deliveries that were due or in flight are sent again (receivers dedupe by webhook-id).
import { test } from "node:test";
import assert from "node:assert/strict";

import { client, startServer } from "./lib/server.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

const N = 300;

test(`SIGKILL mid-delivery: all ${N} acknowledged messages arrive after a restart`, async (t) => {
  const rx = await startReceiver();
  // A slow receiver and 2 requests in flight per endpoint: about 80 deliveries/s, so the kill
  // below lands while most of the backlog is still queued or in flight.
  rx.on("/crash", { status: 200, delayMs: 25 });
  const server = await startServer({ delivery: true, 
    env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" },
    // A short lease: on PostgreSQL the killed run's claims block their deliveries until it ends.
    args: ["--retry-schedule", "0s,0s", "--endpoint-concurrency", "2", "--attempt-timeout-ms", "5000",
           "--claim-lease-seconds", "3"],
  });
  try {
    let api = client(server);
    const app = (await api.post("/api/v1/app", { name: "crash" })).json;
    const epRes = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/crash") });
    assert.equal(epRes.status, 201, epRes.text);
    const ep = epRes.json;

    const posted = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        api.post(`/api/v1/app/${app.id}/msg`, { eventType: "crash.test", payload: { i } })
      )
    );
    for (const r of posted) assert.equal(r.status, 202, r.text);
    const acked = new Set(posted.map((r) => r.json.id));
    assert.equal(acked.size, N);

    const received = () => new Set(rx.requestsTo("/crash").map((r) => r.headers["webhook-id"]));
    await rx.waitForCount("/crash", Math.floor(N / 3), { timeoutMs: 15_000 });
    await server.kill(); // SIGKILL
    const atKill = received().size;
    assert.ok(atKill < N, `deliveries were still flowing at the kill (${atKill}/${N} had arrived)`);

    await server.restart(); // same store, same token, new port
    api = client(server);

    await waitFor(
      () => {
        const got = received();
        return [...acked].every((id) => got.has(id));
      },
      {
        timeoutMs: 30_000,
        message: () => `${[...acked].filter((id) => !received().has(id)).length} acknowledged message(s) never arrived`,
      }
    );
    for (const id of received()) assert.ok(acked.has(id), `unexpected webhook-id ${id}`);

    // The store agrees: every delivery ends as success.
    const stats = await waitFor(
      async () => {
        const s = (await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/stats`)).json;
        return s.success === N ? s : null;
      },
      { timeoutMs: 10_000, message: "stats never reached all-success" }
    );
    assert.deepEqual(stats, { success: N, pending: 0, sending: 0, fail: 0, canceled: 0 });

    const succeeded = new Set();
    let failed = 0;
    let iterator = "";
    for (let page = 0; page < 20; page++) {
      const r = await api.get(`/api/v1/app/${app.id}/attempt/endpoint/${ep.id}?limit=250${iterator ? `&iterator=${encodeURIComponent(iterator)}` : ""}`);
      assert.equal(r.status, 200, r.text);
      for (const a of r.json.data) {
        if (a.status === 0) succeeded.add(a.msgId);
        else failed++;
      }
      if (r.json.done) break;
      iterator = r.json.iterator;
    }
    assert.equal(succeeded.size, N, "a successful attempt is recorded for every message");
    assert.equal(failed, 0, "no attempt failed");

    const duplicates = rx.count("/crash") - N;
    assert.ok(duplicates >= 0);
    // Informational: requests in flight at the kill are sent again after the restart.
    t.diagnostic(`crash: ${atKill}/${N} delivered before SIGKILL, ${duplicates} duplicate(s) after restart`);
  } finally {
    await rx.close();
    await server.stop();
  }
});
