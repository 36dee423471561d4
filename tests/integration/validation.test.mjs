// Request validation: every rejection has the right status, a JSON {code, detail} body, and
// leaves the store untouched.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";

import { client, isErrorBody, request, startServer } from "./lib/server.mjs";

const MAX_BODY = 4096;

describe("validation", () => {
  let server;
  let api;
  let app; // fixture app, uid "val-app"
  let other; // second app, uid "val-other"
  let ep; // endpoint in `app`, uid "val-ep"

  before(async () => {
    server = await startServer({ args: ["--max-body-bytes", String(MAX_BODY)] });
    api = client(server);
    app = (await api.post("/api/v1/app", { name: "validation", uid: "val-app" })).json;
    other = (await api.post("/api/v1/app", { name: "other", uid: "val-other" })).json;
    ep = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://example.com/hook", uid: "val-ep" })).json;
    const et = await api.post("/api/v1/event-type", { name: "val.type", description: "d" });
    const msg = await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "val.type", payload: { n: 1 }, eventId: "val-evt" });
    assert.ok(app?.id && other?.id && ep?.id && et.status === 201 && msg.status === 202, "fixtures");
  });

  after(async () => {
    await server?.stop();
  });

  // Everything the store holds that a bad request could have touched.
  async function snapshot() {
    const lists = {
      apps: "/api/v1/app?limit=250",
      endpoints: `/api/v1/app/${app.id}/endpoint?limit=250`,
      otherEndpoints: `/api/v1/app/${other.id}/endpoint?limit=250`,
      messages: `/api/v1/app/${app.id}/msg?limit=250`,
      otherMessages: `/api/v1/app/${other.id}/msg?limit=250`,
      eventTypes: "/api/v1/event-type?limit=250&include_archived=true",
    };
    const out = {};
    for (const [k, p] of Object.entries(lists)) {
      const res = await api.get(p);
      assert.equal(res.status, 200, `snapshot ${p}: ${res.text}`);
      out[k] = res.json.data;
    }
    out.headers = (await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`)).json;
    return out;
  }

  // Runs `fn` and asserts the store looks exactly the same afterwards.
  async function writesNothing(fn) {
    const before = await snapshot();
    await fn();
    const after = await snapshot();
    assert.deepEqual(after, before, "a rejected request changed the store");
  }

  function assertError(res, status, what) {
    assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/, `${what}: content-type`);
    assert.ok(isErrorBody(res.json), `${what}: JSON {code, detail}, got ${res.text}`);
  }

  // 422 whose detail list has an entry whose loc names `field`.
  function assert422(res, field, what) {
    assertError(res, 422, what);
    assert.ok(Array.isArray(res.json.detail), `${what}: detail is a list, got ${res.text}`);
    assert.ok(res.json.detail.length > 0, `${what}: detail is not empty`);
    for (const d of res.json.detail) {
      assert.ok(Array.isArray(d.loc) && typeof d.msg === "string" && typeof d.type === "string",
        `${what}: detail entry shape {loc, msg, type}: ${JSON.stringify(d)}`);
    }
    if (field) {
      assert.ok(res.json.detail.some((d) => d.loc.includes(field)),
        `${what}: some detail loc names '${field}': ${res.text}`);
    }
  }

  const raw = (method, p, body, headers) => request(server, method, p, { body, headers });

  test("malformed JSON → 400", async () => {
    await writesNothing(async () => {
      const cases = [
        ["POST", "/api/v1/app"],
        ["PUT", "/api/v1/app/val-new-by-put"],
        ["PATCH", `/api/v1/app/${app.id}`],
        ["POST", `/api/v1/app/${app.id}/endpoint`],
        ["PATCH", `/api/v1/app/${app.id}/endpoint/${ep.id}`],
        ["PUT", `/api/v1/app/${app.id}/endpoint/${ep.id}/headers`],
        ["PATCH", `/api/v1/app/${app.id}/endpoint/${ep.id}/headers`],
        ["POST", `/api/v1/app/${app.id}/msg`],
        ["POST", "/api/v1/event-type"],
      ];
      for (const [m, p] of cases) {
        for (const body of ['{"name": "x",', "{name: 'x'}", '{"name":"x"} trailing', "nul"]) {
          assertError(await raw(m, p, body), 400, `${m} ${p} ${JSON.stringify(body)}`);
        }
      }
    });
  });

  test("a JSON body that is not an object → 400", async () => {
    await writesNothing(async () => {
      for (const body of ['[{"name":"x"}]', "[]", '"x"', "42", "true", "null"]) {
        assertError(await raw("POST", "/api/v1/app", body), 400, `POST /app ${body}`);
        assertError(await raw("POST", `/api/v1/app/${app.id}/msg`, body), 400, `POST /msg ${body}`);
        assertError(await raw("POST", `/api/v1/app/${app.id}/endpoint`, body), 400, `POST /endpoint ${body}`);
      }
    });
  });

  test("wrong field types → 422 naming the field", async () => {
    await writesNothing(async () => {
      const appCases = [
        [{ name: 5 }, "name"],
        [{ name: null }, "name"],
        [{ name: "x", uid: 7 }, "uid"],
        [{ name: "x", metadata: { a: 1 } }, "metadata"],
        [{ name: "x", metadata: "m" }, "metadata"],
        [{ name: "x", throttleRate: "fast" }, "throttleRate"],
      ];
      for (const [body, field] of appCases) {
        assert422(await api.post("/api/v1/app", body), field, `POST /app ${JSON.stringify(body)}`);
      }
      const url = "https://example.com/x";
      const epCases = [
        [{ url, disabled: "yes" }, "disabled"],
        [{ url, metadata: { a: 1 } }, "metadata"],
        [{ url, filterTypes: "x" }, "filterTypes"],
        [{ url, eventTypes: "x" }, "eventTypes"],
        [{ url, channels: [1] }, "channels"],
        [{ url, channels: "c" }, "channels"],
        [{ url, description: 3 }, "description"],
        [{ url, headers: { "x-a": 1 } }, "headers"],
        [{ url: 42 }, "url"],
      ];
      for (const [body, field] of epCases) {
        assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, body), field, `POST /endpoint ${JSON.stringify(body)}`);
        if (field !== "headers") {
          assert422(await api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, body), field, `PATCH /endpoint ${JSON.stringify(body)}`);
        }
      }
      const msgCases = [
        [{ eventType: 5, payload: {} }, "eventType"],
        [{ eventType: "t", payload: "text" }, "payload"],
        [{ eventType: "t", payload: [1, 2] }, "payload"],
        [{ eventType: "t", payload: {}, channels: [1] }, "channels"],
        [{ eventType: "t", payload: {}, eventId: 9 }, "eventId"],
        [{ eventType: "t", payload: {}, tags: "tag" }, "tags"],
      ];
      for (const [body, field] of msgCases) {
        assert422(await api.post(`/api/v1/app/${app.id}/msg`, body), field, `POST /msg ${JSON.stringify(body)}`);
      }
      const etCases = [
        [{ name: "val.x", description: 1 }, "description"],
        [{ name: "val.x", description: "d", archived: "no" }, "archived"],
        [{ name: "val.x", description: "d", schemas: "s" }, "schemas"],
      ];
      for (const [body, field] of etCases) {
        assert422(await api.post("/api/v1/event-type", body), field, `POST /event-type ${JSON.stringify(body)}`);
      }
    });
  });

  test("several bad fields are all reported", async () => {
    const res = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "ftp://x", disabled: "yes", channels: [1] });
    assert422(res, "url", "multi-error endpoint");
    for (const f of ["disabled", "channels"]) {
      assert.ok(res.json.detail.some((d) => d.loc.includes(f)), `detail names ${f}: ${res.text}`);
    }
  });

  test("a payload number beyond a 64-bit float → 422, not stored as null", async () => {
    await writesNothing(async () => {
      const body = `{"eventType": "val.type", "payload": {"n": 1e400}}`;
      assert422(await raw("POST", `/api/v1/app/${app.id}/msg`, body), "payload", "1e400 in a payload");
    });
  });

  test("missing required fields → 422", async () => {
    await writesNothing(async () => {
      assert422(await api.post("/api/v1/app", {}), "name", "app without name");
      assert422(await api.post("/api/v1/app", { uid: "val-noname" }), "name", "app with uid only");
      assert422(await api.put("/api/v1/app/val-put-noname", {}), "name", "PUT app without name");
      assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, {}), "url", "endpoint without url");
      assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, { description: "d" }), "url", "endpoint with description only");
      assert422(await api.post(`/api/v1/app/${app.id}/msg`, { payload: {} }), "eventType", "msg without eventType");
      assert422(await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "val.type" }), "payload", "msg without payload");
      assert422(await api.post("/api/v1/event-type", { description: "d" }), "name", "event type without name");
      assert422(await api.post("/api/v1/event-type", { name: "val.nodesc" }), "description", "event type without description");
      assert422(await api.put(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`, {}), "headers", "PUT headers without headers");
      // An empty body is treated like {}.
      assert422(await raw("POST", "/api/v1/app", ""), "name", "app with empty body");
    });
  });

  test("invalid endpoint URLs → 422", async () => {
    await writesNothing(async () => {
      for (const url of ["ftp://x", "not a url", "http://", "", "example.com/hook", "javascript:alert(1)", "file:///etc/passwd"]) {
        assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, { url }), "url", `POST url ${JSON.stringify(url)}`);
        assert422(await api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { url }), "url", `PATCH url ${JSON.stringify(url)}`);
        assert422(await api.put(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { url }), "url", `PUT url ${JSON.stringify(url)}`);
      }
    });
  });

  test("invalid uids → 422", async () => {
    await writesNothing(async () => {
      for (const uid of ["has space", "x".repeat(300), "", "slash/uid", "ünï"]) {
        assert422(await api.post("/api/v1/app", { name: "x", uid }), "uid", `app uid ${JSON.stringify(uid).slice(0, 20)}`);
        assert422(await api.patch(`/api/v1/app/${app.id}`, { uid }), "uid", `PATCH app uid ${JSON.stringify(uid).slice(0, 20)}`);
        assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://e.example/", uid }), "uid",
          `endpoint uid ${JSON.stringify(uid).slice(0, 20)}`);
        assert422(await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "val.type", payload: {}, eventId: uid }), "eventId",
          `eventId ${JSON.stringify(uid).slice(0, 20)}`);
      }
      // A uid that looks like an id of the same kind would make lookups ambiguous.
      assert422(await api.post("/api/v1/app", { name: "x", uid: other.id }), "uid", "app uid that is an app id");
      assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://e.example/", uid: ep.id }), "uid",
        "endpoint uid that is an endpoint id");
    });
  });

  test("invalid event type names → 422", async () => {
    await writesNothing(async () => {
      for (const name of ["a/b", "has space", "", "x".repeat(300)]) {
        assert422(await api.post("/api/v1/event-type", { name, description: "d" }), "name", `event type ${JSON.stringify(name).slice(0, 20)}`);
        assert422(await api.post(`/api/v1/app/${app.id}/msg`, { eventType: name, payload: {} }), "eventType",
          `msg eventType ${JSON.stringify(name).slice(0, 20)}`);
        assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://e.example/", filterTypes: [name] }), "filterTypes",
          `filterTypes ${JSON.stringify(name).slice(0, 20)}`);
      }
      // PUT creating a type named by the path validates the path.
      const put = await api.put("/api/v1/event-type/has%20space", { description: "d" });
      assertError(put, 422, "PUT /event-type/has space");
    });
  });

  test("body larger than --max-body-bytes → 413 JSON, nothing written", async () => {
    await writesNothing(async () => {
      const big = JSON.stringify({ name: "big", uid: "val-big", metadata: { pad: "x".repeat(10 * 1024) } });
      const res = await raw("POST", "/api/v1/app", big);
      assertError(res, 413, "10 KB app");
      const msg = await raw("POST", `/api/v1/app/${app.id}/msg`,
        JSON.stringify({ eventType: "val.type", payload: { pad: "y".repeat(10 * 1024) } }));
      assertError(msg, 413, "10 KB message");
      // The server keeps serving.
      assert.equal((await api.get("/api/v1/app")).status, 200);
    });
  });

  test("413 threshold is exact: a body of max bytes passes, one more byte fails", async () => {
    const bodyOfSize = (n, uid) => {
      const base = JSON.stringify({ name: "edge", uid, metadata: { pad: "" } });
      return JSON.stringify({ name: "edge", uid, metadata: { pad: "p".repeat(n - base.length) } });
    };
    const over = bodyOfSize(MAX_BODY + 1, "val-edge-over");
    assert.equal(over.length, MAX_BODY + 1);
    assertError(await raw("POST", "/api/v1/app", over), 413, "max+1 bytes");
    assert.equal((await api.get("/api/v1/app/val-edge-over")).status, 404);
    const exact = bodyOfSize(MAX_BODY, "val-edge-exact");
    assert.equal(exact.length, MAX_BODY);
    const ok = await raw("POST", "/api/v1/app", exact);
    assert.equal(ok.status, 201, ok.text);
    assert.equal((await api.delete(`/api/v1/app/${ok.json.id}`)).status, 204);
  });

  // The client is still uploading when the 413 is written; the answer must reach it anyway
  // (the server should drain or linger before closing, not reset the connection).
  test("chunked body larger than --max-body-bytes → 413 reaches the client", async () => {
    await writesNothing(async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const enc = new TextEncoder();
        let sent = 0;
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(enc.encode('{"name":"chunked","metadata":{"pad":"'));
          },
          pull(controller) {
            if (sent++ >= 10) {
              controller.enqueue(enc.encode('"}}'));
              controller.close();
              return;
            }
            controller.enqueue(enc.encode("x".repeat(1024)));
          },
        });
        let res;
        try {
          res = await fetch(`${server.url}/api/v1/app`, {
            method: "POST",
            headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
            body: stream,
            duplex: "half",
          });
        } catch (err) {
          assert.fail(`attempt ${attempt}: no 413 received, the request failed with ${err.cause?.code ?? err.message}`);
        }
        assert.equal(res.status, 413);
        assert.ok(isErrorBody(JSON.parse(await res.text())));
      }
    });
  });

  test("a chunked body within the limit is accepted", async () => {
    const enc = new TextEncoder();
    const parts = ['{"name":"chunked ok",', '"uid":"val-chunked",', '"metadata":{"k":"v"}}'];
    const stream = new ReadableStream({
      pull(controller) {
        if (parts.length) controller.enqueue(enc.encode(parts.shift()));
        else controller.close();
      },
    });
    const res = await fetch(`${server.url}/api/v1/app`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    });
    assert.equal(res.status, 201, await res.clone().text());
    const app2 = await res.json();
    assert.deepEqual(app2.metadata, { k: "v" });
    assert.equal((await api.delete(`/api/v1/app/${app2.id}`)).status, 204);
  });

  test("bad pagination and query parameters → 422", async () => {
    const lists = [
      "/api/v1/app",
      `/api/v1/app/${app.id}/endpoint`,
      `/api/v1/app/${app.id}/msg`,
      "/api/v1/event-type",
    ];
    for (const p of lists) {
      for (const q of ["limit=0", "limit=251", "limit=abc", "limit=-1", "limit=1.5", "limit=", "order=sideways"]) {
        const res = await api.get(`${p}?${q}`);
        assert422(res, q.split("=")[0], `GET ${p}?${q}`);
      }
      for (const q of ["limit=1", "limit=250"]) {
        assert.equal((await api.get(`${p}?${q}`)).status, 200, `GET ${p}?${q}`);
      }
    }
    for (const q of ["before=yesterday", "after=2024-13-01T00:00:00Z", "with_content=maybe"]) {
      assert422(await api.get(`/api/v1/app/${app.id}/msg?${q}`), q.split("=")[0], `GET msg?${q}`);
    }
    assert422(await api.get("/api/v1/event-type?include_archived=perhaps"), "include_archived", "include_archived");
    // Iterators are keys of the list they page through (as Svix: 422 otherwise).
    const iterated = [
      ["/api/v1/app", "app"],
      [`/api/v1/app/${app.id}/endpoint`, "ep"],
      [`/api/v1/app/${app.id}/msg`, "msg"],
      [`/api/v1/app/${app.id}/attempt/endpoint/${ep.id}`, "atmpt"],
      ["/api/v1/background-task", "qtask"],
    ];
    for (const [p, prefix] of iterated) {
      for (const it of ["garbage", "msg_123", "-", "%00", "app_" + "!".repeat(27), "ep_2xyz"]) {
        assert422(await api.get(`${p}?iterator=${encodeURIComponent(it)}`), "iterator", `GET ${p}?iterator=${it}`);
      }
      const first = await api.get(`${p}?limit=1`);
      assert.equal(first.status, 200, `${p}: ${first.text}`);
      if (first.json.iterator) {
        assert.ok(first.json.iterator.startsWith(`${prefix}_`), `${p}: iterator ${first.json.iterator}`);
        assert.equal((await api.get(`${p}?iterator=${first.json.iterator}`)).status, 200, `${p}: its own iterator`);
        assert.equal((await api.get(`${p}?iterator=-${first.json.iterator}`)).status, 200, `${p}: backwards`);
      }
    }
    assert422(await api.get("/api/v1/event-type?iterator=not%20a%20name"), "iterator", "event-type iterator");
    assert422(await api.get(`/api/v1/app/${app.id}/msg/${"val-evt"}?with_content=2`), "with_content", "GET msg with_content=2");
  });

  test("unknown route → 404 JSON, with or without a token", async () => {
    for (const p of ["/api/v1/nope", "/api/v2/app", "/", "/api/v1/app/x/y/z/w/v", "/api/v1/app/val-app/nothing"]) {
      assertError(await api.get(p), 404, `GET ${p}`);
      assertError(await request(server, "GET", p, { token: null }), 404, `GET ${p} without token`);
    }
    assertError(await api.post("/api/v1/nope", { a: 1 }), 404, "POST /api/v1/nope");
  });

  test("wrong method on a known route → 405 JSON", async () => {
    await writesNothing(async () => {
      const cases = [
        ["DELETE", "/api/v1/app"],
        ["PATCH", "/api/v1/app"],
        ["POST", `/api/v1/app/${app.id}`],
        ["POST", `/api/v1/app/${app.id}/endpoint/${ep.id}`],
        ["DELETE", `/api/v1/app/${app.id}/msg`],
        ["PATCH", `/api/v1/app/${app.id}/msg/${"val-evt"}`],
        ["GET", `/api/v1/app/${app.id}/endpoint/${ep.id}/secret/rotate`],
        ["DELETE", "/api/v1/event-type"],
      ];
      for (const [m, p] of cases) {
        const res = await raw(m, p, m === "GET" || m === "DELETE" ? undefined : "{}");
        assertError(res, 405, `${m} ${p}`);
      }
    });
  });

  test("duplicate app uid → 409 (create, PUT-create path aside, and PATCH)", async () => {
    await writesNothing(async () => {
      const res = await api.post("/api/v1/app", { name: "dup", uid: "val-app" });
      assertError(res, 409, "duplicate app uid");
      const patch = await api.patch(`/api/v1/app/${other.id}`, { uid: "val-app" });
      assertError(patch, 409, "PATCH to a taken uid");
    });
    const apps = (await api.get("/api/v1/app?limit=250")).json.data.filter((a) => a.uid === "val-app");
    assert.equal(apps.length, 1);
  });

  test("duplicate endpoint uid in one app → 409; the same uid in another app is fine", async () => {
    await writesNothing(async () => {
      const dup = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://dup.example/", uid: "val-ep" });
      assertError(dup, 409, "duplicate endpoint uid");
      const second = (await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://two.example/", uid: "val-ep-2" })).json;
      const clash = await api.patch(`/api/v1/app/${app.id}/endpoint/${second.id}`, { uid: "val-ep" });
      assertError(clash, 409, "PATCH endpoint to a taken uid");
      assert.equal((await api.delete(`/api/v1/app/${app.id}/endpoint/${second.id}`)).status, 204);
    });
    const elsewhere = await api.post(`/api/v1/app/${other.id}/endpoint`, { url: "https://other.example/", uid: "val-ep" });
    assert.equal(elsewhere.status, 201, elsewhere.text);
    const got = await api.get(`/api/v1/app/${other.id}/endpoint/val-ep`);
    assert.equal(got.json.id, elsewhere.json.id);
    const mine = await api.get(`/api/v1/app/${app.id}/endpoint/val-ep`);
    assert.equal(mine.json.id, ep.id);
    assert.equal((await api.delete(`/api/v1/app/${other.id}/endpoint/${elsewhere.json.id}`)).status, 204);
  });

  test("duplicate message eventId → 409; the same eventId in another app is fine", async () => {
    await writesNothing(async () => {
      const dup = await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "val.type", payload: { n: 2 }, eventId: "val-evt" });
      assertError(dup, 409, "duplicate eventId");
    });
    const msgs = (await api.get(`/api/v1/app/${app.id}/msg`)).json.data.filter((m) => m.eventId === "val-evt");
    assert.equal(msgs.length, 1);
    assert.deepEqual((await api.get(`/api/v1/app/${app.id}/msg/val-evt`)).json.payload, { n: 1 });
    const elsewhere = await api.post(`/api/v1/app/${other.id}/msg`, { eventType: "val.type", payload: {}, eventId: "val-evt" });
    assert.equal(elsewhere.status, 202, elsewhere.text);
  });

  test("duplicate event type name → 409", async () => {
    await writesNothing(async () => {
      assertError(await api.post("/api/v1/event-type", { name: "val.type", description: "again" }), 409, "duplicate event type");
    });
    assert.equal((await api.get("/api/v1/event-type/val.type")).json.description, "d");
  });

  test("invalid endpoint header names → 422", async () => {
    await writesNothing(async () => {
      const bad = ["bad header", "webhook-id", "Webhook-Signature", "svix-id", "x-svix-custom", "X-Svix-Id", "x:y", "",
        "content-length", "host", "x-nul\u0000", "x-tab\there", "x-del\u007f"];
      for (const name of bad) {
        const headers = { [name]: "v" };
        assert422(await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://h.example/", headers }), "headers",
          `POST endpoint header ${JSON.stringify(name)}`);
        assert422(await api.put(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`, { headers }), "headers",
          `PUT headers ${JSON.stringify(name)}`);
        assert422(await api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`, { headers }), "headers",
          `PATCH headers ${JSON.stringify(name)}`);
      }
      assert422(await api.put(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`, { headers: { "x-ok": "a\r\nInjected: 1" } }),
        "headers", "header value with CRLF");
      assert422(await api.put(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`, { headers: { "x-ok": "a\u0000b" } }),
        "headers", "header value with NUL");
      assert422(await api.put(`/api/v1/app/${app.id}/endpoint/${ep.id}/headers`, { headers: { "x-ok": 5 } }),
        "headers", "non-string header value");
    });
  });

  test("endpoint filterTypes must name existing event types (operational ones for operational endpoints)", async () => {
    await writesNothing(async () => {
      const res = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://h.example/", filterTypes: ["val.type", "no.such.type"] });
      assert422(res, "filterTypes", "unknown filter type");
      assert.match(res.text, /no\.such\.type/);
      assert422(await api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { filterTypes: ["nope"] }), "filterTypes", "PATCH");
      assert422(await api.put(`/api/v1/app/${app.id}/endpoint/val-new-ep`, { url: "https://h.example/", filterTypes: ["nope"] }),
        "filterTypes", "PUT-create");
      assert422(await api.post("/api/v1/operational-webhook/endpoint", { url: "https://h.example/", filterTypes: ["val.type"] }),
        "filterTypes", "operational endpoint with an app event type");
    });
    const ok = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://h.example/", filterTypes: ["val.type"] });
    assert.equal(ok.status, 201, ok.text);
    const ops = await api.post("/api/v1/operational-webhook/endpoint", { url: "https://h.example/", filterTypes: ["endpoint.disabled"] });
    assert.equal(ops.status, 201, ops.text);
    // A type deleted after the endpoint subscribed does not block later changes to it.
    assert.equal((await api.post("/api/v1/event-type", { name: "val.gone", description: "d" })).status, 201);
    const sub = await api.post(`/api/v1/app/${app.id}/endpoint`, { url: "https://h.example/", filterTypes: ["val.gone"] });
    assert.equal((await api.delete("/api/v1/event-type/val.gone?expunge=true")).status, 204);
    const patched = await api.patch(`/api/v1/app/${app.id}/endpoint/${sub.json.id}`, { description: "still fine" });
    assert.equal(patched.status, 200, patched.text);
    for (const id of [ok.json.id, sub.json.id]) await api.delete(`/api/v1/app/${app.id}/endpoint/${id}`);
    await api.delete(`/api/v1/operational-webhook/endpoint/${ops.json.id}`);
  });

  test("event type schemas must be JSON Schemas", async () => {
    await writesNothing(async () => {
      const bad = [
        { 1: "not a schema" },
        { 1: { type: "text" } },
        { 1: { type: [] } },
        { 1: { properties: [] } },
        { 1: { properties: { a: { type: 5 } } } },
        { 1: { required: "a" } },
        { 1: { items: { minLength: -1 } } },
        { 1: { anyOf: [] } },
      ];
      for (const schemas of bad) {
        assert422(await api.post("/api/v1/event-type", { name: "val.schema", description: "d", schemas }), "schemas",
          `schemas ${JSON.stringify(schemas)}`);
      }
    });
    const good = { 1: { type: "object", properties: { to: { type: "string", minLength: 1 }, n: { type: ["integer", "null"] } }, required: ["to"] } };
    const res = await api.post("/api/v1/event-type", { name: "val.schema", description: "d", schemas: good });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.schemas, good);
    await api.delete("/api/v1/event-type/val.schema?expunge=true");
  });

  test("recover reaches back at most 14 days", async () => {
    const since = (days) => new Date(Date.now() - days * 86400e3).toISOString();
    assert422(await api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/recover`, { since: since(15) }), "since", "15 days");
    const ok = await api.post(`/api/v1/app/${app.id}/endpoint/${ep.id}/recover`, { since: since(13) });
    assert.equal(ok.status, 202, ok.text);
  });

  test("a whitespace-only body is handled like {} (no 5xx)", async () => {
    await writesNothing(async () => {
      for (const [m, p] of [
        ["POST", "/api/v1/app"],
        ["POST", `/api/v1/app/${app.id}/endpoint`],
        ["POST", `/api/v1/app/${app.id}/msg`],
        ["PUT", `/api/v1/app/${app.id}/endpoint/${ep.id}/headers`],
        ["PATCH", `/api/v1/app/${app.id}/endpoint/${ep.id}/headers`],
      ]) {
        const res = await raw(m, p, "  \n");
        assert.ok(res.status >= 400 && res.status < 500, `${m} ${p} with a blank body: got ${res.status} ${res.text}`);
        assert.ok(isErrorBody(res.json), `${m} ${p}: JSON error body`);
      }
    });
  });

  test("a malformed HTTP request gets a 400 and the server keeps serving", async () => {
    const reply = await new Promise((resolve, reject) => {
      const sock = net.connect(server.port, "127.0.0.1", () => {
        sock.write("GARBAGE / HTTP/9.9\r\nno-colon-header\r\n\r\n");
      });
      let data = "";
      sock.setEncoding("utf8");
      sock.on("data", (d) => (data += d));
      sock.on("end", () => resolve(data));
      sock.on("error", reject);
      setTimeout(() => {
        sock.destroy();
        resolve(data);
      }, 3000);
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.equal((await api.get("/api/v1/app")).status, 200);
  });
});
