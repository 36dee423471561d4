// Background tasks end to end: a bulk-replay of every failed delivery of an endpoint (100,000 on
// SQLite; 20,000 on PostgreSQL, whose delivery is slower here) that survives a kill -9 midway and
// finishes with each delivery sent once more, in bounded memory (RSS reported); replay-missing
// and the background-task API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { client, startServer } from "./lib/server.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

const N = process.env.HOOKD_IT_STORE === "postgres" ? 20_000 : 100_000;
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

async function postMany(api, appId, n) {
  const ids = [];
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, (_, j) =>
        api.post(`/api/v1/app/${appId}/msg`, { eventType: "a.b", payload: { i: i + j } })
      )
    );
    for (const r of batch) {
      assert.equal(r.status, 202, r.text);
      ids.push(r.json.id);
    }
  }
  return ids;
}

test(`bulk-replay of ${N} failed deliveries survives kill -9 midway and sends each once more`, async (t) => {
  const rx = await startReceiver();
  const server = await startServer({
    delivery: true,
    env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" },
    args: ["--claim-lease-seconds", "3", "--task-step", "100"],
  });
  t.after(async () => {
    await server.stop();
    await rx.close();
  });
  let api = client(server);
  rx.on("/bulk", 500);
  const app = (await api.post("/api/v1/app", { name: "bulk" })).json;
  const ep = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/bulk"), retrySchedule: [] })).json;
  const since = new Date(Date.now() - 1000).toISOString();
  const ids = await postMany(api, app.id, N);
  await waitFor(async () => (await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/stats`)).json.fail === N, {
    timeoutMs: 300_000,
    intervalMs: 500,
    message: "the first attempts never all failed",
  });
  // At least once: under this load a short lease may run out and a delivery go twice.
  assert.equal(new Set(rx.requestsTo("/bulk").map((r) => r.headers["webhook-id"])).size, N);

  rx.on("/bulk", 200);
  const replayStart = Date.now();
  const rssBefore = rssMb(server.pid());
  const started = await api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/bulk-replay`, { since, status: 2 });
  assert.equal(started.status, 202, started.text);
  assert.equal(started.json.task, "endpoint.bulk-replay");
  const taskId = started.json.id;
  const task = async () => (await api.get(`/api/v1/background-task/${taskId}`)).json;

  // Kill it midway.
  let peak = rssBefore;
  await waitFor(
    async () => {
      peak = Math.max(peak, rssMb(server.pid()));
      return (await task()).data.messagesSent >= N / 10;
    },
    { timeoutMs: 120_000, intervalMs: 50 }
  );
  const atKill = await task();
  assert.equal(atKill.status, "running", "the task should still be under way at the kill");
  await server.kill();
  await server.restart();
  api = client(server);

  const done = await waitFor(
    async () => {
      peak = Math.max(peak, rssMb(server.pid()));
      const s = await task();
      return s.status === "finished" ? s : null;
    },
    { timeoutMs: 300_000, intervalMs: 200, message: "the task never finished" }
  );
  assert.equal(done.data.messagesSent, N); // the task made each delivery due exactly once
  const again = new Set();
  await waitFor(
    () => {
      for (const r of rx.requestsTo("/bulk")) if (r.at >= replayStart) again.add(r.headers["webhook-id"]);
      peak = Math.max(peak, rssMb(server.pid()));
      return ids.every((id) => again.has(id));
    },
    { timeoutMs: 300_000, intervalMs: 500, message: () => `${ids.filter((id) => !again.has(id)).length} not sent again` }
  );
  console.log(
    `bulk-replay of ${N}: RSS ${rssBefore.toFixed(1)} MB before, peak ${peak.toFixed(1)} MB during;` +
      ` ${atKill.data.messagesSent} made due before kill -9`
  );
  assert.ok(peak < 512, `RSS peaked at ${peak} MB`);

  // The background-task API lists it; an app token sees only its own app's tasks.
  const listed = (await api.get("/api/v1/background-task?task=endpoint.bulk-replay&status=finished")).json;
  assert.ok(listed.data.some((x) => x.id === taskId));
  const other = (await api.post("/api/v1/app", { name: "other" })).json;
  const otherToken = await server.createToken({ app: other.id });
  assert.equal((await client(server, otherToken).get(`/api/v1/background-task/${taskId}`)).status, 404);
  assert.equal((await client(server, otherToken).get("/api/v1/background-task")).json.data.length, 0);
  assert.equal((await api.get("/api/v1/background-task?status=bogus")).status, 422);
});

test("replay-missing sends an endpoint the messages it never got", async (t) => {
  const rx = await startReceiver();
  const server = await startServer({ delivery: true, env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" } });
  t.after(async () => {
    await server.stop();
    await rx.close();
  });
  const api = client(server);
  const app = (await api.post("/api/v1/app", { name: "missing" })).json;
  const since = new Date(Date.now() - 1000).toISOString();
  const before = await postMany(api, app.id, 5); // no endpoint yet
  const ep = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/late") })).json;
  const after = await postMany(api, app.id, 2);
  await rx.waitForCount("/late", 2);
  const r = await api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/replay-missing`, { since });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.task, "endpoint.replay");
  await waitFor(async () => (await api.get(`/api/v1/background-task/${r.json.id}`)).json.status === "finished");
  await rx.waitForCount("/late", 7);
  const got = rx.requestsTo("/late").map((x) => x.headers["webhook-id"]);
  assert.deepEqual(new Set(got), new Set([...before, ...after]));
  assert.equal(got.length, 7); // what it had is not sent again
  assert.equal((await api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/replay-missing`, {})).status, 422);
});
