// Svix v1 API compatibility suite: drives a real hookd only through the official
// `svix` SDK (pinned 2.5.0) and checks it behaves as Svix does.
// Wire details: docs/svix-wire.md.   Run: cd tests/e2e && node --test
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ApiException, MessageAttemptTriggerType, MessageStatus, Svix, Webhook, messageInRaw } from "svix";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { startHookd } from "./lib/hookd.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

let hookd; // harness handle, see lib/hookd.mjs
let svix; // admin client

// Every HTTP exchange made by the SDK clients of this suite (through the SDK's documented
// `fetch` option), used to check status codes that the SDK itself hides.
const exchanges = [];

function recordingFetch(input, init) {
  return fetch(input, init).then((res) => {
    const u = new URL(input instanceof Request ? input.url : String(input)); // the SDK passes a URL
    exchanges.push({ method: init?.method ?? "GET", path: u.pathname, search: u.search, status: res.status });
    return res;
  });
}

function client(token = hookd.token) {
  return new Svix(token, { serverUrl: hookd.url, fetch: recordingFetch });
}

/** Run fn and return the HTTP exchanges it caused. */
async function capture(fn) {
  const start = exchanges.length;
  await fn();
  return exchanges.slice(start);
}

const rnd = (n = 6) => randomBytes(n).toString("hex");
const uniq = (prefix) => `${prefix}-${rnd()}`;
/** `whsec_` + base64 of 24 random bytes (Svix's format). */
const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

/** Assert `promise` rejects with the SDK's ApiException for HTTP `status`, with a Svix error body. */
async function rejectsWith(promise, status, what = "") {
  await assert.rejects(promise, (err) => {
    assert.ok(
      err instanceof ApiException,
      `${what}: expected ApiException(${status}), got ${err?.constructor?.name}: ${err?.message}`
    );
    assert.equal(err.code, status, `${what}: HTTP status (body: ${JSON.stringify(err.body)})`);
    if (status === 422) {
      // HTTPValidationError {detail: [{loc: string[], msg: string, type: string}]}
      assert.ok(Array.isArray(err.body?.detail), `${what}: 422 body.detail must be an array: ${JSON.stringify(err.body)}`);
      assert.ok(err.body.detail.length > 0, `${what}: 422 body.detail must not be empty`);
      for (const d of err.body.detail) {
        assert.ok(Array.isArray(d.loc), `${what}: ValidationError.loc must be an array`);
        assert.equal(typeof d.msg, "string", `${what}: ValidationError.msg`);
        assert.equal(typeof d.type, "string", `${what}: ValidationError.type`);
      }
    } else if (status >= 400 && status < 500) {
      // HttpErrorOut {code: string, detail: string}
      assert.equal(typeof err.body?.code, "string", `${what}: body.code must be a string: ${JSON.stringify(err.body)}`);
      assert.equal(typeof err.body?.detail, "string", `${what}: body.detail must be a string`);
    }
    return true;
  });
}

function assertDate(d, what) {
  assert.ok(d instanceof Date, `${what} must deserialize to a Date`);
  assert.ok(!Number.isNaN(d.getTime()), `${what} must be a valid date (got Invalid Date)`);
  // Sanity: within a day of now (catches seconds-vs-ms and timezone mistakes).
  assert.ok(Math.abs(Date.now() - d.getTime()) < 86_400_000, `${what} = ${d.toISOString()} is not close to now`);
}

function assertListShape(page, what) {
  assert.ok(Array.isArray(page.data), `${what}: data must be an array`);
  assert.equal(typeof page.done, "boolean", `${what}: done must be a boolean`);
  assert.ok(page.iterator === null || typeof page.iterator === "string", `${what}: iterator must be string|null`);
  assert.ok(
    page.prevIterator === undefined || page.prevIterator === null || typeof page.prevIterator === "string",
    `${what}: prevIterator must be string|null|absent`
  );
}

/**
 * Page through a list call with `iterator` until `done`; returns all items.
 * Checks each page's shape, `limit`, and that no page repeats an item.
 */
async function collectAll(listPage, limit, what) {
  const items = [];
  const seen = new Set();
  let iterator;
  for (let pages = 1; ; pages++) {
    assert.ok(pages <= 1000, `${what}: pagination did not finish after 1000 pages`);
    const page = await listPage({ limit, iterator });
    assertListShape(page, `${what} page ${pages}`);
    assert.ok(page.data.length <= limit, `${what}: page ${pages} has ${page.data.length} items > limit ${limit}`);
    for (const item of page.data) {
      const key = item.id ?? item.name;
      assert.ok(!seen.has(key), `${what}: item ${key} returned twice (page ${pages})`);
      seen.add(key);
      items.push(item);
    }
    if (page.done) break;
    assert.equal(typeof page.iterator, "string", `${what}: done=false but iterator is ${page.iterator}`);
    assert.notEqual(page.iterator, iterator, `${what}: iterator did not advance`);
    iterator = page.iterator;
  }
  return items;
}

const ID = {
  app: /^app_[A-Za-z0-9]+$/,
  ep: /^ep_[A-Za-z0-9]+$/,
  msg: /^msg_[A-Za-z0-9]+$/,
};

async function newApp(extra = {}) {
  const app = await svix.application.create({ name: uniq("app"), uid: uniq("uid"), ...extra });
  assert.match(app.id, ID.app);
  return app;
}

async function newEventType(extra = {}) {
  return svix.eventType.create({ name: `test.${rnd()}`, description: "test event", ...extra });
}

// ---------------------------------------------------------------------------
// server lifecycle
// ---------------------------------------------------------------------------

before(async () => {
  hookd = await startHookd();
  svix = client();
});

after(async () => {
  await hookd?.stop();
});

// ---------------------------------------------------------------------------
// applications
// ---------------------------------------------------------------------------

describe("applications", () => {
  it("create returns ApplicationOut with app_ id and the given fields", async () => {
    const uid = uniq("uid");
    const app = await svix.application.create({
      name: "My App",
      uid,
      metadata: { team: "core", tier: "1" },
      throttleRate: 50,
    });
    assert.match(app.id, ID.app);
    assert.equal(app.name, "My App");
    assert.equal(app.uid, uid);
    assert.deepEqual(app.metadata, { team: "core", tier: "1" });
    assert.equal(app.throttleRate, 50);
    assertDate(app.createdAt, "createdAt");
    assertDate(app.updatedAt, "updatedAt");
  });

  it("create without uid or metadata: uid is null/absent, metadata is {}", async () => {
    const app = await svix.application.create({ name: uniq("plain") });
    assert.match(app.id, ID.app);
    assert.ok(app.uid === null || app.uid === undefined, `uid should be null/absent, got ${app.uid}`);
    assert.deepEqual(app.metadata, {});
  });

  it("get by id and by uid return the same app", async () => {
    const app = await newApp();
    const byId = await svix.application.get(app.id);
    const byUid = await svix.application.get(app.uid);
    assert.equal(byId.id, app.id);
    assert.equal(byUid.id, app.id);
    assert.equal(byUid.name, app.name);
    assert.equal(byId.createdAt.getTime(), app.createdAt.getTime());
  });

  it("upsert (PUT) updates an existing app, by id and by uid", async () => {
    const app = await newApp({ metadata: { a: "1" } });
    const upd = await svix.application.upsert(app.id, { name: "renamed", uid: app.uid, metadata: { b: "2" } });
    assert.equal(upd.id, app.id);
    assert.equal(upd.name, "renamed");
    assert.deepEqual(upd.metadata, { b: "2" });
    assert.ok(upd.updatedAt.getTime() >= app.updatedAt.getTime());

    const upd2 = await svix.application.upsert(app.uid, { name: "renamed again", uid: app.uid });
    assert.equal(upd2.id, app.id);
    assert.equal((await svix.application.get(app.id)).name, "renamed again");
  });

  it("patch changes only the given fields", async () => {
    const app = await newApp({ metadata: { keep: "yes" } });
    const p1 = await svix.application.patch(app.id, { name: "patched" });
    assert.equal(p1.id, app.id);
    assert.equal(p1.name, "patched");
    assert.equal(p1.uid, app.uid);
    assert.deepEqual(p1.metadata, { keep: "yes" });

    const p2 = await svix.application.patch(app.uid, { metadata: { other: "x" } });
    assert.equal(p2.name, "patched");
    assert.deepEqual(p2.metadata, { other: "x" });

    const got = await svix.application.get(app.id);
    assert.equal(got.name, "patched");
    assert.deepEqual(got.metadata, { other: "x" });
  });

  it("patch can change the uid; the new uid resolves, the old one does not", async () => {
    const app = await newApp();
    const newUid = uniq("newuid");
    const p = await svix.application.patch(app.id, { uid: newUid });
    assert.equal(p.uid, newUid);
    assert.equal((await svix.application.get(newUid)).id, app.id);
    await rejectsWith(svix.application.get(app.uid), 404, "old uid");
  });

  it("list includes created apps", async () => {
    const a = await newApp();
    const b = await newApp();
    const all = await collectAll((o) => svix.application.list(o), 50, "application.list");
    const ids = new Set(all.map((x) => x.id));
    assert.ok(ids.has(a.id) && ids.has(b.id), "created apps missing from list");
    for (const x of all) {
      assert.match(x.id, ID.app);
      assert.equal(typeof x.name, "string");
      assertDate(x.createdAt, "list createdAt");
    }
  });

  it("getOrCreate creates once, then returns the existing app for the same uid", async () => {
    const uid = uniq("goc");
    const first = await svix.application.getOrCreate({ name: "first", uid });
    assert.match(first.id, ID.app);
    assert.equal(first.uid, uid);
    const second = await svix.application.getOrCreate({ name: "second", uid });
    assert.equal(second.id, first.id);
    assert.equal(second.name, "first", "getOrCreate must not modify an existing app");
  });

  it("delete by id; afterwards get and delete give 404", async () => {
    const app = await newApp();
    await svix.application.delete(app.id);
    await rejectsWith(svix.application.get(app.id), 404, "get deleted app");
    await rejectsWith(svix.application.get(app.uid), 404, "get deleted app by uid");
    await rejectsWith(svix.application.delete(app.id), 404, "delete twice");
  });

  it("delete by uid", async () => {
    const app = await newApp();
    await svix.application.delete(app.uid);
    await rejectsWith(svix.application.get(app.id), 404, "get deleted app");
  });

  it("a deleted app's uid can be reused", async () => {
    const app = await newApp();
    await svix.application.delete(app.id);
    const again = await svix.application.create({ name: "reuse", uid: app.uid });
    assert.notEqual(again.id, app.id);
    assert.equal((await svix.application.get(app.uid)).id, again.id);
  });

  it("errors: 404 unknown, 409 duplicate uid, 422 invalid input", async () => {
    await rejectsWith(svix.application.get(`app_${rnd(10)}`), 404, "unknown app id");
    await rejectsWith(svix.application.get(uniq("nope")), 404, "unknown app uid");
    await rejectsWith(svix.application.patch(uniq("nope"), { name: "x" }), 404, "patch unknown");

    const app = await newApp();
    await rejectsWith(svix.application.create({ name: "dup", uid: app.uid }), 409, "duplicate uid");
    const other = await newApp();
    await rejectsWith(svix.application.patch(other.id, { uid: app.uid }), 409, "patch to a taken uid");

    await rejectsWith(svix.application.create({ name: "bad", uid: "has spaces" }), 422, "uid with spaces");
    await rejectsWith(svix.application.create({}), 422, "missing name");
    await rejectsWith(svix.application.create({ name: "" }), 422, "empty name");
  });
});

// ---------------------------------------------------------------------------
// event types
// ---------------------------------------------------------------------------

describe("event types", () => {
  it("create returns EventTypeOut", async () => {
    const name = `user.created.${rnd()}`;
    const schemas = { 1: { type: "object", properties: { id: { type: "string" } } } };
    const et = await svix.eventType.create({ name, description: "A user was created", schemas });
    assert.equal(et.name, name);
    assert.equal(et.description, "A user was created");
    assert.equal(et.deprecated, false);
    assert.ok(et.archived === false || et.archived === undefined, `archived=${et.archived}`);
    assertDate(et.createdAt, "createdAt");
    assertDate(et.updatedAt, "updatedAt");
  });

  it("get by name", async () => {
    const et = await newEventType({ description: "get me" });
    const got = await svix.eventType.get(et.name);
    assert.equal(got.name, et.name);
    assert.equal(got.description, "get me");
  });

  it("upsert (PUT) and patch update the description / deprecated flag", async () => {
    const et = await newEventType();
    const up = await svix.eventType.upsert(et.name, { description: "via put" });
    assert.equal(up.name, et.name);
    assert.equal(up.description, "via put");

    const p = await svix.eventType.patch(et.name, { deprecated: true });
    assert.equal(p.deprecated, true);
    assert.equal(p.description, "via put", "patch must keep the description");
    const got = await svix.eventType.get(et.name);
    assert.equal(got.deprecated, true);
    assert.equal(got.description, "via put");
  });

  it("list includes created event types and paginates", async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await newEventType()).name);
    const all = await collectAll((o) => svix.eventType.list(o), 2, "eventType.list");
    const names = new Set(all.map((x) => x.name));
    for (const n of created) assert.ok(names.has(n), `${n} missing from list`);
  });

  it("delete archives: still gettable with archived=true, hidden from the default list", async () => {
    const et = await newEventType();
    await svix.eventType.delete(et.name);
    const got = await svix.eventType.get(et.name);
    assert.equal(got.archived, true);

    const visible = await collectAll((o) => svix.eventType.list(o), 50, "eventType.list");
    assert.ok(!visible.some((x) => x.name === et.name), "archived event type listed without include_archived");
    const withArchived = await collectAll(
      (o) => svix.eventType.list({ ...o, includeArchived: true }),
      50,
      "eventType.list(includeArchived)"
    );
    assert.ok(withArchived.some((x) => x.name === et.name), "archived event type missing with include_archived");
  });

  it("create on an archived name un-archives it", async () => {
    const et = await newEventType();
    await svix.eventType.delete(et.name);
    const again = await svix.eventType.create({ name: et.name, description: "back" });
    assert.equal(again.name, et.name);
    assert.ok(!again.archived, "re-created event type must not be archived");
    assert.ok(!(await svix.eventType.get(et.name)).archived);
  });

  it("errors: 404 unknown, 409 duplicate, 422 invalid name", async () => {
    await rejectsWith(svix.eventType.get(`nope.${rnd()}`), 404, "unknown event type");
    const et = await newEventType();
    await rejectsWith(svix.eventType.create({ name: et.name, description: "dup" }), 409, "duplicate event type");
    await rejectsWith(svix.eventType.create({ name: "has spaces", description: "x" }), 422, "name with spaces");
  });
});

// ---------------------------------------------------------------------------
// endpoints
// ---------------------------------------------------------------------------

describe("endpoints", () => {
  let app;
  before(async () => {
    app = await newApp();
  });

  it("create without secret: ep_ id, fields echoed, getSecret returns a generated whsec_", async () => {
    const uid = uniq("ep");
    const ep = await svix.endpoint.create(app.id, {
      url: "https://example.com/hook",
      description: "primary",
      uid,
      metadata: { k: "v" },
    });
    assert.match(ep.id, ID.ep);
    assert.equal(ep.url, "https://example.com/hook");
    assert.equal(ep.description, "primary");
    assert.equal(ep.uid, uid);
    assert.deepEqual(ep.metadata, { k: "v" });
    assert.ok(!ep.disabled, "new endpoint must not be disabled");
    assertDate(ep.createdAt, "createdAt");
    assertDate(ep.updatedAt, "updatedAt");

    const { key } = await svix.endpoint.getSecret(app.id, ep.id);
    assert.match(key, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    const raw = Buffer.from(key.slice("whsec_".length), "base64");
    assert.ok(raw.length >= 24 && raw.length <= 64, `secret is ${raw.length} bytes, expected 24..64`);
  });

  it("create with minimal fields: description is a string, metadata is {}", async () => {
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/min" });
    assert.match(ep.id, ID.ep);
    assert.equal(typeof ep.description, "string");
    assert.deepEqual(ep.metadata, {});
  });

  it("create with an explicit secret: getSecret returns it", async () => {
    const secret = newSecret();
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/s", secret });
    assert.equal((await svix.endpoint.getSecret(app.id, ep.id)).key, secret);
  });

  it("two endpoints get different generated secrets", async () => {
    const a = await svix.endpoint.create(app.id, { url: "https://example.com/a" });
    const b = await svix.endpoint.create(app.id, { url: "https://example.com/b" });
    const ka = (await svix.endpoint.getSecret(app.id, a.id)).key;
    const kb = (await svix.endpoint.getSecret(app.id, b.id)).key;
    assert.notEqual(ka, kb);
  });

  it("get by id and uid, via app id and app uid", async () => {
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/g", uid: uniq("ep") });
    for (const [a, e] of [
      [app.id, ep.id],
      [app.uid, ep.id],
      [app.id, ep.uid],
      [app.uid, ep.uid],
    ]) {
      const got = await svix.endpoint.get(a, e);
      assert.equal(got.id, ep.id, `get(${a}, ${e})`);
      assert.equal(got.url, ep.url);
    }
  });

  it("upsert (PUT) updates an existing endpoint", async () => {
    const et = await newEventType();
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/old", description: "old" });
    const up = await svix.endpoint.upsert(app.id, ep.id, {
      url: "https://example.com/new",
      description: "new",
      eventTypes: [et.name],
    });
    assert.equal(up.id, ep.id);
    assert.equal(up.url, "https://example.com/new");
    assert.equal(up.description, "new");
    assert.deepEqual(up.eventTypes, [et.name]);
    const got = await svix.endpoint.get(app.id, ep.id);
    assert.equal(got.url, "https://example.com/new");
    assert.deepEqual(got.eventTypes, [et.name]);
  });

  it("patch changes only the given fields", async () => {
    const ep = await svix.endpoint.create(app.id, {
      url: "https://example.com/p",
      description: "before",
      metadata: { m: "1" },
    });
    const p = await svix.endpoint.patch(app.id, ep.id, { description: "after" });
    assert.equal(p.id, ep.id);
    assert.equal(p.description, "after");
    assert.equal(p.url, "https://example.com/p");
    assert.deepEqual(p.metadata, { m: "1" });

    const p2 = await svix.endpoint.patch(app.id, ep.id, { disabled: true });
    assert.equal(p2.disabled, true);
    assert.equal(p2.description, "after");
    assert.equal((await svix.endpoint.get(app.id, ep.id)).disabled, true);
  });

  it("list returns the app's endpoints and paginates (no duplicates, all seen)", async () => {
    const own = await newApp();
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push((await svix.endpoint.create(own.id, { url: `https://example.com/list/${i}` })).id);
    }
    const all = await collectAll((o) => svix.endpoint.list(own.id, o), 3, "endpoint.list");
    assert.deepEqual(all.map((e) => e.id).sort(), [...created].sort());
    for (const e of all) assert.match(e.id, ID.ep);
    // list by app uid gives the same set
    const byUid = await collectAll((o) => svix.endpoint.list(own.uid, o), 50, "endpoint.list(uid)");
    assert.deepEqual(byUid.map((e) => e.id).sort(), [...created].sort());
  });

  it("delete; afterwards get is 404 and the endpoint is not listed", async () => {
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/del" });
    await svix.endpoint.delete(app.id, ep.id);
    await rejectsWith(svix.endpoint.get(app.id, ep.id), 404, "deleted endpoint");
    const all = await collectAll((o) => svix.endpoint.list(app.id, o), 50, "endpoint.list");
    assert.ok(!all.some((e) => e.id === ep.id));
  });

  it("rotateSecret: generated and explicit new secret", async () => {
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/rot" });
    const old = (await svix.endpoint.getSecret(app.id, ep.id)).key;
    await svix.endpoint.rotateSecret(app.id, ep.id);
    const rotated = (await svix.endpoint.getSecret(app.id, ep.id)).key;
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, old, "rotateSecret must change the secret");

    const explicit = newSecret();
    await svix.endpoint.rotateSecret(app.id, ep.id, { key: explicit });
    assert.equal((await svix.endpoint.getSecret(app.id, ep.id)).key, explicit);
  });

  it("headers: setHeaders replaces, getHeaders reads, patchHeaders merges and deletes", async () => {
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/h" });
    const lower = (h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

    const h0 = await svix.endpoint.getHeaders(app.id, ep.id);
    assert.deepEqual(h0.headers, {});
    assert.ok(Array.isArray(h0.sensitive), "sensitive must be an array");

    await svix.endpoint.setHeaders(app.id, ep.id, { headers: { "X-Foo": "a", "X-Bar": "b" } });
    let h = await svix.endpoint.getHeaders(app.id, ep.id);
    assert.deepEqual(lower(h.headers), { "x-foo": "a", "x-bar": "b" });
    assert.ok(Array.isArray(h.sensitive));

    await svix.endpoint.patchHeaders(app.id, ep.id, { headers: { "X-Baz": "c" }, deleteHeaders: ["X-Foo"] });
    h = await svix.endpoint.getHeaders(app.id, ep.id);
    assert.deepEqual(lower(h.headers), { "x-bar": "b", "x-baz": "c" });

    await svix.endpoint.setHeaders(app.id, ep.id, { headers: { "X-Only": "1" } });
    h = await svix.endpoint.getHeaders(app.id, ep.id);
    assert.deepEqual(lower(h.headers), { "x-only": "1" });
  });

  it("headers given at create time are returned by getHeaders", async () => {
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/hc", headers: { "X-Init": "yes" } });
    const h = await svix.endpoint.getHeaders(app.id, ep.id);
    assert.deepEqual(
      Object.fromEntries(Object.entries(h.headers).map(([k, v]) => [k.toLowerCase(), v])),
      { "x-init": "yes" }
    );
  });

  it("errors: 404 unknown app/endpoint, 409 duplicate uid, 422 invalid url/uid", async () => {
    await rejectsWith(svix.endpoint.list(uniq("nope")), 404, "list on unknown app");
    await rejectsWith(
      svix.endpoint.create(uniq("nope"), { url: "https://example.com/x" }),
      404,
      "create on unknown app"
    );
    await rejectsWith(svix.endpoint.get(app.id, `ep_${rnd(10)}`), 404, "unknown endpoint");
    await rejectsWith(svix.endpoint.getSecret(app.id, `ep_${rnd(10)}`), 404, "secret of unknown endpoint");

    const uid = uniq("dup");
    await svix.endpoint.create(app.id, { url: "https://example.com/d1", uid });
    await rejectsWith(svix.endpoint.create(app.id, { url: "https://example.com/d2", uid }), 409, "duplicate endpoint uid");

    await rejectsWith(svix.endpoint.create(app.id, { url: "ftp://x" }), 422, "ftp url");
    await rejectsWith(svix.endpoint.create(app.id, { url: "not a url" }), 422, "garbage url");
    await rejectsWith(
      svix.endpoint.create(app.id, { url: "https://example.com/u", uid: "has spaces" }),
      422,
      "uid with spaces"
    );
    const ep = await svix.endpoint.create(app.id, { url: "https://example.com/ok" });
    await rejectsWith(svix.endpoint.patch(app.id, ep.id, { url: "ftp://x" }), 422, "patch to ftp url");
  });
});

// ---------------------------------------------------------------------------
// messages
// ---------------------------------------------------------------------------

describe("messages", () => {
  let app;
  let typeA;
  let typeB;
  before(async () => {
    app = await newApp();
    typeA = (await newEventType()).name;
    typeB = (await newEventType()).name;
  });

  it("create returns MessageOut with msg_ id; payload is {} unless withContent", async () => {
    const payload = { hello: "world", n: 1, nested: { ok: true } };
    const msg = await svix.message.create(app.id, { eventType: typeA, payload });
    assert.match(msg.id, ID.msg);
    assert.equal(msg.eventType, typeA);
    assertDate(msg.timestamp, "timestamp");
    assert.deepEqual(msg.payload, {}, "SDK sends with_content=false: payload must be {}");

    const full = await svix.message.create(app.id, { eventType: typeA, payload }, { withContent: true });
    assert.match(full.id, ID.msg);
    assert.deepEqual(full.payload, payload);
  });

  it("get with and without content, by id and by eventId, via app uid", async () => {
    const payload = { a: [1, 2, 3], s: "ünïcødé" };
    const eventId = uniq("evt");
    const msg = await svix.message.create(app.id, { eventType: typeA, payload, eventId, tags: ["t1"] });
    assert.equal(msg.eventId, eventId);

    const plain = await svix.message.get(app.id, msg.id);
    assert.equal(plain.id, msg.id);
    assert.equal(plain.eventType, typeA);
    assert.deepEqual(plain.payload, {});

    const withContent = await svix.message.get(app.id, msg.id, { withContent: true });
    assert.deepEqual(withContent.payload, payload);
    assert.equal(withContent.timestamp.getTime(), msg.timestamp.getTime());

    assert.equal((await svix.message.get(app.id, eventId)).id, msg.id, "msg_id accepts eventId");
    assert.equal((await svix.message.get(app.uid, msg.id)).id, msg.id, "app_id accepts uid");
  });

  it("create twice without idempotency key gives two messages", async () => {
    const m1 = await svix.message.create(app.id, { eventType: typeA, payload: { same: 1 } });
    const m2 = await svix.message.create(app.id, { eventType: typeA, payload: { same: 1 } });
    assert.notEqual(m1.id, m2.id);
  });

  it("create twice with the same idempotencyKey returns the same message", async () => {
    const idempotencyKey = uniq("idem");
    const own = await newApp();
    const m1 = await svix.message.create(own.id, { eventType: typeA, payload: { x: 1 } }, { idempotencyKey });
    const m2 = await svix.message.create(own.id, { eventType: typeA, payload: { x: 1 } }, { idempotencyKey });
    assert.match(m1.id, ID.msg);
    assert.equal(m2.id, m1.id);
    const all = await collectAll((o) => svix.message.list(own.id, o), 50, "message.list");
    assert.equal(all.length, 1, "idempotent retry must not create a second message");
  });

  it("duplicate eventId is a 409", async () => {
    const eventId = uniq("evt");
    await svix.message.create(app.id, { eventType: typeA, payload: {}, eventId });
    await rejectsWith(svix.message.create(app.id, { eventType: typeA, payload: {}, eventId }), 409, "duplicate eventId");
  });

  it("list filters by eventTypes and paginates", async () => {
    const own = await newApp();
    const a = [];
    const b = [];
    for (let i = 0; i < 3; i++) a.push((await svix.message.create(own.id, { eventType: typeA, payload: { i } })).id);
    for (let i = 0; i < 2; i++) b.push((await svix.message.create(own.id, { eventType: typeB, payload: { i } })).id);

    const all = await collectAll((o) => svix.message.list(own.id, o), 2, "message.list");
    assert.deepEqual(all.map((m) => m.id).sort(), [...a, ...b].sort());
    for (const m of all) {
      assert.match(m.id, ID.msg);
      assertDate(m.timestamp, "timestamp");
      assert.deepEqual(m.payload, {}, "list defaults to with_content=false");
    }

    const onlyA = await collectAll((o) => svix.message.list(own.id, { ...o, eventTypes: [typeA] }), 2, "list(A)");
    assert.deepEqual(onlyA.map((m) => m.id).sort(), [...a].sort());
    assert.ok(onlyA.every((m) => m.eventType === typeA));

    const both = await collectAll((o) => svix.message.list(own.id, { ...o, eventTypes: [typeA, typeB] }), 50, "list(A,B)");
    assert.equal(both.length, 5);

    const contents = await svix.message.list(own.id, { withContent: true, eventTypes: [typeB] });
    assert.equal(contents.data.length, 2);
    assert.ok(contents.data.every((m) => typeof m.payload.i === "number"), "withContent list must include payloads");
  });

  it("expungeContent removes the payload", async () => {
    const msg = await svix.message.create(app.id, { eventType: typeA, payload: { secret: "pii" } });
    await svix.message.expungeContent(app.id, msg.id);
    const got = await svix.message.get(app.id, msg.id, { withContent: true });
    assert.equal(got.id, msg.id);
    assert.notDeepEqual(got.payload, { secret: "pii" }, "payload still present after expunge");
    assert.deepEqual(got.payload, { expired: true }, "Svix reports expunged content as {expired: true}");
  });

  it("create with `application` creates the app when the path uid is unknown", async () => {
    const uid = uniq("auto");
    const msg = await svix.message.create(uid, {
      eventType: typeA,
      payload: { a: 1 },
      application: { name: "auto-created", uid },
    });
    assert.match(msg.id, ID.msg);
    const created = await svix.application.get(uid);
    assert.match(created.id, ID.app);
    assert.equal(created.name, "auto-created");
  });

  it("errors: 404 unknown app/message, 422 invalid event type name", async () => {
    await rejectsWith(svix.message.create(uniq("nope"), { eventType: typeA, payload: {} }), 404, "unknown app");
    await rejectsWith(svix.message.get(app.id, `msg_${rnd(10)}`), 404, "unknown message");
    await rejectsWith(svix.message.list(uniq("nope")), 404, "list on unknown app");
    await rejectsWith(
      svix.message.create(app.id, { eventType: "bad type", payload: {} }),
      422,
      "event type with spaces"
    );
  });
});

// ---------------------------------------------------------------------------
// pagination over applications (many apps, small pages)
// ---------------------------------------------------------------------------

describe("pagination", () => {
  it("application.list with limit=2 visits every app exactly once", async () => {
    const created = [];
    for (let i = 0; i < 7; i++) created.push((await newApp()).id);
    const all = await collectAll((o) => svix.application.list(o), 2, "application.list");
    const ids = all.map((a) => a.id);
    for (const id of created) assert.ok(ids.includes(id), `${id} not visited`);
  });

  it("limit=1 over a 3-endpoint app gives 3 single-item pages", async () => {
    const own = await newApp();
    for (let i = 0; i < 3; i++) await svix.endpoint.create(own.id, { url: `https://example.com/l1/${i}` });
    let pages = 0;
    const all = await collectAll(async (o) => {
      pages++;
      return svix.endpoint.list(own.id, o);
    }, 1, "endpoint.list limit=1");
    assert.equal(all.length, 3);
    assert.ok(pages === 3 || pages === 4, `expected 3 (or 4 with a final empty page) pages, got ${pages}`);
  });
});

// ---------------------------------------------------------------------------
// authentication and app-scoped tokens
// ---------------------------------------------------------------------------

describe("auth", () => {
  it("wrong token is a 401", async () => {
    await rejectsWith(client(`hk_wrong_${rnd()}`).application.list(), 401, "bad token");
  });

  it("app-scoped token: reads app A's endpoints, 404 for app B", async () => {
    const a = await newApp();
    const b = await newApp();
    const epA = await svix.endpoint.create(a.id, { url: "https://example.com/a" });
    const epB = await svix.endpoint.create(b.id, { url: "https://example.com/b" });

    const scoped = client(await hookd.createToken({ app: a.id }));

    const listA = await scoped.endpoint.list(a.id);
    assert.deepEqual(listA.data.map((e) => e.id), [epA.id]);
    assert.equal((await scoped.endpoint.get(a.id, epA.id)).id, epA.id);
    assert.equal((await scoped.endpoint.list(a.uid)).data[0]?.id, epA.id, "app uid works with a scoped token");

    await rejectsWith(scoped.endpoint.list(b.id), 404, "scoped token, other app's endpoints");
    await rejectsWith(scoped.endpoint.get(b.id, epB.id), 404, "scoped token, other app's endpoint");
    await rejectsWith(scoped.endpoint.get(a.id, epB.id), 404, "scoped token, other app's endpoint via own app");
  });
});

// ---------------------------------------------------------------------------
// status codes (the SDK accepts any 2xx; these are upstream Svix's codes)
// ---------------------------------------------------------------------------

describe("status codes", () => {
  const one = (xs, method) => {
    const hits = xs.filter((x) => x.method === method);
    assert.equal(hits.length, 1, `expected exactly one ${method} (a retry means a 5xx or a network error): ${JSON.stringify(xs)}`);
    return hits[0].status;
  };

  it("create 201, message create 202, delete/rotate/headers 204", async () => {
    let app;
    assert.equal(one(await capture(async () => (app = await svix.application.create({ name: uniq("sc") }))), "POST"), 201);
    let ep;
    assert.equal(
      one(await capture(async () => (ep = await svix.endpoint.create(app.id, { url: "https://example.com/sc" }))), "POST"),
      201
    );
    assert.equal(one(await capture(() => svix.eventType.create({ name: `sc.${rnd()}`, description: "x" })), "POST"), 201);
    const et = await newEventType();
    assert.equal(
      one(await capture(() => svix.message.create(app.id, { eventType: et.name, payload: {} })), "POST"),
      202
    );
    assert.equal(one(await capture(() => svix.endpoint.rotateSecret(app.id, ep.id)), "POST"), 204);
    assert.equal(one(await capture(() => svix.endpoint.setHeaders(app.id, ep.id, { headers: { "X-A": "1" } })), "PUT"), 204);
    assert.equal(one(await capture(() => svix.endpoint.patchHeaders(app.id, ep.id, { headers: { "X-B": "2" } })), "PATCH"), 204);
    assert.equal(one(await capture(() => svix.endpoint.delete(app.id, ep.id)), "DELETE"), 204);
    assert.equal(one(await capture(() => svix.application.delete(app.id)), "DELETE"), 204);
  });

  it("getOrCreate: 201 when created, 200 when it already existed", async () => {
    const uid = uniq("goc");
    assert.equal(one(await capture(() => svix.application.getOrCreate({ name: "x", uid })), "POST"), 201);
    assert.equal(one(await capture(() => svix.application.getOrCreate({ name: "x", uid })), "POST"), 200);
  });
});

// ---------------------------------------------------------------------------
// persistence
// ---------------------------------------------------------------------------

describe("persistence", () => {
  it("apps, endpoints, secrets and messages survive a restart", async () => {
    const app = await newApp();
    const secret = newSecret();
    // Loopback only: the message below is really delivered (port 9 has no listener here).
    const ep = await svix.endpoint.create(app.id, { url: "http://127.0.0.1:9/persist", secret });
    const et = await newEventType();
    const msg = await svix.message.create(app.id, { eventType: et.name, payload: { p: 1 } });

    await hookd.restart();
    svix = client(); // the port may have changed

    assert.equal((await svix.application.get(app.uid)).id, app.id);
    assert.equal((await svix.endpoint.get(app.id, ep.id)).url, "http://127.0.0.1:9/persist");
    assert.equal((await svix.endpoint.getSecret(app.id, ep.id)).key, secret);
    assert.deepEqual((await svix.message.get(app.id, msg.id, { withContent: true })).payload, { p: 1 });
  });
});

// ---------------------------------------------------------------------------
// message attempts / delivery
// ---------------------------------------------------------------------------

// Delivery driven only through the SDK: a local receiver on 127.0.0.1 checks what hookd sends.
// This section runs its own hookd with one immediate retry (--retry-schedule 0s) so a failing
// delivery reaches "fail" quickly (recover only picks up failed deliveries); the harness passes
// HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 so loopback is deliverable.
describe("message attempts / delivery", () => {
  let dh; // hookd for this section
  let ds; // its admin SDK client
  let rx; // receiver
  let app;
  let ep;
  let secret;
  let msg;

  before(async () => {
    [dh, rx] = await Promise.all([startHookd({ delivery: true, args: ["--retry-schedule", "0s"] }), startReceiver()]);
    ds = new Svix(dh.token, { serverUrl: dh.url, fetch: recordingFetch });
    app = await ds.application.create({ name: uniq("delivery"), uid: uniq("dl") });
    ep = await ds.endpoint.create(app.id, { url: rx.url("/sdk/main"), description: "sdk receiver" });
    secret = (await ds.endpoint.getSecret(app.id, ep.id)).key;
  });
  after(async () => {
    await rx?.close();
    await dh?.stop();
  });

  /** Wait until the delivery of msgId to epId is final (SDK listAttemptedDestinations). */
  const settled = (msgId, epId) =>
    waitFor(
      async () => {
        const page = await ds.messageAttempt.listAttemptedDestinations(app.id, msgId);
        const d = page.data.find((x) => x.id === epId);
        return d && (d.status === MessageStatus.Success || d.status === MessageStatus.Fail) ? d : null;
      },
      { message: `delivery ${msgId} -> ${epId} not final` }
    );
  /** Both verifiers accept the request with `key`; returns the parsed payload. */
  const verifyBoth = (key, req) => {
    new Webhook(key).verify(req.body, req.headers); // svix's own class (returns nothing)
    return new StandardWebhook(key).verify(req.body, req.headers);
  };
  const rejects = (key, req) => {
    assert.throws(() => new Webhook(key).verify(req.body, req.headers));
    assert.throws(() => new StandardWebhook(key).verify(req.body, req.headers));
  };

  it("message.create is delivered, signed so svix.Webhook and standardwebhooks verify it", async () => {
    const payload = { order: 42, items: ["a", "b"], note: "ünïcode ✓" };
    msg = await ds.message.create(app.id, { eventType: "order.created", payload });
    const [req] = await rx.waitForCount("/sdk/main", 1);
    assert.equal(req.headers["webhook-id"], msg.id);
    assert.deepEqual(verifyBoth(secret, req), payload);
    rejects(newSecret(), req);
    const d = await settled(msg.id, ep.id);
    assert.equal(d.status, MessageStatus.Success);
    assert.equal(d.statusText, "success");
    assert.equal(d.url, ep.url);
  });

  it("messageInRaw: the raw text is the body, with its content type, signed over those bytes", async () => {
    const rawApp = await ds.application.create({ name: uniq("raw") });
    const rawEp = await ds.endpoint.create(rawApp.id, { url: rx.url("/sdk/raw") });
    const key = (await ds.endpoint.getSecret(rawApp.id, rawEp.id)).key;
    const xml = '<receipt id="7">delivered</receipt>';
    await ds.message.create(rawApp.id, messageInRaw("receipt.raw", xml, "application/xml"));
    const json = '{"b": 1,  "a": [2]}'; // exact bytes, not re-serialized
    await ds.message.create(rawApp.id, messageInRaw("receipt.raw", json));
    const reqs = await rx.waitForCount("/sdk/raw", 2);
    const byBody = Object.fromEntries(reqs.map((r) => [r.body, r]));
    assert.equal(byBody[xml].headers["content-type"], "application/xml");
    assert.equal(byBody[json].headers["content-type"], "application/json");
    new StandardWebhook(key).verify(json, byBody[json].headers); // throws when the signature is wrong
    assert.throws(() => new StandardWebhook(key).verify("<tampered/>", byBody[xml].headers));
  });

  it("after rotateSecret the old and the new secret both verify", async () => {
    const newKey = newSecret();
    await ds.endpoint.rotateSecret(app.id, ep.id, { key: newKey });
    assert.equal((await ds.endpoint.getSecret(app.id, ep.id)).key, newKey);
    const m = await ds.message.create(app.id, { eventType: "order.updated", payload: { rotated: true } });
    const req = await rx.waitFor((all) => all.find((r) => r.headers["webhook-id"] === m.id));
    assert.equal(req.headers["webhook-signature"].split(" ").length, 2, req.headers["webhook-signature"]);
    assert.deepEqual(verifyBoth(newKey, req), { rotated: true });
    assert.deepEqual(verifyBoth(secret, req), { rotated: true }, "the previous secret still verifies");
    rejects(newSecret(), req);
    await settled(m.id, ep.id);
    secret = newKey;
  });

  it("messageAttempt list/get calls return the attempt with its fields", async () => {
    const byMsg = await ds.messageAttempt.listByMsg(app.id, msg.id);
    assertListShape(byMsg, "listByMsg");
    assert.equal(byMsg.data.length, 1);
    const a = byMsg.data[0];
    assert.match(a.id, /^atmpt_/);
    assert.equal(a.msgId, msg.id);
    assert.equal(a.endpointId, ep.id);
    assert.equal(a.url, rx.url("/sdk/main"));
    assert.equal(a.response, "ok");
    assert.equal(a.responseStatusCode, 200);
    assert.equal(typeof a.responseDurationMs, "number");
    assert.equal(a.status, MessageStatus.Success);
    assert.equal(a.statusText, "success");
    assert.equal(a.triggerType, MessageAttemptTriggerType.Scheduled);
    assertDate(a.timestamp, "attempt.timestamp");

    const filtered = await ds.messageAttempt.listByMsg(app.id, msg.id, { status: MessageStatus.Fail });
    assert.deepEqual(filtered.data, []);
    const byEp = await ds.messageAttempt.listByEndpoint(app.id, ep.id, { limit: 10 });
    assertListShape(byEp, "listByEndpoint");
    assert.ok(byEp.data.some((x) => x.id === a.id));
    assert.ok(byEp.data.every((x) => x.endpointId === ep.id));
    const withMsg = await ds.messageAttempt.listByEndpoint(app.id, ep.id, { withMsg: true });
    const mine = withMsg.data.find((x) => x.id === a.id);
    assert.equal(mine.msg?.id, msg.id, "withMsg includes the message");

    const got = await ds.messageAttempt.get(app.id, msg.id, a.id);
    assert.deepEqual(got, a);

    const msgs = await ds.messageAttempt.listAttemptedMessages(app.id, ep.id);
    assertListShape(msgs, "listAttemptedMessages");
    const row = msgs.data.find((x) => x.id === msg.id);
    assert.ok(row, "the message is listed for the endpoint");
    assert.equal(row.eventType, "order.created");
    assert.equal(row.status, MessageStatus.Success);
    assert.equal(row.statusText, "success");
    assertDate(row.timestamp, "endpoint message timestamp");
    assert.equal(row.nextAttempt, null);

    const dests = await ds.messageAttempt.listAttemptedDestinations(app.id, msg.id);
    assertListShape(dests, "listAttemptedDestinations");
    assert.deepEqual(dests.data.map((x) => x.id), [ep.id]);
    assert.equal(dests.data[0].status, MessageStatus.Success);
    assert.equal(dests.data[0].description, "sdk receiver");
    assertDate(dests.data[0].createdAt, "destination createdAt");
  });

  it("messageAttempt.resend makes a manual attempt", async () => {
    const n0 = rx.count("/sdk/main");
    const res = await ds.messageAttempt.resend(app.id, msg.id, ep.id);
    assert.deepEqual(res, {}, "202 {} parsed by the SDK");
    await rx.waitForCount("/sdk/main", n0 + 1);
    const last = rx.requestsTo("/sdk/main").at(-1);
    assert.equal(last.headers["webhook-id"], msg.id);
    verifyBoth(secret, last); // signed with the current key set
    const attempts = await waitFor(async () => {
      const page = await ds.messageAttempt.listByMsg(app.id, msg.id);
      return page.data.length === 2 ? page.data : null;
    });
    assert.deepEqual(
      attempts.map((x) => x.triggerType).sort(),
      [MessageAttemptTriggerType.Scheduled, MessageAttemptTriggerType.Manual]
    );
  });

  it("endpoint.getStats counts deliveries", async () => {
    const stats = await ds.endpoint.getStats(app.id, ep.id);
    assert.deepEqual(stats, { success: 2, pending: 0, sending: 0, fail: 0, canceled: 0 });
  });

  it("endpoint.sendExample delivers an example to that endpoint only", async () => {
    const other = await ds.endpoint.create(app.id, { url: rx.url("/sdk/other") });
    const ex = await ds.endpoint.sendExample(app.id, ep.id, { eventType: "order.created" });
    assert.match(ex.id, ID.msg);
    assert.equal(ex.eventType, "order.created");
    assertDate(ex.timestamp, "example timestamp");
    const req = await rx.waitFor((all) => all.find((r) => r.headers["webhook-id"] === ex.id));
    assert.equal(req.path, "/sdk/main");
    verifyBoth(secret, req);
    const dests = await ds.messageAttempt.listAttemptedDestinations(app.id, ex.id);
    assert.deepEqual(dests.data.map((x) => x.id), [ep.id], "only the chosen endpoint");
    await settled(ex.id, ep.id);
    assert.equal(rx.count("/sdk/other"), 0);
    const ping = await ds.endpoint.sendExample(app.id, ep.id, { eventType: "svix.ping" });
    const pinged = await rx.waitFor((all) => all.find((r) => r.headers["webhook-id"] === ping.id));
    assert.deepEqual(JSON.parse(pinged.body), { success: true });
    await ds.endpoint.delete(app.id, other.id);
  });

  it("endpoint.recover re-sends failed deliveries", async () => {
    const downApp = await ds.application.create({ name: uniq("recover") });
    rx.on("/sdk/down", 503);
    const down = await ds.endpoint.create(downApp.id, { url: rx.url("/sdk/down") });
    const since = new Date(Date.now() - 1000);
    const m = await ds.message.create(downApp.id, { eventType: "order.created", payload: { recover: 1 } });
    const failed = await waitFor(async () => {
      const page = await ds.messageAttempt.listAttemptedDestinations(downApp.id, m.id);
      return page.data[0]?.status === MessageStatus.Fail ? page.data[0] : null;
    });
    assert.equal(failed.statusText, "fail");
    const failedAttempts = await ds.messageAttempt.listByMsg(downApp.id, m.id, { status: MessageStatus.Fail });
    assert.equal(failedAttempts.data.length, 2, "first attempt + one retry");
    assert.ok(failedAttempts.data.every((x) => x.responseStatusCode === 503));
    assert.equal((await ds.endpoint.getStats(downApp.id, down.id)).fail, 1);

    rx.on("/sdk/down", 200);
    const out = await ds.endpoint.recover(downApp.id, down.id, { since });
    assert.match(out.id, /^qtask_/);
    assert.equal(out.task, "endpoint.recover");
    assert.ok(["running", "finished"].includes(out.status), out.status);
    assertDate(out.updatedAt, "recover updatedAt");
    await waitFor(async () => {
      const page = await ds.messageAttempt.listAttemptedDestinations(downApp.id, m.id);
      return page.data[0]?.status === MessageStatus.Success;
    });
    assert.equal(rx.count("/sdk/down"), 3);
    verifyBoth((await ds.endpoint.getSecret(downApp.id, down.id)).key, rx.requestsTo("/sdk/down").at(-1));
    assert.deepEqual(await ds.endpoint.getStats(downApp.id, down.id), { success: 1, pending: 0, sending: 0, fail: 0, canceled: 0 });
  });

  it("statistics.aggregateAppStats counts message destinations; the task carries them", async () => {
    const usageApp = await ds.application.create({ name: uniq("usage"), uid: uniq("usage") });
    await ds.endpoint.create(usageApp.id, { url: rx.url("/sdk/usage-a") });
    await ds.endpoint.create(usageApp.id, { url: rx.url("/sdk/usage-b") });
    const since = new Date(Date.now() - 60_000);
    for (let i = 0; i < 2; i++) await ds.message.create(usageApp.id, { eventType: "order.created", payload: { i } });
    await rx.waitForCount("/sdk/usage-a", 2);
    await rx.waitForCount("/sdk/usage-b", 2);
    const out = await waitFor(async () => {
      const started = await ds.statistics.aggregateAppStats({
        since,
        until: new Date(Date.now() + 120_000),
        appIds: [usageApp.uid, "app_not_there"],
      });
      const task = await ds.backgroundTask.get(started.id);
      return task.data.appStats[0]?.messageDestinations === 4 ? [started, task] : null;
    });
    const [started, task] = out;
    assert.match(started.id, /^qtask_/);
    assert.equal(started.task, "application.stats");
    assert.equal(started.status, "finished");
    assert.deepEqual(started.unresolvedAppIds, ["app_not_there"]);
    assertDate(started.updatedAt, "aggregateAppStats updatedAt");
    assert.deepEqual(task.data.appStats, [{ messageDestinations: 4, appId: usageApp.id, appUid: usageApp.uid }]);
    await assert.rejects(
      ds.statistics.aggregateAppStats({ since, until: new Date(), appIds: ["app_not_there"] }),
      (e) => e.code === 422
    );
  });
});
// ---------------------------------------------------------------------------
// suite-wide invariant (runs last: tests in a file run in order)
// ---------------------------------------------------------------------------

describe("suite invariants", () => {
  it("the server never answered 5xx", () => {
    const bad = exchanges.filter((x) => x.status >= 500);
    assert.deepEqual(bad, [], "5xx responses seen (the SDK retried them)");
  });
});
