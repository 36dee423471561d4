// Shared helpers for delivery tests that need more than one file: a delivery-enabled server on
// loopback, thin API helpers (apps, endpoints, messages, attempts, delivery rows) and a Standard
// Webhooks signature check done by hand with node:crypto.
//
// Every destination a test gives hookd must be a loopback receiver (lib/receiver.mjs); the server
// started here only lets 127.0.0.0/8 through its SSRF guard.
import assert from "node:assert/strict";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

import { client, startServer } from "./server.mjs";
import { waitFor } from "./receiver.mjs";

export const LOOPBACK = { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" };

/** Delivery statuses as the API reports them (`status` / `statusText`). */
export const STATUS = { SUCCESS: 0, PENDING: 1, FAIL: 2, SENDING: 3, CANCELED: 4 };

export const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

/** Start hookd with delivery on, loopback allowed, immediate retries unless overridden. */
export function startDeliveryServer({ flags = {}, env = {} } = {}) {
  const all = { "--retry-schedule": "0s,0s", "--attempt-timeout-ms": "2000", ...flags };
  return startServer({ delivery: true, env: { ...LOOPBACK, ...env }, args: Object.entries(all).flat() });
}

/**
 * Expected `v1,<base64>` signature of Standard Webhooks: HMAC-SHA256 keyed with the base64 part
 * of `whsec_...`, over `${msgId}.${timestamp}.${body}` (body: the exact bytes, a Buffer or string).
 */
export function expectedSignature(secret, msgId, timestamp, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const mac = createHmac("sha256", key);
  mac.update(`${msgId}.${timestamp}.`);
  mac.update(typeof body === "string" ? Buffer.from(body, "utf8") : body);
  return `v1,${mac.digest("base64")}`;
}

/** True if one of the space-separated signatures in `headers` matches `body` under `secret`. */
export function signatureMatches(secret, headers, body) {
  const want = Buffer.from(expectedSignature(secret, headers["webhook-id"], headers["webhook-timestamp"], body));
  return String(headers["webhook-signature"] ?? "")
    .split(" ")
    .some((sig) => {
      const got = Buffer.from(sig);
      return got.length === want.length && timingSafeEqual(got, want);
    });
}

/** API helpers bound to one server; each asserts the expected HTTP status and returns JSON. */
export function hookdApi(server) {
  const api = client(server);
  const expect = (r, statuses, what) => {
    assert.ok([].concat(statuses).includes(r.status), `${what}: HTTP ${r.status} ${r.text}`);
    return r.json;
  };
  const h = {
    api,
    expect,
    /** `body` is an ApplicationIn (or just a name). */
    newApp: async (body = {}) =>
      expect(
        await api.post("/api/v1/app", typeof body === "string" ? { name: body } : { name: "test-app", ...body }),
        [200, 201],
        "create app"
      ),
    /** Creates the endpoint, and first the catalogue entries of the event types it filters on. */
    newEndpoint: async (appId, body) => {
      for (const name of body.eventTypes ?? body.filterTypes ?? []) {
        const res = await api.post("/api/v1/event-type", { name, description: name });
        assert.ok([201, 409].includes(res.status), `create event type ${name}: ${res.text}`);
      }
      return expect(await api.post(`/api/v1/app/${appId}/endpoint`, body), 201, `create endpoint ${JSON.stringify(body)}`);
    },
    getEndpoint: async (appId, epId) =>
      expect(await api.get(`/api/v1/app/${appId}/endpoint/${epId}`), 200, "get endpoint"),
    send: async (appId, body = {}) =>
      expect(
        await api.post(`/api/v1/app/${appId}/msg`, { eventType: "test.event", payload: { n: 1 }, ...body }),
        202,
        "create message"
      ),
    /** Attempts of a message, oldest first (optionally only those to `epId`). */
    attempts: async (appId, msgId, epId) => {
      const r = await api.get(`/api/v1/app/${appId}/attempt/msg/${msgId}?limit=250&order=ascending`);
      const list = expect(r, 200, "list attempts by msg").data;
      return epId ? list.filter((a) => a.endpointId === epId) : list;
    },
    /** Rows of GET .../msg/{msg}/endpoint: where the message goes and how each delivery stands. */
    destinations: async (appId, msgId) =>
      expect(await api.get(`/api/v1/app/${appId}/msg/${msgId}/endpoint?limit=250`), 200, "list destinations").data,
    destination: async (appId, msgId, epId) => (await h.destinations(appId, msgId)).find((d) => d.id === epId),
    /** Wait until the delivery of msg to ep is final (success, fail or canceled); returns its row. */
    settled: (appId, msgId, epId, { timeoutMs = 10_000, intervalMs = 20 } = {}) =>
      waitFor(
        async () => {
          const d = await h.destination(appId, msgId, epId);
          return d && [STATUS.SUCCESS, STATUS.FAIL, STATUS.CANCELED].includes(d.status) ? d : null;
        },
        { timeoutMs, intervalMs, message: `delivery ${msgId} -> ${epId} not final` }
      ),
    /** Wait until the message has at least n attempts (to ep, if given); returns them oldest first. */
    waitAttempts: (appId, msgId, epId, n, { timeoutMs = 10_000 } = {}) =>
      waitFor(
        async () => {
          const list = await h.attempts(appId, msgId, epId);
          return list.length >= n ? list : null;
        },
        { timeoutMs, message: `fewer than ${n} attempt(s) of ${msgId} -> ${epId ?? "any endpoint"}` }
      ),
  };
  return h;
}
