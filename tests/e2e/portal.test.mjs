// Token capabilities through the official svix SDK: customer portal tokens
// (authentication.appPortalAccess / expireAll / logout) next to producer keys (`hookd token
// create --app`). A portal token reaches its one app only, does what its capabilities say, and
// never reaches admin routes; a producer key sends messages but cannot manage apps.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ApiException, Svix } from "svix";
import { startHookd } from "./lib/hookd.mjs";

const uid = (p) => `${p}-${randomBytes(4).toString("hex")}`;

async function rejectsWith(promise, status, what) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ApiException, `${what}: expected ApiException(${status}), got ${err?.message}`);
    assert.equal(err.code, status, `${what}: HTTP status (body: ${JSON.stringify(err.body)})`);
    return true;
  });
}

describe("token capabilities (svix SDK)", () => {
  let hookd, svix, a, b, epA, epB;
  const as = (token) => new Svix(token, { serverUrl: hookd.url });
  const portal = async (app, opts = {}) => (await svix.authentication.appPortalAccess(app, opts)).token;

  before(async () => {
    hookd = await startHookd();
    svix = as(hookd.token);
    a = await svix.application.create({ name: "A", uid: uid("portal-a") });
    b = await svix.application.create({ name: "B", uid: uid("portal-b") });
    epA = await svix.endpoint.create(a.id, { url: "https://a.example/hook" });
    epB = await svix.endpoint.create(b.id, { url: "https://b.example/hook" });
    await svix.message.create(a.id, { eventType: "t.a", payload: { a: 1 } });
  });
  after(async () => {
    await hookd?.stop();
  });

  it("app-portal-access answers {url, token}; the url carries the token to hookd's /ui", async () => {
    const out = await svix.authentication.appPortalAccess(a.id, {});
    assert.match(out.token, /^hk_[0-9a-f]{48}$/);
    assert.ok(out.url.startsWith(`${hookd.url}/ui/`), out.url);
    assert.ok(out.url.endsWith(out.token), out.url);
  });

  it("a default portal token manages its app's endpoints but cannot send messages or reach another app", async () => {
    const p = as(await portal(a.uid));
    assert.equal((await p.application.get(a.id)).id, a.id);
    assert.deepEqual((await p.endpoint.list(a.id)).data.map((e) => e.id), [epA.id]);
    assert.match((await p.endpoint.getSecret(a.id, epA.id)).key, /^whsec_/);
    const created = await p.endpoint.create(a.id, { url: "https://a2.example/hook" });
    await p.endpoint.rotateSecret(a.id, created.id, {});
    await p.endpoint.delete(a.id, created.id);
    assert.equal((await p.message.list(a.id)).data.length, 1);
    await rejectsWith(p.message.create(a.id, { eventType: "t.a", payload: {} }), 403, "send a message");
    await rejectsWith(p.endpoint.list(b.id), 404, "another app's endpoints");
    await rejectsWith(p.endpoint.get(b.id, epB.id), 404, "another app's endpoint");
    await rejectsWith(p.application.get(b.id), 404, "another app");
  });

  it("a portal token never reaches admin routes", async () => {
    const p = as(await portal(a.id));
    await rejectsWith(p.application.list(), 403, "list apps");
    await rejectsWith(p.application.create({ name: "x" }), 403, "create an app");
    await rejectsWith(p.application.upsert(a.id, { name: "renamed" }), 403, "upsert its app");
    await rejectsWith(p.application.patch(a.id, { name: "renamed" }), 403, "patch its app");
    await rejectsWith(p.application.delete(a.id), 403, "delete its app");
    await rejectsWith(p.eventType.create({ name: "x.y", description: "d" }), 403, "create an event type");
    await rejectsWith(p.authentication.appPortalAccess(a.id, {}), 403, "mint another portal token");
    await rejectsWith(p.authentication.expireAll(a.id, {}), 403, "expire tokens");
    await rejectsWith(p.operationalWebhook.endpoint.list(), 403, "operational webhooks");
    await rejectsWith(p.ingest.source.list(), 403, "inbox sources");
    assert.equal((await svix.application.get(a.id)).name, "A");
  });

  it("readOnly and explicit capabilities limit what a portal token does", async () => {
    const ro = as(await portal(a.id, { readOnly: true }));
    assert.equal((await ro.endpoint.list(a.id)).data.length, 1);
    await rejectsWith(ro.endpoint.getSecret(a.id, epA.id), 403, "read-only: secret");
    await rejectsWith(ro.endpoint.create(a.id, { url: "https://x.example/" }), 403, "read-only: create endpoint");
    await rejectsWith(ro.endpoint.recover(a.id, epA.id, { since: new Date(Date.now() - 3600e3) }), 403, "read-only: recover");

    const secrets = as(await portal(a.id, { capabilities: ["ViewBase", "ViewEndpointSecret"] }));
    assert.match((await secrets.endpoint.getSecret(a.id, epA.id)).key, /^whsec_/);
    await rejectsWith(secrets.endpoint.rotateSecret(a.id, epA.id, {}), 403, "view secret: rotate");

    const attempts = as(await portal(a.id, { capabilities: ["ViewBase", "CreateAttempts"] }));
    const task = await attempts.endpoint.recover(a.id, epA.id, { since: new Date(Date.now() - 3600e3) });
    assert.ok(task.id, "recover allowed with CreateAttempts");
    await rejectsWith(attempts.endpoint.patch(a.id, epA.id, { url: "https://evil.example/" }), 403, "attempts: update");
    assert.equal((await svix.endpoint.get(a.id, epA.id)).url, "https://a.example/hook");
  });

  it("bad settings are 422: unknown capability, expiry out of 1 hour..7 days", async () => {
    await rejectsWith(portal(a.id, { capabilities: ["ViewBase", "Everything"] }), 422, "unknown capability");
    await rejectsWith(portal(a.id, { expiry: 60 }), 422, "expiry 60 s");
    await rejectsWith(portal(a.id, { expiry: 8 * 86400 }), 422, "expiry 8 days");
    await rejectsWith(portal("no-such-app", {}), 404, "unknown app");
  });

  it("creates the app from `application` when the path names none", async () => {
    const name = uid("portal-new");
    await rejectsWith(portal(name, { application: { name: "New" } }), 422, "application without the path's uid");
    const p = as(await portal(name, { application: { name: "New", uid: name } }));
    const app = await p.application.get(name);
    assert.equal(app.name, "New");
    assert.equal(app.uid, name);
  });

  it("logout ends the token that calls it; the configured admin token cannot log out", async () => {
    const p = as(await portal(a.id));
    await p.authentication.logout();
    await rejectsWith(p.endpoint.list(a.id), 401, "after logout");
    await rejectsWith(svix.authentication.logout(), 403, "admin logout");
  });

  it("expire-all ends the app's portal tokens (or one session's), not its producer keys", async () => {
    const s1 = as(await portal(a.id, { sessionId: "s1" }));
    const s2 = as(await portal(a.id, { sessionId: "s2" }));
    const other = as(await portal(b.id, { sessionId: "s1" }));
    const producer = as(await hookd.createToken({ app: a.id }));
    await svix.authentication.expireAll(a.id, { sessionIds: ["s1"] });
    await rejectsWith(s1.endpoint.list(a.id), 401, "session s1 expired");
    assert.equal((await s2.endpoint.list(a.id)).data.length, 1, "session s2 still valid");
    assert.equal((await other.endpoint.list(b.id)).data.length, 1, "app B's s1 still valid");
    await svix.authentication.expireAll(a.id, {});
    await rejectsWith(s2.endpoint.list(a.id), 401, "every session expired");
    assert.equal((await producer.endpoint.list(a.id)).data.length, 1, "producer key unaffected");
  });

  it("a producer key sends messages and manages endpoints in its app, but not apps", async () => {
    const producer = as(await hookd.createToken({ app: a.id }));
    const msg = await producer.message.create(a.id, { eventType: "t.a", payload: { via: "producer" } });
    assert.match(msg.id, /^msg_/);
    const ep = await producer.endpoint.create(a.id, { url: "https://p.example/hook" });
    await producer.endpoint.delete(a.id, ep.id);
    await rejectsWith(producer.application.list(), 403, "producer: list apps");
    await rejectsWith(producer.application.upsert(a.id, { name: "x" }), 403, "producer: upsert app");
    await rejectsWith(producer.message.create(b.id, { eventType: "t", payload: {} }), 404, "producer: other app");
  });
});
