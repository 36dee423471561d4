// The inbox through the official svix SDK (ingest.source, ingest.endpoint): sources and their
// endpoints are created and managed by the SDK; a GitHub-signed callback sent to the source's
// ingestUrl is acknowledged and forwarded, signed with the endpoint's secret (verified with
// standardwebhooks); a forged one is refused and not forwarded.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Svix } from "svix";
import { Webhook } from "standardwebhooks";
import { startHookd } from "./lib/hookd.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

describe("inbox (svix SDK ingest API)", () => {
  let hookd, svix, rx;
  before(async () => {
    rx = await startReceiver();
    hookd = await startHookd({ delivery: true });
    svix = new Svix(hookd.token, { serverUrl: hookd.url });
  });
  after(async () => {
    await hookd?.stop();
    await rx?.close();
  });

  it("creates, reads, upserts, rotates and deletes sources", async () => {
    const sources = svix.ingest.source;
    const created = await sources.create({ name: "GitHub", uid: "gh", type: "github", config: { secret: "s3cret" } });
    assert.match(created.id, /^src_/);
    assert.equal(created.type, "github");
    assert.deepEqual(created.config, {}); // secrets are never returned
    assert.match(created.ingestUrl, /\/ingest\/[0-9a-f]{48}$/);
    assert.equal((await sources.get("gh")).id, created.id);
    assert.ok((await sources.list()).data.some((s) => s.id === created.id));
    const renamed = await sources.upsert("gh", { name: "GitHub org", uid: "gh", type: "github", config: { secret: "s3cret" } });
    assert.equal(renamed.id, created.id);
    assert.equal(renamed.name, "GitHub org");
    const inserted = await sources.upsert("by-put", { name: "Stripe", type: "stripe", config: { secret: "whsec_x" } });
    assert.equal(inserted.uid, "by-put");
    const { ingestUrl } = await sources.rotateToken(created.id);
    assert.notEqual(ingestUrl, created.ingestUrl);
    assert.equal((await sources.get(created.id)).ingestUrl, ingestUrl);
    await sources.delete(inserted.id);
    await assert.rejects(sources.get("by-put"), (e) => e.code === 404);
    await assert.rejects(sources.create({ name: "x", type: "github", config: {} }), (e) => e.code === 422);
  });

  it("manages a source's endpoints and forwards verified callbacks, signed with the endpoint's secret", async () => {
    const secret = "It's a Secret to Everybody";
    const source = await svix.ingest.source.create({ name: "repo hooks", type: "github", config: { secret } });
    const eps = svix.ingest.endpoint;
    const ep = await eps.create(source.id, { url: rx.url("/gh"), uid: "main", description: "main" });
    assert.match(ep.id, /^ep_/);
    assert.equal((await eps.get(source.id, "main")).id, ep.id);
    assert.deepEqual((await eps.list(source.id)).data.map((e) => e.id), [ep.id]);
    await eps.upsert(source.id, ep.id, { url: rx.url("/gh"), description: "changed", uid: "main" });
    assert.equal((await eps.get(source.id, ep.id)).description, "changed");
    await eps.setHeaders(source.id, ep.id, { headers: { "x-team": "platform" } });
    assert.deepEqual((await eps.getHeaders(source.id, ep.id)).headers, { "x-team": "platform" });
    const { key } = await eps.getSecret(source.id, ep.id);
    assert.match(key, /^whsec_/);

    const body = JSON.stringify({ action: "opened", number: 7 });
    const post = (sig) =>
      fetch(source.ingestUrl, { method: "POST", body, headers: { "content-type": "application/json", "x-hub-signature-256": sig } });
    const good = await post(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
    assert.equal(good.status, 200);
    assert.equal(await good.text(), "");
    const forged = await post(`sha256=${createHmac("sha256", "guess").update(body).digest("hex")}`);
    assert.equal(forged.status, 401);

    const [got] = await waitFor(() => (rx.requestsTo("/gh").length ? rx.requestsTo("/gh") : null));
    assert.equal(got.headers["x-team"], "platform");
    assert.deepEqual(new Webhook(key).verify(got.body, got.headers), { action: "opened", number: 7 });
    const msgs = await svix.message.list(source.id);
    assert.equal(msgs.data.length, 1); // the forged request was never forwarded

    await eps.delete(source.id, ep.id);
    assert.deepEqual((await eps.list(source.id)).data, []);
  });
});
