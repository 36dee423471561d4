// Message completion and batches end to end: message.completed once per message, a batch of
// 1,000 messages to three endpoints with mixed outcomes (succeeded, exhausted, killed) that
// completes exactly once with counts and a member list matching each message's history, the
// same with a kill -9 while the last outcomes land, and per-message / per-batch callbacks.
import { test } from "node:test";
import assert from "node:assert/strict";

import { client, startServer } from "./lib/server.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

const ARGS = ["--retry-schedule", "1s"];

async function start(t, args = ARGS) {
  const rx = await startReceiver();
  const server = await startServer({ delivery: true, env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" }, args });
  t.after(async () => {
    await server.stop();
    await rx.close();
  });
  const api = client(server);
  // The operator listens for completions.
  const ops = await api.post("/api/v1/operational-webhook/endpoint", {
    url: rx.url("/ops"),
    filterTypes: ["message.completed", "batch.completed"],
  });
  assert.equal(ops.status, 201, ops.text);
  return { rx, server, api };
}

/** Operational events received, by type: one per webhook-id (deliveries are at least once). */
function events(rx, type) {
  const byId = new Map();
  for (const r of rx.requestsTo("/ops")) {
    const body = JSON.parse(r.body);
    if (body.type === type) byId.set(r.headers["webhook-id"], body.data);
  }
  return [...byId.values()];
}

async function postAll(api, appId, bodies, width = 50) {
  const ids = [];
  for (let i = 0; i < bodies.length; i += width) {
    const rs = await Promise.all(bodies.slice(i, i + width).map((b) => api.post(`/api/v1/app/${appId}/msg`, b)));
    for (const r of rs) {
      assert.equal(r.status, 202, r.text);
      ids.push(r.json.id);
    }
  }
  return ids;
}

async function allMembers(api, appId, batchId) {
  const members = [];
  let iterator = null;
  for (;;) {
    const q = `include_members=true&limit=250${iterator ? `&iterator=${iterator}` : ""}`;
    const r = await api.get(`/api/v1/app/${appId}/batch/${batchId}?${q}`);
    assert.equal(r.status, 200, r.text);
    members.push(...r.json.members.data);
    if (r.json.members.done) return { batch: r.json, members };
    iterator = r.json.members.iterator;
  }
}

test("message.completed fires once per message, with every destination's outcome", async (t) => {
  const { rx, api } = await start(t);
  rx.on("/fail", 500);
  const app = (await api.post("/api/v1/app", { name: "done" })).json;
  const ok = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/ok") })).json;
  const bad = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/fail"), retrySchedule: [] })).json;
  const [id] = await postAll(api, app.id, [{ eventType: "a.b", eventId: "evt-1", payload: { n: 1 } }]);
  await waitFor(() => events(rx, "message.completed").length === 1);
  const done = events(rx, "message.completed")[0];
  assert.equal(done.msgId, id);
  assert.equal(done.msgEventId, "evt-1");
  assert.equal(done.status, "failed");
  const byEndpoint = Object.fromEntries(done.destinations.map((d) => [d.endpointId, d]));
  assert.deepEqual(byEndpoint[ok.id], { endpointId: ok.id, status: "succeeded", attempts: 1, responseStatusCode: 200 });
  assert.deepEqual(byEndpoint[bad.id], { endpointId: bad.id, status: "failed", attempts: 1, responseStatusCode: 500 });
  const record = await api.get(`/api/v1/app/${app.id}/msg/${id}/completion`);
  assert.equal(record.status, 200, record.text);
  assert.equal(record.json.status, "failed");
  // A resend after completion does not complete it again.
  await api.post(`/api/v1/app/${app.id}/msg/${id}/endpoint/${ok.id}/resend`, {});
  await rx.waitForCount("/ok", 2);
  const [extra] = await postAll(api, app.id, [{ eventType: "a.b", payload: {} }]);
  await waitFor(() => events(rx, "message.completed").some((e) => e.msgId === extra));
  assert.equal(events(rx, "message.completed").filter((e) => e.msgId === id).length, 1);
});

test("a message's own completion callback gets the report; its URL takes the message's variables", async (t) => {
  const { rx, api } = await start(t);
  const app = (await api.post("/api/v1/app", { name: "cb" })).json;
  await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/dest") });
  const bad = await api.post(`/api/v1/app/${app.id}/msg`, {
    eventType: "a.b",
    payload: {},
    completionCallback: { url: rx.url("/done/{{nothing.here}}") },
  });
  assert.equal(bad.status, 422, bad.text);
  const r = await api.post(`/api/v1/app/${app.id}/msg`, {
    eventType: "a.b",
    payload: { member: { id: "m-7" } },
    batchId: "camp-1",
    completionCallback: { url: rx.url("/done/{{batchId}}/{{member.id}}"), method: "GET" },
  });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.batchId, "camp-1");
  const [call] = await rx.waitForCount("/done/camp-1/m-7", 1);
  assert.equal(call.method, "GET");
  assert.ok(call.headers["webhook-signature"] === undefined || call.headers["webhook-id"]);
});

const N = 1000;

// Message i: t.kill every 10th (also to a disabled endpoint, whose held delivery is killed),
// t.bad two in 10 (also to an endpoint answering 500: exhausted), t.ok the rest.
function kindOf(i) {
  return i % 10 === 0 ? "t.kill" : i % 10 <= 2 ? "t.bad" : "t.ok";
}
const EXPECTED = { "t.ok": "succeeded", "t.bad": "failed", "t.kill": "killed" };

async function mixedBatch(api, rx, appName) {
  rx.on("/bad", 500);
  const app = (await api.post("/api/v1/app", { name: appName })).json;
  for (const name of Object.keys(EXPECTED)) await api.post("/api/v1/event-type", { name, description: name });
  const eps = {
    ok: (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/ok") })).json,
    bad: (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/bad"), filterTypes: ["t.bad"] })).json,
    held: (
      await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/held"), filterTypes: ["t.kill"], disabled: true })
    ).json,
  };
  const created = await api.post(`/api/v1/app/${app.id}/batch`, {
    batchId: "b-1",
    callback: { url: rx.url("/batch/{{batchId}}") },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.status, "open");
  const bodies = Array.from({ length: N }, (_, i) => ({ eventType: kindOf(i), payload: { i }, batchId: "b-1" }));
  const ids = await postAll(api, app.id, bodies);
  return { app, eps, ids };
}

async function killAndClose(api, appId, ids) {
  for (let i = 0; i < N; i += 10) {
    const r = await api.post(`/api/v1/app/${appId}/msg/${ids[i]}/kill`, {});
    assert.equal(r.status, 200, r.text);
  }
  const closed = await api.post(`/api/v1/app/${appId}/batch/b-1/close`, {});
  assert.equal(closed.status, 200, closed.text);
  assert.equal(closed.json.expectedMessages, N);
}

async function checkCompleted(api, rx, app, eps, ids) {
  await waitFor(() => events(rx, "batch.completed").length > 0, { timeoutMs: 60_000 });
  const [done, ...more] = events(rx, "batch.completed");
  assert.equal(more.length, 0, "batch.completed is sent once");
  const counts = { succeeded: 700, failed: 200, killed: 100 };
  assert.deepEqual({ succeeded: done.succeeded, failed: done.failed, killed: done.killed }, counts);
  assert.equal(done.batchId, "b-1");
  assert.equal(done.messages, N);
  const callback = await rx.waitForCount("/batch/b-1", 1);
  assert.equal(JSON.parse(callback[0].body).data.batchId, "b-1");

  const { batch, members } = await allMembers(api, app.id, "b-1");
  assert.equal(batch.status, "completed");
  assert.deepEqual(
    { messages: batch.messages, pending: batch.pending, succeeded: batch.succeeded, failed: batch.failed, killed: batch.killed },
    { messages: N, pending: 0, ...counts }
  );
  assert.deepEqual(members.map((m) => m.msgId).sort(), [...ids].sort());
  const index = new Map(ids.map((id, i) => [id, i]));
  for (const m of members) {
    const kind = kindOf(index.get(m.msgId));
    assert.equal(m.status, EXPECTED[kind], `member ${m.msgId} (${kind})`);
    const dest = Object.fromEntries(m.destinations.map((d) => [d.endpointId, d.status]));
    assert.equal(dest[eps.ok.id] === "succeeded" || dest[eps.ok.id] === "killed", true);
    if (kind === "t.bad") assert.equal(dest[eps.bad.id], "failed");
    if (kind === "t.kill") assert.equal(dest[eps.held.id], "killed");
  }
  // Each member's destinations are the message's history.
  for (const id of ids.filter((_, i) => i % 37 === 0)) {
    const member = members.find((m) => m.msgId === id);
    const history = await api.get(`/api/v1/app/${app.id}/attempt/msg/${id}?limit=250`);
    for (const d of member.destinations) {
      const attempts = history.json.data.filter((a) => a.endpointId === d.endpointId);
      assert.equal(attempts.length, d.attempts, `${id} → ${d.endpointId}`);
      if (attempts.length) assert.equal(attempts[0].responseStatusCode, d.responseStatusCode);
    }
  }
  // Completion reports: once per message.
  const completed = events(rx, "message.completed").map((e) => e.msgId);
  assert.equal(new Set(completed).size, completed.length, "message.completed is sent once per message");
  assert.deepEqual(new Set(completed), new Set(ids));
  // A complete batch takes no more members.
  const late = await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "t.ok", payload: {}, batchId: "b-1" });
  assert.equal(late.status, 409, late.text);
}

test(`a batch of ${N} messages with mixed outcomes completes once, with its counts and members`, async (t) => {
  const { rx, api } = await start(t);
  const { app, eps, ids } = await mixedBatch(api, rx, "batch");
  const open = await api.get(`/api/v1/app/${app.id}/batch/b-1`);
  assert.equal(open.json.messages, N);
  await killAndClose(api, app.id, ids);
  await checkCompleted(api, rx, app, eps, ids);
  const list = await api.get(`/api/v1/app/${app.id}/batch`);
  assert.deepEqual(list.json.data.map((b) => b.id), ["b-1"]);
});

test("kill -9 while the batch's last outcomes land: it still completes exactly once", async (t) => {
  const { rx, server, api } = await start(t);
  rx.on("/ok", { status: 200, delayMs: 30 });
  const { app, eps, ids } = await mixedBatch(api, rx, "crash");
  await killAndClose(api, app.id, ids);
  await waitFor(() => rx.requestsTo("/ok").length > N / 2, { timeoutMs: 30_000 });
  await server.kill();
  await server.restart();
  await checkCompleted(api, rx, app, eps, ids);
});

test("replies: JSON and form replies are stored and emitted; malformed and oversized ones are recorded, and the delivery still succeeds", async (t) => {
  const { rx, api } = await start(t);
  await api.post("/api/v1/operational-webhook/endpoint", { url: rx.url("/replies"), filterTypes: ["message.reply"] });
  const json = { Source: "447700900001", Destination: "447700900000", Message: "Thanks, see you at 3" };
  rx.on("/r/json", { status: 200, body: JSON.stringify(json), headers: { "content-type": "application/json" } });
  rx.on("/r/form", { status: 200, body: "Message=Call+me+back&Destination=447700900000" });
  rx.on("/r/bad", { status: 200, body: "{\"Message\": " });
  rx.on("/r/big", { status: 200, body: JSON.stringify({ Message: "x".repeat(17_000) }) });
  const app = (await api.post("/api/v1/app", { name: "replies", uid: "survey" })).json;
  const eps = {};
  for (const kind of ["json", "form", "bad", "big"]) {
    const r = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url(`/r/${kind}`), expectsReply: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.expectsReply, true);
    eps[r.json.id] = kind;
  }
  const msg = (await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "sms.inbound", eventId: "in-1", payload: { text: "hi" } })).json;
  const replies = () => rx.requestsTo("/replies").map((r) => JSON.parse(r.body));
  await waitFor(() => replies().length >= 2);
  const listed = await waitFor(async () => {
    const r = await api.get(`/api/v1/app/${app.id}/msg/${msg.id}/reply`);
    return r.json.data.length === 4 && r.json;
  });
  const byKind = Object.fromEntries(listed.data.map((r) => [eps[r.endpointId], r]));
  assert.deepEqual(byKind.json.reply, json);
  assert.deepEqual(byKind.form.reply, { Message: "Call me back", Destination: "447700900000" });
  assert.equal(byKind.bad.reply, null);
  assert.match(byKind.bad.error, /^malformed/);
  assert.match(byKind.big.error, /^oversized/);

  const events = replies().filter((e) => e.type === "message.reply");
  assert.equal(events.length, 2);
  for (const e of events) {
    assert.equal(e.data.msgId, msg.id); // the original message's id, to reply on
    assert.equal(e.data.msgEventId, "in-1");
    assert.equal(e.data.appUid, "survey");
    assert.deepEqual(e.data.reply, eps[e.data.endpointId] === "json" ? json : byKind.form.reply);
  }
  // Every delivery succeeded, readable reply or not.
  const dest = await api.get(`/api/v1/app/${app.id}/msg/${msg.id}/endpoint`);
  assert.deepEqual(dest.json.data.map((d) => d.status), [0, 0, 0, 0]);
  const attempt = (await api.get(`/api/v1/app/${app.id}/attempt/msg/${msg.id}`)).json.data.find((a) => eps[a.endpointId] === "json");
  assert.deepEqual(attempt.reply, json);
});

test("replies by event type: an event type with expectsReply has replies read for every endpoint, from the messages created while it is set", async (t) => {
  const { rx, api } = await start(t);
  const reply = { Destination: "447700900000", Message: "STOP received" };
  rx.on("/plain", { status: 200, body: JSON.stringify(reply), headers: { "content-type": "application/json" } });
  const type = await api.put("/api/v1/event-type/sms.keyword", { description: "Keyword", expectsReply: true });
  assert.equal(type.status, 201, type.text);
  assert.equal(type.json.expectsReply, true);
  assert.equal((await api.get("/api/v1/event-type/sms.keyword")).json.expectsReply, true);
  const app = (await api.post("/api/v1/app", { name: "keywords" })).json;
  const ep = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/plain") })).json;
  assert.equal(ep.expectsReply, false);
  const send = async (eventType) => (await api.post(`/api/v1/app/${app.id}/msg`, { eventType, payload: { text: "STOP" } })).json;
  const replyOf = async (msg) => {
    const attempts = await waitFor(async () => {
      const r = await api.get(`/api/v1/app/${app.id}/attempt/msg/${msg.id}`);
      return r.json.data.length === 1 && r.json.data;
    });
    return attempts[0].reply ?? null;
  };
  const keyword = await send("sms.keyword");
  const receipt = await send("sms.receipt");
  assert.deepEqual(await replyOf(keyword), reply);
  assert.equal(await replyOf(receipt), null); // its type expects none: the answer body is not read
  assert.deepEqual((await api.get(`/api/v1/app/${app.id}/msg/${keyword.id}/reply`)).json.data.map((r) => r.reply), [reply]);

  const off = await api.patch("/api/v1/event-type/sms.keyword", { expectsReply: false });
  assert.equal(off.json.expectsReply, false);
  assert.equal(await replyOf(await send("sms.keyword")), null);
});
