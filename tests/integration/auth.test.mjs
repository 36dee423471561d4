// Authentication and authorisation: admin vs app-scoped tokens, open endpoints, first-start token.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";

import {
  MINTED_TOKEN_RE,
  client,
  isErrorBody,
  makeTempDir,
  request,
  startServer,
} from "./lib/server.mjs";

function assertError(res, status, what) {
  assert.equal(res.status, status, `${what}: status (body ${res.text})`);
  assert.ok(isErrorBody(res.json), `${what}: JSON {code, detail} body, got ${res.text}`);
}

describe("tokens on a running server", () => {
  let server;
  let admin;
  let appA;
  let appB;
  let epA;
  let epB;
  let msgB;
  let appToken; // scoped to app A
  let scoped;

  before(async () => {
    server = await startServer();
    admin = client(server);
    appA = (await admin.post("/api/v1/app", { name: "A", uid: "auth-app-a" })).json;
    appB = (await admin.post("/api/v1/app", { name: "B", uid: "auth-app-b" })).json;
    assert.ok(appA?.id && appB?.id, "apps created");
    epA = (await admin.post(`/api/v1/app/${appA.id}/endpoint`, { url: "https://a.example/hook", uid: "ep-a" })).json;
    epB = (await admin.post(`/api/v1/app/${appB.id}/endpoint`, { url: "https://b.example/hook", uid: "ep-b" })).json;
    msgB = (await admin.post(`/api/v1/app/${appB.id}/msg`, { eventType: "t.b", payload: { b: 1 }, eventId: "evt-b" })).json;
    assert.ok(epA?.id && epB?.id && msgB?.id, "fixtures created");
    appToken = await server.createToken({ app: "auth-app-a" });
    scoped = client(server, appToken);
  });

  after(async () => {
    await server?.stop();
  });

  test("no authorization header → 401 with JSON {code, detail}", async () => {
    for (const p of ["/api/v1/app", `/api/v1/app/${appA.id}`, `/api/v1/app/${appA.id}/endpoint`, "/api/v1/event-type"]) {
      const res = await request(server, "GET", p, { token: null });
      assertError(res, 401, `GET ${p}`);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    }
    const post = await request(server, "POST", "/api/v1/app", { token: null, body: { name: "x" } });
    assertError(post, 401, "POST /api/v1/app without token");
  });

  test("malformed authorization header → 401", async () => {
    for (const value of ["Basic Zm9vOmJhcg==", "Bearer", "Bearer ", server.token]) {
      const res = await request(server, "GET", "/api/v1/app", { token: null, headers: { authorization: value } });
      assertError(res, 401, `authorization: ${JSON.stringify(value)}`);
    }
  });

  test("unknown token → 401", async () => {
    const res = await request(server, "GET", "/api/v1/app", { token: "hk_" + "0".repeat(48) });
    assertError(res, 401, "bad token");
    const almost = await request(server, "GET", "/api/v1/app", { token: server.token + "x" });
    assertError(almost, 401, "admin token with a suffix");
  });

  test("401 does not leak whether a resource exists", async () => {
    const exists = await request(server, "GET", `/api/v1/app/${appA.id}`, { token: "nope" });
    const missing = await request(server, "GET", "/api/v1/app/app_does_not_exist", { token: "nope" });
    assertError(exists, 401, "existing app, bad token");
    assertError(missing, 401, "missing app, bad token");
  });

  test("admin token sees everything", async () => {
    const list = await admin.get("/api/v1/app");
    assert.equal(list.status, 200);
    const ids = list.json.data.map((a) => a.id);
    assert.ok(ids.includes(appA.id) && ids.includes(appB.id));
    assert.equal((await admin.get(`/api/v1/app/${appB.id}`)).status, 200);
    assert.equal((await admin.get(`/api/v1/app/${appB.id}/endpoint/${epB.id}`)).status, 200);
  });

  test("a token minted with `token create` (no --app) is an admin token", async () => {
    const tok = await server.createToken();
    const res = await request(server, "GET", "/api/v1/app", { token: tok });
    assert.equal(res.status, 200);
    assert.equal(res.json.data.length >= 2, true);
    const created = await request(server, "POST", "/api/v1/app", { token: tok, body: { name: "by minted admin" } });
    assert.equal(created.status, 201, created.text);
  });

  test("app token reads its own app and its resources (by id and uid)", async () => {
    for (const ref of [appA.id, "auth-app-a"]) {
      const res = await scoped.get(`/api/v1/app/${ref}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.id, appA.id);
    }
    const eps = await scoped.get(`/api/v1/app/${appA.id}/endpoint`);
    assert.equal(eps.status, 200);
    assert.deepEqual(eps.json.data.map((e) => e.id), [epA.id]);
    assert.equal((await scoped.get(`/api/v1/app/auth-app-a/endpoint/ep-a`)).status, 200);
    assert.equal((await scoped.get(`/api/v1/app/auth-app-a/endpoint/ep-a/secret`)).status, 200);
  });

  test("app token can write inside its own app", async () => {
    const ep = await scoped.post(`/api/v1/app/${appA.id}/endpoint`, { url: "https://a2.example/hook" });
    assert.equal(ep.status, 201, ep.text);
    const msg = await scoped.post(`/api/v1/app/auth-app-a/msg`, { eventType: "t.a", payload: { a: 1 } });
    assert.equal(msg.status, 202, msg.text);
  });

  test("app token cannot change its own app (403, as Svix)", async () => {
    for (const method of ["PATCH", "PUT"]) {
      const res = await request(server, method, `/api/v1/app/${appA.id}`, { token: appToken, body: { name: "A renamed" } });
      assertError(res, 403, `${method} own app`);
    }
    assert.equal((await admin.get(`/api/v1/app/${appA.id}`)).json.name, "A");
  });

  test("app token gets 404 for another app and everything in it", async () => {
    const paths = [
      `/api/v1/app/${appB.id}`,
      "/api/v1/app/auth-app-b",
      `/api/v1/app/${appB.id}/endpoint`,
      `/api/v1/app/${appB.id}/endpoint/${epB.id}`,
      "/api/v1/app/auth-app-b/endpoint/ep-b",
      `/api/v1/app/${appB.id}/endpoint/${epB.id}/secret`,
      `/api/v1/app/${appB.id}/endpoint/${epB.id}/headers`,
      `/api/v1/app/${appB.id}/msg`,
      `/api/v1/app/${appB.id}/msg/${msgB.id}`,
      "/api/v1/app/auth-app-b/msg/evt-b",
    ];
    for (const p of paths) assertError(await scoped.get(p), 404, `GET ${p}`);
    // Same answer as for an app that doesn't exist at all.
    assertError(await scoped.get("/api/v1/app/no-such-app"), 404, "GET missing app");
  });

  test("app token cannot write into another app", async () => {
    const writes = [
      ["POST", `/api/v1/app/${appB.id}/endpoint`, { url: "https://evil.example/" }],
      ["POST", `/api/v1/app/${appB.id}/msg`, { eventType: "t", payload: {} }],
      ["PATCH", `/api/v1/app/${appB.id}`, { name: "pwned" }],
      ["PUT", `/api/v1/app/${appB.id}`, { name: "pwned" }],
      ["DELETE", `/api/v1/app/${appB.id}`, undefined],
      ["PATCH", `/api/v1/app/${appB.id}/endpoint/${epB.id}`, { url: "https://evil.example/" }],
      ["DELETE", `/api/v1/app/${appB.id}/endpoint/${epB.id}`, undefined],
      ["POST", `/api/v1/app/${appB.id}/endpoint/${epB.id}/secret/rotate`, {}],
      ["PUT", `/api/v1/app/${appB.id}/endpoint/${epB.id}/headers`, { headers: { "x-evil": "1" } }],
      ["DELETE", `/api/v1/app/${appB.id}/msg/${msgB.id}/content`, undefined],
    ];
    for (const [method, p, body] of writes) {
      const res = await request(server, method, p, { token: appToken, body });
      assert.ok([403, 404].includes(res.status), `${method} ${p}: got ${res.status} ${res.text}`);
      assert.ok(isErrorBody(res.json), `${method} ${p}: JSON error body`);
    }
    // Nothing changed in app B.
    const b = await admin.get(`/api/v1/app/${appB.id}`);
    assert.equal(b.json.name, "B");
    const eps = await admin.get(`/api/v1/app/${appB.id}/endpoint`);
    assert.deepEqual(eps.json.data.map((e) => [e.id, e.url]), [[epB.id, "https://b.example/hook"]]);
    const msgs = await admin.get(`/api/v1/app/${appB.id}/msg`);
    assert.deepEqual(msgs.json.data.map((m) => m.id), [msgB.id]);
    const msg = await admin.get(`/api/v1/app/${appB.id}/msg/${msgB.id}`);
    assert.deepEqual(msg.json.payload, { b: 1 });
    const headers = await admin.get(`/api/v1/app/${appB.id}/endpoint/${epB.id}/headers`);
    assert.deepEqual(headers.json.headers, {});
  });

  test("app token cannot list apps (403, as Svix)", async () => {
    assertError(await scoped.get("/api/v1/app"), 403, "GET /api/v1/app with app token");
  });

  test("app token cannot create apps (403) and nothing is created", async () => {
    const before = (await admin.get("/api/v1/app?limit=250")).json.data.length;
    const res = await scoped.post("/api/v1/app", { name: "nope", uid: "auth-forbidden" });
    assertError(res, 403, "POST /api/v1/app with app token");
    const after = (await admin.get("/api/v1/app?limit=250")).json.data.length;
    assert.equal(after, before);
    assertError(await admin.get("/api/v1/app/auth-forbidden"), 404, "the forbidden app");
  });

  test("app token cannot manage event types (403)", async () => {
    const res = await scoped.post("/api/v1/event-type", { name: "scoped.create", description: "x" });
    assertError(res, 403, "POST /api/v1/event-type with app token");
    assertError(await admin.get("/api/v1/event-type/scoped.create"), 404, "event type not created");
  });

  test("token create --app with an unknown app fails", async () => {
    await assert.rejects(server.createToken({ app: "no-such-app" }));
  });

  test("deleting an app revokes the tokens scoped to it", async () => {
    const app = (await admin.post("/api/v1/app", { name: "C", uid: "auth-app-c" })).json;
    const tok = await server.createToken({ app: app.id });
    assert.equal((await request(server, "GET", `/api/v1/app/${app.id}`, { token: tok })).status, 200);
    assert.equal((await admin.delete(`/api/v1/app/${app.id}`)).status, 204);
    const res = await request(server, "GET", "/api/v1/app", { token: tok });
    assertError(res, 401, "token of a deleted app");
  });

  test("app token cannot delete even its own app (403)", async () => {
    const res = await scoped.delete(`/api/v1/app/${appA.id}`);
    assertError(res, 403, "DELETE own app with app token");
    assert.equal((await admin.get(`/api/v1/app/${appA.id}`)).status, 200);
  });

  test("health and metrics need no token", async () => {
    const health = await request(server, "GET", "/api/v1/health", { token: null });
    assert.equal(health.status, 204);
    assert.equal(health.text, "");
    const withBad = await request(server, "GET", "/api/v1/health", { token: "garbage" });
    assert.equal(withBad.status, 204);
    const metrics = await request(server, "GET", "/metrics", { token: null });
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(metrics.text, /hookd_http_requests_total/);
    // The 401s above are counted.
    assert.match(metrics.text, /hookd_http_requests_total\{code="4xx"\} [1-9]/);
  });
});

describe("first start without --admin-token", () => {
  let dir;
  let server;

  before(async () => {
    dir = await makeTempDir();
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("prints a working admin token once; a restart does not mint another", async () => {
    server = await startServer({ token: null, dataDir: dir });
    const out = server.stdout();
    const m = MINTED_TOKEN_RE.exec(out);
    assert.ok(m, `minted token line in stdout:\n${out}`);
    const minted = m[1];
    assert.ok(out.indexOf(minted) < out.indexOf("listening on"), "token printed before the listening line");
    assert.equal(out.split(/hk_[0-9a-f]{48}/).length - 1, 1, "exactly one token printed");

    const ok = await request(server, "GET", "/api/v1/app", { token: minted });
    assert.equal(ok.status, 200);
    const created = await request(server, "POST", "/api/v1/app", { token: minted, body: { name: "first" } });
    assert.equal(created.status, 201, created.text);
    assertError(await request(server, "GET", "/api/v1/app", { token: null }), 401, "no token");

    // Second start on the same store: no new token, the old one still works.
    await server.restart();
    const out2 = server.stdout();
    assert.doesNotMatch(out2, /hk_[0-9a-f]{48}/, `no token printed on the second start:\n${out2}`);
    const again = await request(server, "GET", "/api/v1/app", { token: minted });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json.data.map((a) => a.id), [created.json.id]);
  });
});

describe("--admin-token together with stored tokens", () => {
  let server;
  after(async () => {
    await server?.stop();
  });

  test("configured admin token and `token create` tokens both work; a restart keeps them", async () => {
    server = await startServer();
    assert.doesNotMatch(server.stdout(), /hk_[0-9a-f]{48}/, "no token minted when --admin-token is given");
    const minted = await server.createToken();
    assert.equal((await request(server, "GET", "/api/v1/app")).status, 200);
    assert.equal((await request(server, "GET", "/api/v1/app", { token: minted })).status, 200);
    await server.restart();
    assert.equal((await request(server, "GET", "/api/v1/app")).status, 200);
    assert.equal((await request(server, "GET", "/api/v1/app", { token: minted })).status, 200);
  });
});

describe("authentication on the request's head", () => {
  test("a request without a valid token is answered 401 before its body is sent", async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const net = await import("node:net");
    for (const auth of ["", "Authorization: Bearer hk_not_a_token\r\n"]) {
      const answer = await new Promise((resolve, reject) => {
        const socket = net.connect(server.port, server.host);
        let got = "";
        const timer = setTimeout(() => {
          socket.destroy();
          resolve(null); // still waiting for the body
        }, 3000);
        socket.on("data", (d) => {
          got += d;
          if (got.includes("\r\n\r\n")) {
            clearTimeout(timer);
            socket.destroy();
            resolve(got);
          }
        });
        socket.on("error", reject);
        // Promises 1 MiB, sends none of it.
        socket.write(
          `POST /api/v1/app HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`
        );
      });
      assert.ok(answer, `no answer before the body (${auth ? "bad token" : "no token"})`);
      assert.match(answer, /^HTTP\/1\.1 401 /);
    }
    // A valid token still gets its body read and handled.
    const ok = await client(server).post("/api/v1/app", { name: "after" });
    assert.equal(ok.status, 201, ok.text);
  });
});
