// Webhook delivery end to end: hookd POSTs to a fake receiver on 127.0.0.1 (lib/receiver.mjs).
// Fan-out and filtering, headers and Standard Webhooks signatures (verified with the npm
// `standardwebhooks` package), retries, Retry-After, 410, timeouts, resets, redirects, response
// capture, resend / send-example / recover / stats, per-endpoint retry schedules, throttling,
// attempt listing and metrics.
//
// Every endpoint URL is on loopback; hookd runs with HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 so its
// SSRF guard lets those through (ssrf.test.mjs covers the guard itself).
// "Nothing was delivered" is asserted through GET .../msg/{msg}/endpoint: fan-out creates the
// deliveries in the message's own commit, so an endpoint missing there can never receive it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

import { HOOKD_BIN, request } from "./lib/server.mjs";
import { STATUS, hookdApi, newSecret, startDeliveryServer } from "./lib/delivery_api.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";
import { Webhook } from "../e2e/node_modules/standardwebhooks/dist/index.js";

const VERSION = execFileSync(HOOKD_BIN, ["--version"], { encoding: "utf8" }).trim();
const { SUCCESS, FAIL, PENDING, SENDING } = STATUS;

function assertAttemptShape(a) {
  assert.match(a.id, /^atmpt_/);
  assert.match(a.msgId, /^msg_/);
  assert.match(a.endpointId, /^ep_/);
  for (const k of ["url", "response", "statusText", "timestamp"]) assert.equal(typeof a[k], "string", k);
  for (const k of ["responseStatusCode", "responseDurationMs", "status", "triggerType"]) assert.equal(typeof a[k], "number", k);
  assert.ok(!Number.isNaN(Date.parse(a.timestamp)), "timestamp parses");
  assert.ok("error" in a && "errorDetail" in a, "error and errorDetail present");
  assert.equal(a.statusText, { 0: "success", 2: "fail" }[a.status]);
}

// ---------------------------------------------------------------------------------------------

describe("delivery", () => {
  let server;
  let rx;
  let h;

  before(async () => {
    [server, rx] = await Promise.all([startDeliveryServer(), startReceiver()]);
    h = hookdApi(server);
  });
  after(async () => {
    await rx?.close();
    await server?.stop();
  });

  describe("fan-out and filtering", () => {
    test("each message goes to every enabled endpoint whose event types and channels match", async () => {
      const app = await h.newApp("fanout");
      const other = await h.newApp("fanout-other");
      const ep = {
        all: await h.newEndpoint(app.id, { url: rx.url("/fan/all") }),
        created: await h.newEndpoint(app.id, { url: rx.url("/fan/created"), eventTypes: ["order.created"] }),
        paid: await h.newEndpoint(app.id, { url: rx.url("/fan/paid"), filterTypes: ["order.paid", "order.refunded"] }),
        eu: await h.newEndpoint(app.id, { url: rx.url("/fan/eu"), channels: ["eu"] }),
        usCreated: await h.newEndpoint(app.id, { url: rx.url("/fan/us-created"), channels: ["us"], eventTypes: ["order.created"] }),
        disabled: await h.newEndpoint(app.id, { url: rx.url("/fan/disabled"), disabled: true }),
      };
      const foreign = await h.newEndpoint(other.id, { url: rx.url("/fan/foreign") });
      assert.deepEqual(ep.paid.eventTypes, ["order.paid", "order.refunded"], "filterTypes is an alias of eventTypes");

      const cases = [
        [{ eventType: "order.created", channels: ["eu"] }, ["all", "created", "eu"]],
        [{ eventType: "order.paid" }, ["all", "paid"]],
        [{ eventType: "order.created", channels: ["us", "apac"] }, ["all", "created", "usCreated"]],
        [{ eventType: "order.paid", channels: ["apac"] }, ["all", "paid"]],
        [{ eventType: "order.shipped", channels: ["eu", "us"] }, ["all", "eu"]],
      ];
      const sent = [];
      for (const [body, expected] of cases) {
        const msg = await h.send(app.id, { ...body, payload: { case: body } });
        sent.push([msg, expected]);
        // Deliveries exist from the commit on: exactly the matching endpoints, and the disabled
        // one (it subscribes to everything) holds its delivery.
        const dest = await h.destinations(app.id, msg.id);
        assert.deepEqual(
          dest.map((d) => d.id).sort(),
          [...expected, "disabled"].map((k) => ep[k].id).sort(),
          `destinations of ${JSON.stringify(body)}`
        );
        const held = dest.find((d) => d.id === ep.disabled.id);
        assert.equal(held.status, PENDING);
        assert.equal(held.nextAttempt ?? null, null, "held, not due");
      }
      // Every delivery succeeds, and each receiver got exactly its messages.
      for (const [msg, expected] of sent) {
        for (const k of expected) assert.equal((await h.settled(app.id, msg.id, ep[k].id)).status, SUCCESS);
      }
      for (const [key, e] of Object.entries(ep)) {
        const want = sent.filter(([, exp]) => exp.includes(key)).map(([m]) => m.id).sort();
        const got = rx.requestsTo(new URL(e.url).pathname).map((r) => r.headers["webhook-id"]).sort();
        assert.deepEqual(got, want, `messages received by endpoint "${key}"`);
      }
      assert.equal(rx.count("/fan/disabled"), 0, "a disabled endpoint receives nothing");
      assert.equal(rx.count(new URL(foreign.url).pathname), 0, "another app's endpoint receives nothing");
    });

    test("an endpoint disabled later holds its messages; re-enabled it receives them and new ones", async () => {
      const app = await h.newApp("toggle");
      const ep = await h.newEndpoint(app.id, { url: rx.url("/toggle") });
      const m1 = await h.send(app.id);
      await h.settled(app.id, m1.id, ep.id);
      assert.equal((await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { disabled: true })).status, 200);
      const m2 = await h.send(app.id);
      const [held] = await h.destinations(app.id, m2.id);
      assert.equal(held.status, PENDING, "held for the disabled endpoint");
      assert.equal(rx.count("/toggle"), 1);
      assert.equal((await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { disabled: false })).status, 200);
      const m3 = await h.send(app.id);
      await h.settled(app.id, m2.id, ep.id);
      await h.settled(app.id, m3.id, ep.id);
      const got = rx.requestsTo("/toggle").map((r) => r.headers["webhook-id"]);
      assert.deepEqual(new Set(got), new Set([m1.id, m2.id, m3.id]));
      assert.equal(got.length, 3);
    });
  });

  test("a deleted endpoint stays among the destinations it was attempted for; history is not rewritten", async () => {
    const app = await h.newApp("deleted-dest");
    const sent = await h.newEndpoint(app.id, { url: rx.url("/deleted/sent"), uid: "gone" });
    const msg = await h.send(app.id, { payload: { n: 1 } });
    await h.settled(app.id, msg.id, sent.id);
    const api = (m, p, body) => request(server, m, `/api/v1/app/${app.id}${p}`, { body });
    assert.equal((await api("DELETE", `/endpoint/${sent.id}`)).status, 204);

    const [row] = await h.destinations(app.id, msg.id);
    assert.equal(row?.id, sent.id, "the deleted endpoint is still listed");
    assert.equal(row.status, SUCCESS);
    assert.equal(row.url, rx.url("/deleted/sent"));
    assert.equal((await h.attempts(app.id, msg.id)).length, 1, "its attempt is still listed");
    assert.equal((await api("GET", `/endpoint/${sent.id}`)).status, 404, "but the endpoint itself is gone");
    assert.deepEqual((await api("GET", "/endpoint")).json.data, []);
    assert.equal((await api("DELETE", `/endpoint/${sent.id}`)).status, 404, "deleting twice");
    const again = await h.newEndpoint(app.id, { url: rx.url("/deleted/again"), uid: "gone" });
    assert.notEqual(again.id, sent.id, "its uid is free again");
    const next = await h.send(app.id, { payload: { n: 2 } });
    assert.deepEqual((await h.destinations(app.id, next.id)).map((d) => d.id), [again.id]);
  });

  describe("request format and signatures", () => {
    test("method, headers, body and signature", async () => {
      const app = await h.newApp("headers");
      const secret = newSecret();
      const ep = await h.newEndpoint(app.id, {
        url: rx.url("/hdr?token=abc"),
        secret,
        headers: { "X-Tenant": "tenant-1", "x-api-key": "k-123" },
      });
      const payload = { text: "héllo ✓ \"quoted\"", nested: { list: [1, 2.5, null, true] }, big: "x".repeat(2000) };
      const t0 = Math.floor(Date.now() / 1000);
      const msg = await h.send(app.id, { eventType: "user.signup", payload });
      const [req] = await rx.waitForCount("/hdr", 1);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, SUCCESS);

      assert.equal(req.method, "POST");
      assert.equal(req.url, "/hdr?token=abc", "query string of the endpoint URL is kept");
      assert.match(req.headers["content-type"], /^application\/json\b/);
      assert.equal(req.headers["webhook-id"], msg.id);
      const ts = Number(req.headers["webhook-timestamp"]);
      assert.ok(Number.isInteger(ts) && Math.abs(ts - t0) <= 10, `webhook-timestamp ${req.headers["webhook-timestamp"]} is unix seconds near ${t0}`);
      assert.equal(req.headers["user-agent"], `hookd/${VERSION}`);
      assert.equal(req.headers["x-tenant"], "tenant-1");
      assert.equal(req.headers["x-api-key"], "k-123");
      assert.equal(req.headers["svix-id"], undefined, "no svix-* headers without --svix-headers");
      assert.deepEqual(JSON.parse(req.body), payload);
      const sigs = req.headers["webhook-signature"].split(" ");
      assert.equal(sigs.length, 1, "one signature for one key");
      assert.match(sigs[0], /^v1,[A-Za-z0-9+/]+=*$/);

      assert.deepEqual(new Webhook(secret).verify(req.body, req.headers), payload, "verifies with the endpoint secret");
      const fromApi = (await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/secret`)).json.key;
      assert.equal(fromApi, secret);
      assert.throws(() => new Webhook(newSecret()).verify(req.body, req.headers), /signature/i, "another key does not verify");
      const tampered = { ...req.headers, "webhook-id": "msg_other" };
      assert.throws(() => new Webhook(secret).verify(req.body, tampered), /signature/i, "the id is signed");

      // The attempt's request, rendered again: what the receiver got, credentials and signature
      // redacted.
      const [attempt] = await h.attempts(app.id, msg.id, ep.id);
      const shown = (await h.api.get(`/api/v1/app/${app.id}/msg/${msg.id}/attempt/${attempt.id}/request`)).json;
      assert.equal(shown.url, rx.url("/hdr?token=abc"));
      assert.equal(shown.method, "POST");
      assert.equal(shown.body, req.body, "the exact body bytes");
      const headers = Object.fromEntries(Object.entries(shown.headers).map(([k, v]) => [k.toLowerCase(), v]));
      for (const name of ["webhook-id", "webhook-timestamp", "content-type", "x-tenant"])
        assert.equal(headers[name], req.headers[name], name);
      assert.equal(headers["x-api-key"], "[redacted]");
      assert.equal(headers["webhook-signature"], "[redacted]");
      assert.ok(!JSON.stringify(shown).includes("k-123"), "no credential anywhere");
    });

    test("custom headers changed through the headers API are used from the next delivery on", async () => {
      const app = await h.newApp("hdr-api");
      const ep = await h.newEndpoint(app.id, { url: rx.url("/hdr-api"), headers: { "X-One": "1" } });
      const m1 = await h.send(app.id);
      await h.settled(app.id, m1.id, ep.id);
      const r = await h.api.put(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`, { headers: { "X-Two": "2" } });
      assert.equal(r.status, 204, r.text);
      const m2 = await h.send(app.id);
      await h.settled(app.id, m2.id, ep.id);
      const [a, b] = rx.requestsTo("/hdr-api");
      assert.equal(a.headers["x-one"], "1");
      assert.equal(b.headers["x-one"], undefined);
      assert.equal(b.headers["x-two"], "2");
    });

    test("after a secret rotation both the old and the new key verify; grace 0 drops the old one", async () => {
      const app = await h.newApp("rotation");
      const keyA = newSecret();
      const keyB = newSecret();
      const keyC = newSecret();
      const ep = await h.newEndpoint(app.id, { url: rx.url("/rot"), secret: keyA });
      const verifies = (key, req) => {
        try {
          new Webhook(key).verify(req.body, req.headers);
          return true;
        } catch {
          return false;
        }
      };

      const m1 = await h.send(app.id, { payload: { step: 1 } });
      await h.settled(app.id, m1.id, ep.id);
      let r = await h.api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/secret/rotate`, { key: keyB });
      assert.equal(r.status, 204, r.text);
      const m2 = await h.send(app.id, { payload: { step: 2 } });
      await h.settled(app.id, m2.id, ep.id);
      r = await h.api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/secret/rotate`, { key: keyC, gracePeriodSeconds: 0 });
      assert.equal(r.status, 204, r.text);
      const m3 = await h.send(app.id, { payload: { step: 3 } });
      await h.settled(app.id, m3.id, ep.id);

      const [r1, r2, r3] = rx.requestsTo("/rot");
      assert.equal(r1.headers["webhook-signature"].split(" ").length, 1);
      assert.ok(verifies(keyA, r1));
      assert.equal(r2.headers["webhook-signature"].split(" ").length, 2, `two signatures during the grace period: ${r2.headers["webhook-signature"]}`);
      assert.ok(verifies(keyB, r2), "new key verifies");
      assert.ok(verifies(keyA, r2), "old key still verifies during the grace period");
      assert.ok(!verifies(newSecret(), r2));
      assert.ok(verifies(keyC, r3), "newest key verifies");
      assert.ok(!verifies(keyB, r3), "a key rotated out with gracePeriodSeconds 0 no longer signs");
    });

    test("--svix-headers true adds svix-id, svix-timestamp and svix-signature", async () => {
      const s = await startDeliveryServer({ flags: { "--svix-headers": "true" } });
      try {
        const hs = hookdApi(s);
        const app = await hs.newApp("svix-headers");
        const secret = newSecret();
        const ep = await hs.newEndpoint(app.id, { url: rx.url("/svixhdr"), secret });
        const msg = await hs.send(app.id, { payload: { svix: true } });
        const [req] = await rx.waitForCount("/svixhdr", 1);
        await hs.settled(app.id, msg.id, ep.id);
        assert.equal(req.headers["svix-id"], msg.id);
        assert.equal(req.headers["svix-timestamp"], req.headers["webhook-timestamp"]);
        assert.equal(req.headers["svix-signature"], req.headers["webhook-signature"]);
        // The svix-* set alone verifies too (same signing scheme).
        const svixOnly = {
          "webhook-id": req.headers["svix-id"],
          "webhook-timestamp": req.headers["svix-timestamp"],
          "webhook-signature": req.headers["svix-signature"],
        };
        assert.deepEqual(new Webhook(secret).verify(req.body, svixOnly), { svix: true });
      } finally {
        await s.stop();
      }
    });
  });

  describe("retries and failure handling", () => {
    test("500, 500, 200 with schedule 0s,0s: three attempts, one webhook-id, final success", async () => {
      const app = await h.newApp("retry");
      const secret = newSecret();
      rx.on("/retry/flaky", [500, { status: 500, body: "still broken" }, { status: 200, body: "fine" }]);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/retry/flaky"), secret });
      const msg = await h.send(app.id, { payload: { retry: true } });
      const row = await h.settled(app.id, msg.id, ep.id);
      assert.equal(row.status, SUCCESS);
      assert.equal(row.statusText, "success");
      assert.equal(row.nextAttempt, null);

      const reqs = rx.requestsTo("/retry/flaky");
      assert.equal(reqs.length, 3);
      assert.deepEqual(reqs.map((r) => r.headers["webhook-id"]), [msg.id, msg.id, msg.id], "same webhook-id on every retry");
      for (const r of reqs) new Webhook(secret).verify(r.body, r.headers); // each retry is validly signed

      const attempts = await h.attempts(app.id, msg.id);
      assert.equal(attempts.length, 3);
      attempts.forEach(assertAttemptShape);
      assert.deepEqual(attempts.map((a) => a.responseStatusCode), [500, 500, 200]);
      assert.deepEqual(attempts.map((a) => a.status), [FAIL, FAIL, SUCCESS]);
      assert.deepEqual(attempts.map((a) => a.triggerType), [0, 0, 0]);
      assert.deepEqual(attempts.map((a) => a.response), ["", "still broken", "fine"]);
      for (const a of attempts) {
        assert.equal(a.msgId, msg.id);
        assert.equal(a.endpointId, ep.id);
        assert.equal(a.url, rx.url("/retry/flaky"));
        assert.equal(a.error, null, "an HTTP answer is not a transport error");
      }
    });

    test("a schedule that runs out ends in fail", async () => {
      const app = await h.newApp("exhaust");
      rx.on("/retry/down", { status: 503, body: "down" });
      const ep = await h.newEndpoint(app.id, { url: rx.url("/retry/down") });
      const msg = await h.send(app.id);
      const row = await h.settled(app.id, msg.id, ep.id);
      assert.equal(row.status, FAIL);
      assert.equal(row.statusText, "fail");
      assert.equal(row.nextAttempt, null);
      // Final state is recorded after the last attempt, so the count is final.
      const attempts = await h.attempts(app.id, msg.id);
      assert.equal(attempts.length, 3, "first attempt + 2 retries");
      assert.equal(rx.count("/retry/down"), 3);
      assert.ok(attempts.every((a) => a.status === FAIL && a.responseStatusCode === 503));
    });

    test("410 Gone disables the endpoint and fails the delivery without retrying", async () => {
      const app = await h.newApp("gone");
      rx.on("/retry/gone", 410);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/retry/gone") });
      const keep = await h.newEndpoint(app.id, { url: rx.url("/retry/gone-sibling") });
      const msg = await h.send(app.id);
      const row = await h.settled(app.id, msg.id, ep.id);
      assert.equal(row.status, FAIL);
      assert.equal((await h.attempts(app.id, msg.id)).filter((a) => a.endpointId === ep.id).length, 1, "no retry after 410");
      assert.equal(rx.count("/retry/gone"), 1);
      assert.equal((await h.getEndpoint(app.id, ep.id)).disabled, true, "GET endpoint shows disabled");
      assert.equal((await h.getEndpoint(app.id, keep.id)).disabled, false, "siblings are untouched");
      const next = await h.send(app.id);
      await h.settled(app.id, next.id, keep.id);
      const held = await h.destination(app.id, next.id, ep.id);
      assert.equal(held.status, PENDING, "the disabled endpoint holds new messages");
      assert.equal(rx.count("/retry/gone"), 1, "and sends them nothing");
    });

    test("429 / 503 with Retry-After schedule the retry that far ahead (bounded 1 s .. 6 h)", async () => {
      const app = await h.newApp("retry-after");
      const httpDate = new Date(Date.now() + 300_000).toUTCString();
      const cases = [
        ["/ra/seconds", { status: 429, headers: { "retry-after": "120" } }, 120],
        ["/ra/date", { status: 503, headers: { "retry-after": httpDate } }, 300],
        ["/ra/huge", { status: 429, headers: { "retry-after": "100000" } }, 6 * 3600],
      ];
      const eps = [];
      for (const [path, behaviour] of cases) {
        rx.on(path, behaviour);
        eps.push(await h.newEndpoint(app.id, { url: rx.url(path), eventTypes: [`ra.${eps.length}`] }));
      }
      for (let i = 0; i < cases.length; i++) {
        const [path, , seconds] = cases[i];
        const t0 = Date.now();
        const msg = await h.send(app.id, { eventType: `ra.${i}` });
        const row = await waitFor(
          async () => {
            const d = await h.destination(app.id, msg.id, eps[i].id);
            return d && d.status !== PENDING ? d : null; // pending until the first attempt is recorded
          },
          { message: `${path}: first attempt not recorded` }
        );
        assert.equal(row.status, SENDING, `${path}: still being retried`);
        assert.equal(row.statusText, "sending");
        const due = Date.parse(row.nextAttempt) - t0;
        assert.ok(
          Math.abs(due - seconds * 1000) <= 5000,
          `${path}: nextAttempt ${row.nextAttempt} is ${due} ms ahead, expected ~${seconds} s`
        );
        const [a] = await h.attempts(app.id, msg.id);
        assert.equal(a.responseStatusCode, cases[i][1].status);
        assert.equal(rx.count(path), 1);
      }
    });

    test("Retry-After: 0 is raised to the 1 s minimum", async () => {
      const app = await h.newApp("retry-after-min");
      rx.on("/ra/zero", [{ status: 429, headers: { "retry-after": "0" } }, 200]);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/ra/zero") });
      const msg = await h.send(app.id);
      const [first, second] = await rx.waitForCount("/ra/zero", 2, { timeoutMs: 5000 });
      assert.ok(second.at - first.at >= 900, `retry came ${second.at - first.at} ms after the 429, expected >= 1 s`);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, SUCCESS);
    });

    test("Retry-After is ignored on other statuses and when unparseable", async () => {
      const app = await h.newApp("retry-after-ignored");
      rx.on("/ra/on500", [{ status: 500, headers: { "retry-after": "120" } }, 200]);
      rx.on("/ra/garbage", [{ status: 429, headers: { "retry-after": "soon-ish" } }, 200]);
      const e500 = await h.newEndpoint(app.id, { url: rx.url("/ra/on500") });
      const eBad = await h.newEndpoint(app.id, { url: rx.url("/ra/garbage") });
      const msg = await h.send(app.id);
      // The global 0s schedule applies: both retry at once and succeed.
      assert.equal((await h.settled(app.id, msg.id, e500.id, { timeoutMs: 5000 })).status, SUCCESS);
      assert.equal((await h.settled(app.id, msg.id, eBad.id, { timeoutMs: 5000 })).status, SUCCESS);
      assert.equal(rx.count("/ra/on500"), 2);
      assert.equal(rx.count("/ra/garbage"), 2);
    });

    test("a retry goes to the endpoint's current URL", async () => {
      const app = await h.newApp("moved");
      rx.on("/moved/old", 500);
      rx.on("/moved/new", 200);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/moved/old"), retrySchedule: [2] });
      const msg = await h.send(app.id);
      await waitFor(async () => (await h.destination(app.id, msg.id, ep.id)).status === SENDING);
      const r = await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { url: rx.url("/moved/new") });
      assert.equal(r.status, 200, r.text);
      assert.equal((await h.settled(app.id, msg.id, ep.id, { timeoutMs: 8000 })).status, SUCCESS);
      const attempts = await h.attempts(app.id, msg.id);
      assert.deepEqual(attempts.map((a) => [a.url, a.responseStatusCode]), [
        [rx.url("/moved/old"), 500],
        [rx.url("/moved/new"), 200],
      ]);
      assert.equal(rx.count("/moved/old"), 1);
    });

    test("disabling an endpoint with a retry pending holds the delivery without sending", async () => {
      const app = await h.newApp("disable-pending");
      rx.on("/disable-pending", 500);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/disable-pending"), retrySchedule: [1, 1, 1] });
      const msg = await h.send(app.id);
      await waitFor(async () => (await h.destination(app.id, msg.id, ep.id)).status === SENDING);
      const r = await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { disabled: true });
      assert.equal(r.status, 200, r.text);
      await waitFor(
        async () => {
          const d = await h.destination(app.id, msg.id, ep.id);
          return d.status === PENDING && (d.nextAttempt ?? null) === null;
        },
        { timeoutMs: 8000, message: "the retry was not held" }
      );
      assert.equal(rx.count("/disable-pending"), 1, "nothing is sent to a disabled endpoint");
      assert.equal((await h.attempts(app.id, msg.id)).length, 1);
    });

    test("an endpoint's retrySchedule overrides --retry-schedule", async () => {
      const app = await h.newApp("ep-schedule");
      rx.on("/sched/down", 500);
      const more = await h.newEndpoint(app.id, { url: rx.url("/sched/down?more"), retrySchedule: [0, 0, 0, 0] });
      const none = await h.newEndpoint(app.id, { url: rx.url("/sched/down?none"), retrySchedule: [] });
      const slow = await h.newEndpoint(app.id, { url: rx.url("/sched/down?slow"), retrySchedule: [3600] });
      const dflt = await h.newEndpoint(app.id, { url: rx.url("/sched/down?default") });
      assert.deepEqual(more.retrySchedule, [0, 0, 0, 0]);
      assert.deepEqual((await h.getEndpoint(app.id, none.id)).retrySchedule, []);
      assert.equal(dflt.retrySchedule, null);

      const t0 = Date.now();
      const msg = await h.send(app.id);
      const count = (ep) => rx.requests.filter((r) => r.url === new URL(ep.url).pathname + new URL(ep.url).search).length;
      assert.equal((await h.settled(app.id, msg.id, more.id)).status, FAIL);
      assert.equal((await h.settled(app.id, msg.id, none.id)).status, FAIL);
      assert.equal((await h.settled(app.id, msg.id, dflt.id)).status, FAIL);
      assert.equal(count(more), 5, "4 retries from the endpoint's schedule");
      assert.equal(count(none), 1, "an empty schedule means no retry");
      assert.equal(count(dflt), 3, "the global 0s,0s");

      const row = await waitFor(async () => {
        const d = await h.destination(app.id, msg.id, slow.id);
        return d.status !== PENDING ? d : null;
      });
      assert.equal(row.status, SENDING);
      const due = Date.parse(row.nextAttempt) - t0;
      assert.ok(due >= 3600_000 * 0.8 - 2000 && due <= 3600_000 * 1.2 + 5000, `retry due in ${due} ms, expected 1 h ± 20%`);
      assert.equal(count(slow), 1);

      // PATCH retrySchedule: null returns to the global schedule.
      const patched = await h.api.patch(`/api/v1/app/${app.id}/endpoint/${more.id}`, { retrySchedule: null });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json.retrySchedule, null);
    });
  });

  describe("transport failures, slow answers, redirects and responses", () => {
    let fast; // hookd with a 500 ms attempt timeout
    let hf;
    before(async () => {
      fast = await startDeliveryServer({ flags: { "--attempt-timeout-ms": "500" } });
      hf = hookdApi(fast);
    });
    after(async () => {
      await fast?.stop();
    });

    test("a hanging receiver times out (error timeout, status 0) without delaying other endpoints", async () => {
      const app = await hf.newApp("hang");
      rx.on("/hang", "hang");
      rx.on("/healthy", 200);
      const hang = await hf.newEndpoint(app.id, { url: rx.url("/hang"), retrySchedule: [] });
      const healthy = await hf.newEndpoint(app.id, { url: rx.url("/healthy") });
      const msgs = await Promise.all([1, 2, 3, 4, 5].map((n) => hf.send(app.id, { payload: { n } })));
      // All five healthy deliveries land while the five hanging requests are still open.
      await rx.waitForCount("/healthy", 5, { timeoutMs: 5000 });
      const timedOutSoFar = (await hf.api.get(`/api/v1/app/${app.id}/attempt/endpoint/${hang.id}`)).json.data;
      assert.equal(timedOutSoFar.length, 0, "healthy deliveries did not wait for the hanging endpoint's timeouts");
      for (const m of msgs) assert.equal((await hf.settled(app.id, m.id, healthy.id)).status, SUCCESS);

      for (const m of msgs) {
        assert.equal((await hf.settled(app.id, m.id, hang.id)).status, FAIL);
        const [a] = (await hf.attempts(app.id, m.id)).filter((x) => x.endpointId === hang.id);
        assertAttemptShape(a);
        assert.equal(a.error, "timeout");
        assert.equal(a.responseStatusCode, 0);
        assert.equal(a.status, FAIL);
        assert.equal(typeof a.errorDetail, "string");
        assert.ok(a.responseDurationMs >= 450 && a.responseDurationMs < 3000, `duration ${a.responseDurationMs} ms for a 500 ms timeout`);
      }
      assert.equal(rx.count("/hang"), 5);
    });

    test("a reset connection is a network error with status code 0", async () => {
      const app = await hf.newApp("reset");
      rx.on("/reset", "reset");
      const ep = await hf.newEndpoint(app.id, { url: rx.url("/reset"), retrySchedule: [0] });
      const msg = await hf.send(app.id);
      assert.equal((await hf.settled(app.id, msg.id, ep.id)).status, FAIL);
      const attempts = await hf.attempts(app.id, msg.id);
      assert.equal(attempts.length, 2);
      for (const a of attempts) {
        assertAttemptShape(a);
        assert.equal(a.responseStatusCode, 0);
        assert.ok(["network", "connect"].includes(a.error), `error ${a.error}`);
        assert.ok(a.errorDetail && a.errorDetail.length > 0, "errorDetail says what happened");
      }
    });

    test("nothing listening: connect error", async () => {
      // Bind a receiver to get a loopback port, then close it so the port refuses connections.
      const gone = await startReceiver();
      const url = gone.url("/closed");
      await gone.close();
      const app = await hf.newApp("refused");
      const ep = await hf.newEndpoint(app.id, { url, retrySchedule: [] });
      const msg = await hf.send(app.id);
      assert.equal((await hf.settled(app.id, msg.id, ep.id)).status, FAIL);
      const [a] = await hf.attempts(app.id, msg.id);
      assert.equal(a.error, "connect");
      assert.equal(a.responseStatusCode, 0);
    });

    test("a slow answer within the timeout succeeds and its duration is recorded", async () => {
      const app = await h.newApp("slow"); // main server: 2 s timeout
      rx.on("/slow", { status: 200, delayMs: 300, body: "took a while" });
      const ep = await h.newEndpoint(app.id, { url: rx.url("/slow") });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, SUCCESS);
      const [a] = await h.attempts(app.id, msg.id);
      assert.equal(a.status, SUCCESS);
      assert.equal(a.responseStatusCode, 200);
      assert.equal(a.response, "took a while");
      // 2 ms of slack for timer granularity (a node timer may fire up to 1 ms early).
      assert.ok(a.responseDurationMs >= 298 && a.responseDurationMs < 2000, `responseDurationMs ${a.responseDurationMs}`);
    });

    test("redirects are not followed and count as failures", async () => {
      const app = await h.newApp("redirect");
      rx.on("/redirect/302", { redirect: rx.url("/redirect/target"), body: "see other" });
      rx.on("/redirect/307", { status: 307, redirect: rx.url("/redirect/target") });
      const e302 = await h.newEndpoint(app.id, { url: rx.url("/redirect/302") });
      const e307 = await h.newEndpoint(app.id, { url: rx.url("/redirect/307"), retrySchedule: [] });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, e302.id)).status, FAIL);
      assert.equal((await h.settled(app.id, msg.id, e307.id)).status, FAIL);
      const attempts = await h.attempts(app.id, msg.id);
      assert.equal(attempts.filter((a) => a.endpointId === e302.id).length, 3, "3xx is retried like any failure");
      for (const a of attempts) {
        assert.equal(a.status, FAIL);
        assert.equal(a.responseStatusCode, a.endpointId === e302.id ? 302 : 307);
        assert.match(a.errorDetail ?? "", /redirect/i);
      }
      assert.equal(rx.count("/redirect/target"), 0, "the Location target was never called");
    });

    test("the response body is stored, truncated to 20 KB", async () => {
      const app = await h.newApp("bodies");
      const big = Array.from({ length: 30_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
      rx.on("/body/big", { status: 200, body: big });
      rx.on("/body/error", { status: 422, body: '{"error":"bad payload"}', headers: { "content-type": "application/json" } });
      const bigEp = await h.newEndpoint(app.id, { url: rx.url("/body/big") });
      const errEp = await h.newEndpoint(app.id, { url: rx.url("/body/error"), retrySchedule: [] });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, bigEp.id)).status, SUCCESS);
      assert.equal((await h.settled(app.id, msg.id, errEp.id)).status, FAIL);
      const attempts = await h.attempts(app.id, msg.id);
      const bigA = attempts.find((a) => a.endpointId === bigEp.id);
      assert.equal(bigA.response.length, 20 * 1024);
      assert.equal(bigA.response, big.slice(0, 20 * 1024));
      const errA = attempts.find((a) => a.endpointId === errEp.id);
      assert.equal(errA.responseStatusCode, 422);
      assert.equal(errA.response, '{"error":"bad payload"}');
    });

    test("an endless response body is not read to its end: the status stands, the attempt ends", async () => {
      const app = await h.newApp("endless"); // main server: 2 s timeout
      let sent = 0;
      let closed;
      const done = new Promise((r) => (closed = r));
      rx.on("/body/endless", (req, res) => {
        res.writeHead(200, { "content-length": String(1 << 30) });
        const chunk = Buffer.alloc(64 * 1024, "x");
        const pump = () => {
          while (!res.destroyed && sent < 1 << 30 && res.write(chunk)) sent += chunk.length;
        };
        res.on("drain", pump);
        res.on("close", () => closed(sent));
        pump();
      });
      const ep = await h.newEndpoint(app.id, { url: rx.url("/body/endless"), retrySchedule: [] });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, SUCCESS);
      const [a] = await h.attempts(app.id, msg.id);
      assert.equal(a.responseStatusCode, 200);
      assert.equal(a.response.length, 20 * 1024);
      assert.ok(a.responseDurationMs < 1000, `responseDurationMs ${a.responseDurationMs}`);
      assert.ok((await done) < 64 << 20, `hookd read ${sent} bytes of it`);
    });
  });

  describe("stored responses are valid JSON strings", () => {
    /** GET as raw bytes and decode strictly: JSON must be valid UTF-8 (RFC 8259). */
    const strictJson = async (path) => {
      const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${server.token}` } });
      const bytes = new Uint8Array(await res.arrayBuffer());
      let text;
      assert.doesNotThrow(() => {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      }, `${path}: response is not valid UTF-8`);
      return JSON.parse(text);
    };

    test("truncation never splits a UTF-8 character; non-UTF-8 bodies are not passed through raw", async () => {
      const app = await h.newApp("utf8");
      // 20479 ASCII bytes then "é" (2 bytes): the 20 KB cut falls inside the character.
      const split = "a".repeat(20 * 1024 - 1) + "é" + "tail";
      rx.on("/utf8/split", { status: 200, body: split, headers: { "content-type": "text/plain; charset=utf-8" } });
      rx.on("/utf8/binary", (req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x21]));
      });
      rx.on("/utf8/emoji", { status: 200, body: "ok ✓ 😀" });
      const eps = {
        split: await h.newEndpoint(app.id, { url: rx.url("/utf8/split") }),
        binary: await h.newEndpoint(app.id, { url: rx.url("/utf8/binary") }),
        emoji: await h.newEndpoint(app.id, { url: rx.url("/utf8/emoji") }),
      };
      const msg = await h.send(app.id);
      for (const ep of Object.values(eps)) await h.settled(app.id, msg.id, ep.id);
      const list = await strictJson(`/api/v1/app/${app.id}/attempt/msg/${msg.id}`);
      const by = (ep) => list.data.find((a) => a.endpointId === ep.id);
      assert.equal(by(eps.emoji).response, "ok ✓ 😀", "valid UTF-8 is kept as is");
      assert.ok(split.startsWith(by(eps.split).response.replace(/\uFFFD$/, "")), "a prefix of the body");
      assert.ok(Buffer.byteLength(by(eps.split).response) <= 20 * 1024 + 3);
      assert.ok(by(eps.binary).response.startsWith("ok"));
      for (const ep of Object.values(eps)) {
        const a = by(ep);
        assert.deepEqual(await strictJson(`/api/v1/app/${app.id}/msg/${msg.id}/attempt/${a.id}`), a);
      }
    });
  });

  describe("resend, send-example, recover, stats", () => {
    test("resend makes a manual attempt (triggerType 1) with the same webhook-id", async () => {
      const app = await h.newApp("resend");
      const ep = await h.newEndpoint(app.id, { url: rx.url("/resend") });
      const msg = await h.send(app.id, { payload: { again: true } });
      await h.settled(app.id, msg.id, ep.id);
      const r = await h.api.post(`/api/v1/app/${app.id}/msg/${msg.id}/endpoint/${ep.id}/resend`);
      assert.equal(r.status, 202, r.text);
      assert.deepEqual(r.json, {});
      const reqs = await rx.waitForCount("/resend", 2);
      assert.deepEqual(reqs.map((x) => x.headers["webhook-id"]), [msg.id, msg.id]);
      assert.equal(reqs[1].body, reqs[0].body);
      const attempts = await h.waitAttempts(app.id, msg.id, ep.id, 2);
      assert.deepEqual(attempts.map((a) => a.triggerType), [0, 1]);
      assert.deepEqual(attempts.map((a) => a.status), [SUCCESS, SUCCESS]);
      assert.equal((await h.destination(app.id, msg.id, ep.id)).status, SUCCESS);
      // Unknown message or endpoint: 404.
      assert.equal((await h.api.post(`/api/v1/app/${app.id}/msg/msg_nope/endpoint/${ep.id}/resend`)).status, 404);
      assert.equal((await h.api.post(`/api/v1/app/${app.id}/msg/${msg.id}/endpoint/ep_nope/resend`)).status, 404);
    });

    test("resend of a failed delivery succeeds once the receiver is back", async () => {
      const app = await h.newApp("resend-failed");
      rx.on("/resend-failed", [500, 200]);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/resend-failed"), retrySchedule: [] });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, FAIL);
      const r = await h.api.post(`/api/v1/app/${app.id}/msg/${msg.id}/endpoint/${ep.id}/resend`);
      assert.equal(r.status, 202, r.text);
      const attempts = await h.waitAttempts(app.id, msg.id, ep.id, 2);
      assert.deepEqual(attempts.map((a) => [a.triggerType, a.status]), [[0, FAIL], [1, SUCCESS]]);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, SUCCESS);
    });

    test("resend of a delivery waiting for a far retry sends now", async () => {
      const app = await h.newApp("resend-waiting");
      rx.on("/resend-waiting", [{ status: 429, headers: { "retry-after": "3600" } }, 200]);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/resend-waiting") });
      const msg = await h.send(app.id);
      await waitFor(async () => (await h.destination(app.id, msg.id, ep.id)).status === SENDING);
      const r = await h.api.post(`/api/v1/app/${app.id}/msg/${msg.id}/endpoint/${ep.id}/resend`);
      assert.equal(r.status, 202, r.text);
      const row = await h.settled(app.id, msg.id, ep.id);
      assert.equal(row.status, SUCCESS);
      assert.equal(row.nextAttempt, null, "the far retry is no longer scheduled");
      const attempts = await h.attempts(app.id, msg.id);
      assert.deepEqual(attempts.map((a) => [a.triggerType, a.responseStatusCode]), [[0, 429], [1, 200]]);
    });

    test("resend while an attempt is in flight is not lost", async () => {
      const app = await h.newApp("resend-inflight");
      rx.on("/resend-inflight", [{ status: 200, delayMs: 700 }, 200]);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/resend-inflight") });
      const msg = await h.send(app.id);
      await rx.waitForCount("/resend-inflight", 1); // the first attempt is now waiting for its answer
      const r = await h.api.post(`/api/v1/app/${app.id}/msg/${msg.id}/endpoint/${ep.id}/resend`);
      assert.equal(r.status, 202, r.text);
      // The 202 promised a manual attempt; it must happen after the scheduled one completes.
      const attempts = await h.waitAttempts(app.id, msg.id, ep.id, 2, { timeoutMs: 5000 });
      assert.deepEqual(attempts.map((a) => a.triggerType), [0, 1]);
      assert.equal(rx.count("/resend-inflight"), 2);
    });

    test("send-example delivers a sample message to that endpoint only", async () => {
      const app = await h.newApp("example");
      const target = await h.newEndpoint(app.id, { url: rx.url("/example/target") });
      await h.newEndpoint(app.id, { url: rx.url("/example/bystander") }); // subscribed to everything
      const r = await h.api.post(`/api/v1/app/${app.id}/endpoint/${target.id}/send-example`, { eventType: "invoice.paid" });
      assert.equal(r.status, 202, r.text);
      assert.match(r.json.id, /^msg_/);
      assert.equal(r.json.eventType, "invoice.paid");
      assert.deepEqual((await h.destinations(app.id, r.json.id)).map((d) => d.id), [target.id]);
      const [req] = await rx.waitForCount("/example/target", 1);
      assert.equal(req.headers["webhook-id"], r.json.id);
      assert.deepEqual(JSON.parse(req.body), r.json.payload);
      assert.equal((await h.settled(app.id, r.json.id, target.id)).status, SUCCESS);
      assert.equal(rx.count("/example/bystander"), 0);

      // With schema examples on the event type, the example is the payload.
      const typeName = `example.with-schema-${randomBytes(3).toString("hex")}`;
      const et = await h.api.post("/api/v1/event-type", {
        name: typeName,
        description: "has examples",
        schemas: { 1: { type: "object", examples: [{ amount: 42, currency: "EUR" }, { amount: 7 }] } },
      });
      assert.ok([200, 201].includes(et.status), et.text);
      const ex = await h.api.post(`/api/v1/app/${app.id}/endpoint/${target.id}/send-example`, { eventType: typeName, exampleIndex: 1 });
      assert.equal(ex.status, 202, ex.text);
      const reqs = await rx.waitForCount("/example/target", 2);
      assert.deepEqual(JSON.parse(reqs[1].body), { amount: 7 });
    });

    test("recover re-sends failed deliveries created since the given time", async () => {
      const app = await h.newApp("recover");
      rx.on("/recover", 500);
      const ep = await h.newEndpoint(app.id, { url: rx.url("/recover"), retrySchedule: [] });
      const old = await h.send(app.id, { payload: { which: "old" } });
      assert.equal((await h.settled(app.id, old.id, ep.id)).status, FAIL);
      await waitFor(() => Date.now() > Date.parse(old.timestamp) + 5, { message: "clock" });
      const since = new Date().toISOString();
      const m1 = await h.send(app.id, { payload: { which: 1 } });
      const m2 = await h.send(app.id, { payload: { which: 2 } });
      assert.equal((await h.settled(app.id, m1.id, ep.id)).status, FAIL);
      assert.equal((await h.settled(app.id, m2.id, ep.id)).status, FAIL);

      rx.on("/recover", 200);
      const r = await h.api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/recover`, { since });
      assert.equal(r.status, 202, r.text);
      assert.match(r.json.id, /^qtask_/);
      assert.ok(["running", "finished"].includes(r.json.status), r.text);
      assert.equal(r.json.task, "endpoint.recover");
      await waitFor(async () => (await h.api.get(`/api/v1/background-task/${r.json.id}`)).json.status === "finished");

      assert.equal((await h.settled(app.id, m1.id, ep.id)).status, SUCCESS);
      assert.equal((await h.settled(app.id, m2.id, ep.id)).status, SUCCESS);
      assert.equal((await h.destination(app.id, old.id, ep.id)).status, FAIL, "deliveries before `since` are not recovered");
      const ids = rx.requestsTo("/recover").map((x) => x.headers["webhook-id"]);
      assert.deepEqual(ids.filter((i) => i === old.id).length, 1);
      assert.deepEqual(ids.filter((i) => i === m1.id).length, 2);
      assert.deepEqual(ids.filter((i) => i === m2.id).length, 2);

      const bad = await h.api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/recover`, {});
      assert.equal(bad.status, 422, "since is required");
    });

    test("endpoint stats count deliveries by status", async () => {
      const app = await h.newApp("stats");
      // The payload tells the receiver what to answer.
      rx.on("/stats", (req, res, rec) => {
        const want = JSON.parse(rec.body).want;
        res.writeHead(want, want === 429 ? { "retry-after": "3600" } : {});
        res.end();
      });
      const ep = await h.newEndpoint(app.id, { url: rx.url("/stats"), retrySchedule: [0] });
      const zero = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/stats`)).json, zero);
      const msgs = [];
      for (const want of [200, 204, 500, 429]) msgs.push(await h.send(app.id, { payload: { want } }));
      for (const m of msgs.slice(0, 3)) await h.settled(app.id, m.id, ep.id);
      await waitFor(async () => (await h.destination(app.id, msgs[3].id, ep.id)).status === SENDING, { message: "429 not recorded" });
      const stats = await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/stats`);
      assert.equal(stats.status, 200);
      assert.deepEqual(stats.json, { success: 2, pending: 0, sending: 1, fail: 1, canceled: 0 });
      const future = new Date(Date.now() + 3600_000).toISOString();
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/stats?since=${future}`)).json, zero);
    });
  });

  describe("throttling", () => {
    test("throttleRate 5/s spreads 15 messages over about 2 s", async () => {
      const app = await h.newApp("throttle");
      const ep = await h.newEndpoint(app.id, { url: rx.url("/throttle"), throttleRate: 5 });
      await h.newEndpoint(app.id, { url: rx.url("/throttle-free") }); // no throttleRate
      const msgs = await Promise.all(Array.from({ length: 15 }, (_, n) => h.send(app.id, { payload: { n } })));
      // The unthrottled sibling gets all 15 at once: throttling is per endpoint.
      const free = await rx.waitForCount("/throttle-free", 15, { timeoutMs: 3000 });
      const reqs = await rx.waitForCount("/throttle", 15, { timeoutMs: 10_000 });
      const times = reqs.map((r) => r.at).sort((a, b) => a - b);
      const span = times[14] - times[0];
      assert.ok(span >= 1500, `15 sends at 5/s took only ${span} ms`);
      assert.ok(span < 6000, `15 sends at 5/s took ${span} ms`);
      // In any 1 s window: at most the burst (5) plus 5 refilled, with one of slack.
      for (let i = 0; i < times.length; i++) {
        const inWindow = times.filter((t) => t >= times[i] && t < times[i] + 1000).length;
        assert.ok(inWindow <= 11, `${inWindow} sends within 1 s from send ${i}`);
      }
      const freeSpan = Math.max(...free.map((r) => r.at)) - Math.min(...free.map((r) => r.at));
      assert.ok(freeSpan < span, `unthrottled span ${freeSpan} ms < throttled ${span} ms`);
      assert.deepEqual(new Set(reqs.map((r) => r.headers["webhook-id"])), new Set(msgs.map((m) => m.id)));
      for (const m of msgs) assert.equal((await h.settled(app.id, m.id, ep.id)).status, SUCCESS);
    });
  });

  describe("attempt history API", () => {
    let app;
    let ep;
    let msgs; // by wanted answer
    let all; // every attempt of ep, newest first

    before(async () => {
      app = await h.newApp("history");
      rx.on("/history", (req, res, rec) => {
        const want = JSON.parse(rec.body).want;
        if (want === "reset") return req.socket.destroy();
        res.writeHead(want);
        res.end(String(want));
      });
      ep = await h.newEndpoint(app.id, { url: rx.url("/history"), retrySchedule: [], channels: ["ch-a", "ch-b"] });
      msgs = {};
      for (const [want, type, channel] of [
        [200, "hist.ok", "ch-a"],
        [201, "hist.ok", "ch-b"],
        [500, "hist.err", "ch-a"],
        [404, "hist.err", "ch-b"],
        ["reset", "hist.err", "ch-a"],
      ]) {
        msgs[want] = await h.send(app.id, { eventType: type, channels: [channel], payload: { want } });
        await h.settled(app.id, msgs[want].id, ep.id);
      }
      const r = await h.api.get(`/api/v1/app/${app.id}/attempt/endpoint/${ep.id}?limit=250`);
      assert.equal(r.status, 200, r.text);
      all = r.json.data;
    });

    const list = async (query) => {
      const r = await h.api.get(`/api/v1/app/${app.id}/attempt/endpoint/${ep.id}?${query}`);
      assert.equal(r.status, 200, `${query}: ${r.text}`);
      return r.json;
    };
    const codes = (page) => page.data.map((a) => a.responseStatusCode).sort((a, b) => a - b);

    test("list by endpoint: one attempt per message, newest first, full shape", () => {
      assert.equal(all.length, 5);
      all.forEach(assertAttemptShape);
      const ids = all.map((a) => a.id);
      assert.deepEqual(ids, [...ids].sort().reverse(), "newest first by default");
      assert.deepEqual(all.map((a) => a.msgId).reverse(), [200, 201, 500, 404, "reset"].map((w) => msgs[w].id));
    });

    test("DELETE an attempt's content: 204, then its response reads EXPUNGED", async () => {
      const own = await h.newApp("expunge"); // apart from the history this block lists
      const e = await h.newEndpoint(own.id, { url: rx.url("/history"), retrySchedule: [] });
      const msg = await h.send(own.id, { payload: { want: 201 } });
      const [a] = await h.waitAttempts(own.id, msg.id, e.id, 1);
      const url = `/api/v1/app/${own.id}/msg/${msg.id}/attempt/${a.id}`;
      assert.equal((await h.api.get(url)).json.response, "201");
      assert.equal((await h.api.delete(`${url}/content`)).status, 204);
      const after = (await h.api.get(url)).json;
      assert.equal(after.response, "EXPUNGED");
      assert.equal(after.responseStatusCode, 201, "the rest of the record stays");
      assert.equal((await h.api.delete(`/api/v1/app/${own.id}/msg/${msg.id}/attempt/atmpt_none/content`)).status, 404);
    });

    test("filters: status, status_code_class, event_types, channel", async () => {
      assert.deepEqual(codes(await list("status=0")), [200, 201]);
      assert.deepEqual(codes(await list("status=2")), [0, 404, 500]);
      assert.deepEqual(codes(await list("status_code_class=200")), [200, 201]);
      assert.deepEqual(codes(await list("status_code_class=400")), [404]);
      assert.deepEqual(codes(await list("status_code_class=500")), [500]);
      assert.deepEqual(codes(await list("status_code_class=0")), [0], "class 0: no HTTP response");
      assert.deepEqual(codes(await list("status_code_class=300")), []);
      assert.deepEqual(codes(await list("status=2&status_code_class=500")), [500]);
      assert.deepEqual(codes(await list("event_types=hist.ok")), [200, 201]);
      assert.deepEqual(codes(await list("channel=ch-b")), [201, 404]);
      const mid = all.find((a) => a.msgId === msgs[500].id).timestamp;
      assert.deepEqual(codes(await list(`before=${encodeURIComponent(mid)}`)), [200, 201]);
      for (const bad of ["status=9", "status=x", "status_code_class=250", "status_code_class=600", "limit=0"]) {
        const r = await h.api.get(`/api/v1/app/${app.id}/attempt/endpoint/${ep.id}?${bad}`);
        assert.equal(r.status, 422, `${bad}: ${r.text}`);
      }
    });

    test("pagination with limit and iterator, both orders", async () => {
      for (const order of ["descending", "ascending"]) {
        const seen = [];
        let iterator = "";
        for (let page = 0; page < 10; page++) {
          const p = await list(`limit=2&order=${order}${iterator ? `&iterator=${iterator}` : ""}`);
          assert.ok(p.data.length <= 2);
          seen.push(...p.data.map((a) => a.id));
          if (p.done) break;
          assert.equal(typeof p.iterator, "string");
          iterator = encodeURIComponent(p.iterator);
        }
        const expected = all.map((a) => a.id);
        assert.deepEqual(seen, order === "descending" ? expected : [...expected].reverse(), `${order} pages`);
      }
    });

    test("list by message, get one attempt, messages of an endpoint", async () => {
      const m = msgs[500];
      const byMsg = await h.api.get(`/api/v1/app/${app.id}/attempt/msg/${m.id}?endpoint_id=${ep.id}`);
      assert.equal(byMsg.status, 200, byMsg.text);
      assert.equal(byMsg.json.data.length, 1);
      const a = byMsg.json.data[0];
      assert.equal(a.response, "500");
      const one = await h.api.get(`/api/v1/app/${app.id}/msg/${m.id}/attempt/${a.id}`);
      assert.equal(one.status, 200, one.text);
      assert.deepEqual(one.json, a);
      assert.equal((await h.api.get(`/api/v1/app/${app.id}/msg/${msgs[200].id}/attempt/${a.id}`)).status, 404, "attempt of another message");
      assert.equal((await h.api.get(`/api/v1/app/${app.id}/msg/${m.id}/attempt/atmpt_nope`)).status, 404);

      const em = await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/msg?limit=250`);
      assert.equal(em.status, 200, em.text);
      assert.equal(em.json.data.length, 5);
      for (const row of em.json.data) {
        assert.match(row.id, /^msg_/);
        assert.equal(typeof row.eventType, "string");
        assert.ok("payload" in row && "timestamp" in row);
        assert.ok([SUCCESS, FAIL].includes(row.status));
        assert.equal(row.statusText, row.status === SUCCESS ? "success" : "fail");
        assert.equal(row.nextAttempt, null);
      }
      const failed = (await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/msg?status=2`)).json.data;
      assert.deepEqual(failed.map((x) => x.id).sort(), [msgs[500].id, msgs[404].id, msgs.reset.id].sort());
      const ok = (await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/msg?status=0`)).json.data;
      assert.deepEqual(ok.map((x) => x.id).sort(), [msgs[200].id, msgs[201].id].sort());
    });
  });
});

describe("delivery metrics", () => {
  test("attempt counters and the duration histogram", async () => {
    const [s, rx] = await Promise.all([startDeliveryServer(), startReceiver()]);
    try {
      const hm = hookdApi(s);
      const scrape = async () => {
        const r = await request(s, "GET", "/metrics", { token: null });
        assert.equal(r.status, 200);
        const get = (name) => {
          const re = new RegExp(`^${name.replace(/[{}"+.]/g, "\\$&")} ([0-9.e+-]+)$`, "m");
          const m = re.exec(r.text);
          return m ? Number(m[1]) : undefined;
        };
        return {
          success: get('hookd_delivery_attempts_total{result="success"}'),
          failure: get('hookd_delivery_attempts_total{result="failure"}'),
          exhausted: get("hookd_delivery_exhausted_total"),
          refused: get("hookd_store_outcomes_refused_total"),
          count: get("hookd_delivery_attempt_duration_seconds_count"),
          sum: get("hookd_delivery_attempt_duration_seconds_sum"),
          le025: get('hookd_delivery_attempt_duration_seconds_bucket{le="0.25"}'),
          le05: get('hookd_delivery_attempt_duration_seconds_bucket{le="0.5"}'),
          inf: get('hookd_delivery_attempt_duration_seconds_bucket{le="+Inf"}'),
          text: r.text,
        };
      };
      const before = await scrape();
      assert.equal(before.refused, 0, "one node never loses a claim");
      assert.deepEqual(
        [before.success, before.failure, before.count],
        [0, 0, 0],
        `fresh server counters:\n${before.text}`
      );
      rx.on("/m/fast", 200);
      rx.on("/m/slow", { status: 200, delayMs: 300 });
      rx.on("/m/fail", 500);
      const app = await hm.newApp("metrics");
      const eps = [
        await hm.newEndpoint(app.id, { url: rx.url("/m/fast") }),
        await hm.newEndpoint(app.id, { url: rx.url("/m/slow") }),
        await hm.newEndpoint(app.id, { url: rx.url("/m/fail"), retrySchedule: [] }),
      ];
      const msg = await hm.send(app.id);
      for (const ep of eps) await hm.settled(app.id, msg.id, ep.id);
      const now = await scrape();
      assert.equal(now.success, 2, now.text);
      assert.equal(now.failure, 1, now.text);
      assert.equal(now.exhausted, 1, now.text);
      assert.equal(now.count, 3, now.text);
      assert.equal(now.inf, 3, now.text);
      assert.equal(now.le025, 2, "the 300 ms attempt is above the 0.25 s bucket");
      assert.equal(now.le05, 3, "and within the 0.5 s bucket");
      assert.ok(now.sum >= 0.3 && now.sum < 5, `sum ${now.sum}`);
      // Buckets are cumulative.
      const buckets = [...now.text.matchAll(/^hookd_delivery_attempt_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => Number(m[2]));
      assert.ok(buckets.length >= 2);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1], "cumulative buckets");
    } finally {
      await rx.close();
      await s.stop();
    }
  });
});
