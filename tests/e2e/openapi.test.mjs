// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document (checked by
// @seriousme/openapi-schema-validator against the specification's own JSON Schema), served
// without a token, covering every route the svix SDK calls that hookd serves; every path in it
// is a route of the running server; /docs renders it.
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { request } from "../integration/lib/server.mjs";
import { startHookd } from "./lib/hookd.mjs";

// SDK routes hookd does not serve, by area (path parameters written {}). A route the SDK gains
// that hookd lacks fails the test until it is served or listed here with its reason.
const NOT_SERVED = new Set([
  // Destinations, integrations, connectors, transformations: no transformations or non-HTTP
  // destinations in hookd.
  "DELETE /api/v1/app/{}/destination/{}",
  "GET /api/v1/app/{}/destination",
  "GET /api/v1/app/{}/destination/{}",
  "GET /api/v1/app/{}/destination/{}/transformation",
  "PATCH /api/v1/app/{}/destination/{}",
  "PATCH /api/v1/app/{}/destination/{}/transformation",
  "POST /api/v1/app/{}/destination",
  "PUT /api/v1/app/{}/destination/{}",
  "GET /api/v1/app/{}/endpoint/{}/transformation",
  "PATCH /api/v1/app/{}/endpoint/{}/transformation",
  "GET /ingest/api/v1/source/{}/endpoint/{}/transformation",
  "PATCH /ingest/api/v1/source/{}/endpoint/{}/transformation",
  "DELETE /api/v1/app/{}/integration/{}",
  "GET /api/v1/app/{}/integration",
  "GET /api/v1/app/{}/integration/{}",
  "POST /api/v1/app/{}/integration",
  "POST /api/v1/app/{}/integration/{}/key/rotate",
  "PUT /api/v1/app/{}/integration/{}",
  "DELETE /api/v1/connector/{}",
  "GET /api/v1/connector",
  "GET /api/v1/connector/{}",
  "PATCH /api/v1/connector/{}",
  "POST /api/v1/connector",
  "PUT /api/v1/connector/{}",
  // Autoconfig subscriptions.
  "POST /api/v1/app/{}/autoconfig",
  "POST /api/v1/app/{}/autoconfig/{}/rotate",
  // Streaming (streams, sinks, pollers, their portal auth).
  "DELETE /api/v1/stream/event-type/{}",
  "DELETE /api/v1/stream/{}",
  "DELETE /api/v1/stream/{}/sink/{}",
  "GET /api/v1/stream",
  "GET /api/v1/stream/event-type",
  "GET /api/v1/stream/event-type/{}",
  "GET /api/v1/stream/{}",
  "GET /api/v1/stream/{}/sink",
  "GET /api/v1/stream/{}/sink/{}",
  "GET /api/v1/stream/{}/sink/{}/events",
  "GET /api/v1/stream/{}/sink/{}/headers",
  "GET /api/v1/stream/{}/sink/{}/secret",
  "GET /api/v1/stream/{}/sink/{}/transformation",
  "PATCH /api/v1/stream/event-type/{}",
  "PATCH /api/v1/stream/{}",
  "PATCH /api/v1/stream/{}/sink/{}",
  "PATCH /api/v1/stream/{}/sink/{}/headers",
  "PATCH /api/v1/stream/{}/sink/{}/transformation",
  "POST /api/v1/stream",
  "POST /api/v1/stream/event-type",
  "POST /api/v1/stream/{}/events",
  "POST /api/v1/stream/{}/sink",
  "POST /api/v1/stream/{}/sink/{}/secret/rotate",
  "PUT /api/v1/stream/event-type/{}",
  "PUT /api/v1/stream/{}",
  "PUT /api/v1/stream/{}/sink/{}",
  "GET /api/v1/app/{}/poller/{}",
  "GET /api/v1/app/{}/poller/{}/consumer/{}",
  "POST /api/v1/app/{}/poller/{}/consumer/{}/seek",
  "GET /api/v1/auth/stream/{}/sink/{}/poller/token",
  "POST /api/v1/auth/stream-logout",
  "POST /api/v1/auth/stream-portal-access/{}",
  "POST /api/v1/auth/stream/{}/expire-all",
  "POST /api/v1/auth/stream/{}/sink/{}/poller/token/rotate",
  // Environment export/import, usage statistics, OpenAPI import of event types.
  "POST /api/v1/environment/export",
  "POST /api/v1/environment/import",
  "PUT /api/v1/stats/usage/event-types",
  "POST /api/v1/event-type/import/openapi",
  // Bulk message expunge and the active-endpoint precheck.
  "POST /api/v1/app/{}/msg/bulk-expunge",
  "POST /api/v1/app/{}/msg/expunge-all-contents",
  "POST /api/v1/app/{}/msg/precheck/active",
  // The ingest source dashboard (Svix's hosted UI).
  "POST /ingest/api/v1/source/{}/dashboard",
]);

const normalise = (p) => p.replace(/\{[^}]+\}/g, "{}");

/** Every `new SvixRequest(HttpMethod.X, "/path")` in the SDK's sources, as "X /path". */
async function sdkRoutes() {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve("svix/package.json")), "src", "api");
  const routes = new Set();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".ts"))) {
    const text = await readFile(path.join(dir, file), "utf8");
    for (const m of text.matchAll(/new SvixRequest\(\s*HttpMethod\.(\w+),\s*["'`]([^"'`]+)["'`]/g))
      routes.add(`${m[1]} ${normalise(m[2])}`);
  }
  return routes;
}

describe("OpenAPI document", () => {
  let hookd, served, doc;
  before(async () => {
    hookd = await startHookd();
    served = await request(hookd, "GET", "/api/v1/openapi.json", { token: null });
    doc = served.json;
  });
  after(async () => {
    await hookd?.stop();
  });

  it("is served without a token and is a valid OpenAPI 3.1 document", async () => {
    assert.equal(served.status, 200);
    assert.match(served.headers.get("content-type"), /^application\/json/);
    assert.equal(doc.openapi, "3.1.0");
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, "3.1");
    validator.resolveRefs(); // throws on a $ref that resolves nowhere
  });

  it("has every route the svix SDK calls that hookd serves", async () => {
    const documented = new Set();
    for (const [p, item] of Object.entries(doc.paths))
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${normalise(p)}`);
    const sdk = await sdkRoutes();
    assert.ok(sdk.size > 100, `only ${sdk.size} SDK routes found`);
    const missing = [...sdk].filter((r) => !documented.has(r) && !NOT_SERVED.has(r)).sort();
    assert.deepEqual(missing, [], "SDK routes neither in the document nor listed as not served");
    const stale = [...NOT_SERVED].filter((r) => documented.has(r) || !sdk.has(r)).sort();
    assert.deepEqual(stale, [], "NOT_SERVED entries that are served, or that the SDK no longer calls");
  });

  it("lists only routes the server has", async () => {
    // Without a token a route answers 401 (authenticated) or its own answer (public); a path the
    // router lacks answers 404 "no such route" whatever the token, and a wrong method 405.
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const url = p.replace(/\{([^}]+)\}/g, "dummy_$1");
        const res = await request(hookd, method.toUpperCase(), url, { token: null });
        const what = `${method.toUpperCase()} ${p} -> ${res.status} ${res.text.slice(0, 100)}`;
        assert.ok(res.status < 500, what);
        assert.notEqual(res.status, 405, what);
        assert.notEqual(res.json?.detail, "no such route", what);
        if (op["x-hookd-access"] !== "public") assert.equal(res.status, 401, what);
      }
    }
  });

  it("is rendered at /docs as a self-contained page", async () => {
    const res = await request(hookd, "GET", "/docs", { token: null });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/html/);
    for (const id of ["v1.application.list", "v1.endpoint.create", "v1.message-attempt.resend"])
      assert.ok(res.text.includes(id), id);
    assert.ok(!/<script|https?:\/\//.test(res.text), "the page loads nothing from elsewhere");
  });
});
