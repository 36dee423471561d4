// Callback options (README "Callback options"): endpoint fields beyond Svix's (method, contentType,
// URL templates with the app's env, credentials, failover URL lists, per-try and total timeouts,
// retries pairs, successStatus), per-message callbacks, test mode and killing a message.
//
// Every destination is a loopback receiver (lib/receiver.mjs); hookd runs with
// HOOKD_ALLOWED_NETWORKS=127.0.0.0/8 (lib/delivery_api.mjs). The few non-loopback URLs below
// ("ftp://x", a placeholder in the host) are ones hookd must reject before storing anything.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

import { STATUS, expectedSignature, hookdApi, newSecret, signatureMatches, startDeliveryServer } from "./lib/delivery_api.mjs";
import { sleep, startReceiver, waitFor } from "./lib/receiver.mjs";
import { Webhook } from "../e2e/node_modules/standardwebhooks/dist/index.js";

const FORM = "application/x-www-form-urlencoded";
const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
const basic = (user, pass) => `Basic ${b64(`${user}:${pass}`)}`;
/** Percent-encoding that keeps only RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~). */
const rfc3986 = (s) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** A header of a test-mode request, looked up case-insensitively. */
const header = (headers, name) =>
  Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
const loc = (r) => r.json?.detail?.map((d) => d.loc);

describe("callback options", () => {
  let server;
  let rx;
  let h;

  before(async () => {
    [server, rx] = await Promise.all([startDeliveryServer(), startReceiver()]);
    h = hookdApi(server);
  });
  after(async () => {
    await rx?.close();
    await server?.stop();
  });

  /** Asserts `r` is a 422 whose detail names exactly the field at `where` (e.g. ["body","url"]). */
  function assert422(r, where, what) {
    assert.equal(r.status, 422, `${what}: HTTP ${r.status} ${r.text}`);
    assert.ok(
      loc(r).some((l) => JSON.stringify(l) === JSON.stringify(where)),
      `${what}: 422 names ${JSON.stringify(where)}; got ${JSON.stringify(loc(r))}`
    );
  }

  describe("endpoint fields", () => {
    test("defaults, every field echoed by GET and list, PATCH keeps the others; the password never", async () => {
      const app = await h.newApp();
      const password = `pw-${randomBytes(8).toString("hex")}`;
      const plain = await h.newEndpoint(app.id, { url: rx.url("/fields/plain") });
      for (const [k, v] of Object.entries({
        method: "POST",
        contentType: "application/json",
        retriesPerUrl: 1,
        timeoutMs: null,
        totalTimeoutMs: null,
        successStatus: null,
        retrySchedule: null,
        basicAuth: null,
      })) {
        assert.deepEqual(plain[k], v, `default ${k}`);
      }

      const urls = [rx.url("/fields/a"), rx.url("/fields/b")];
      const body = {
        urls,
        method: "GET",
        contentType: FORM,
        retriesPerUrl: 2,
        timeoutMs: 5000,
        totalTimeoutMs: 60000,
        successStatus: [200, 202],
        retries: 2,
        retryDelaySeconds: 30,
        basicAuth: { username: "dispatch", password },
      };
      const created = await h.api.post(`/api/v1/app/${app.id}/endpoint`, body);
      assert.equal(created.status, 201, created.text);
      const ep = created.json;
      const want = {
        url: urls[0], // url becomes urls[0] when absent
        urls,
        method: "GET",
        contentType: FORM,
        retriesPerUrl: 2,
        timeoutMs: 5000,
        totalTimeoutMs: 60000,
        successStatus: [200, 202],
        retrySchedule: [30, 30],
        basicAuth: { username: "dispatch" },
      };
      const got = await h.getEndpoint(app.id, ep.id);
      const listed = (await h.api.get(`/api/v1/app/${app.id}/endpoint`)).json.data.find((e) => e.id === ep.id);
      for (const [k, v] of Object.entries(want)) {
        assert.deepEqual(ep[k], v, `POST echoes ${k}`);
        assert.deepEqual(got[k], v, `GET echoes ${k}`);
        assert.deepEqual(listed[k], v, `list echoes ${k}`);
      }

      const patched = await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { method: "POST", timeoutMs: null });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json.method, "POST");
      assert.equal(patched.json.timeoutMs, null, "PATCH null resets timeoutMs");
      for (const k of ["urls", "contentType", "retriesPerUrl", "totalTimeoutMs", "successStatus", "retrySchedule", "basicAuth"]) {
        assert.deepEqual(patched.json[k], want[k], `PATCH keeps ${k}`);
      }
      for (const r of [created, patched, await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}`), await h.api.get(`/api/v1/app/${app.id}/endpoint`)]) {
        assert.ok(!r.text.includes(password), "the basicAuth password is never returned");
      }
    });

    test("invalid option values are 422s naming the field, and nothing is created", async () => {
      const app = await h.newApp();
      const url = rx.url("/fields/invalid");
      const cases = [
        [{ url, method: "PUT" }, "method"],
        [{ url, contentType: "text/plain" }, "contentType"],
        [{ url, timeoutMs: 99 }, "timeoutMs"],
        [{ url, timeoutMs: 120001 }, "timeoutMs"],
        [{ url, successStatus: [] }, "successStatus"],
        [{ url, successStatus: [700] }, "successStatus"],
        [{ url, retriesPerUrl: 0 }, "retriesPerUrl"],
        [{ urls: [] }, "urls"],
        [{ urls: [url, "ftp://x"] }, "urls"],
        [{ url, basicAuth: { username: "a:b", password: "p" } }, "basicAuth"],
        // One attempt's credentials go to every URL it tries: a list must agree on them.
        [{ urls: ["https://a:1@one.example/x", "https://b:2@two.example/x"] }, "urls"],
        [{ urls: ["https://a:1@one.example/x", "https://two.example/x"] }, "urls"],
      ];
      for (const [body, field] of cases) {
        const r = await h.api.post(`/api/v1/app/${app.id}/endpoint`, body);
        assert.equal(r.status, 422, `${JSON.stringify(body)}: HTTP ${r.status} ${r.text}`);
        assert.ok(loc(r).some((l) => l[1] === field), `${JSON.stringify(body)} names ${field}: ${JSON.stringify(loc(r))}`);
      }
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}/endpoint`)).json.data, []);
    });
  });

  describe("request method and body format", () => {
    test("method GET: no body, no content-type, the data in the URL, signed over the empty body", async () => {
      const app = await h.newApp({ env: { campaign: "spring" } });
      const secret = newSecret();
      const ep = await h.newEndpoint(app.id, {
        url: rx.url("/get/{{member.id}}?event={{eventType}}&campaign={{env.campaign}}"),
        method: "GET",
        secret,
      });
      assert.equal(ep.method, "GET");
      const msg = await h.send(app.id, { eventType: "member.joined", payload: { member: { id: "m-7" } } });
      const [req] = await rx.waitForCount("/get/m-7", 1);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.SUCCESS);

      assert.equal(req.method, "GET");
      assert.equal(req.url, "/get/m-7?event=member.joined&campaign=spring");
      assert.equal(req.raw.length, 0, "no body");
      assert.equal(req.headers["content-type"], undefined, "no content-type");
      assert.ok([undefined, "0"].includes(req.headers["content-length"]), `content-length ${req.headers["content-length"]}`);
      assert.equal(req.headers["transfer-encoding"], undefined);
      assert.equal(req.headers["webhook-id"], msg.id);
      assert.equal(
        req.headers["webhook-signature"],
        expectedSignature(secret, msg.id, req.headers["webhook-timestamp"], ""),
        "signature over the empty body"
      );
      assert.equal(new Webhook(secret).verify("", req.headers), undefined, "standardwebhooks verifies the empty body");
    });

    test("form bodies: flattened keys, raw strings, JSON numbers and booleans, empty null, '+' for spaces; signed over the exact bytes", async () => {
      const app = await h.newApp();
      const secret = newSecret();
      const ep = await h.newEndpoint(app.id, { url: rx.url("/form"), contentType: FORM, secret });
      const payload = {
        member: { phone: "+1 555/0100", name: "Zoë Ünal" },
        n: 3,
        neg: -7,
        ok: true,
        no: false,
        z: null,
        list: [1, "a b", { k: "v" }],
        "a&b=c": "x=y&z",
        text: "50% off! ~*",
        empty: "",
      };
      const msg = await h.send(app.id, { payload });
      const [req] = await rx.waitForCount("/form", 1);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.SUCCESS);

      assert.equal(req.method, "POST");
      assert.equal(req.headers["content-type"], FORM);
      assert.deepEqual(
        [...new URLSearchParams(req.body)],
        [
          ["member[phone]", "+1 555/0100"],
          ["member[name]", "Zoë Ünal"],
          ["n", "3"],
          ["neg", "-7"],
          ["ok", "true"],
          ["no", "false"],
          ["z", ""],
          ["list[0]", "1"],
          ["list[1]", "a b"],
          ["list[2][k]", "v"],
          ["a&b=c", "x=y&z"],
          ["text", "50% off! ~*"],
          ["empty", ""],
        ],
        `form body ${req.body}`
      );
      assert.ok(req.body.includes("list%5B1%5D=a+b"), `spaces as '+': ${req.body}`);
      assert.ok(!req.body.includes("%20"), "no %20 for spaces");
      assert.ok(req.body.includes("member%5Bphone%5D=%2B1+555%2F0100"), "a literal '+' is encoded");
      assert.ok(/^[A-Za-z0-9%+=&._*~-]*$/.test(req.body), `only form-safe bytes: ${req.body}`);

      assert.ok(signatureMatches(secret, req.headers, req.raw), "node:crypto HMAC over the bytes received");
      assert.equal(new Webhook(secret).verify(req.raw, req.headers, { jsonParse: false }), undefined, "standardwebhooks verifies");
      assert.throws(() => new Webhook(secret).verify(JSON.stringify(payload), req.headers, { jsonParse: false }), "not over the JSON text");
    });

    test("non-integer numbers keep their JSON text in form bodies and URL variables (2.5, not 2.5E0)", async () => {
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, { url: rx.url("/form-num?price={{price}}"), contentType: FORM });
      const msg = await h.send(app.id, { payload: { price: 2.5, ratio: 0.1 } });
      const [req] = await rx.waitForCount("/form-num", 1);
      await h.settled(app.id, msg.id, ep.id);
      const body = new URLSearchParams(req.body);
      assert.equal(body.get("price"), "2.5", `form body ${req.body}`);
      assert.equal(body.get("ratio"), "0.1", `form body ${req.body}`);
      assert.equal(req.url, "/form-num?price=2.5", "URL variable");
    });
  });

  describe("URL templates", () => {
    test("message, env and payload variables fill path and query, percent-encoded so they cannot change the URL", async () => {
      const env = { campaign: "spring sale/2025", tricky: "a+b&c=d?e#f ü~-._x" };
      const app = await h.newApp({ env });
      assert.deepEqual(app.env, env, "POST app echoes env");
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}`)).json.env, env, "GET app echoes env");

      const ep = await h.newEndpoint(app.id, {
        url: rx.url(
          "/tpl/{{member.phone}}/{{payload.member.name}}/{{eventId}}" +
            "?campaign={{env.campaign}}&t={{tricky}}&type={{eventType}}&id={{msgId}}&n={{count}}&flag={{ok}}"
        ),
      });
      const member = { phone: "+1 555/0100", name: "Zoë O'Brien (#1)" };
      const msg = await h.send(app.id, { eventType: "member.joined", eventId: "evt-42", payload: { member, count: 12, ok: true } });
      const req = await rx.waitFor((reqs) => reqs.find((r) => r.path.startsWith("/tpl/")));
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.SUCCESS);

      assert.equal(
        req.url,
        `/tpl/${rfc3986(member.phone)}/${rfc3986(member.name)}/evt-42` +
          `?campaign=${rfc3986(env.campaign)}&t=${rfc3986(env.tricky)}&type=member.joined&id=${msg.id}&n=12&flag=true`,
        "raw request target"
      );
      assert.ok(req.url.includes("%C3%BC~-._x"), "unicode encoded as UTF-8, unreserved characters kept");
      const segments = req.path.split("/").map(decodeURIComponent);
      assert.deepEqual(segments, ["", "tpl", member.phone, member.name, "evt-42"], "'/' in a value stays inside its segment");
      const query = new URLSearchParams(req.url.split("?")[1]);
      assert.deepEqual([...query.keys()], ["campaign", "t", "type", "id", "n", "flag"], "'&', '=', '?', '#' add no parameters");
      assert.equal(query.get("campaign"), env.campaign);
      assert.equal(query.get("t"), env.tricky);
      assert.equal(query.get("id"), msg.id);
    });

    test("values . and .. stay segments, and the path is sent exactly as test mode shows it", async () => {
      const app = await h.newApp("dots");
      const ep = await h.newEndpoint(app.id, { url: rx.url("/dots/{{a}}/{{b}}/lit/../end") });
      const payload = { a: "..", b: "." };
      const shown = (await h.send(app.id, { payload, test: true })).routes?.[0]?.requests?.[0]?.url;
      const msg = await h.send(app.id, { payload });
      const req = await rx.waitFor((reqs) => reqs.find((r) => r.path.startsWith("/dots/")));
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.SUCCESS);
      assert.equal(req.url, "/dots/%2E%2E/%2E/lit/../end");
      assert.equal(shown, rx.url(req.url));
    });

    test("an unknown env variable or a placeholder outside path and query is a 422 at endpoint creation", async () => {
      const app = await h.newApp({ env: { known: "k" } });
      const cases = [
        [{ url: rx.url("/x/{{env.unknown}}") }, ["body", "url"], "env.unknown"],
        [{ urls: [rx.url("/x/ok"), rx.url("/x?v={{env.nope}}")] }, ["body", "urls"], "env.nope"],
        [{ url: `http://{{x}}.127.0.0.1:${rx.port}/x` }, ["body", "url"], "host"],
        [{ url: `http://127.0.0.1:{{port}}/x` }, ["body", "url"], "port"],
        [{ url: rx.url("/x/{{unclosed") }, ["body", "url"], "unclosed"],
      ];
      for (const [body, where, what] of cases) {
        const r = await h.api.post(`/api/v1/app/${app.id}/endpoint`, body);
        assert422(r, where, what);
        if (what.startsWith("env.")) assert.ok(r.text.includes(what), `detail names ${what}: ${r.text}`);
      }
      const ok = await h.api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/x/{{env.known}}/{{known}}") });
      assert.equal(ok.status, 201, ok.text);
      const bad = await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ok.json.id}`, { url: rx.url("/x/{{env.gone}}") });
      assert422(bad, ["body", "url"], "PATCH with an unknown env variable");
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}/endpoint`)).json.data.map((e) => e.id), [ok.json.id]);
    });

    test("a payload variable the message lacks fails the attempt with error 'template' and sends nothing", async () => {
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, { url: rx.url("/tplmiss/{{member.phone}}"), retrySchedule: [] });
      const msg = await h.send(app.id, { payload: { member: { name: "no phone" } } });
      const row = await h.settled(app.id, msg.id, ep.id);
      assert.equal(row.status, STATUS.FAIL);
      const attempts = await h.attempts(app.id, msg.id, ep.id);
      assert.equal(attempts.length, 1, JSON.stringify(attempts));
      assert.equal(attempts[0].error, "template");
      assert.match(attempts[0].errorDetail, /member\.phone/);
      assert.equal(attempts[0].responseStatusCode, 0);
      assert.equal(rx.requests.filter((r) => r.path.startsWith("/tplmiss")).length, 0, "no request was made");
    });
  });

  describe("credentials", () => {
    test("basicAuth, URL userinfo and an Authorization header reach the receiver and appear in no response or log", async () => {
      const hex = randomBytes(8).toString("hex");
      const pw1 = `pw1-${hex}`;
      const pw2 = `pa:ss@${hex}`; // in the URL as pa%3Ass%40<hex>
      const bearer = `Bearer tok-${hex}`;
      const app = await h.newApp();
      const r1 = await h.api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/cred/basic"), basicAuth: { username: "alice", password: pw1 } });
      const r2 = await h.api.post(`/api/v1/app/${app.id}/endpoint`, {
        url: `http://bob:${encodeURIComponent(pw2)}@127.0.0.1:${rx.port}/cred/userinfo?q=1`,
      });
      const r3 = await h.api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/cred/header") });
      for (const r of [r1, r2, r3]) assert.equal(r.status, 201, r.text);
      const [e1, e2, e3] = [r1.json, r2.json, r3.json];
      assert.deepEqual(e1.basicAuth, { username: "alice" });
      assert.equal(e2.url, rx.url("/cred/userinfo?q=1"), "userinfo is moved out of the url");
      assert.deepEqual(e2.basicAuth, { username: "bob" });

      const put = await h.api.put(`/api/v1/app/${app.id}/endpoint/${e3.id}/headers`, { headers: { Authorization: bearer, "X-Plain": "visible" } });
      assert.equal(put.status, 204, put.text);
      const hdrs = await h.api.get(`/api/v1/app/${app.id}/endpoint/${e3.id}/headers`);
      assert.equal(hdrs.status, 200, hdrs.text);
      assert.deepEqual(hdrs.json.sensitive, ["Authorization"]);
      assert.deepEqual(hdrs.json.headers, { "X-Plain": "visible" });

      const msg = await h.send(app.id, { payload: { n: 1 } });
      for (const e of [e1, e2, e3]) assert.equal((await h.settled(app.id, msg.id, e.id)).status, STATUS.SUCCESS);
      const [q1] = rx.requestsTo("/cred/basic");
      const [q2] = rx.requestsTo("/cred/userinfo");
      const [q3] = rx.requestsTo("/cred/header");
      assert.equal(q1.headers.authorization, basic("alice", pw1));
      assert.equal(q2.headers.authorization, basic("bob", pw2), "percent-escapes in userinfo are decoded");
      assert.equal(q2.url, "/cred/userinfo?q=1");
      assert.equal(q3.headers.authorization, bearer);
      assert.equal(q3.headers["x-plain"], "visible");

      // Test mode shows the requests with credentials redacted.
      const t = await h.api.post(`/api/v1/app/${app.id}/msg`, { eventType: "test.event", payload: { n: 2 }, test: true });
      assert.equal(t.status, 202, t.text);
      for (const e of [e1, e2, e3]) {
        const route = t.json.routes.find((x) => x.endpointId === e.id);
        assert.equal(header(route.requests[0].headers, "authorization"), "[redacted]", `test mode redacts ${e.url}`);
      }

      const secrets = [pw1, pw2, encodeURIComponent(pw2), bearer, `tok-${hex}`, b64(`alice:${pw1}`), b64(`bob:${pw2}`)];
      const responses = [r1, r2, r3, hdrs, t];
      for (const p of [
        `/api/v1/app/${app.id}/endpoint`,
        ...[e1, e2, e3].map((e) => `/api/v1/app/${app.id}/endpoint/${e.id}`),
        ...[e1, e2, e3].map((e) => `/api/v1/app/${app.id}/attempt/endpoint/${e.id}`),
        `/api/v1/app/${app.id}/attempt/msg/${msg.id}`,
        `/api/v1/app/${app.id}/msg/${msg.id}/endpoint`,
        `/api/v1/app/${app.id}/msg/${t.json.id}`,
      ]) {
        responses.push(await h.api.get(p));
      }
      for (const r of responses) {
        for (const s of secrets) assert.ok(!r.text.includes(s), `a response contains a credential (${s}): ${r.text}`);
      }
      for (const s of secrets) assert.ok(!server.output().includes(s), `the server log contains a credential (${s})`);
    });

    test("test mode does not reveal the values of headers the headers API lists as sensitive", async () => {
      const app = await h.newApp();
      const key = `key-${randomBytes(8).toString("hex")}`;
      const ep = await h.newEndpoint(app.id, { url: rx.url("/cred/apikey"), headers: { "X-Api-Key": key } });
      const hdrs = (await h.api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`)).json;
      assert.deepEqual(hdrs.sensitive, ["X-Api-Key"], "hookd treats X-Api-Key as a credential");
      const t = await h.api.post(`/api/v1/app/${app.id}/msg`, { eventType: "test.event", payload: {}, test: true });
      assert.equal(t.status, 202, t.text);
      assert.ok(!t.text.includes(key), `test-mode output shows the sensitive header's value: ${t.text}`);
    });

    test("a malformed percent-escape in URL userinfo is a 422, not a server error", async () => {
      const app = await h.newApp();
      const r = await h.api.post(`/api/v1/app/${app.id}/endpoint`, { url: `http://u:%zz@127.0.0.1:${rx.port}/cred/bad` });
      assert422(r, ["body", "url"], "userinfo with %zz");
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}/endpoint`)).json.data, []);
    });
  });

  describe("failover URL lists", () => {
    /** Paths the receiver saw for `msgId`, in arrival order. */
    const pathsOf = (msgId) => rx.requests.filter((r) => r.headers["webhook-id"] === msgId).map((r) => r.path);

    test("one attempt tries the URLs in order until one succeeds; each try is an attempt record", async () => {
      rx.on("/fo/a", { status: 500, body: "a down" });
      rx.on("/fo/b", 500);
      rx.on("/fo/c", 200);
      const app = await h.newApp();
      const urls = ["/fo/a", "/fo/b", "/fo/c"].map((p) => rx.url(p));
      const ep = await h.newEndpoint(app.id, { urls, retrySchedule: [] }); // no retries: one attempt
      assert.equal(ep.url, urls[0]);
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.SUCCESS);
      const attempts = await h.attempts(app.id, msg.id, ep.id);
      assert.deepEqual(attempts.map((a) => a.url), urls);
      assert.deepEqual(attempts.map((a) => a.responseStatusCode), [500, 500, 200]);
      assert.deepEqual(attempts.map((a) => a.status), [STATUS.FAIL, STATUS.FAIL, STATUS.SUCCESS]);
      assert.deepEqual(pathsOf(msg.id), ["/fo/a", "/fo/b", "/fo/c"], "receivers hit in order");
    });

    test("retriesPerUrl 2: each URL is tried twice before the next (5 tries for fail, fail, ok)", async () => {
      rx.on("/fo2/a", 500);
      rx.on("/fo2/b", 503);
      rx.on("/fo2/c", 200);
      const app = await h.newApp();
      const urls = ["/fo2/a", "/fo2/b", "/fo2/c"].map((p) => rx.url(p));
      const ep = await h.newEndpoint(app.id, { urls, retriesPerUrl: 2, retrySchedule: [] });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.SUCCESS);
      const expected = ["/fo2/a", "/fo2/a", "/fo2/b", "/fo2/b", "/fo2/c"];
      assert.deepEqual(pathsOf(msg.id), expected);
      assert.deepEqual((await h.attempts(app.id, msg.id, ep.id)).map((a) => new URL(a.url).pathname), expected);
    });

    test("PATCH url on an endpoint with a urls list: the next delivery goes to the new url", async () => {
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, { urls: [rx.url("/fo4/old-a"), rx.url("/fo4/old-b")], retrySchedule: [] });
      const r = await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { url: rx.url("/fo4/new") });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.url, rx.url("/fo4/new"));
      const msg = await h.send(app.id);
      await h.settled(app.id, msg.id, ep.id);
      const got = await h.getEndpoint(app.id, ep.id);
      assert.deepEqual(
        pathsOf(msg.id),
        ["/fo4/new"],
        `GET shows url ${got.url} and urls ${JSON.stringify(got.urls)}; the delivery went elsewhere`
      );
    });

    test("when every URL fails the attempt fails; a retry starts again at the first URL", async () => {
      rx.on("/fo3/a", 500);
      rx.on("/fo3/b", 502);
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, { urls: [rx.url("/fo3/a"), rx.url("/fo3/b")], retrySchedule: [0] });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.FAIL);
      assert.deepEqual(pathsOf(msg.id), ["/fo3/a", "/fo3/b", "/fo3/a", "/fo3/b"]);
      assert.equal((await h.attempts(app.id, msg.id, ep.id)).length, 4);
    });
  });

  describe("timeouts, retries and success status", () => {
    test("timeoutMs bounds each try", async () => {
      rx.on("/to/hang", "hang");
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, { url: rx.url("/to/hang"), timeoutMs: 300, retrySchedule: [] });
      const msg = await h.send(app.id);
      assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.FAIL);
      const [a] = await h.attempts(app.id, msg.id, ep.id);
      assert.equal(a.error, "timeout");
      assert.equal(a.responseStatusCode, 0);
      assert.ok(a.responseDurationMs >= 250 && a.responseDurationMs < 1500, `duration ${a.responseDurationMs} ms (server default is 2000)`);
    });

    test("totalTimeoutMs bounds all tries including retries: the delivery fails after about 1 s", async () => {
      rx.on("/tt/hang", "hang");
      const app = await h.newApp();
      const ep = await h.newEndpoint(app.id, {
        url: rx.url("/tt/hang"),
        timeoutMs: 300,
        totalTimeoutMs: 1000,
        retrySchedule: Array(10).fill(0),
      });
      const msg = await h.send(app.id);
      const created = Date.parse(msg.timestamp);
      const row = await h.settled(app.id, msg.id, ep.id, { timeoutMs: 6000, intervalMs: 10 });
      const elapsed = Date.now() - created;
      assert.equal(row.status, STATUS.FAIL);
      assert.equal(row.nextAttempt, null);
      const attempts = await h.attempts(app.id, msg.id, ep.id);
      assert.ok(attempts.length >= 2 && attempts.length <= 6, `${attempts.length} attempts (about 3-4 expected, 11 without the bound)`);
      assert.ok(elapsed >= 800 && elapsed < 2500, `final after ${elapsed} ms (about 1000 expected)`);
      // Every request was made within the total timeout, and none ran past it. (A retry picked
      // up after the deadline is recorded as an attempt without a request.)
      const sent = rx.requestsTo("/tt/hang").filter((q) => q.headers["webhook-id"] === msg.id);
      assert.ok(sent.length >= 2 && sent.length <= attempts.length, `${sent.length} requests, ${attempts.length} attempts`);
      for (const q of sent) assert.ok(q.at < created + 1050, `a request at +${q.at - created} ms`);
      for (const a of attempts) {
        const start = Date.parse(a.timestamp) - created;
        if (start >= 1000) {
          assert.equal(a.error, "timeout", JSON.stringify(a));
          assert.equal(a.responseDurationMs, 0, `no request after the deadline: ${JSON.stringify(a)}`);
        }
        if (a.responseDurationMs > 0) {
          assert.ok(start + a.responseDurationMs <= 1150, `a try from +${start} ms lasting ${a.responseDurationMs} ms`);
        }
      }
    });

    test("retries + retryDelaySeconds: N retries after the first attempt", async () => {
      rx.on("/rp/down", 500);
      const app = await h.newApp();
      const cases = [
        [{ retries: 2, retryDelaySeconds: 0 }, [0, 0]],
        [{ retries: 4, retryDelaySeconds: 0 }, [0, 0, 0, 0]], // the server default (0s,0s) would give 3
        [{ retries: 0 }, []],
      ];
      const eps = [];
      for (const [fields, schedule] of cases) {
        const ep = await h.newEndpoint(app.id, { url: rx.url("/rp/down"), ...fields });
        assert.deepEqual(ep.retrySchedule, schedule, JSON.stringify(fields));
        assert.deepEqual((await h.getEndpoint(app.id, ep.id)).retrySchedule, schedule);
        eps.push(ep);
      }
      const only = await h.newEndpoint(app.id, { url: rx.url("/rp/unused"), retries: 1, eventTypes: ["never.sent"] });
      assert.deepEqual(only.retrySchedule, [300], "retryDelaySeconds defaults to 300");
      const msg = await h.send(app.id);
      for (const [i, ep] of eps.entries()) {
        assert.equal((await h.settled(app.id, msg.id, ep.id)).status, STATUS.FAIL);
        const n = (await h.attempts(app.id, msg.id, ep.id)).length;
        assert.equal(n, cases[i][1].length + 1, `${JSON.stringify(cases[i][0])}: ${n} attempts`);
      }
    });

    test("successStatus decides which statuses count as success", async () => {
      rx.on("/ss/200", 200);
      rx.on("/ss/202", 202);
      rx.on("/ss/299", 299);
      rx.on("/ss/404", 404);
      const app = await h.newApp();
      const e200 = await h.newEndpoint(app.id, { url: rx.url("/ss/200"), successStatus: [202], retrySchedule: [] });
      const e202 = await h.newEndpoint(app.id, { url: rx.url("/ss/202"), successStatus: [202] });
      const e299 = await h.newEndpoint(app.id, { url: rx.url("/ss/299"), successStatus: [299] });
      const e404 = await h.newEndpoint(app.id, { url: rx.url("/ss/404"), successStatus: [200, 404] });
      const msg = await h.send(app.id);
      const row200 = await h.settled(app.id, msg.id, e200.id);
      assert.equal(row200.status, STATUS.FAIL, "a 200 is a failure when only 202 counts");
      const [a200] = await h.attempts(app.id, msg.id, e200.id);
      assert.equal(a200.responseStatusCode, 200);
      assert.equal(a200.status, STATUS.FAIL);
      for (const e of [e202, e299, e404]) {
        assert.equal((await h.settled(app.id, msg.id, e.id)).status, STATUS.SUCCESS, e.url);
        assert.equal((await h.attempts(app.id, msg.id, e.id)).length, 1, e.url);
      }
    });
  });

  describe("per-message callbacks", () => {
    test("a callback gets the message besides the subscribed endpoints, signed with its own secret; it is not an app endpoint", async () => {
      const app = await h.newApp();
      const sub = await h.newEndpoint(app.id, { url: rx.url("/pm/sub") });
      const secret = newSecret();
      const password = `cbpw-${randomBytes(6).toString("hex")}`;
      const r = await h.api.post(`/api/v1/app/${app.id}/msg`, {
        eventType: "order.paid",
        payload: { order: 7 },
        callback: { url: rx.url("/pm/cb?x=1"), secret, headers: { "X-Cb": "yes" }, basicAuth: { username: "cb", password } },
      });
      assert.equal(r.status, 202, r.text);
      const msg = r.json;
      const [creq] = await rx.waitForCount("/pm/cb", 1);
      await rx.waitForCount("/pm/sub", 1);

      assert.equal(creq.url, "/pm/cb?x=1");
      assert.deepEqual(JSON.parse(creq.body), { order: 7 });
      assert.equal(creq.headers["webhook-id"], msg.id);
      assert.equal(creq.headers["x-cb"], "yes");
      assert.equal(creq.headers.authorization, basic("cb", password));
      assert.ok(signatureMatches(secret, creq.headers, creq.raw), "signed with the callback's secret");
      assert.deepEqual(new Webhook(secret).verify(creq.raw, creq.headers), { order: 7 });

      const dests = await h.destinations(app.id, msg.id);
      assert.equal(dests.length, 2, JSON.stringify(dests));
      const cb = dests.find((d) => d.id !== sub.id);
      assert.equal(cb.description, "per-message callback");
      assert.equal(cb.url, rx.url("/pm/cb?x=1"));
      assert.deepEqual(cb.basicAuth, { username: "cb" });
      assert.equal((await h.settled(app.id, msg.id, cb.id)).status, STATUS.SUCCESS);
      assert.equal((await h.settled(app.id, msg.id, sub.id)).status, STATUS.SUCCESS);
      const attempts = await h.attempts(app.id, msg.id);
      assert.deepEqual(new Set(attempts.map((a) => a.endpointId)), new Set([sub.id, cb.id]));

      const list = await h.api.get(`/api/v1/app/${app.id}/endpoint`);
      assert.deepEqual(list.json.data.map((e) => e.id), [sub.id], "the callback is not listed");
      for (const p of ["", "/secret", "/headers"]) {
        assert.equal((await h.api.get(`/api/v1/app/${app.id}/endpoint/${cb.id}${p}`)).status, 404, `GET endpoint/{cb}${p}`);
      }
      assert.equal((await h.api.patch(`/api/v1/app/${app.id}/endpoint/${cb.id}`, { description: "x" })).status, 404);

      // It was for that message only.
      const next = await h.send(app.id);
      assert.equal((await h.settled(app.id, next.id, sub.id)).status, STATUS.SUCCESS);
      assert.deepEqual((await h.destinations(app.id, next.id)).map((d) => d.id), [sub.id]);
      assert.equal(rx.count("/pm/cb"), 1);

      for (const text of [
        r.text,
        JSON.stringify(dests),
        JSON.stringify(attempts),
        (await h.api.get(`/api/v1/app/${app.id}/msg/${msg.id}`)).text,
        server.output(),
      ]) {
        assert.ok(!text.includes(password), "the callback's password is never shown or logged");
        assert.ok(!text.includes(secret.slice(6)), "the callback's secret is never shown or logged");
      }
    });

    test("a callback takes the endpoint options; without a secret it is not signed; it works in an app without endpoints", async () => {
      rx.on("/pm/down", 500);
      const app = await h.newApp({ env: { tag: "t 1" } });
      const urls = [rx.url("/pm/down"), rx.url("/pm/form/{{env.tag}}/{{a.b}}")];
      const msg = await h.send(app.id, {
        payload: { a: { b: "c d" } },
        callback: { urls, contentType: FORM, retries: 0, timeoutMs: 1000, successStatus: [200] },
      });
      const [req] = await rx.waitForCount("/pm/form/t%201/c%20d", 1);
      const [cb] = await h.destinations(app.id, msg.id);
      assert.equal(cb.description, "per-message callback");
      assert.deepEqual(cb.urls, urls);
      assert.deepEqual(cb.retrySchedule, []);
      assert.equal((await h.settled(app.id, msg.id, cb.id)).status, STATUS.SUCCESS);
      assert.deepEqual((await h.attempts(app.id, msg.id)).map((a) => [a.endpointId, a.responseStatusCode]), [[cb.id, 500], [cb.id, 200]]);
      assert.equal(req.headers["content-type"], FORM);
      assert.equal(req.body, "a%5Bb%5D=c+d");
      assert.equal(req.headers["webhook-id"], msg.id);
      assert.equal(req.headers["webhook-signature"], undefined, "no secret: no signature");
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}/endpoint`)).json.data, []);
    });

    test("an invalid callback is a 422 naming the field, and no message is stored", async () => {
      const app = await h.newApp({ env: { known: "k" } });
      const cases = [
        [{ url: "ftp://x" }, ["body", "callback", "url"]],
        [{ url: rx.url("/pm/x"), method: "DELETE" }, ["body", "callback", "method"]],
        [{ url: rx.url("/pm/x"), headers: { "webhook-id": "x" } }, ["body", "callback", "headers"]],
        [{}, ["body", "callback", "url"]],
        [rx.url("/pm/x"), ["body", "callback"]], // not an object
      ];
      for (const [i, [callback, where]] of cases.entries()) {
        const eventId = `cb-invalid-${i}`;
        const r = await h.api.post(`/api/v1/app/${app.id}/msg`, { eventType: "test.event", eventId, payload: {}, callback });
        assert422(r, where, JSON.stringify(callback));
        assert.equal((await h.api.get(`/api/v1/app/${app.id}/msg/${eventId}`)).status, 404, `${eventId} not stored`);
      }
      const r = await h.api.post(`/api/v1/app/${app.id}/msg`, {
        eventType: "test.event",
        eventId: "cb-invalid-env",
        payload: {},
        callback: { url: rx.url("/pm/{{env.unknown}}") },
      });
      assert.equal(r.status, 422, r.text);
      assert.ok(loc(r).some((l) => l[1] === "callback"), JSON.stringify(loc(r)));
      assert.equal((await h.api.get(`/api/v1/app/${app.id}/msg/cb-invalid-env`)).status, 404);
      assert.deepEqual((await h.api.get(`/api/v1/app/${app.id}/msg`)).json.data, []);
    });
  });

  describe("test mode", () => {
    test("test: true renders exactly what each destination would get and sends nothing", async () => {
      const trx = await startReceiver(); // receives nothing, ever
      try {
        const app = await h.newApp({ env: { region: "eu" } });
        const [s1, s2, cbSecret] = [newSecret(), newSecret(), newSecret()];
        const password = `tpw-${randomBytes(6).toString("hex")}`;
        const ep1 = await h.newEndpoint(app.id, {
          url: trx.url("/t/{{region}}/{{member.id}}?e={{eventType}}"),
          secret: s1,
          basicAuth: { username: "u", password },
          headers: { "X-Plain": "1" },
        });
        const ep2 = await h.newEndpoint(app.id, { url: trx.url("/t/get?id={{msgId}}"), method: "GET", secret: s2 });
        const ep3 = await h.newEndpoint(app.id, { url: trx.url("/t/form"), contentType: FORM });
        const epMiss = await h.newEndpoint(app.id, { url: trx.url("/t/{{missing.var}}") });
        const epOther = await h.newEndpoint(app.id, { url: trx.url("/t/other"), eventTypes: ["other.type"] });
        const epOff = await h.newEndpoint(app.id, { url: trx.url("/t/off"), disabled: true });
        const payload = { member: { id: "m 1" }, n: 2 };
        const t0 = Math.floor(Date.now() / 1000);
        const r = await h.api.post(`/api/v1/app/${app.id}/msg`, {
          eventType: "test.event",
          payload,
          test: true,
          callback: { url: trx.url("/t/cb"), secret: cbSecret },
        });
        assert.equal(r.status, 202, r.text);
        const msg = r.json;
        assert.equal(msg.test, true);
        assert.deepEqual(msg.payload, payload);
        const routes = msg.routes;
        assert.deepEqual(
          new Set(routes.map((x) => x.endpointId)),
          new Set([ep1.id, ep2.id, ep3.id, epMiss.id, null]),
          "subscribed, enabled endpoints plus the callback"
        );
        const route = (id) => routes.find((x) => x.endpointId === id);
        const checkSigned = (req, secret) => {
          const ts = header(req.headers, "webhook-timestamp");
          assert.equal(header(req.headers, "webhook-id"), msg.id);
          assert.ok(Math.abs(Number(ts) - t0) <= 10, `webhook-timestamp ${ts}`);
          assert.equal(header(req.headers, "webhook-signature"), expectedSignature(secret, msg.id, ts, req.body));
        };

        const r1 = route(ep1.id);
        assert.equal(r1.callback, false);
        assert.equal(r1.requests.length, 1);
        assert.equal(r1.requests[0].url, trx.url("/t/eu/m%201?e=test.event"));
        assert.equal(r1.requests[0].method, "POST");
        assert.equal(header(r1.requests[0].headers, "content-type"), "application/json");
        assert.equal(header(r1.requests[0].headers, "authorization"), "[redacted]");
        assert.equal(header(r1.requests[0].headers, "x-plain"), "1");
        assert.deepEqual(JSON.parse(r1.requests[0].body), payload);
        checkSigned(r1.requests[0], s1);

        const [g] = route(ep2.id).requests;
        assert.equal(g.url, trx.url(`/t/get?id=${msg.id}`));
        assert.equal(g.method, "GET");
        assert.equal(g.body, "");
        assert.equal(header(g.headers, "content-type"), undefined);
        checkSigned(g, s2);

        const [f] = route(ep3.id).requests;
        assert.equal(header(f.headers, "content-type"), FORM);
        assert.deepEqual([...new URLSearchParams(f.body)], [["member[id]", "m 1"], ["n", "2"]]);

        assert.deepEqual(route(epMiss.id).requests.length, 1);
        assert.equal(route(epMiss.id).requests[0].error, "template");
        assert.match(route(epMiss.id).requests[0].errorDetail, /missing\.var/);

        const c = route(null);
        assert.equal(c.callback, true);
        assert.equal(c.requests[0].url, trx.url("/t/cb"));
        checkSigned(c.requests[0], cbSecret);
        assert.ok(!r.text.includes(password), "credentials redacted");

        const again = await h.api.get(`/api/v1/app/${app.id}/msg/${msg.id}`);
        assert.equal(again.status, 200, again.text);
        assert.equal(again.json.test, true);
        assert.deepEqual(again.json.routes, routes, "GET returns the same routes");

        await sleep(500);
        assert.deepEqual(trx.requests.map((q) => q.url), [], "nothing was sent");
        assert.deepEqual(await h.destinations(app.id, msg.id), []);
        assert.deepEqual(await h.attempts(app.id, msg.id), []);
        assert.deepEqual(
          (await h.api.get(`/api/v1/app/${app.id}/endpoint`)).json.data.map((e) => e.id).sort(),
          [ep1.id, ep2.id, ep3.id, epMiss.id, epOther.id, epOff.id].sort(),
          "the test callback is not stored as an endpoint"
        );
      } finally {
        await trx.close();
      }
    });
  });

  describe("killing a message", () => {
    test("kill cancels deliveries waiting for a retry or a throttle (and a callback's), not those already sent", async () => {
      rx.on("/kill/fail", 500);
      rx.on("/kill/cbfail", 500);
      const app = await h.newApp();
      const failing = await h.newEndpoint(app.id, { url: rx.url("/kill/fail"), retrySchedule: [3600] });
      const throttled = await h.newEndpoint(app.id, { url: rx.url("/kill/throttled"), throttleRate: 1 });
      const ok = await h.newEndpoint(app.id, { url: rx.url("/kill/ok") });
      // The throttled endpoint sends m1 at once, then one a second: m3 and m4 are still queued
      // when they are killed.
      const m1 = await h.send(app.id, { payload: { n: 1 } });
      const m2 = await h.send(app.id, { payload: { n: 2 } });
      const m3 = await h.send(app.id, { payload: { n: 3 } });
      const m4 = await h.send(app.id, {
        eventId: "kill-4",
        payload: { n: 4 },
        callback: { url: rx.url("/kill/cbfail"), retrySchedule: [3600] },
      });
      const cbId = (await h.destinations(app.id, m4.id)).find((d) => d.description === "per-message callback").id;
      const waitingRetry = (msgId, epId) =>
        waitFor(async () => {
          const d = await h.destination(app.id, msgId, epId);
          return d.status === STATUS.SENDING && d.nextAttempt !== null ? d : null;
        }, { message: `${msgId} -> ${epId} not waiting for its retry` });
      for (const m of [m3, m4]) {
        await waitingRetry(m.id, failing.id); // first attempt failed; the next is in an hour
        assert.equal((await h.settled(app.id, m.id, ok.id)).status, STATUS.SUCCESS);
      }
      await waitingRetry(m4.id, cbId);

      const k3 = await h.api.delete(`/api/v1/app/${app.id}/msg/${m3.id}`);
      assert.equal(k3.status, 200, k3.text);
      assert.equal(k3.json.msgId, m3.id);
      assert.deepEqual(k3.json.killed.slice().sort(), [failing.id, throttled.id].sort());
      assert.deepEqual(k3.json.notKilled, [ok.id]);
      const k4 = await h.api.post(`/api/v1/app/${app.id}/msg/kill-4/kill`);
      assert.equal(k4.status, 200, k4.text);
      assert.equal(k4.json.msgId, m4.id);
      assert.deepEqual(k4.json.killed.slice().sort(), [failing.id, throttled.id, cbId].sort());
      assert.deepEqual(k4.json.notKilled, [ok.id]);

      for (const [m, ids] of [[m3, [failing.id, throttled.id]], [m4, [failing.id, throttled.id, cbId]]]) {
        for (const id of ids) {
          const d = await h.destination(app.id, m.id, id);
          assert.equal(d.status, STATUS.CANCELED, `${m.id} -> ${id}`);
          assert.equal(d.statusText, "canceled");
          assert.equal(d.nextAttempt, null);
        }
        assert.equal((await h.destination(app.id, m.id, ok.id)).status, STATUS.SUCCESS);
      }

      // The throttle goes on with m2; the killed m3 and m4 never arrive.
      await rx.waitFor((reqs) => reqs.some((q) => q.path === "/kill/throttled" && q.headers["webhook-id"] === m2.id), { timeoutMs: 5000 });
      await sleep(1500);
      assert.deepEqual(rx.requestsTo("/kill/throttled").map((q) => q.headers["webhook-id"]), [m1.id, m2.id]);
      for (const m of [m3, m4]) {
        assert.equal(rx.requestsTo("/kill/fail").filter((q) => q.headers["webhook-id"] === m.id).length, 1, "no retry after the kill");
      }
      assert.equal(rx.count("/kill/cbfail"), 1);

      // Killing again kills nothing; a message whose deliveries all succeeded: all notKilled.
      const again = await h.api.delete(`/api/v1/app/${app.id}/msg/${m3.id}`);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json.killed, []);
      const done = await h.newApp();
      const only = await h.newEndpoint(done.id, { url: rx.url("/kill/done") });
      const m5 = await h.send(done.id);
      assert.equal((await h.settled(done.id, m5.id, only.id)).status, STATUS.SUCCESS);
      const k5 = await h.api.post(`/api/v1/app/${done.id}/msg/${m5.id}/kill`);
      assert.equal(k5.status, 200, k5.text);
      assert.deepEqual(k5.json, { msgId: m5.id, killed: [], notKilled: [only.id] });
      assert.equal((await h.destination(done.id, m5.id, only.id)).status, STATUS.SUCCESS);

      // Under way (the receiver is still answering): not killed, and it completes.
      rx.on("/kill/slow", { status: 200, delayMs: 800 });
      const slowApp = await h.newApp();
      const slow = await h.newEndpoint(slowApp.id, { url: rx.url("/kill/slow") });
      const m6 = await h.send(slowApp.id);
      await rx.waitForCount("/kill/slow", 1);
      const k6 = await h.api.delete(`/api/v1/app/${slowApp.id}/msg/${m6.id}`);
      assert.equal(k6.status, 200, k6.text);
      assert.deepEqual(k6.json, { msgId: m6.id, killed: [], notKilled: [slow.id] });
      assert.equal((await h.settled(slowApp.id, m6.id, slow.id)).status, STATUS.SUCCESS);

      for (const r of [
        await h.api.delete(`/api/v1/app/${app.id}/msg/msg_doesnotexist`),
        await h.api.post(`/api/v1/app/${app.id}/msg/no-such-event/kill`),
        await h.api.delete(`/api/v1/app/${done.id}/msg/${m3.id}`), // another app's message
      ]) {
        assert.equal(r.status, 404, r.text);
      }
    });
  });
});
