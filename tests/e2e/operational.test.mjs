// Operational webhooks through the official svix SDK (operationalWebhook.endpoint), received by a
// real HTTP receiver and verified with standardwebhooks: endpoint lifecycle events, exhausted
// messages, the endpoint disabled by its failure rule and enabled again with what it held, and an
// event that outlives a kill -9 between the outcome that caused it and its delivery.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Svix } from "svix";
import { Webhook } from "standardwebhooks";
import { startHookd } from "./lib/hookd.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

// Every message exhausts after two attempts; one exhausted message disables its endpoint.
const ARGS = ["--retry-schedule", "0s", "--disable-after-exhausted", "1", "--claim-lease-seconds", "3"];

/** The events received at `path`, verified with `secret`, oldest first. */
function events(rx, path, secret) {
  const wh = new Webhook(secret);
  return rx.requestsTo(path).map((r) => ({ ...wh.verify(r.body, r.headers), id: r.headers["webhook-id"] }));
}
const ofType = (list, type) => list.filter((e) => e.type === type);

describe("operational webhooks (svix SDK)", () => {
  let hookd, svix, rx;
  before(async () => {
    rx = await startReceiver();
    hookd = await startHookd({ delivery: true, args: ARGS });
    svix = new Svix(hookd.token, { serverUrl: hookd.url });
  });
  after(async () => {
    await hookd?.stop();
    await rx?.close();
  });

  it("manages operational endpoints: create, list, get, upsert, secret, headers, delete", async () => {
    const ops = svix.operationalWebhook.endpoint;
    const created = await ops.create({ url: rx.url("/crud"), eventTypes: ["endpoint.created"], uid: "crud" });
    assert.match(created.id, /^ep_/);
    assert.deepEqual(created.eventTypes, ["endpoint.created"]);
    assert.ok((await ops.list()).data.some((e) => e.id === created.id));
    assert.equal((await ops.get("crud")).id, created.id);
    const updated = await ops.upsert(created.id, { url: rx.url("/crud2"), description: "changed" });
    assert.equal(updated.url, rx.url("/crud2"));
    assert.equal(updated.description, "changed");
    const inserted = await ops.upsert("made-by-put", { url: rx.url("/put") });
    assert.equal(inserted.uid, "made-by-put");
    const { key } = await ops.getSecret(created.id);
    assert.match(key, /^whsec_/);
    await ops.rotateSecret(created.id, {});
    assert.notEqual((await ops.getSecret(created.id)).key, key);
    await ops.setHeaders(created.id, { headers: { "x-team": "ops" } });
    assert.deepEqual((await ops.getHeaders(created.id)).headers, { "x-team": "ops" });
    await ops.delete(created.id);
    await ops.delete(inserted.id);
    assert.ok(!(await ops.list()).data.some((e) => e.id === created.id));

    // Admin only: an app token cannot see them.
    const app = await svix.application.create({ name: "tenant" });
    const appToken = await hookd.createToken({ app: app.id });
    await assert.rejects(new Svix(appToken, { serverUrl: hookd.url }).operationalWebhook.endpoint.list(), (e) => e.code === 403);
    // The operations app is not a tenant app.
    assert.ok(!(await svix.application.list({ limit: 250 })).data.some((a) => a.id === "app_operational"));
  });

  it("reports the endpoint lifecycle, exhausted messages and disabling, then releases what was held", async () => {
    const opsEp = await svix.operationalWebhook.endpoint.create({ url: rx.url("/ops") });
    const { key: opsSecret } = await svix.operationalWebhook.endpoint.getSecret(opsEp.id);
    const app = await svix.application.create({ name: "acme", uid: "acme" });
    rx.on("/fail", 500);
    const ep = await svix.endpoint.create(app.id, { url: rx.url("/fail"), uid: "main" });

    const msg = await svix.message.create(app.id, { eventType: "order.paid", payload: { n: 1 } });
    // The events of one outcome are delivered concurrently: their order of arrival is not given.
    await waitFor(
      () => ["endpoint.disabled", "message.attempt.exhausted"].every((t) => ofType(events(rx, "/ops", opsSecret), t).length === 1),
      { message: () => JSON.stringify(events(rx, "/ops", opsSecret).map((e) => e.type)) },
    );
    const got = events(rx, "/ops", opsSecret);
    const created = ofType(got, "endpoint.created");
    assert.equal(created.length, 1);
    assert.deepEqual(created[0].data, { appId: app.id, appUid: "acme", endpointId: ep.id, endpointUid: "main" });
    const [exhausted] = ofType(got, "message.attempt.exhausted");
    assert.equal(exhausted.data.msgId, msg.id);
    assert.equal(exhausted.data.endpointId, ep.id);
    assert.equal(exhausted.data.lastAttempt.responseStatusCode, 500);
    const [disabled] = ofType(got, "endpoint.disabled");
    assert.equal(disabled.data.trigger, "automatic");
    assert.equal(disabled.data.endpointId, ep.id);
    assert.ok(!Number.isNaN(Date.parse(disabled.data.failSince)));
    assert.equal((await svix.endpoint.get(app.id, ep.id)).disabled, true);

    // Disabled: new messages are held, not sent and not lost.
    const sentBefore = rx.requestsTo("/fail").length;
    const held = [];
    for (let i = 0; i < 20; i++) held.push((await svix.message.create(app.id, { eventType: "order.paid", payload: { i } })).id);
    const dest = await svix.messageAttempt.listAttemptedDestinations(app.id, held[0]);
    assert.equal(dest.data[0].status, 1); // pending
    assert.equal(rx.requestsTo("/fail").length, sentBefore);

    // Enabled again: everything held arrives, in order, and the change is reported.
    rx.on("/fail", 200);
    await svix.endpoint.patch(app.id, ep.id, { disabled: false });
    await waitFor(() => held.every((id) => rx.requestsTo("/fail").some((r) => r.headers["webhook-id"] === id)), {
      message: "held messages never arrived",
    });
    const order = rx.requestsTo("/fail").slice(sentBefore).map((r) => r.headers["webhook-id"]);
    assert.deepEqual(order, held);
    await waitFor(() => ofType(events(rx, "/ops", opsSecret), "endpoint.enabled").length === 1);
    assert.ok(ofType(events(rx, "/ops", opsSecret), "endpoint.updated").length >= 1);
    await svix.operationalWebhook.endpoint.delete(opsEp.id);
  });

  it("runs replay-missing and recover as background tasks the SDK can follow", async () => {
    const opsEp = await svix.operationalWebhook.endpoint.create({
      url: rx.url("/ops-tasks"),
      eventTypes: ["background_task.finished"],
    });
    const { key: opsSecret } = await svix.operationalWebhook.endpoint.getSecret(opsEp.id);
    const app = await svix.application.create({ name: "tasks" });
    const since = new Date(Date.now() - 1000);
    const early = await svix.message.create(app.id, { eventType: "order.paid", payload: {} });
    const ep = await svix.endpoint.create(app.id, { url: rx.url("/tasks") });
    const started = await svix.endpoint.replayMissing(app.id, ep.id, { since });
    assert.equal(started.task, "endpoint.replay");
    await waitFor(async () => (await svix.backgroundTask.get(started.id)).status === "finished");
    await rx.waitForCount("/tasks", 1);
    assert.equal(rx.requestsTo("/tasks")[0].headers["webhook-id"], early.id);
    const recovered = await svix.endpoint.recover(app.id, ep.id, { since });
    assert.equal(recovered.task, "endpoint.recover");
    const listed = await svix.backgroundTask.list({ task: "endpoint.recover" });
    assert.ok(listed.data.some((x) => x.id === recovered.id));
    await waitFor(() => events(rx, "/ops-tasks", opsSecret).length === 2);
    const [finished] = events(rx, "/ops-tasks", opsSecret);
    assert.deepEqual(finished.data, { taskId: started.id, status: "finished", task: "endpoint.replay", data: { messagesSent: 1 } });
    await svix.operationalWebhook.endpoint.delete(opsEp.id);
  });

  it("delivers an event stored with its outcome even when hookd is killed before sending it", async () => {
    rx.on("/ops-hang", "hang");
    const opsEp = await svix.operationalWebhook.endpoint.create({
      url: rx.url("/ops-hang"),
      eventTypes: ["message.attempt.exhausted"],
    });
    const { key: opsSecret } = await svix.operationalWebhook.endpoint.getSecret(opsEp.id);
    const app = await svix.application.create({ name: "crash" });
    rx.on("/down", 503);
    await svix.endpoint.create(app.id, { url: rx.url("/down") });
    const msg = await svix.message.create(app.id, { eventType: "order.paid", payload: {} });

    // The exhausted event's delivery is under way (the receiver holds it) when hookd dies.
    await rx.waitForCount("/ops-hang", 1, { timeoutMs: 10_000 });
    await hookd.kill();
    rx.on("/ops-hang", 200);
    await hookd.restart();
    svix = new Svix(hookd.token, { serverUrl: hookd.url });

    await waitFor(() => rx.requestsTo("/ops-hang").length >= 2, { timeoutMs: 20_000, message: "the event was not sent again" });
    const [first, again] = events(rx, "/ops-hang", opsSecret);
    assert.equal(again.id, first.id); // the same event (receivers dedupe by webhook-id)
    assert.equal(again.type, "message.attempt.exhausted");
    assert.equal(again.data.msgId, msg.id);
  });
});
