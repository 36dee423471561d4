// The SSRF guard end to end. hookd started WITHOUT HOOKD_ALLOWED_NETWORKS must refuse to connect
// to loopback: endpoints pointing at a real receiver on 127.0.0.1 (by address and by the name
// "localhost") get an attempt with error "ssrf" and the receiver sees nothing. With
// HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 the same endpoints are delivered to.
// Only loopback destinations are used; the guard's address ranges are unit-tested in C++.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { client, startServer } from "./lib/server.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

const FAIL = 2;
const SUCCESS = 0;

function helpers(server) {
  const api = client(server);
  const ok = (r, what) => {
    assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${r.text}`);
    return r.json;
  };
  const h = {
    newApp: async () => ok(await api.post("/api/v1/app", { name: "ssrf" }), "create app"),
    newEndpoint: async (appId, url) =>
      ok(await api.post(`/api/v1/app/${appId}/endpoint`, { url, retrySchedule: [] }), "create endpoint"),
    send: async (appId) => ok(await api.post(`/api/v1/app/${appId}/msg`, { eventType: "ssrf.test", payload: { p: 1 } }), "send"),
    settled: (appId, msgId, epId) =>
      waitFor(
        async () => {
          const rows = ok(await api.get(`/api/v1/app/${appId}/msg/${msgId}/endpoint`), "destinations").data;
          const d = rows.find((x) => x.id === epId);
          return d && (d.status === SUCCESS || d.status === FAIL) ? d : null;
        },
        { message: `delivery ${msgId} -> ${epId} not final` }
      ),
    attempts: async (appId, msgId) =>
      ok(await api.get(`/api/v1/app/${appId}/attempt/msg/${msgId}?order=ascending`), "attempts").data,
  };
  return h;
}

describe("SSRF guard", () => {
  let rx;
  before(async () => {
    rx = await startReceiver();
  });
  after(async () => {
    await rx?.close();
  });

  test("without allowed networks, loopback endpoints are refused before connecting", async () => {
    const server = await startServer({ delivery: true,  args: ["--retry-schedule", "0s"] }); // no HOOKD_* in its env
    try {
      const h = helpers(server);
      const app = await h.newApp();
      const byIp = await h.newEndpoint(app.id, rx.url("/ssrf/ip"));
      const byName = await h.newEndpoint(app.id, rx.url("/ssrf/name", "localhost"));
      const retried = (await client(server).post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/ssrf/retried") })).json;
      const msg = await h.send(app.id);
      for (const ep of [byIp, byName, retried]) {
        const row = await h.settled(app.id, msg.id, ep.id);
        assert.equal(row.status, FAIL, `${ep.url}: delivery fails`);
      }
      const attempts = await h.attempts(app.id, msg.id);
      assert.equal(attempts.filter((a) => a.endpointId === retried.id).length, 2, "refusals are retried like other failures");
      for (const a of attempts) {
        assert.equal(a.error, "ssrf", `${a.url}: error ${a.error} (${a.errorDetail})`);
        assert.match(a.errorDetail ?? "", /loopback/i, `${a.url}: errorDetail names the reason`);
        assert.equal(a.responseStatusCode, 0);
        assert.equal(a.status, FAIL);
      }
      assert.equal(attempts.find((a) => a.endpointId === byName.id).url, rx.url("/ssrf/name", "localhost"));
      // Every delivery is final, so no further attempt can reach the receiver.
      assert.deepEqual(rx.requests.map((r) => r.path), [], "the receiver got nothing");
    } finally {
      await server.stop();
    }
  });

  test("an allowed network that does not cover the address still refuses", async () => {
    const server = await startServer({ delivery: true,  env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.2/32" }, args: ["--retry-schedule", "0s"] });
    try {
      const h = helpers(server);
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, rx.url("/ssrf/narrow"));
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, FAIL);
      const [a] = await h.attempts(app.id, msg.id);
      assert.equal(a.error, "ssrf");
      assert.equal(rx.count("/ssrf/narrow"), 0);
    } finally {
      await server.stop();
    }
  });

  test("with HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 the same endpoints are delivered to", async () => {
    const server = await startServer({ delivery: true,  env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" } });
    try {
      const h = helpers(server);
      const app = await h.newApp();
      const byIp = await h.newEndpoint(app.id, rx.url("/ok/ip"));
      const byName = await h.newEndpoint(app.id, rx.url("/ok/name", "localhost"));
      const msg = await h.send(app.id);
      for (const ep of [byIp, byName]) assert.equal((await h.settled(app.id, msg.id, ep.id)).status, SUCCESS, ep.url);
      assert.equal(rx.count("/ok/ip"), 1);
      assert.equal(rx.count("/ok/name"), 1);
      assert.equal(rx.requestsTo("/ok/name")[0].headers["webhook-id"], msg.id);
      for (const a of await h.attempts(app.id, msg.id)) {
        assert.equal(a.error, null);
        assert.equal(a.responseStatusCode, 200);
      }
    } finally {
      await server.stop();
    }
  });

  test("--allowed-networks flag works like the environment variable", async () => {
    const server = await startServer({ delivery: true,  args: ["--allowed-networks", "127.0.0.0/8"] });
    try {
      const h = helpers(server);
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, rx.url("/ok/flag"));
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, SUCCESS);
      assert.equal(rx.count("/ok/flag"), 1);
    } finally {
      await server.stop();
    }
  });
});
