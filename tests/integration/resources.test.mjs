// Raw-HTTP CRUD behaviour that the SDK suite does not pin down: ids, id-or-uid lookups, upserts,
// archiving, secrets, headers, message filters, content expunging and pagination.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { client, isErrorBody, sleep, startServer } from "./lib/server.mjs";

const ID_RE = (prefix) => new RegExp(`^${prefix}_[0-9A-Za-z]{27}$`);
const enc = encodeURIComponent;

describe("resources", () => {
  let server;
  let api;

  before(async () => {
    server = await startServer();
    api = client(server);
  });
  after(async () => {
    await server?.stop();
  });

  async function mkApp(name, uid) {
    const res = await api.post("/api/v1/app", uid === undefined ? { name } : { name, uid });
    assert.equal(res.status, 201, res.text);
    return res.json;
  }

  test("ids carry their prefix and sort by creation time", async () => {
    const apps = [];
    for (let i = 0; i < 5; i++) apps.push(await mkApp(`order-${i}`));
    for (const a of apps) assert.match(a.id, ID_RE("app"));
    const ids = apps.map((a) => a.id);
    assert.deepEqual([...ids].sort(), ids, "app ids increase with creation time");
    assert.equal(new Set(ids).size, ids.length);

    const eps = [];
    for (let i = 0; i < 4; i++) {
      const r = await api.post(`/api/v1/app/${apps[0].id}/endpoint`, { url: `https://e${i}.example/` });
      assert.equal(r.status, 201, r.text);
      eps.push(r.json);
    }
    for (const e of eps) assert.match(e.id, ID_RE("ep"));
    assert.deepEqual([...eps.map((e) => e.id)].sort(), eps.map((e) => e.id));

    const msgs = [];
    for (let i = 0; i < 4; i++) {
      const r = await api.post(`/api/v1/app/${apps[0].id}/msg`, { eventType: "order.t", payload: { i } });
      assert.equal(r.status, 202, r.text);
      msgs.push(r.json);
    }
    for (const m of msgs) assert.match(m.id, ID_RE("msg"));
    assert.deepEqual([...msgs.map((m) => m.id)].sort(), msgs.map((m) => m.id));
    // Timestamps agree with the id order.
    const times = msgs.map((m) => Date.parse(m.timestamp));
    assert.deepEqual([...times].sort((a, b) => a - b), times);

    // Lists: apps oldest first, endpoints and messages newest first (as Svix), by default.
    const appList = (await api.get("/api/v1/app?limit=250")).json.data.map((a) => a.id);
    assert.deepEqual(appList.filter((id) => ids.includes(id)), ids);
    const epList = (await api.get(`/api/v1/app/${apps[0].id}/endpoint`)).json.data.map((e) => e.id);
    assert.deepEqual(epList, eps.map((e) => e.id).reverse());
    const msgList = (await api.get(`/api/v1/app/${apps[0].id}/msg`)).json.data.map((m) => m.id);
    assert.deepEqual(msgList, msgs.map((m) => m.id).reverse());
    // order= flips it.
    const epAsc = (await api.get(`/api/v1/app/${apps[0].id}/endpoint?order=ascending`)).json.data.map((e) => e.id);
    assert.deepEqual(epAsc, eps.map((e) => e.id));
  });

  test("a message list page stops at 4 MiB of payloads, with an iterator to the rest", async () => {
    const app = await mkApp("big-payloads");
    const ids = [];
    for (let i = 0; i < 12; ++i) {
      const r = await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "big", payload: { pad: "x".repeat(900_000), i } });
      assert.equal(r.status, 202, r.text);
      ids.push(r.json.id);
    }
    const seen = [];
    let iterator = "";
    for (;;) {
      const page = await api.get(`/api/v1/app/${app.id}/msg?limit=250&order=ascending${iterator}`);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.json.data.length >= 1 && page.json.data.length <= 4, `${page.json.data.length} rows of ~900 KB`);
      seen.push(...page.json.data.map((m) => m.id));
      if (page.json.done) break;
      iterator = `&iterator=${page.json.iterator}`;
    }
    assert.deepEqual(seen, ids);
  });

  test("timestamps are RFC 3339 UTC with Z", async () => {
    const a = await mkApp("times");
    for (const t of [a.createdAt, a.updatedAt]) {
      assert.match(t, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      assert.ok(Math.abs(Date.parse(t) - Date.now()) < 60_000, `${t} is about now`);
    }
  });

  test("app path parameter accepts the id or the uid everywhere", async () => {
    const a = await mkApp("by-uid", "res-app-uid");
    for (const ref of [a.id, "res-app-uid"]) {
      const got = await api.get(`/api/v1/app/${ref}`);
      assert.equal(got.status, 200, `GET app ${ref}`);
      assert.equal(got.json.id, a.id);
    }
    const patched = await api.patch("/api/v1/app/res-app-uid", { name: "renamed" });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.id, a.id);
    assert.equal(patched.json.name, "renamed");
    const put = await api.put("/api/v1/app/res-app-uid", { name: "put-renamed", uid: "res-app-uid" });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.id, a.id);
    assert.equal(put.json.uid, "res-app-uid");

    const ep = await api.post("/api/v1/app/res-app-uid/endpoint", { url: "https://uid.example/", uid: "res-ep-uid" });
    assert.equal(ep.status, 201, ep.text);
    const list = await api.get("/api/v1/app/res-app-uid/endpoint");
    assert.deepEqual(list.json.data.map((e) => e.id), [ep.json.id]);
    const msg = await api.post("/api/v1/app/res-app-uid/msg", { eventType: "uid.t", payload: { x: 1 } });
    assert.equal(msg.status, 202, msg.text);
    assert.deepEqual((await api.get(`/api/v1/app/${a.id}/msg`)).json.data.map((m) => m.id), [msg.json.id]);

    const del = await api.delete("/api/v1/app/res-app-uid");
    assert.equal(del.status, 204);
    assert.equal((await api.get(`/api/v1/app/${a.id}`)).status, 404);
  });

  test("endpoint path parameter accepts the id or the uid on every endpoint route", async () => {
    const a = await mkApp("ep-refs", "res-ep-app");
    const ep = (await api.post(`/api/v1/app/${a.id}/endpoint`, { url: "https://ref.example/", uid: "res-ep" })).json;
    for (const appRef of [a.id, "res-ep-app"]) {
      for (const epRef of [ep.id, "res-ep"]) {
        const base = `/api/v1/app/${appRef}/endpoint/${epRef}`;
        const got = await api.get(base);
        assert.equal(got.status, 200, `GET ${base}`);
        assert.equal(got.json.id, ep.id);
        const secret = await api.get(`${base}/secret`);
        assert.equal(secret.status, 200, `GET ${base}/secret`);
        assert.match(secret.json.key, /^whsec_/);
        const headers = await api.get(`${base}/headers`);
        assert.equal(headers.status, 200, `GET ${base}/headers`);
      }
    }
    const base = "/api/v1/app/res-ep-app/endpoint/res-ep";
    assert.equal((await api.patch(base, { description: "via uid" })).json.description, "via uid");
    assert.equal((await api.put(`${base}/headers`, { headers: { "x-a": "1" } })).status, 204);
    assert.equal((await api.patch(`${base}/headers`, { headers: { "x-b": "2" } })).status, 204);
    assert.equal((await api.post(`${base}/secret/rotate`, {})).status, 204);
    const put = await api.put(base, { url: "https://ref2.example/" });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.id, ep.id);
    assert.equal(put.json.uid ?? null, null, "PUT replaces: absent uid is cleared (as in Svix)");
    assert.equal(put.json.description, "", "PUT replaces: absent description is cleared");
    assert.equal((await api.get(base)).status, 404, "the uid no longer names it");
    assert.equal((await api.delete(`/api/v1/app/${a.id}/endpoint/${ep.id}`)).status, 204);
    assert.equal((await api.get(`/api/v1/app/${a.id}/endpoint/${ep.id}`)).status, 404);
  });

  test("message path parameter accepts the id or the eventId", async () => {
    const a = await mkApp("msg-refs");
    const m = (await api.post(`/api/v1/app/${a.id}/msg`, { eventType: "ref.t", payload: { v: 1 }, eventId: "res-evt-1" })).json;
    for (const ref of [m.id, "res-evt-1"]) {
      const got = await api.get(`/api/v1/app/${a.id}/msg/${ref}`);
      assert.equal(got.status, 200, `GET msg ${ref}`);
      assert.equal(got.json.id, m.id);
      assert.equal(got.json.eventId, "res-evt-1");
    }
    assert.equal((await api.delete(`/api/v1/app/${a.id}/msg/res-evt-1/content`)).status, 204);
    assert.deepEqual((await api.get(`/api/v1/app/${a.id}/msg/${m.id}`)).json.payload, { expired: true });
    const missing = await api.get(`/api/v1/app/${a.id}/msg/nope`);
    assert.equal(missing.status, 404);
    assert.ok(isErrorBody(missing.json));
  });

  test("an eventId is scoped to its app", async () => {
    const a = await mkApp("evt-scope-a");
    const b = await mkApp("evt-scope-b");
    const ma = (await api.post(`/api/v1/app/${a.id}/msg`, { eventType: "s.t", payload: { app: "a" }, eventId: "shared" })).json;
    const mb = (await api.post(`/api/v1/app/${b.id}/msg`, { eventType: "s.t", payload: { app: "b" }, eventId: "shared" })).json;
    assert.equal((await api.get(`/api/v1/app/${a.id}/msg/shared`)).json.id, ma.id);
    assert.equal((await api.get(`/api/v1/app/${b.id}/msg/shared`)).json.id, mb.id);
    assert.equal((await api.get(`/api/v1/app/${b.id}/msg/${ma.id}`)).status, 404, "a's message id is not visible via b");
  });

  test("PUT /app/{uid} creates the app (201) when missing, then updates it (200)", async () => {
    const first = await api.put("/api/v1/app/res-upsert", { name: "upserted", metadata: { k: "v" } });
    assert.equal(first.status, 201, first.text);
    assert.match(first.json.id, ID_RE("app"));
    assert.equal(first.json.uid, "res-upsert");
    assert.deepEqual(first.json.metadata, { k: "v" });
    const second = await api.put("/api/v1/app/res-upsert", { name: "again" });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.id, first.json.id);
    assert.equal(second.json.name, "again");
    assert.deepEqual(second.json.metadata, {}, "PUT replaces: absent metadata is cleared");
    assert.equal(second.json.uid ?? null, null, "PUT replaces: absent uid is cleared (as in Svix)");
    const byId = await api.put(`/api/v1/app/${first.json.id}`, { name: "by id", uid: "res-upsert-2" });
    assert.equal(byId.status, 200);
    assert.equal(byId.json.uid, "res-upsert-2");
    // PATCH never creates.
    const patch = await api.patch("/api/v1/app/res-upsert-missing", { name: "x" });
    assert.equal(patch.status, 404);
    assert.equal((await api.get("/api/v1/app/res-upsert-missing")).status, 404);
    // An unknown *id* is not a uid to create with.
    const fakeId = first.json.id.slice(0, -1) + (first.json.id.endsWith("a") ? "b" : "a");
    const ghost = await api.put(`/api/v1/app/${fakeId}`, { name: "ghost" });
    assert.equal(ghost.status, 404, ghost.text);
  });

  // PUT is an upsert: racing PUTs for one missing uid must not fail with 409.
  async function putRace(pathOf, body, rounds = 4, width = 16) {
    for (let round = 0; round < rounds; round++) {
      const p = pathOf(round);
      const b = typeof body === "function" ? body(round) : body;
      const rs = await Promise.all(Array.from({ length: width }, () => api.put(p, b)));
      const statuses = rs.map((r) => r.status);
      const bad = rs.find((r) => r.status !== 200 && r.status !== 201);
      assert.ok(!bad, `${p}: every racing PUT succeeds, got ${statuses.join(",")}: ${bad?.text}`);
      assert.equal(statuses.filter((x) => x === 201).length, 1, `${p}: exactly one 201`);
    }
  }

  test("concurrent PUTs creating the same app all succeed with one app", async () => {
    // The body names the uid too: a PUT replaces, and one without a uid would clear it.
    await putRace((i) => `/api/v1/app/res-put-race-${i}`, (i) => ({ name: "raced", uid: `res-put-race-${i}` }));
    for (let i = 0; i < 4; i++) {
      const apps = (await api.get("/api/v1/app?limit=250")).json.data.filter((a) => a.uid === `res-put-race-${i}`);
      assert.equal(apps.length, 1);
    }
  });

  test("concurrent PUTs creating the same event type all succeed", async () => {
    await putRace((i) => `/api/v1/event-type/res.put.race.${i}`, { description: "raced" });
  });

  test("get_if_exists=true: existing app → 200, racing callers all get the same app", async () => {
    const first = await api.post("/api/v1/app?get_if_exists=true", { name: "goc", uid: "res-goc" });
    assert.equal(first.status, 201, first.text);
    const again = await api.post("/api/v1/app?get_if_exists=true", { name: "other name", uid: "res-goc" });
    assert.equal(again.status, 200);
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.json.name, "goc", "an existing app is returned unchanged");
    for (let round = 0; round < 3; round++) {
      const uid = `res-goc-race-${round}`;
      const rs = await Promise.all(
        Array.from({ length: 16 }, () => api.post("/api/v1/app?get_if_exists=true", { name: "goc", uid }))
      );
      const bad = rs.find((r) => r.status !== 200 && r.status !== 201);
      assert.ok(!bad, `${uid}: every getOrCreate succeeds, got ${rs.map((r) => r.status).join(",")}: ${bad?.text}`);
      assert.equal(new Set(rs.map((r) => r.json.id)).size, 1, `${uid}: one app for everyone`);
    }
  });

  test("concurrent POSTs with one uid: one 201, the rest 409, one app", async () => {
    const rs = await Promise.all(
      Array.from({ length: 8 }, () => api.post("/api/v1/app", { name: "dup race", uid: "res-post-race" }))
    );
    assert.deepEqual(rs.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of rs.filter((x) => x.status === 409)) assert.ok(isErrorBody(r.json));
    const apps = (await api.get("/api/v1/app?limit=250")).json.data.filter((a) => a.uid === "res-post-race");
    assert.equal(apps.length, 1);
  });

  test("event types carry an evtype_ id and can be fetched by it", async () => {
    const r = await api.post("/api/v1/event-type", { name: "res.with.id", description: "d" });
    assert.equal(r.status, 201);
    assert.match(r.json.id, ID_RE("evtype"));
    const byId = await api.get(`/api/v1/event-type/${r.json.id}`);
    assert.equal(byId.status, 200);
    assert.equal(byId.json.name, "res.with.id");
  });

  test("unicode and escapes round-trip", async () => {
    const name = 'héllo ✓ "quoted" \\ back\u0001slash 😀';
    const metadata = { "ключ": "значение", emoji: "🎉", nl: "a\nb" };
    const a = await api.post("/api/v1/app", { name, metadata });
    assert.equal(a.status, 201, a.text);
    const got = (await api.get(`/api/v1/app/${a.json.id}`)).json;
    assert.equal(got.name, name);
    assert.deepEqual(got.metadata, metadata);
    const payload = { text: "naïve — 日本語", nested: { arr: [1, "two", null, true, 3.5] } };
    const m = await api.post(`/api/v1/app/${a.json.id}/msg`, { eventType: "uni.t", payload });
    assert.equal(m.status, 202);
    assert.deepEqual((await api.get(`/api/v1/app/${a.json.id}/msg/${m.json.id}`)).json.payload, payload);
  });

  test("message with `application` creates the missing app (admin)", async () => {
    const r = await api.post("/api/v1/app/res-fly/msg", {
      eventType: "fly.t",
      payload: { n: 1 },
      application: { name: "on the fly", uid: "res-fly" },
    });
    assert.equal(r.status, 202, r.text);
    const app = await api.get("/api/v1/app/res-fly");
    assert.equal(app.status, 200);
    assert.equal(app.json.name, "on the fly");
    assert.deepEqual((await api.get("/api/v1/app/res-fly/msg")).json.data.map((m) => m.id), [r.json.id]);
    // Next time the app exists; `application` is ignored.
    const r2 = await api.post("/api/v1/app/res-fly/msg", {
      eventType: "fly.t",
      payload: { n: 2 },
      application: { name: "renamed?", uid: "res-fly" },
    });
    assert.equal(r2.status, 202);
    assert.equal((await api.get("/api/v1/app/res-fly")).json.name, "on the fly");
    // Without `application` a missing app is a 404 and nothing is created.
    const missing = await api.post("/api/v1/app/res-nofly/msg", { eventType: "fly.t", payload: {} });
    assert.equal(missing.status, 404);
    assert.equal((await api.get("/api/v1/app/res-nofly")).status, 404);
    // `application` must name the app in the path (as in Svix): a missing or other uid is a 422.
    for (const application of [{ name: "no uid" }, { name: "other", uid: "res-elsewhere" }]) {
      const r = await api.post("/api/v1/app/res-fly-2/msg", { eventType: "fly.t", payload: {}, application });
      assert.equal(r.status, 422, r.text);
    }
    assert.equal((await api.get("/api/v1/app/res-elsewhere")).status, 404);
    assert.equal((await api.get("/api/v1/app/res-fly-2")).status, 404);
    // An invalid `application` is a 422 naming the nested field, and nothing is created.
    const bad = await api.post("/api/v1/app/res-badfly/msg", { eventType: "fly.t", payload: {}, application: { name: 5 } });
    assert.equal(bad.status, 422, bad.text);
    assert.ok(bad.json.detail.some((d) => d.loc.includes("application") || d.loc.includes("name")), bad.text);
    assert.equal((await api.get("/api/v1/app/res-badfly")).status, 404);
  });

  test("concurrent messages with `application` and one idempotency key: one app, one message", async () => {
    const rs = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.post("/api/v1/app/res-fly-race/msg",
          { eventType: "fly.t", payload: { race: 1 }, application: { name: "race", uid: "res-fly-race" } },
          { headers: { "idempotency-key": "res-fly-race-key" } })
      )
    );
    for (const r of rs) assert.equal(r.status, 202, r.text);
    assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
    assert.equal((await api.get("/api/v1/app/res-fly-race/msg")).json.data.length, 1);
    assert.equal((await api.get("/api/v1/app?limit=250")).json.data.filter((a) => a.uid === "res-fly-race").length, 1);
  });

  test("PATCH app: absent fields unchanged, null uid clears it", async () => {
    const a = (await api.post("/api/v1/app", { name: "patchy", uid: "res-patchy", metadata: { a: "1" }, throttleRate: 10 })).json;
    const p1 = (await api.patch(`/api/v1/app/${a.id}`, { metadata: { b: "2" } })).json;
    assert.equal(p1.name, "patchy");
    assert.equal(p1.uid, "res-patchy");
    assert.equal(p1.throttleRate, 10);
    assert.deepEqual(p1.metadata, { b: "2" });
    const p2 = (await api.patch(`/api/v1/app/${a.id}`, { uid: null, throttleRate: null })).json;
    assert.equal(p2.uid ?? null, null);
    assert.equal(p2.throttleRate ?? null, null);
    assert.equal((await api.get("/api/v1/app/res-patchy")).status, 404);
    assert.ok(Date.parse(p2.updatedAt) >= Date.parse(a.updatedAt));
    assert.equal(p2.createdAt, a.createdAt);
  });

  test("event type delete archives by default; expunge=true deletes", async () => {
    const names = ["res.arch.keep", "res.arch.gone"];
    for (const name of names) {
      const r = await api.post("/api/v1/event-type", { name, description: `desc ${name}` });
      assert.equal(r.status, 201, r.text);
    }
    const listed = async (q = "") =>
      (await api.get(`/api/v1/event-type?limit=250${q}`)).json.data.map((e) => e.name);

    assert.equal((await api.delete("/api/v1/event-type/res.arch.keep")).status, 204);
    assert.ok(!(await listed()).includes("res.arch.keep"), "archived type hidden from the default list");
    assert.ok((await listed()).includes("res.arch.gone"));
    const withArchived = await api.get("/api/v1/event-type?limit=250&include_archived=true");
    const entry = withArchived.json.data.find((e) => e.name === "res.arch.keep");
    assert.ok(entry, "archived type listed with include_archived=true");
    assert.equal(entry.archived, true);
    const got = await api.get("/api/v1/event-type/res.arch.keep");
    assert.equal(got.status, 200);
    assert.equal(got.json.archived, true);
    assert.equal(got.json.description, "desc res.arch.keep");

    // Creating it again brings it back.
    const again = await api.post("/api/v1/event-type", { name: "res.arch.keep", description: "back" });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.json.archived, false);
    assert.ok((await listed()).includes("res.arch.keep"));

    // Expunge: gone from every list and from GET.
    assert.equal((await api.delete("/api/v1/event-type/res.arch.gone?expunge=true")).status, 204);
    assert.equal((await api.get("/api/v1/event-type/res.arch.gone")).status, 404);
    assert.ok(!(await listed("&include_archived=true")).includes("res.arch.gone"));
    assert.equal((await api.delete("/api/v1/event-type/res.arch.gone")).status, 404);
    // The name is free again.
    assert.equal((await api.post("/api/v1/event-type", { name: "res.arch.gone", description: "new" })).status, 201);
  });

  test("event type with_content=false leaves out schemas", async () => {
    const schemas = { 1: { type: "object", properties: { a: { type: "string" } } } };
    const r = await api.post("/api/v1/event-type", { name: "res.schema", description: "s", schemas });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual((await api.get("/api/v1/event-type/res.schema")).json.schemas, schemas);
    const full = (await api.get("/api/v1/event-type?limit=250")).json.data.find((e) => e.name === "res.schema");
    assert.deepEqual(full.schemas, schemas);
    const lean = (await api.get("/api/v1/event-type?limit=250&with_content=false")).json.data.find((e) => e.name === "res.schema");
    assert.equal(lean.schemas ?? null, null);
  });

  test("secret rotation changes the secret and keeps the endpoint working", async () => {
    const a = await mkApp("rotate");
    const ep = (await api.post(`/api/v1/app/${a.id}/endpoint`, { url: "https://rot.example/", uid: "rot" })).json;
    const base = `/api/v1/app/${a.id}/endpoint/${ep.id}`;
    const k1 = (await api.get(`${base}/secret`)).json.key;
    assert.match(k1, /^whsec_[A-Za-z0-9+/=]+$/);
    assert.equal((await api.get(`${base}/secret`)).json.key, k1, "secret is stable between reads");

    const rot = await api.post(`${base}/secret/rotate`, {});
    assert.equal(rot.status, 204, rot.text);
    const k2 = (await api.get(`${base}/secret`)).json.key;
    assert.match(k2, /^whsec_/);
    assert.notEqual(k2, k1);

    const after = await api.get(base);
    assert.equal(after.status, 200);
    assert.equal(after.json.url, "https://rot.example/");
    assert.equal(after.json.uid, "rot");
    assert.equal(after.json.secret, undefined, "the endpoint body never carries the secret");

    // An explicit key, with or without the whsec_ prefix.
    const raw = Buffer.alloc(32, 7).toString("base64");
    assert.equal((await api.post(`${base}/secret/rotate`, { key: `whsec_${raw}` })).status, 204);
    assert.equal((await api.get(`${base}/secret`)).json.key, `whsec_${raw}`);
    const raw2 = Buffer.alloc(32, 9).toString("base64");
    assert.equal((await api.post(`${base}/secret/rotate`, { key: raw2 })).status, 204);
    assert.equal((await api.get(`${base}/secret`)).json.key, `whsec_${raw2}`);

    // A bad key is rejected and changes nothing.
    const bad = await api.post(`${base}/secret/rotate`, { key: "whsec_short" });
    assert.equal(bad.status, 422);
    assert.equal((await api.get(`${base}/secret`)).json.key, `whsec_${raw2}`);

    // At most five old keys at once (each signs every delivery), as in Svix.
    assert.equal((await api.post(`${base}/secret/rotate`, {})).status, 204);
    assert.equal((await api.post(`${base}/secret/rotate`, {})).status, 204);
    const over = await api.post(`${base}/secret/rotate`, {});
    assert.equal(over.status, 400, over.text);
    assert.equal(over.json.code, "limit_reached");
    assert.equal((await api.post(`${base}/secret/rotate`, { gracePeriodSeconds: 0 })).status, 400);

    // The endpoint can still be patched and messages still accepted.
    assert.equal((await api.patch(base, { description: "after rotation" })).status, 200);
    assert.equal((await api.post(`/api/v1/app/${a.id}/msg`, { eventType: "rot.t", payload: {} })).status, 202);
  });

  test("an endpoint created with a secret returns that secret", async () => {
    const a = await mkApp("given-secret");
    const key = `whsec_${Buffer.alloc(24, 3).toString("base64")}`;
    const ep = await api.post(`/api/v1/app/${a.id}/endpoint`, { url: "https://s.example/", secret: key });
    assert.equal(ep.status, 201, ep.text);
    assert.equal((await api.get(`/api/v1/app/${a.id}/endpoint/${ep.json.id}/secret`)).json.key, key);
  });

  test("custom headers: PUT replaces, PATCH merges, null and deleteHeaders remove", async () => {
    const a = await mkApp("headers");
    const ep = (await api.post(`/api/v1/app/${a.id}/endpoint`, {
      url: "https://hdr.example/",
      headers: { "x-initial": "0" },
    })).json;
    const base = `/api/v1/app/${a.id}/endpoint/${ep.id}/headers`;
    const get = async () => {
      const r = await api.get(base);
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(r.json.sensitive));
      return r.json.headers;
    };
    assert.deepEqual(await get(), { "x-initial": "0" });

    assert.equal((await api.put(base, { headers: { "x-a": "1", "x-b": "2" } })).status, 204);
    assert.deepEqual(await get(), { "x-a": "1", "x-b": "2" }, "PUT replaces the whole set");

    assert.equal((await api.patch(base, { headers: { "x-c": "3", "x-a": "1b" } })).status, 204);
    assert.deepEqual(await get(), { "x-a": "1b", "x-b": "2", "x-c": "3" }, "PATCH merges");

    assert.equal((await api.patch(base, { headers: { "x-a": null } })).status, 204);
    assert.deepEqual(await get(), { "x-b": "2", "x-c": "3" }, "null value removes");

    assert.equal((await api.patch(base, { headers: {}, deleteHeaders: ["x-b"] })).status, 204);
    assert.deepEqual(await get(), { "x-c": "3" }, "deleteHeaders removes");

    assert.equal((await api.patch(base, { headers: { "x-d": "4" }, deleteHeaders: ["x-c", "x-missing"] })).status, 204);
    assert.deepEqual(await get(), { "x-d": "4" }, "add and delete in one PATCH");

    assert.equal((await api.put(base, { headers: {} })).status, 204);
    assert.deepEqual(await get(), {}, "PUT {} clears");

    // Headers are not part of the endpoint body and survive endpoint updates.
    assert.equal((await api.put(base, { headers: { "x-keep": "k" } })).status, 204);
    assert.equal((await api.patch(`/api/v1/app/${a.id}/endpoint/${ep.id}`, { description: "d" })).status, 200);
    assert.equal((await api.put(`/api/v1/app/${a.id}/endpoint/${ep.id}`, { url: "https://hdr2.example/" })).status, 200);
    assert.deepEqual(await get(), { "x-keep": "k" });
  });

  describe("message lists", () => {
    let app;
    const m = {};

    before(async () => {
      app = await mkApp("msg-filters");
      const specs = [
        ["a1", "user.created", ["c1"], ["t1"]],
        ["b1", "user.deleted", ["c1", "c2"], null],
        ["c1", "order.paid", null, ["t1", "t2"]],
        ["a2", "user.created", ["c2"], null],
      ];
      for (const [key, eventType, channels, tags] of specs) {
        const body = { eventType, payload: { key } };
        if (channels) body.channels = channels;
        if (tags) body.tags = tags;
        const r = await api.post(`/api/v1/app/${app.id}/msg`, body);
        assert.equal(r.status, 202, r.text);
        m[key] = r.json;
        await sleep(40);
      }
    });

    const keys = async (q) => {
      const r = await api.get(`/api/v1/app/${app.id}/msg${q}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      return r.json.data.map((x) => x.payload.key);
    };

    test("no filter: all, newest first", async () => {
      assert.deepEqual(await keys(""), ["a2", "c1", "b1", "a1"]);
    });

    test("event_types takes a comma-separated list (or repeated parameters)", async () => {
      assert.deepEqual(await keys("?event_types=user.created"), ["a2", "a1"]);
      assert.deepEqual(await keys(`?event_types=${enc("user.created,order.paid")}`), ["a2", "c1", "a1"]);
      assert.deepEqual(await keys("?event_types=user.created,user.deleted"), ["a2", "b1", "a1"]);
      assert.deepEqual(await keys("?event_types=user.deleted&event_types=order.paid"), ["c1", "b1"]);
      assert.deepEqual(await keys("?event_types=nothing.here"), []);
      // The bracket form, sent raw or percent-encoded.
      assert.deepEqual(await keys("?event_types[]=user.deleted&event_types[]=order.paid"), ["c1", "b1"]);
      assert.deepEqual(await keys("?event_types%5B%5D=user.deleted"), ["b1"]);
    });

    test("channel filter", async () => {
      assert.deepEqual(await keys("?channel=c1"), ["b1", "a1"]);
      assert.deepEqual(await keys("?channel=c2"), ["a2", "b1"]);
      assert.deepEqual(await keys("?channel=c3"), []);
      assert.deepEqual(await keys("?channel=c2&event_types=user.created"), ["a2"]);
    });

    test("tag filter", async () => {
      assert.deepEqual(await keys("?tag=t1"), ["c1", "a1"]);
      assert.deepEqual(await keys("?tag=t2"), ["c1"]);
    });

    test("before / after bound by creation time", async () => {
      const t = (k, delta) => enc(new Date(Date.parse(m[k].timestamp) + delta).toISOString());
      assert.deepEqual(await keys(`?after=${t("b1", -10)}`), ["a2", "c1", "b1"]);
      assert.deepEqual(await keys(`?before=${t("c1", -10)}`), ["b1", "a1"]);
      assert.deepEqual(await keys(`?after=${t("a1", 10)}&before=${t("a2", -10)}`), ["c1", "b1"]);
      assert.deepEqual(await keys(`?after=${t("a2", 10)}`), []);
      // Offsets other than Z mean the same instant.
      const at = new Date(Date.parse(m.c1.timestamp) - 10);
      const local = at.toISOString().replace("Z", "+00:00");
      assert.deepEqual(await keys(`?before=${enc(local)}`), ["b1", "a1"]);
    });

    test("with_content=false gives payload {}; default and true give the payload", async () => {
      const lean = await api.get(`/api/v1/app/${app.id}/msg?with_content=false`);
      for (const x of lean.json.data) assert.deepEqual(x.payload, {});
      const full = await api.get(`/api/v1/app/${app.id}/msg?with_content=true`);
      assert.deepEqual(full.json.data.map((x) => x.payload), [{ key: "a2" }, { key: "c1" }, { key: "b1" }, { key: "a1" }]);
      assert.deepEqual((await api.get(`/api/v1/app/${app.id}/msg/${m.a1.id}?with_content=false`)).json.payload, {});
      assert.deepEqual((await api.get(`/api/v1/app/${app.id}/msg/${m.a1.id}`)).json.payload, { key: "a1" });
      const created = await api.post(`/api/v1/app/${app.id}/msg?with_content=false`, { eventType: "lean.t", payload: { big: "x" } });
      assert.equal(created.status, 202);
      assert.deepEqual(created.json.payload, {});
      assert.deepEqual((await api.get(`/api/v1/app/${app.id}/msg/${created.json.id}`)).json.payload, { big: "x" });
      assert.equal((await api.delete(`/api/v1/app/${app.id}/msg/${created.json.id}/content`)).status, 204);
    });

    test("message fields round-trip", async () => {
      const got = (await api.get(`/api/v1/app/${app.id}/msg/${m.b1.id}`)).json;
      assert.equal(got.eventType, "user.deleted");
      assert.deepEqual(got.channels, ["c1", "c2"]);
      assert.equal(got.timestamp, m.b1.timestamp);
      assert.deepEqual(got, { ...m.b1, payload: { key: "b1" } });
    });

    test("expunged content reads back as {\"expired\": true}", async () => {
      const r = await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "exp.t", payload: { secret: "s3cr3t" }, eventId: "exp-1" });
      assert.equal(r.status, 202);
      assert.equal((await api.delete(`/api/v1/app/${app.id}/msg/${r.json.id}/content`)).status, 204);
      const got = await api.get(`/api/v1/app/${app.id}/msg/${r.json.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json.payload, { expired: true });
      assert.equal(got.json.eventType, "exp.t", "metadata survives expunging");
      assert.ok(!got.text.includes("s3cr3t"));
      const listed = (await api.get(`/api/v1/app/${app.id}/msg?event_types=exp.t`)).json.data;
      assert.deepEqual(listed.map((x) => x.payload), [{ expired: true }]);
      // Expunging again is harmless; unknown message is 404.
      assert.equal((await api.delete(`/api/v1/app/${app.id}/msg/exp-1/content`)).status, 204);
      assert.equal((await api.delete(`/api/v1/app/${app.id}/msg/msg_nope/content`)).status, 404);
    });
  });

  test("deleting an app removes its endpoints and messages", async () => {
    const a = await mkApp("cascade", "res-cascade");
    const ep = (await api.post(`/api/v1/app/${a.id}/endpoint`, { url: "https://c.example/", uid: "c-ep" })).json;
    const msg = (await api.post(`/api/v1/app/${a.id}/msg`, { eventType: "c.t", payload: {}, eventId: "c-evt" })).json;
    assert.equal((await api.delete(`/api/v1/app/${a.id}`)).status, 204);
    assert.equal((await api.get(`/api/v1/app/${a.id}/endpoint/${ep.id}`)).status, 404);
    assert.equal((await api.get(`/api/v1/app/${a.id}/msg/${msg.id}`)).status, 404);
    assert.equal((await api.delete(`/api/v1/app/${a.id}`)).status, 404);
    // The uid, endpoint uid and eventId are free again in a new app with the same uid.
    const b = await mkApp("cascade again", "res-cascade");
    assert.notEqual(b.id, a.id);
    assert.equal((await api.post(`/api/v1/app/${b.id}/endpoint`, { url: "https://c.example/", uid: "c-ep" })).status, 201);
    assert.equal((await api.post(`/api/v1/app/${b.id}/msg`, { eventType: "c.t", payload: {}, eventId: "c-evt" })).status, 202);
    assert.deepEqual((await api.get(`/api/v1/app/${b.id}/msg`)).json.data.length, 1);
  });
});

describe("pagination", () => {
  let server;
  let api;
  const created = [];

  before(async () => {
    server = await startServer();
    api = client(server);
    for (let batch = 0; batch < 6; batch++) {
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.post("/api/v1/app", { name: `page-${batch * 20 + i}` }))
      );
      for (const r of rs) {
        assert.equal(r.status, 201, r.text);
        created.push(r.json.id);
      }
    }
    created.sort();
  });
  after(async () => {
    await server?.stop();
  });

  async function page(q) {
    const r = await api.get(`/api/v1/app?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.json.data));
    assert.equal(typeof r.json.done, "boolean");
    return r.json;
  }

  test("120 apps, limit 50: forward walk to done, no duplicates, nothing missed", async () => {
    const pages = [];
    let q = "limit=50";
    for (let i = 0; i < 10; i++) {
      const p = await page(q);
      pages.push(p);
      if (p.done) break;
      assert.ok(p.iterator, "a page that is not done has an iterator");
      q = `limit=50&iterator=${enc(p.iterator)}`;
    }
    assert.deepEqual(pages.map((p) => p.data.length), [50, 50, 20]);
    assert.deepEqual(pages.map((p) => p.done), [false, false, true]);
    const ids = pages.flatMap((p) => p.data.map((a) => a.id));
    assert.equal(new Set(ids).size, 120, "no duplicates");
    assert.deepEqual(ids, created, "every app once, oldest first");
  });

  test("prevIterator walks back page by page", async () => {
    const p1 = await page("limit=50");
    const p2 = await page(`limit=50&iterator=${enc(p1.iterator)}`);
    const p3 = await page(`limit=50&iterator=${enc(p2.iterator)}`);
    assert.ok(p3.prevIterator, "last page has a prevIterator");
    const back2 = await page(`limit=50&iterator=${enc(p3.prevIterator)}`);
    assert.deepEqual(back2.data.map((a) => a.id), p2.data.map((a) => a.id));
    assert.equal(back2.done, false, "more pages exist before page 2");
    const back1 = await page(`limit=50&iterator=${enc(back2.prevIterator)}`);
    assert.deepEqual(back1.data.map((a) => a.id), p1.data.map((a) => a.id));
    assert.equal(back1.done, true, "nothing before page 1");
    // And forward again from a page reached backwards.
    const fwd = await page(`limit=50&iterator=${enc(back1.iterator)}`);
    assert.deepEqual(fwd.data.map((a) => a.id), p2.data.map((a) => a.id));
  });

  test("descending walk visits the same apps in reverse", async () => {
    const ids = [];
    let q = "limit=50&order=descending";
    for (let i = 0; i < 10; i++) {
      const p = await page(q);
      ids.push(...p.data.map((a) => a.id));
      if (p.done) break;
      q = `limit=50&order=descending&iterator=${enc(p.iterator)}`;
    }
    assert.deepEqual(ids, [...created].reverse());
  });

  test("exactly a full last page is done; the default limit is 50; limit 250 gets everything", async () => {
    const first = await page("limit=60");
    const second = await page(`limit=60&iterator=${enc(first.iterator)}`);
    assert.equal(second.data.length, 60);
    assert.equal(second.done, true, "no empty extra page");
    const dflt = await page("");
    assert.equal(dflt.data.length, 50);
    assert.equal(dflt.done, false);
    const all = await page("limit=250");
    assert.equal(all.data.length, 120);
    assert.equal(all.done, true);
  });

  test("paging endpoints and messages works the same way", async () => {
    const appId = created[0];
    for (let i = 0; i < 7; i++) {
      assert.equal((await api.post(`/api/v1/app/${appId}/endpoint`, { url: `https://p${i}.example/` })).status, 201);
      assert.equal((await api.post(`/api/v1/app/${appId}/msg`, { eventType: "p.t", payload: { i } })).status, 202);
    }
    for (const [kind, expectOrder] of [["endpoint", "desc"], ["msg", "desc"]]) {
      const seen = [];
      let q = "limit=3";
      let pages = 0;
      for (;;) {
        const r = await api.get(`/api/v1/app/${appId}/${kind}?${q}`);
        assert.equal(r.status, 200);
        seen.push(...r.json.data.map((x) => x.id));
        pages++;
        if (r.json.done) break;
        q = `limit=3&iterator=${enc(r.json.iterator)}`;
        assert.ok(pages < 10);
      }
      assert.equal(pages, 3, `${kind}: 3 pages of 3,3,1`);
      assert.equal(new Set(seen).size, 7, `${kind}: no duplicates`);
      const sorted = [...seen].sort();
      assert.deepEqual(seen, expectOrder === "asc" ? sorted : sorted.reverse(), `${kind} order`);
    }
  });
});
