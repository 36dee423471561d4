// One tenant cannot stall delivery for the others: an app whose ten endpoints hang (60 s
// timeouts) with 1,040 messages queued holds only its share of the window and of the requests in
// flight, while another app's messages go out at once. And one attempt cannot hold a request
// slot for longer than four attempt timeouts, however many failover URLs and tries it has.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { STATUS, hookdApi, startDeliveryServer } from "./lib/delivery_api.mjs";
import { startReceiver, sleep } from "./lib/receiver.mjs";

describe("fairness between tenants", () => {
  let rx;
  let server;
  let h;
  before(async () => {
    rx = await startReceiver();
    server = await startDeliveryServer({ flags: { "--attempt-timeout-ms": "60000" } });
    h = hookdApi(server);
  });
  after(async () => {
    await server?.stop();
    await rx?.close();
  });

  test("a victim's messages are delivered promptly while another app's endpoints hang", async () => {
    const attacker = await h.newApp("attacker");
    for (let i = 0; i < 10; ++i) {
      rx.on(`/hang/${i}`, "hang");
      await h.newEndpoint(attacker.id, { url: rx.url(`/hang/${i}`) });
    }
    for (let i = 0; i < 1040; i += 80) {
      await Promise.all(Array.from({ length: 80 }, (_, k) => h.send(attacker.id, { payload: { n: i + k } })));
    }
    // The attack is under way: the hanging endpoints have their requests open.
    await rx.waitFor((reqs) => reqs.filter((r) => r.path.startsWith("/hang/")).length >= 300, { timeoutMs: 10_000 });

    const victim = await h.newApp("victim");
    rx.on("/victim", 200);
    const ep = await h.newEndpoint(victim.id, { url: rx.url("/victim") });
    const latencies = [];
    for (let i = 0; i < 20; ++i) {
      const sent = Date.now();
      const msg = await h.send(victim.id, { payload: { i } });
      const req = await rx.waitFor((reqs) => reqs.find((r) => r.path === "/victim" && r.headers["webhook-id"] === msg.id), {
        timeoutMs: 10_000,
      });
      latencies.push(req.at - sent);
      assert.equal((await h.settled(victim.id, msg.id, ep.id)).status, STATUS.SUCCESS);
      await sleep(20);
    }
    latencies.sort((a, b) => a - b);
    console.log(`victim latency while the attack runs: p50 ${latencies[10]} ms, max ${latencies[19]} ms`);
    assert.ok(latencies[19] < 1000, `slowest victim delivery took ${latencies[19]} ms`);
  });
});

test("one attempt over failover URLs holds its slot at most four attempt timeouts", async () => {
  const rx = await startReceiver();
  const server = await startDeliveryServer({ flags: { "--attempt-timeout-ms": "500" } });
  try {
    const h = hookdApi(server);
    const app = await h.newApp("failover");
    const urls = Array.from({ length: 10 }, (_, i) => rx.url(`/slow/${i}`));
    for (let i = 0; i < 10; ++i) rx.on(`/slow/${i}`, "hang");
    const ep = await h.newEndpoint(app.id, { url: urls[0], urls, retriesPerUrl: 2, retrySchedule: [] });
    const msg = await h.send(app.id);
    const started = Date.now();
    assert.equal((await h.settled(app.id, msg.id, ep.id, { timeoutMs: 15_000 })).status, STATUS.FAIL);
    const took = Date.now() - started;
    // 20 tries of 500 ms would take 10 s; the attempt ends after 2 s.
    assert.ok(took < 4000, `the attempt held its slot ${took} ms`);
    const tries = await h.attempts(app.id, msg.id);
    assert.ok(tries.length >= 3 && tries.length <= 5, `${tries.length} tries: ${JSON.stringify(tries.map((t) => [t.url, t.responseDurationMs, t.errorDetail]))}`);
  } finally {
    await server.stop();
    await rx.close();
  }
});
