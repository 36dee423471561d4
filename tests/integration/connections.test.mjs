// The HTTP server under hostile clients, over raw loopback sockets: framing that never ends,
// transfer codings a proxy could read differently, bodies sent before a token is checked,
// 100-continue, idle and slow connections, the connection cap and a low open-file limit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { after, before, describe, test } from "node:test";

import { startServer } from "./lib/server.mjs";

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

/** A raw connection: everything received so far, and whether the server closed it. */
function connect(server) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.port, server.host);
    const conn = { sock, received: "", closed: false };
    conn.ended = new Promise((done) => sock.on("close", () => done((conn.closed = true))));
    sock.on("data", (d) => (conn.received += d.toString("latin1")));
    sock.on("error", () => {});
    sock.once("connect", () => resolve(conn));
    sock.once("error", reject);
  });
}

/** Resolves when `conn` has received a full head (true), or after `ms` (false). */
async function headArrives(conn, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!conn.received.includes("\r\n\r\n")) {
    if (conn.closed || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Resolves true when the server closes `conn` within `ms`. */
const closedWithin = (conn, ms) =>
  Promise.race([conn.ended, new Promise((r) => setTimeout(() => r(false), ms))]);

/** Writes `total` bytes of `filler` (stops early when the server answers or closes). */
async function flood(conn, filler, total) {
  const chunk = Buffer.alloc(64 * 1024, filler);
  for (let sent = 0; sent < total && !conn.received && !conn.closed; sent += chunk.length) {
    if (!conn.sock.write(chunk)) await new Promise((r) => conn.sock.once("drain", r).once("close", r));
    await new Promise((r) => setImmediate(r)); // let the answer be read, as a client would
  }
}

const status = (conn) => Number(/^HTTP\/1\.1 (\d{3})/.exec(conn.received)?.[1]);

/** GET over a connection of its own that closes after the answer (no pooled connection stays). */
async function get(server, path) {
  const conn = await connect(server);
  conn.sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  await closedWithin(conn, 5000);
  return conn;
}

async function metric(server, name) {
  const text = (await get(server, "/metrics")).received;
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  return Number(line?.split(" ")[1]);
}

describe("request framing and early answers", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  const post = (extra) =>
    `POST /api/v1/app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\n` +
    `Content-Type: application/json\r\n${extra}\r\n`;

  for (const [what, start, filler] of [
    ["a chunk extension", "Transfer-Encoding: chunked\r\n\r\n5;ext=", "a"],
    ["a chunk-size line", "Transfer-Encoding: chunked\r\n\r\n", "0"],
    ["a trailer field", 'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: ', "a"],
  ]) {
    test(`${what} that never ends is 400 and closed, with memory bounded`, async () => {
      const rss = rssMb(server.pid());
      const conn = await connect(server);
      conn.sock.write(post(start));
      await flood(conn, filler, 64 << 20);
      assert.ok(await headArrives(conn), "answered");
      assert.equal(status(conn), 400, conn.received);
      assert.ok(await closedWithin(conn, 5000), "closed");
      assert.ok(rssMb(server.pid()) - rss < 32, `RSS grew ${rssMb(server.pid()) - rss} MiB`);
    });
  }

  for (const coding of ["xchunked", "chunked, identity", "identity", "gzip, chunked"]) {
    test(`Transfer-Encoding: ${coding} is 400 and closed; the body is never read as a request`, async () => {
      const smuggled = `POST /api/v1/app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.token}\r\nContent-Length: 21\r\n\r\n{"name":"smuggled-1"}`;
      const chunk = `{"name":"x"}`;
      const conn = await connect(server);
      conn.sock.write(
        post(`Transfer-Encoding: ${coding}\r\n`) +
          `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n` +
          smuggled
      );
      assert.ok(await closedWithin(conn, 5000), "closed");
      assert.equal(status(conn), 400, conn.received);
      assert.equal(conn.received.match(/HTTP\/1\.1/g).length, 1, "one answer only");
      const apps = await (await fetch(`${server.url}/api/v1/app`, { headers: { authorization: `Bearer ${server.token}` } })).json();
      assert.ok(!apps.data.some((a) => a.name === "smuggled-1"));
    });
  }

  test("Expect: 100-continue is answered before the body is sent", async () => {
    const body = JSON.stringify({ name: "continued" });
    const conn = await connect(server);
    conn.sock.write(post(`Expect: 100-continue\r\nContent-Length: ${body.length}\r\n`));
    assert.ok(await headArrives(conn), "interim answer");
    assert.match(conn.received, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    conn.received = "";
    conn.sock.write(body);
    assert.ok(await headArrives(conn));
    assert.equal(status(conn), 201, conn.received);
    conn.sock.destroy();
  });

  test("an unknown expectation is 417", async () => {
    const conn = await connect(server);
    conn.sock.write(post("Expect: something-else\r\nContent-Length: 2\r\n"));
    assert.ok(await headArrives(conn));
    assert.equal(status(conn), 417);
  });

  for (const [what, head] of [
    ["no token", "POST /api/v1/app HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"],
    ["a wrong token", "POST /api/v1/app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nContent-Length: 1048576\r\n\r\n"],
    ["no route", "POST /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"],
    ["an unknown receive URL", "POST /ingest/nosuchtoken HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n"],
  ]) {
    test(`a request with ${what} is answered from its head, before its body is sent`, async () => {
      const conn = await connect(server);
      conn.sock.write(head);
      assert.ok(await headArrives(conn), "answered without the body");
      assert.ok([401, 404].includes(status(conn)), conn.received);
      assert.match(conn.received, /Connection: close/i);
      assert.ok(await closedWithin(conn, 5000));
    });
  }
});

describe("idle and slow connections, the connection cap", () => {
  let server;
  before(async () => {
    server = await startServer({
      args: ["--max-connections", "20", "--idle-timeout-seconds", "1", "--header-timeout-seconds", "1"],
    });
  });
  after(() => server?.stop());

  test("an idle connection is closed after idle_timeout", async () => {
    const before = await metric(server, 'hookd_http_connections_closed_total{reason="idle"}');
    const conn = await connect(server);
    assert.ok(await closedWithin(conn, 5000), "closed by the server");
    assert.equal(conn.received, "", "without an answer");
    assert.ok((await metric(server, 'hookd_http_connections_closed_total{reason="idle"}')) > before);
  });

  test("a head sent slowly (slow-loris) is cut off after header_timeout", async () => {
    const conn = await connect(server);
    const head = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    let i = 0;
    const drip = setInterval(() => conn.sock.write(head[i++ % head.length]), 100);
    try {
      assert.ok(await closedWithin(conn, 5000), "closed while still sending");
    } finally {
      clearInterval(drip);
    }
    assert.ok((await metric(server, 'hookd_http_connections_closed_total{reason="timeout"}')) >= 1);
  });

  test("at the cap the longest-idle connection makes room for a new one", async () => {
    const evicted = await metric(server, 'hookd_http_connections_closed_total{reason="evicted"}');
    const idle = [];
    for (let i = 0; i < 20; ++i) idle.push(await connect(server));
    assert.equal(status(await get(server, "/api/v1/health")), 204);
    assert.ok(await closedWithin(idle[0], 1000), "the oldest idle one went");
    assert.ok(idle.slice(1).every((c) => !c.closed));
    assert.ok((await metric(server, 'hookd_http_connections_closed_total{reason="evicted"}')) > evicted);
    for (const c of idle) c.sock.destroy();
  });

  test("at the cap with no idle connection the new one is closed, and service resumes", async () => {
    const busy = [];
    for (let i = 0; i < 20; ++i) {
      const c = await connect(server);
      c.sock.write("GET /api/v1/health HTTP/1.1\r\n"); // a head that is never finished
      busy.push(c);
    }
    await new Promise((r) => setTimeout(r, 100));
    const extra = await connect(server);
    assert.ok(await closedWithin(extra, 2000), "refused");
    assert.equal(extra.received, "");
    // The busy ones time out (header_timeout 1 s); then requests are served again.
    await Promise.all(busy.map((c) => closedWithin(c, 5000)));
    assert.equal(status(await get(server, "/api/v1/health")), 204);
    assert.ok((await metric(server, 'hookd_http_connections_closed_total{reason="refused"}')) >= 1);
  });
});

test("with a soft open-file limit of 1,024, 10,000 idle connections are held and health answers", async () => {
  const server = await startServer({
    wrap: ["prlimit", "--nofile=1024:20000", "--"],
    args: ["--max-connections", "10100"],
  });
  const conns = [];
  try {
    const rss = rssMb(server.pid());
    for (let i = 0; i < 10_000; i += 500) {
      conns.push(...(await Promise.all(Array.from({ length: 500 }, () => connect(server)))));
    }
    const start = Date.now();
    const res = await fetch(`${server.url}/api/v1/health`);
    assert.equal(res.status, 204);
    assert.ok(Date.now() - start < 2000, `health took ${Date.now() - start} ms`);
    const open = await metric(server, "hookd_http_connections");
    assert.ok(open >= 10_000, `${open} connections open`);
    assert.equal(conns.filter((c) => c.closed).length, 0);
    console.log(`10,000 idle connections: RSS ${rss.toFixed(1)} -> ${rssMb(server.pid()).toFixed(1)} MiB`);
  } finally {
    for (const c of conns) c.sock.destroy();
    await server.stop();
  }
});
