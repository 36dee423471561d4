// Crash loop: hookd is SIGKILLed again and again while producers post messages and deliveries
// flow, and restarted on the same store each time. Every message acknowledged with 202 arrives;
// duplicates (a delivery sent but not yet recorded when the process died) are counted and bounded
// by what can be in flight at a kill. HOOKD_CRASH_CYCLES sets the cycles (`make soak`: 100).
import assert from "node:assert/strict";
import { test } from "node:test";

import { client, startServer } from "./lib/server.mjs";
import { sleep, startReceiver } from "./lib/receiver.mjs";

const CYCLES = Number(process.env.HOOKD_CRASH_CYCLES || 10);
const CONCURRENCY = 4; // requests in flight to the endpoint

test(`${CYCLES} SIGKILL cycles under load: no acknowledged message lost, duplicates bounded`, async () => {
  const rx = await startReceiver();
  rx.on("/loop", { status: 200, delayMs: 5 });
  const server = await startServer({
    delivery: true,
    env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" },
    // A short lease: on PostgreSQL a killed run's claims hold their deliveries until it ends.
    args: ["--retry-schedule", "0s,0s,1s,1s,1s", "--endpoint-concurrency", String(CONCURRENCY),
           "--claim-lease-seconds", "3"],
  });
  const acked = new Set();
  let unacked = 0; // requests cut off by a kill: stored or not, either is allowed
  try {
    let api = client(server);
    const app = (await api.post("/api/v1/app", { name: "crash-loop" })).json;
    assert.equal((await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/loop") })).status, 201);

    for (let cycle = 0; cycle < CYCLES; ++cycle) {
      let killing = false;
      const producer = async () => {
        for (let i = 0; !killing; ++i) {
          try {
            const r = await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "loop", payload: { cycle, i } });
            if (r.status === 202) acked.add(r.json.id);
            else throw new Error(`HTTP ${r.status} ${r.text}`);
          } catch (err) {
            if (!killing) throw err;
            ++unacked;
          }
        }
      };
      const producers = Array.from({ length: 4 }, producer);
      await sleep(300 + Math.floor(Math.random() * 400));
      killing = true; // the producers' requests under way now are cut off
      await server.kill(); // SIGKILL, with requests and deliveries under way
      await Promise.all(producers);
      await server.restart();
      api = client(server);
    }

    const ids = () => rx.requestsTo("/loop").map((r) => r.headers["webhook-id"]);
    // What the store says about a few acknowledged messages that have not arrived.
    const diagnose = async () => {
      const got = new Set(ids());
      const missing = [...acked].filter((id) => !got.has(id)).slice(0, 3);
      const rows = [];
      for (const id of missing) {
        const m = await api.get(`/api/v1/app/${app.id}/msg/${id}`);
        const d = await api.get(`/api/v1/app/${app.id}/msg/${id}/endpoint`);
        rows.push(`${id}: message ${m.status}, destinations ${d.text}`);
      }
      return rows.join("\n");
    };
    // The backlog left by the last cycle drains at the receiver's pace: fail only when nothing
    // arrives for 30 s while acknowledged messages are missing.
    for (let last = -1, still = Date.now(); ; await sleep(250)) {
      const got = new Set(ids());
      const missing = [...acked].filter((id) => !got.has(id)).length;
      if (missing === 0) break;
      if (got.size !== last) [last, still] = [got.size, Date.now()];
      if (Date.now() - still > 30_000) {
        throw new Error(`${missing} of ${acked.size} acknowledged message(s) never arrived (none for 30 s)\n${await diagnose()}`);
      }
    }
    await sleep(500); // late retries would show as duplicates too
    const all = ids();
    const unique = new Set(all).size;
    const duplicates = all.length - unique;
    console.log(
      `${CYCLES} cycles: ${acked.size} acknowledged, all arrived; ${unique - acked.size} unacknowledged ` +
        `but stored (of ${unacked} cut off); ${duplicates} duplicate deliveries`
    );
    assert.ok(unique - acked.size <= unacked, "only messages whose answer was cut off arrive unacknowledged");
    // At a kill, up to CONCURRENCY requests are under way and as many answered ones may wait for
    // their outcome's commit: each can be sent again.
    assert.ok(duplicates <= CYCLES * 2 * CONCURRENCY, `${duplicates} duplicates in ${CYCLES} cycles`);
  } finally {
    await server.stop();
    await rx.close();
  }
});
