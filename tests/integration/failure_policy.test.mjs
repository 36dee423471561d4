// Failure policy end to end over real HTTP: rules set on apps and endpoints (validated, shown),
// 410 Gone disabling at once unless switched off, and a disabled endpoint that holds 10,000
// messages and sends every one of them once it is enabled again.
import { test } from "node:test";
import assert from "node:assert/strict";

import { client, startServer } from "./lib/server.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

async function start(t, args = []) {
  const rx = await startReceiver();
  const server = await startServer({ delivery: true, env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" }, args });
  t.after(async () => {
    await server.stop();
    await rx.close();
  });
  return { rx, server, api: client(server) };
}

test("failure rules are set per app and endpoint, validated and shown", async (t) => {
  const { rx, api } = await start(t);
  const app = await api.post("/api/v1/app", { name: "p", failurePolicy: { disableAfterExhausted: 3 } });
  assert.equal(app.status, 201, app.text);
  assert.deepEqual(app.json.failurePolicy, {
    disableAfterExhausted: 3,
    disableAfterFailingSeconds: null,
    disableOnGone: null,
    autoRecoverSeconds: null,
  });

  const bad = await api.post(`/api/v1/app/${app.json.id}/endpoint`, {
    url: rx.url("/x"),
    failurePolicy: { disableAfterExhausted: -1, disableOnGone: "yes" },
  });
  assert.equal(bad.status, 422, bad.text);
  const fields = bad.json.detail.map((d) => d.loc.join("."));
  assert.ok(fields.includes("body.failurePolicy.disableAfterExhausted"), fields.join());
  assert.ok(fields.includes("body.failurePolicy.disableOnGone"), fields.join());

  const ep = await api.post(`/api/v1/app/${app.json.id}/endpoint`, {
    url: rx.url("/x"),
    failurePolicy: { disableAfterFailingSeconds: 0 },
  });
  assert.equal(ep.status, 201, ep.text);
  assert.equal(ep.json.failurePolicy.disableAfterFailingSeconds, 0);
  const patched = await api.patch(`/api/v1/app/${app.json.id}/endpoint/${ep.json.id}`, { description: "d" });
  assert.equal(patched.json.failurePolicy.disableAfterFailingSeconds, 0); // PATCH keeps it
  const cleared = await api.patch(`/api/v1/app/${app.json.id}/endpoint/${ep.json.id}`, { failurePolicy: null });
  assert.equal(cleared.json.failurePolicy.disableAfterFailingSeconds, null);
});

test("410 Gone disables an endpoint at once, unless its rule is switched off", async (t) => {
  const { rx, api } = await start(t, ["--retry-schedule", "1s,1s"]);
  rx.on("/gone", 410);
  rx.on("/gone-kept", 410);
  const app = (await api.post("/api/v1/app", { name: "gone" })).json;
  const gone = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/gone") })).json;
  const kept = (
    await api.post(`/api/v1/app/${app.id}/endpoint`, {
      url: rx.url("/gone-kept"),
      failurePolicy: { disableOnGone: false },
    })
  ).json;
  await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "a.b", payload: {} });
  await waitFor(async () => (await api.get(`/api/v1/app/${app.id}/endpoint/${gone.id}`)).json.disabled);
  await rx.waitForCount("/gone-kept", 3, { timeoutMs: 10_000 }); // retried: not disabled
  assert.equal((await api.get(`/api/v1/app/${app.id}/endpoint/${kept.id}`)).json.disabled, false);
  assert.equal(rx.requestsTo("/gone").length, 1);
});

const HELD = 10_000;

test(`a disabled endpoint holds ${HELD} messages and sends them all once enabled`, async (t) => {
  const { rx, api } = await start(t);
  const app = (await api.post("/api/v1/app", { name: "held" })).json;
  const ep = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/held"), disabled: true })).json;

  const ids = [];
  for (let i = 0; i < HELD; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: 100 }, (_, j) => api.post(`/api/v1/app/${app.id}/msg`, { eventType: "a.b", payload: { i: i + j } }))
    );
    for (const r of batch) {
      assert.equal(r.status, 202, r.text);
      ids.push(r.json.id);
    }
  }
  const stats = (await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/stats`)).json;
  assert.equal(stats.pending, HELD);
  assert.equal(rx.requestsTo("/held").length, 0);

  const enabled = await api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { disabled: false });
  assert.equal(enabled.status, 200, enabled.text);
  const got = () => new Set(rx.requestsTo("/held").map((r) => r.headers["webhook-id"]));
  await waitFor(() => got().size >= HELD, {
    timeoutMs: 120_000,
    intervalMs: 200,
    message: () => `${got().size}/${HELD} arrived`,
  });
  assert.deepEqual(got(), new Set(ids));
  await waitFor(async () => (await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/stats`)).json.success === HELD, {
    timeoutMs: 30_000,
  });
});

test("autoRecover probes a disabled endpoint, doubles the cool-down on failure, and enables it on success", async (t) => {
  const { rx, api } = await start(t);
  rx.on("/flaky", 500);
  const app = (await api.post("/api/v1/app", { name: "recover" })).json;
  const ep = (
    await api.post(`/api/v1/app/${app.id}/endpoint`, {
      url: rx.url("/flaky"),
      retrySchedule: [],
      failurePolicy: { disableAfterExhausted: 1, autoRecoverSeconds: 1 },
    })
  ).json;
  assert.equal(ep.failurePolicy.autoRecoverSeconds, 1);
  await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "a.b", payload: { n: 0 } });
  await waitFor(async () => (await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}`)).json.disabled);
  const held = [];
  for (let i = 1; i <= 5; i++) held.push((await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "a.b", payload: { n: i } })).json.id);

  // The first probe (the oldest held message) fails: still disabled, the rest still held.
  const [, probe] = await rx.waitForCount("/flaky", 2, { timeoutMs: 10_000 });
  assert.equal(probe.headers["webhook-id"], held[0]);
  rx.on("/flaky", 200);
  assert.equal((await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}`)).json.disabled, true);

  // The next probe, after twice the cool-down, succeeds: enabled, and everything held arrives.
  await waitFor(async () => !(await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}`)).json.disabled, {
    timeoutMs: 15_000,
    message: "never recovered",
  });
  const got = () => new Set(rx.requestsTo("/flaky").map((r) => r.headers["webhook-id"]));
  await waitFor(() => held.every((id) => got().has(id)), { timeoutMs: 10_000, message: "held messages missing" });
  const attempts = (await api.get(`/api/v1/app/${app.id}/attempt/msg/${held[0]}`)).json.data;
  assert.equal(attempts.length, 2); // the failed probe and the successful one
  assert.ok(attempts.every((a) => a.triggerType === 0));
});
