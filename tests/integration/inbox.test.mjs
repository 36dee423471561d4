// The inbox end to end: sources receive third-party callbacks at /ingest/{token}, check their
// senders (a simulator per verification type sends good, bad-signature and stale requests: only
// good ones are forwarded), acknowledge with an empty answer once durable, route the SMS
// gateway's three callback kinds (002) to three endpoints by their fields, and forward every
// acknowledged request after a kill -9.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";

import { client, request, startServer } from "./lib/server.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

async function start(t) {
  const rx = await startReceiver();
  const server = await startServer({ delivery: true, env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" }, args: ["--retry-schedule", "1s"] });
  t.after(async () => {
    await server.stop();
    await rx.close();
  });
  return { rx, server, api: client(server) };
}

/** Creates a source and one endpoint on the receiver at `path`; returns {source, path(): /ingest/...}. */
async function source(api, rx, body, path) {
  const s = await api.post("/ingest/api/v1/source", body);
  assert.equal(s.status, 201, s.text);
  assert.match(s.json.ingestUrl, /\/ingest\/[0-9a-f]{48}$/);
  assert.equal(s.json.config.secret, undefined); // never shown
  const ep = await api.post(`/ingest/api/v1/source/${s.json.id}/endpoint`, { url: rx.url(path) });
  assert.equal(ep.status, 201, ep.text);
  return { ...s.json, ingestPath: new URL(s.json.ingestUrl).pathname };
}

const hmac = (alg, key, data, enc = "hex") => createHmac(alg, key).update(data).digest(enc);
const now = () => Math.floor(Date.now() / 1000);
const SECRET = "shh-its-a-secret";
const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// Each sender signs as its provider does: good(body, ts) -> headers.
const senders = {
  svix: {
    config: { secret: WHSEC },
    sign: (body, ts) => {
      const id = `msg_${ts}_${body.length}`;
      const sig = hmac("sha256", Buffer.from(WHSEC.slice(6), "base64"), `${id}.${ts}.${body}`, "base64");
      return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": `v1,${sig}` };
    },
  },
  github: {
    config: { secret: SECRET },
    sign: (body) => ({ "x-hub-signature-256": `sha256=${hmac("sha256", SECRET, body)}` }),
    timeless: true,
  },
  stripe: {
    config: { secret: SECRET },
    sign: (body, ts) => ({ "stripe-signature": `t=${ts},v1=${hmac("sha256", SECRET, `${ts}.${body}`)}` }),
  },
  shopify: {
    config: { secret: SECRET },
    sign: (body) => ({ "x-shopify-hmac-sha256": hmac("sha256", SECRET, body, "base64") }),
    timeless: true,
  },
  slack: {
    config: { secret: SECRET },
    sign: (body, ts) => ({
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": `v0=${hmac("sha256", SECRET, `v0:${ts}:${body}`)}`,
    }),
  },
  "generic-webhook": {
    config: { secret: SECRET, signatureHeader: "X-Signature", algorithm: "sha512", encoding: "base64", signedContent: "{timestamp}.{body}", timestampHeader: "X-Timestamp" },
    sign: (body, ts) => ({ "x-timestamp": String(ts), "x-signature": hmac("sha512", SECRET, `${ts}.${body}`, "base64") }),
  },
};

test("every verification type: good requests are acknowledged and forwarded, bad signatures and stale timestamps get 401 and are only recorded", async (t) => {
  const { rx, server, api } = await start(t);
  for (const [type, sender] of Object.entries(senders)) {
    const src = await source(api, rx, { name: type, type, config: sender.config }, `/fwd/${type}`);
    const send = (body, headers) =>
      request(server, "POST", src.ingestPath, { token: null, body, headers: { "content-type": "application/json", ...headers } });
    const good = JSON.stringify({ type: "good", via: type });
    const ack = await send(good, sender.sign(good, now()));
    assert.equal(ack.status, 200, `${type}: ${ack.text}`);
    assert.equal(ack.text, ""); // nothing displayed, not even a blank body

    const forged = JSON.stringify({ type: "forged", via: type });
    const bad = await send(forged, sender.sign(JSON.stringify({ type: "other" }), now()));
    assert.equal(bad.status, 401, type);
    assert.equal(bad.json.code, "authentication_failed");
    assert.equal((await send(forged, {})).status, 401, type);
    if (!sender.timeless) {
      const stale = JSON.stringify({ type: "stale", via: type });
      assert.equal((await send(stale, sender.sign(stale, now() - 3600))).status, 401, `${type} stale`);
    }

    const [fwd] = await rx.waitForCount(`/fwd/${type}`, 1);
    assert.equal(fwd.body, good, type); // the exact bytes, signed again by hookd
    assert.equal(fwd.headers["content-type"], "application/json");
    assert.ok(fwd.headers["webhook-signature"].startsWith("v1,"));

    const list = await api.get(`/ingest/api/v1/source/${src.id}/request?status=rejected`);
    assert.equal(list.json.data.length, sender.timeless ? 2 : 3, type);
    for (const r of list.json.data) {
      assert.equal(r.msgId, null);
      assert.ok(r.reason, type);
      for (const [name, value] of Object.entries(r.headers)) {
        if (/signature|hmac/.test(name)) assert.equal(value, "[redacted]");
      }
    }
    const forwarded = await api.get(`/ingest/api/v1/source/${src.id}/request?status=forwarded`);
    assert.deepEqual(forwarded.json.data.map((r) => r.body), [good]);
    // The good request is the source's only message: nothing else will ever be forwarded.
    const msgs = await api.get(`/api/v1/app/${src.id}/msg`);
    assert.deepEqual(msgs.json.data.map((m) => m.id), [forwarded.json.data[0].msgId]);
  }
});

test("basic auth, API keys, accepted methods, 204 acknowledgements and unknown URLs", async (t) => {
  const { rx, server, api } = await start(t);
  const src = await source(api, rx, {
    name: "gateway", type: "generic-webhook",
    config: { basicAuth: { username: "gw", password: "pw" }, apiKeyHeader: "X-Api-Key", apiKey: "k-1", methods: ["POST", "GET"], ackStatus: 204 },
  }, "/fwd");
  const auth = { authorization: `Basic ${Buffer.from("gw:pw").toString("base64")}`, "x-api-key": "k-1" };
  const send = (method, headers, body) => request(server, method, src.ingestPath + (method === "GET" ? "?id=7&status=ok" : ""), { token: null, headers, body });
  assert.equal((await send("POST", auth, "a=1")).status, 204);
  assert.equal((await send("GET", auth)).status, 204);
  assert.equal((await send("POST", { ...auth, "x-api-key": "k-2" }, "a=2")).status, 401);
  assert.equal((await send("POST", { "x-api-key": "k-1" }, "a=3")).status, 401);
  assert.equal((await send("PUT", auth, "a=4")).status, 405);
  const missing = await request(server, "POST", "/ingest/0123456789abcdef", { token: null, body: "x" });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, "not_found");
  await rx.waitForCount("/fwd", 2);
  const requests = (await api.get(`/ingest/api/v1/source/${src.id}/request?order=ascending`)).json.data;
  assert.deepEqual(requests.map((r) => [r.method, r.status]), [["POST", "forwarded"], ["GET", "forwarded"], ["POST", "rejected"], ["POST", "rejected"], ["PUT", "rejected"]]);
  assert.equal(requests[1].query, "id=7&status=ok");
  assert.equal(requests[0].headers.authorization, "[redacted]");
  assert.equal(requests[0].headers["x-api-key"], "[redacted]");
  const refused = await api.post(`/ingest/api/v1/source/${src.id}/request/${requests[2].id}/replay`);
  assert.equal(refused.status, 409); // rejected requests are never forwarded

  // A rotated token: the new URL works, and so does the old one for its grace period.
  const rotated = await api.post(`/ingest/api/v1/source/${src.id}/token/rotate`);
  assert.equal(rotated.status, 200, rotated.text);
  const newPath = new URL(rotated.json.ingestUrl).pathname;
  assert.notEqual(newPath, src.ingestPath);
  assert.equal((await request(server, "POST", newPath, { token: null, headers: auth, body: "b=1" })).status, 204);
  assert.equal((await send("POST", auth, "b=2")).status, 204);
  assert.equal((await api.get(`/ingest/api/v1/source/${src.id}`)).json.ingestUrl, rotated.json.ingestUrl);

  // Sources and their apps stay out of the tenants' list; admin tokens only.
  assert.deepEqual((await api.get("/api/v1/app")).json.data, []);
  const app = (await api.post("/api/v1/app", { name: "tenant" })).json;
  const tenantToken = await server.createToken({ app: app.id });
  assert.equal((await request(server, "GET", "/ingest/api/v1/source", { token: tenantToken })).status, 403);
});

test("the SMS gateway's receipts, replies and opt-outs at one URL reach three endpoints by their fields", async (t) => {
  const { rx, server, api } = await start(t);
  const s = await api.post("/ingest/api/v1/source", {
    name: "sms gateway", uid: "sms-gw", type: "generic-webhook",
    config: {
      routes: [
        { field: "DELIVERY_DATE", eventType: "sms.receipt" },
        { field: "answer_date", eventType: "sms.reply" },
        { field: "stop_date", eventType: "sms.optout" },
      ],
    },
  });
  assert.equal(s.status, 201, s.text);
  for (const kind of ["receipt", "reply", "optout"]) {
    const ep = await api.post("/ingest/api/v1/source/sms-gw/endpoint", { url: rx.url(`/${kind}`), filterTypes: [`sms.${kind}`] });
    assert.equal(ep.status, 201, ep.text);
  }
  const path = new URL(s.json.ingestUrl).pathname;
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const bodies = {
    receipt: "message_id=m-1&DELIVERY_DATE=2026-11-26+10%3A00%3A00&STATUS=DELIVERED",
    reply: "message_id=m-1&answer_date=2026-11-26+10%3A05%3A00&message=Yes+please",
    optout: "number=33600000000&stop_date=2026-11-26+11%3A00%3A00",
  };
  for (const body of Object.values(bodies)) {
    const r = await request(server, "POST", path, { token: null, headers: form, body });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, "");
  }
  for (const [kind, body] of Object.entries(bodies)) {
    const [got] = await rx.waitForCount(`/${kind}`, 1);
    assert.equal(got.body, body);
    assert.equal(got.headers["content-type"], "application/x-www-form-urlencoded");
  }
  // One message per callback, each with one destination: its kind's endpoint.
  const msgs = (await api.get(`/api/v1/app/${s.json.id}/msg`)).json.data;
  assert.equal(msgs.length, 3);
  for (const m of msgs) {
    const dest = (await api.get(`/api/v1/app/${s.json.id}/msg/${m.id}/endpoint`)).json.data;
    assert.deepEqual(dest.map((d) => d.url), [rx.url(`/${m.eventType.slice(4)}`)]);
  }
  // Each request's forwarding state: its one delivery succeeded (outcomes commit just after).
  const requests = await waitFor(async () => {
    const r = (await api.get("/ingest/api/v1/source/sms-gw/request?order=ascending")).json.data;
    return r.every((x) => x.forwarding.succeeded === 1) && r;
  });
  assert.deepEqual(requests.map((r) => r.eventType), ["sms.receipt", "sms.reply", "sms.optout"]);
  assert.deepEqual(requests[0].forwarding, { succeeded: 1, failed: 0, pending: 0 });

  // Replay one request: its destinations get it again.
  const replay = await api.post(`/ingest/api/v1/source/sms-gw/request/${requests[0].id}/replay`);
  assert.equal(replay.status, 202, replay.text);
  assert.deepEqual(replay.json, { msgId: requests[0].msgId, destinations: 1 });
  const again = await rx.waitForCount("/receipt", 2);
  assert.equal(again[1].body, bodies.receipt);
  // Replay a time range for one endpoint, as a background task.
  const optout = (await api.get("/ingest/api/v1/source/sms-gw/endpoint")).json.data.find((e) => e.url.endsWith("/optout"));
  const task = await api.post(`/ingest/api/v1/source/sms-gw/endpoint/${optout.id}/bulk-replay`, { since: requests[0].receivedAt });
  assert.equal(task.status, 202, task.text);
  const replayed = await rx.waitForCount("/optout", 2);
  assert.equal(replayed[1].body, bodies.optout);
  assert.equal(rx.requestsTo("/reply").length, 1); // other endpoints are not replayed
});

test("kill -9 right after acknowledgements: every acknowledged request is forwarded after the restart", async (t) => {
  const { rx, server, api } = await start(t);
  rx.on("/slow", { status: 200, delayMs: 200 });
  const src = await source(api, rx, { name: "burst", type: "generic-webhook" }, "/slow");
  const acked = [];
  await Promise.all(
    Array.from({ length: 300 }, async (_, i) => {
      const body = JSON.stringify({ n: i });
      const r = await request(server, "POST", src.ingestPath, { token: null, body });
      if (r.status === 200) acked.push(body);
    }),
  );
  await server.kill();
  assert.equal(acked.length, 300);
  await server.restart();
  await waitFor(() => new Set(rx.requestsTo("/slow").map((r) => r.body)).size >= acked.length, { timeoutMs: 60_000 });
  const got = new Set(rx.requestsTo("/slow").map((r) => r.body));
  for (const body of acked) assert.ok(got.has(body), body);
});
