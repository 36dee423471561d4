// Several hookd nodes on one PostgreSQL database, as behind a load balancer: messages posted
// round-robin to every node, one node SIGKILLed mid-stream, PostgreSQL restarted under load.
// Every acknowledged message must arrive at least once; no delivery may be in flight on two
// nodes at once (the receiver counts overlapping requests per webhook-id); duplicates are
// counted and reported.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { client, randomToken, startServer } from "./lib/server.mjs";
import { startPostgres } from "./lib/postgres.mjs";
import { startReceiver, waitFor, sleep } from "./lib/receiver.mjs";

const LEASE_SECONDS = 3;

/** A receiver path that answers after `delayMs` and records requests overlapping per id. */
function overlapCounter(rx, path, delayMs) {
  const open = new Map();
  const stats = { overlaps: 0, requests: 0 };
  rx.on(path, (req, res, rec) => {
    const id = rec.headers["webhook-id"];
    const n = (open.get(id) ?? 0) + 1;
    open.set(id, n);
    stats.requests++;
    if (n > 1) stats.overlaps++;
    setTimeout(() => {
      open.set(id, open.get(id) - 1);
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    }, delayMs);
  });
  return stats;
}

async function startNodes(url, token, n) {
  const nodes = [];
  for (let i = 0; i < n; i++) {
    nodes.push(
      await startServer({
        store: url,
        token,
        delivery: true,
        env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" },
        args: ["--claim-lease-seconds", String(LEASE_SECONDS), "--retry-schedule", "1s,1s,1s,1s",
               "--endpoint-concurrency", "8"],
      })
    );
  }
  return nodes;
}

describe("several nodes on one PostgreSQL", () => {
  let pg;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  test("three nodes, one killed -9 mid-stream: every acknowledged message arrives, never in flight twice", async (t) => {
    const url = await pg.createDatabase();
    const rx = await startReceiver();
    const seen = overlapCounter(rx, "/multi", 15);
    const token = randomToken();
    const nodes = await startNodes(url, token, 3);
    try {
      const api = client(nodes[0]);
      const app = (await api.post("/api/v1/app", { name: "multi" })).json;
      const ep = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/multi") });
      assert.equal(ep.status, 201, ep.text);

      const acked = new Set();
      let refused = 0;
      const post = async (i) => {
        const node = nodes[i % 3];
        try {
          const r = await client(node).post(`/api/v1/app/${app.id}/msg`, { eventType: "multi", payload: { i } });
          if (r.status === 202) acked.add(r.json.id);
          else refused++;
        } catch {
          refused++; // the killed node: not acknowledged
        }
      };
      const N = 900;
      let killedAt = -1;
      for (let i = 0; i < N; i += 30) {
        await Promise.all(Array.from({ length: 30 }, (_, k) => post(i + k)));
        if (killedAt < 0 && i >= N / 3) {
          await nodes[1].kill(); // SIGKILL while its claims are in flight
          killedAt = i;
        }
      }
      assert.ok(acked.size >= N - 300, `most posts were acknowledged (${acked.size})`);
      const received = () => new Set(rx.requestsTo("/multi").map((r) => r.headers["webhook-id"]));
      await waitFor(() => [...acked].every((id) => received().has(id)), {
        timeoutMs: 60_000,
        message: () => `${[...acked].filter((id) => !received().has(id)).length} acknowledged message(s) never arrived`,
      });
      assert.equal(seen.overlaps, 0, "no delivery was in flight on two nodes at once");
      const duplicates = seen.requests - received().size;
      t.diagnostic(`3 nodes, node 2 killed after ${killedAt} posts: ${acked.size} acknowledged, ${refused} refused, ${duplicates} duplicate deliveries`);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await rx.close();
    }
  });

  test("PostgreSQL restarted under load: nothing acknowledged is lost; the API answers 503 meanwhile", async (t) => {
    const url = await pg.createDatabase();
    const rx = await startReceiver();
    const seen = overlapCounter(rx, "/restart", 5);
    const token = randomToken();
    const nodes = await startNodes(url, token, 2);
    try {
      const api = client(nodes[0]);
      const app = (await api.post("/api/v1/app", { name: "restart" })).json;
      const ep = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/restart") });
      assert.equal(ep.status, 201, ep.text);

      const acked = new Set();
      const statuses = new Map();
      let first503 = null;
      let last503 = null;
      let stop = false;
      const load = (async () => {
        for (let i = 0; !stop; i++) {
          const r = await client(nodes[i % 2])
            .post(`/api/v1/app/${app.id}/msg`, { eventType: "restart", payload: { i } })
            .catch(() => null);
          const status = r?.status ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 202) acked.add(r.json.id);
          if (status === 503) {
            first503 ??= Date.now();
            last503 = Date.now();
            assert.ok(r.json?.code && r.json?.detail, `503 carries {code, detail}: ${r.text}`);
          }
          if (status === 503 || status === 0) await sleep(20);
        }
      })();
      await sleep(1500);
      const down = Date.now();
      await pg.restart();
      const up = Date.now();
      await sleep(3000);
      stop = true;
      await load;

      const received = () => new Set(rx.requestsTo("/restart").map((r) => r.headers["webhook-id"]));
      await waitFor(() => [...acked].every((id) => received().has(id)), {
        timeoutMs: 60_000,
        message: () => `${[...acked].filter((id) => !received().has(id)).length} acknowledged message(s) never arrived`,
      });
      assert.equal(seen.overlaps, 0, "no delivery was in flight on two nodes at once");
      assert.ok((statuses.get(202) ?? 0) > 0);
      for (const status of statuses.keys()) assert.ok([202, 503].includes(status), `only 202 and 503 answers (got ${status})`);
      const window = first503 ? last503 - first503 : 0;
      t.diagnostic(`PostgreSQL down for ${up - down} ms: ${acked.size} acknowledged, answers ${JSON.stringify([...statuses])}, 503 window ${window} ms`);
      // Both nodes recovered on their own.
      for (const n of nodes) {
        const r = await client(n).post(`/api/v1/app/${app.id}/msg`, { eventType: "restart", payload: { after: true } });
        assert.equal(r.status, 202, r.text);
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await rx.close();
    }
  });
  test("two nodes: message.completed once per message when its last outcomes land on both at once", async (t) => {
    const url = await pg.createDatabase();
    const rx = await startReceiver();
    const token = randomToken();
    const nodes = await startNodes(url, token, 2);
    try {
      const api = client(nodes[0]);
      const ops = await api.post("/api/v1/operational-webhook/endpoint", {
        url: rx.url("/ops"),
        filterTypes: ["message.completed"],
      });
      assert.equal(ops.status, 201, ops.text);
      const app = (await api.post("/api/v1/app", { name: "complete" })).json;
      // Three endpoints answering at the same moment: a message's outcomes land together, on
      // whichever nodes claimed them.
      for (const p of ["/c1", "/c2", "/c3"]) {
        rx.on(p, { status: 200, delayMs: 20 });
        assert.equal((await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url(p) })).status, 201);
      }
      const ids = [];
      for (let i = 0; i < 600; i += 30) {
        const rs = await Promise.all(
          Array.from({ length: 30 }, (_, k) =>
            client(nodes[(i + k) % 2]).post(`/api/v1/app/${app.id}/msg`, { eventType: "c", payload: { i: i + k } })
          )
        );
        for (const r of rs) {
          assert.equal(r.status, 202, r.text);
          ids.push(r.json.id);
        }
      }
      const reports = () => {
        const byEvent = new Map(); // webhook-id -> msgId (deliveries are at least once)
        for (const r of rx.requestsTo("/ops")) byEvent.set(r.headers["webhook-id"], JSON.parse(r.body).data.msgId);
        return [...byEvent.values()];
      };
      try {
        await waitFor(() => new Set(reports()).size === ids.length, { timeoutMs: 60_000 });
      } catch {
        // Where the missing ones stand: their destinations, and whether hookd holds a completion.
        const seen = new Set(reports());
        const missing = ids.filter((id) => !seen.has(id));
        const states = [];
        for (const id of missing.slice(0, 5)) {
          const dest = (await api.get(`/api/v1/app/${app.id}/msg/${id}/endpoint`)).json?.data ?? [];
          const completion = await api.get(`/api/v1/app/${app.id}/msg/${id}/completion`);
          states.push(`${id}: destinations ${JSON.stringify(dest.map((d) => [d.status, d.nextAttempt]))},` +
            ` completion ${completion.status} ${completion.text}`);
        }
        assert.fail(`${missing.length} message(s) never reported complete:\n${states.join("\n")}`);
      }
      const all = reports();
      assert.equal(all.length, ids.length, "one message.completed per message");
      // Both nodes delivered (so outcomes of one message did land on both).
      const sent = [];
      for (const n of nodes) {
        const metrics = (await client(n).get("/metrics")).text;
        sent.push(Number(/hookd_delivery_attempts_total\{result="success"\} (\d+)/.exec(metrics)?.[1] ?? 0));
      }
      assert.ok(sent.every((n) => n > 0), `both nodes delivered: ${sent}`);
      t.diagnostic(`${ids.length} messages x 3 endpoints, attempts per node ${sent}: ${all.length} completion reports`);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await rx.close();
    }
  });
});
