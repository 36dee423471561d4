// idempotency-key on POST: a repeated request returns the first answer and writes nothing new.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { client, isErrorBody, request, startServer } from "./lib/server.mjs";

const key = () => `it_${randomUUID()}`;

describe("idempotency", () => {
  let server;
  let api;
  let app;

  before(async () => {
    server = await startServer();
    api = client(server);
    app = (await api.post("/api/v1/app", { name: "idem", uid: "idem-app" })).json;
    assert.ok(app?.id);
  });
  after(async () => {
    await server?.stop();
  });

  const postMsg = (body, k, o = {}) =>
    request(server, "POST", `/api/v1/app/${o.appRef ?? app.id}/msg`, {
      body,
      token: o.token,
      headers: k === undefined ? {} : { "idempotency-key": k },
    });
  const messages = async (appRef = app.id) => {
    const r = await api.get(`/api/v1/app/${appRef}/msg?limit=250`);
    assert.equal(r.status, 200);
    return r.json.data;
  };

  test("the same key twice returns the same response and stores one message", async () => {
    const k = key();
    const body = { eventType: "idem.twice", payload: { n: 1 } };
    const first = await postMsg(body, k);
    assert.equal(first.status, 202, first.text);
    const second = await postMsg(body, k);
    assert.equal(second.status, 202);
    assert.equal(second.text, first.text, "byte-identical replay");
    assert.match(second.headers.get("content-type") ?? "", /application\/json/);
    const stored = (await messages()).filter((m) => m.eventType === "idem.twice");
    assert.deepEqual(stored.map((m) => m.id), [first.json.id]);
  });

  const createdMetric = async () => {
    const r = await request(server, "GET", "/metrics", { token: null });
    const m = /^hookd_messages_created_total (\d+)$/m.exec(r.text);
    assert.ok(m, "hookd_messages_created_total in /metrics");
    return Number(m[1]);
  };

  test("20 concurrent POSTs with one key: one message, every caller gets its id", async () => {
    const k = key();
    const metricBefore = await createdMetric();
    const body = { eventType: "idem.race", payload: { race: true } };
    const rs = await Promise.all(Array.from({ length: 20 }, () => postMsg(body, k)));
    for (const r of rs) assert.equal(r.status, 202, r.text);
    const ids = new Set(rs.map((r) => r.json.id));
    assert.equal(ids.size, 1, `all callers see one id, got ${[...ids].join(", ")}`);
    const stored = (await messages()).filter((m) => m.eventType === "idem.race");
    assert.equal(stored.length, 1, "exactly one message stored");
    assert.equal(stored[0].id, [...ids][0]);
    assert.equal(await createdMetric(), metricBefore + 1, "replays are not counted as created messages");
  });

  test("concurrent POSTs with one key on separate connections, repeated rounds", async () => {
    for (let round = 0; round < 3; round++) {
      const k = key();
      const body = { eventType: `idem.round${round}`, payload: { round } };
      // A fresh dispatcher-free fetch per request: Connection: close forces separate sockets.
      const rs = await Promise.all(
        Array.from({ length: 10 }, () =>
          request(server, "POST", `/api/v1/app/${app.id}/msg`, {
            body,
            headers: { "idempotency-key": k, connection: "close" },
          })
        )
      );
      assert.deepEqual([...new Set(rs.map((r) => r.status))], [202]);
      assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
      assert.equal((await messages()).filter((m) => m.eventType === `idem.round${round}`).length, 1);
    }
  });

  test("the same key with a different body → 409, nothing new stored", async () => {
    const k = key();
    const first = await postMsg({ eventType: "idem.diff", payload: { v: 1 } }, k);
    assert.equal(first.status, 202);
    const before = await messages();
    const clash = await postMsg({ eventType: "idem.diff", payload: { v: 2 } }, k);
    assert.equal(clash.status, 409, clash.text);
    assert.ok(isErrorBody(clash.json), clash.text);
    assert.deepEqual(await messages(), before);
    // The original still replays.
    const again = await postMsg({ eventType: "idem.diff", payload: { v: 1 } }, k);
    assert.equal(again.json.id, first.json.id);
  });

  test("the same key on a different route is not a replay of the first answer", async () => {
    const k = key();
    const first = await postMsg({ eventType: "idem.route", payload: {} }, k);
    assert.equal(first.status, 202);
    const other = await request(server, "POST", "/api/v1/app", { body: { name: "idem other route" }, headers: { "idempotency-key": k } });
    assert.equal(other.status, 409, other.text);
    assert.ok(!other.text.includes(first.json.id));
  });

  test("different keys → different messages", async () => {
    const body = { eventType: "idem.distinct", payload: { same: "body" } };
    const rs = await Promise.all(Array.from({ length: 5 }, () => postMsg(body, key())));
    for (const r of rs) assert.equal(r.status, 202);
    assert.equal(new Set(rs.map((r) => r.json.id)).size, 5);
    assert.equal((await messages()).filter((m) => m.eventType === "idem.distinct").length, 5);
    // No key at all: every POST creates.
    const a = await postMsg(body);
    const b = await postMsg(body);
    assert.notEqual(a.json.id, b.json.id);
  });

  test("a rejected request does not use up its key", async () => {
    const k = key();
    const bad = await postMsg({ eventType: "idem.retry" }, k);
    assert.equal(bad.status, 422);
    const good = await postMsg({ eventType: "idem.retry", payload: { fixed: true } }, k);
    assert.equal(good.status, 202, good.text);
    const replay = await postMsg({ eventType: "idem.retry", payload: { fixed: true } }, k);
    assert.equal(replay.json.id, good.json.id);
  });

  test("app and endpoint creation are idempotent too", async () => {
    const ka = key();
    const a1 = await request(server, "POST", "/api/v1/app", { body: { name: "idem-created" }, headers: { "idempotency-key": ka } });
    const a2 = await request(server, "POST", "/api/v1/app", { body: { name: "idem-created" }, headers: { "idempotency-key": ka } });
    assert.equal(a1.status, 201);
    assert.equal(a2.status, 201);
    assert.equal(a2.json.id, a1.json.id);
    const apps = (await api.get("/api/v1/app?limit=250")).json.data.filter((x) => x.name === "idem-created");
    assert.equal(apps.length, 1);

    const ke = key();
    const epBody = { url: "https://idem.example/hook" };
    const eps = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(server, "POST", `/api/v1/app/${a1.json.id}/endpoint`, { body: epBody, headers: { "idempotency-key": ke } })
      )
    );
    for (const r of eps) assert.equal(r.status, 201, r.text);
    assert.equal(new Set(eps.map((r) => r.json.id)).size, 1);
    assert.equal((await api.get(`/api/v1/app/${a1.json.id}/endpoint`)).json.data.length, 1);
  });

  test("keys are per tenant: two app tokens may use the same key independently", async () => {
    const b = (await api.post("/api/v1/app", { name: "idem-b", uid: "idem-app-b" })).json;
    const c = (await api.post("/api/v1/app", { name: "idem-c", uid: "idem-app-c" })).json;
    const tb = await server.createToken({ app: b.id });
    const tc = await server.createToken({ app: c.id });
    const k = key();
    const body = { eventType: "idem.tenant", payload: { x: 1 } };
    const rb = await postMsg(body, k, { appRef: b.id, token: tb });
    const rc = await postMsg(body, k, { appRef: c.id, token: tc });
    assert.equal(rb.status, 202, rb.text);
    assert.equal(rc.status, 202, rc.text);
    assert.notEqual(rb.json.id, rc.json.id);
    assert.equal((await messages(b.id)).length, 1);
    assert.equal((await messages(c.id)).length, 1);
    // Tenant C sending tenant B's exact request (B's app, B's key) gets a 404, not B's cached answer.
    const k2 = key();
    const rb2 = await postMsg(body, k2, { appRef: b.id, token: tb });
    assert.equal(rb2.status, 202);
    const cross = await postMsg(body, k2, { appRef: b.id, token: tc });
    assert.equal(cross.status, 404, cross.text);
    assert.ok(!cross.text.includes(rb2.json.id));
  });

  test("a key survives a restart", async () => {
    const k = key();
    const body = { eventType: "idem.restart", payload: { durable: true } };
    const first = await postMsg(body, k);
    assert.equal(first.status, 202);
    await server.restart();
    assert.equal(server.lastExit, null, "running again");
    const second = await postMsg(body, k);
    assert.equal(second.status, 202, second.text);
    assert.equal(second.json.id, first.json.id);
    assert.equal(second.text, first.text);
    assert.equal((await messages()).filter((m) => m.eventType === "idem.restart").length, 1);
    const clash = await postMsg({ ...body, payload: { durable: false } }, k);
    assert.equal(clash.status, 409);
  });
});
