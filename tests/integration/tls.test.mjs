// TLS verification and HTTP/2, end to end on loopback. A throwaway CA-less self-signed
// certificate for 127.0.0.1 is made with the openssl CLI. Without trusting it, hookd must refuse
// the connection (error "tls", the receiver never sees a request); trusting it via
// --tls-ca-file, delivery succeeds, over HTTP/2 where the receiver offers it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";

import { client, startServer } from "./lib/server.mjs";
import { waitFor } from "./lib/receiver.mjs";

const LOOPBACK = { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" };

describe("TLS", () => {
  let dir, cert, key, receiver, port;
  const seen = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hookd-tls-"));
    cert = path.join(dir, "cert.pem");
    key = path.join(dir, "key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
      "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    receiver = http2.createSecureServer({ cert: readFileSync(cert), key: readFileSync(key), allowHTTP1: true },
      (req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          seen.push({ httpVersion: req.httpVersion, headers: req.headers, body });
          res.writeHead(200);
          res.end();
        });
      });
    await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    port = receiver.address().port;
  });

  after(async () => {
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function deliverOnce(extraArgs) {
    const server = await startServer({ delivery: true, env: LOOPBACK, args: ["--retry-schedule", "0s", ...extraArgs] });
    try {
      const api = client(server);
      const app = (await api.post("/api/v1/app", { name: "tls" })).json;
      await api.post(`/api/v1/app/${app.id}/endpoint`, { url: `https://127.0.0.1:${port}/hook`, retrySchedule: [] });
      const msg = (await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "tls.test", payload: { n: 1 } })).json;
      return await waitFor(async () => {
        const rows = (await api.get(`/api/v1/app/${app.id}/attempt/msg/${msg.id}`)).json.data;
        return rows.length ? { attempt: rows[0], msg } : null;
      }, { message: "no attempt recorded" });
    } finally {
      await server.stop();
    }
  }

  test("an untrusted certificate fails the attempt with error tls and sends nothing", async () => {
    const before = seen.length;
    const { attempt } = await deliverOnce([]);
    assert.equal(attempt.error, "tls");
    assert.equal(attempt.responseStatusCode, 0);
    assert.equal(attempt.status, 2);
    assert.equal(seen.length, before);
  });

  test("with the CA trusted, delivery succeeds over HTTP/2", async () => {
    const { attempt, msg } = await deliverOnce(["--tls-ca-file", cert]);
    assert.equal(attempt.error, null);
    assert.equal(attempt.responseStatusCode, 200);
    const got = seen.find((r) => r.headers["webhook-id"] === msg.id);
    assert.ok(got, "receiver did not get the message");
    assert.equal(got.httpVersion, "2.0");
    assert.equal(got.body, JSON.stringify({ n: 1 }));
  });
});
