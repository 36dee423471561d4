// Receivers that misbehave below HTTP's surface, over raw loopback sockets: a response dribbled
// a byte at a time, headers that never end, bytes that are not HTTP, a TLS handshake with a
// server that speaks none. Each attempt ends by policy (timeout or a network/TLS error, then the
// retry schedule), and hookd's open sockets and memory come back to where they were. (Status
// codes, Retry-After, 410, hangs, resets and endless bodies are in delivery.test.mjs.)
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";
import { after, before, test } from "node:test";

import { STATUS, hookdApi, startDeliveryServer } from "./lib/delivery_api.mjs";
import { sleep, waitFor } from "./lib/receiver.mjs";

// Sockets only: the store's read connections open database files as reads need them (a pool).
const openSockets = (pid) =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:");
    } catch {
      return false; // closed meanwhile
    }
  }).length;
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

/** A TCP server that runs `behave(socket)` for every connection; close() ends them all. */
async function rawServer(behave) {
  const sockets = new Set();
  const timers = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    behave(s, (fn, ms) => {
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : fn()), ms);
      timers.add(t);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: server.address().port,
    close: () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

const FAULTS = {
  // The status line, then one header byte every 100 ms: never a complete answer.
  "a response dribbled a byte at a time": {
    behave: (s, every) =>
      s.once("data", () => {
        s.write("HTTP/1.1 200 OK\r\n");
        every(() => s.write("X"), 100);
      }),
    errors: ["timeout"],
  },
  // Header lines as fast as the socket takes them.
  "headers that never end": {
    behave: (s, every) =>
      s.once("data", () => {
        s.write("HTTP/1.1 200 OK\r\n");
        every(() => s.write("X-Filler: " + "a".repeat(1000) + "\r\n"), 1);
      }),
    errors: ["network", "timeout"],
  },
  "bytes that are not HTTP": {
    behave: (s) => s.once("data", () => s.end("SSH-2.0-OpenSSH_9.2\r\n\r\ngarbage\r\n")),
    errors: ["network"],
  },
  "a TLS handshake with a server that speaks plain text": {
    behave: (s) => s.once("data", () => s.end("HTTP/1.1 400 Bad Request\r\n\r\n")),
    https: true,
    errors: ["tls", "network"],
  },
};

let server;
let h;
before(async () => {
  server = await startDeliveryServer({ flags: { "--attempt-timeout-ms": "1000" } });
  h = hookdApi(server);
});
after(() => server?.stop());

test("each receiver fault ends its attempt by policy; open sockets and memory return to baseline", async () => {
  const app = await h.newApp("faults");
  // A first delivery warms up what hookd keeps (connection pools, caches) before the baseline.
  const warm = await rawServer((s) => s.once("data", () => s.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")));
  const ep = await h.newEndpoint(app.id, { url: `http://127.0.0.1:${warm.port}/`, retrySchedule: [] });
  const first = await h.send(app.id);
  assert.equal((await h.settled(app.id, first.id, ep.id)).status, STATUS.SUCCESS);
  await h.api.delete(`/api/v1/app/${app.id}/endpoint/${ep.id}`);
  await warm.close();
  await sleep(200);
  const sockets = openSockets(server.pid());
  const rss = rssMb(server.pid());

  for (const [what, fault] of Object.entries(FAULTS)) {
    const rx = await rawServer(fault.behave);
    try {
      const url = `${fault.https ? "https" : "http"}://127.0.0.1:${rx.port}/hook`;
      const ep = await h.newEndpoint(app.id, { url, retrySchedule: [0] });
      const msg = await h.send(app.id);
      const started = Date.now();
      const d = await h.settled(app.id, msg.id, ep.id, { timeoutMs: 15_000 });
      assert.equal(d.status, STATUS.FAIL, what);
      assert.ok(Date.now() - started < 6000, `${what}: took ${Date.now() - started} ms`);
      const attempts = await h.attempts(app.id, msg.id, ep.id);
      assert.equal(attempts.length, 2, `${what}: the first try and one retry`);
      for (const a of attempts) {
        assert.equal(a.responseStatusCode, 0, what);
        assert.ok(fault.errors.includes(a.error), `${what}: error ${a.error} (${a.errorDetail})`);
      }
      console.log(`${what}: ${attempts.map((a) => `${a.error} after ${a.responseDurationMs} ms`).join(", ")}`);
      await h.api.delete(`/api/v1/app/${app.id}/endpoint/${ep.id}`);
    } finally {
      await rx.close();
    }
  }
  // Connections to the faulty receivers are closed, nothing else is left open or held.
  await waitFor(() => openSockets(server.pid()) <= sockets + 2, {
    timeoutMs: 5000,
    message: () => `open sockets ${openSockets(server.pid())}, baseline ${sockets}`,
  });
  assert.ok(rssMb(server.pid()) - rss < 32, `RSS ${rss.toFixed(1)} -> ${rssMb(server.pid()).toFixed(1)} MiB`);
});
