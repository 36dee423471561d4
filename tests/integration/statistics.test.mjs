// Delivery statistics from the store's aggregates: GET .../stats/delivery (per bucket, per app or
// endpoint, with latency and failure reasons) and GET .../stats/endpoint-health, checked against
// what a real receiver answered.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { hookdApi, startDeliveryServer } from "./lib/delivery_api.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

let server, rx, h;

before(async () => {
  rx = await startReceiver();
  server = await startDeliveryServer({ flags: { "--retry-schedule": "0s" } });
  h = hookdApi(server);
});

after(async () => {
  await server?.stop();
  await rx?.close();
});

const stats = async (appId, query = "") => h.expect(await h.api.get(`/api/v1/app/${appId}/stats/delivery${query}`), 200, "stats");

test("attempts are counted per endpoint and per app, by result, latency and failure reason", async () => {
  const app = await h.newApp("stats");
  rx.on("/ok", { status: 200, delayMs: 40 });
  rx.on("/bad", 503);
  const ok = await h.newEndpoint(app.id, { url: rx.url("/ok") });
  const bad = await h.newEndpoint(app.id, { url: rx.url("/bad") });
  for (let i = 0; i < 3; i++) await h.send(app.id);
  // 3 messages × (1 success) + 3 × (2 failed attempts: one retry) = 9 attempts.
  const totals = await waitFor(
    async () => {
      const s = await stats(app.id);
      return s.total.succeeded + s.total.failed >= 9 ? s : null;
    },
    { message: "statistics never counted 9 attempts" }
  );
  assert.equal(totals.total.succeeded, 3);
  assert.equal(totals.total.failed, 6);
  assert.equal(totals.total.firstAttempts, 6, "each delivery's first attempt, once");
  assert.equal(totals.total.failures.http5xx, 6);
  assert.equal(totals.interval, 60);
  assert.ok(totals.data.length >= 1 && totals.data.every((b) => Date.parse(b.start) % 60_000 === 0));

  const good = await stats(app.id, `?endpoint_id=${ok.id}`);
  assert.equal(good.endpointId, ok.id);
  assert.deepEqual([good.total.succeeded, good.total.failed], [3, 0]);
  // The receiver waited 40 ms before each answer: the median is in the 30-50 ms bucket or above.
  assert.ok(good.total.latencyP50Ms >= 30 && good.total.latencyP50Ms < 200, `p50 ${good.total.latencyP50Ms}`);
  const failing = await stats(app.id, `?endpoint_id=${bad.id}&interval=3600`);
  assert.deepEqual([failing.total.succeeded, failing.total.failed], [0, 6]);
  assert.equal(failing.interval, 3600);

  // Health at a glance: the last hour and day, the last failure, nothing held.
  const health = h.expect(await h.api.get(`/api/v1/app/${app.id}/stats/endpoint-health`), 200, "health").data;
  const byId = Object.fromEntries(health.map((e) => [e.endpointId, e]));
  assert.deepEqual(Object.keys(byId).sort(), [ok.id, bad.id].sort());
  assert.equal(byId[ok.id].lastHour.succeeded, 3);
  assert.equal(byId[ok.id].lastFailureAt, null);
  assert.equal(byId[bad.id].lastDay.failed, 6);
  assert.ok(byId[bad.id].lastFailureAt, "a failing endpoint reports when it last failed");
  assert.equal(byId[bad.id].held, 0);
  const one = h.expect(await h.api.get(`/api/v1/app/${app.id}/stats/endpoint-health?endpoint_id=${bad.id}`), 200, "one").data;
  assert.deepEqual(
    one.map((e) => e.endpointId),
    [bad.id]
  );
});

test("another app's statistics stay its own", async () => {
  const a = await h.newApp("stats-a");
  const b = await h.newApp("stats-b");
  await h.newEndpoint(a.id, { url: rx.url("/ok-a") });
  const msg = await h.send(a.id);
  await waitFor(async () => (await stats(a.id)).total.succeeded === 1 || null, { message: `${msg.id} not counted` });
  const other = await stats(b.id);
  assert.deepEqual([other.total.succeeded, other.total.failed, other.data.length], [0, 0, 0]);
});

test("bad statistics queries get 422 with the parameter named", async () => {
  const app = await h.newApp("stats-bad");
  for (const [query, field] of [
    ["?interval=90", "interval"],
    ["?interval=30", "interval"],
    ["?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since"],
    ["?since=2020-01-01T00:00:00Z&interval=60", "interval"],
    ["?since=yesterday", "since"],
  ]) {
    const r = await h.api.get(`/api/v1/app/${app.id}/stats/delivery${query}`);
    assert.equal(r.status, 422, `${query}: ${r.text}`);
    assert.ok(JSON.stringify(r.json).includes(field), `${query}: ${r.text}`);
  }
  const missing = await h.api.get(`/api/v1/app/${app.id}/stats/delivery?endpoint_id=ep_missing`);
  assert.equal(missing.status, 404);
});
