// A fake webhook receiver for delivery tests: a real HTTP server on 127.0.0.1:<ephemeral port>
// (node:http) whose behaviour is programmable per path, and which records every request.
//
//   const rx = await startReceiver();
//   rx.on("/ok", 200);                                   // always 200
//   rx.on("/flaky", [500, 500, 200]);                    // scripted; the last step repeats
//   rx.on("/busy", { status: 429, headers: { "retry-after": "120" }, body: "slow down" });
//   rx.on("/hang", "hang");                               // never answers (cleaned up by close())
//   rx.on("/reset", "reset");                             // destroys the socket (TCP RST)
//   rx.on("/slow", { status: 200, delayMs: 300 });        // answers after 300 ms
//   rx.on("/moved", { redirect: rx.url("/elsewhere") });  // 302 with Location
//   await rx.waitForCount("/flaky", 3, { timeoutMs: 5000 });
//   rx.requestsTo("/flaky")  // [{ method, path, url, headers, raw, body, at, seq }]
//   await rx.close();
//
// Paths are matched on the URL path without the query string. Unprogrammed paths answer 200 "ok"
// (override with rx.setDefault(...)). Only loopback is ever bound.
import http from "node:http";

/** One step of behaviour, normalised. */
function normalise(b) {
  if (typeof b === "number") return { status: b };
  if (b === "hang") return { hang: true };
  if (b === "reset") return { reset: true };
  if (typeof b === "function") return { handler: b };
  if (b && typeof b === "object") {
    if (b.redirect) return { status: 302, ...b, headers: { location: b.redirect, ...(b.headers ?? {}) } };
    return { status: 200, ...b };
  }
  throw new Error(`receiver: unknown behaviour ${JSON.stringify(b)}`);
}

/**
 * Poll `predicate` (sync or async) until it returns a truthy value, which is returned.
 * Throws after `timeoutMs` with `message` (a string or a function giving one, for diagnostics).
 */
export async function waitFor(predicate, { timeoutMs = 10_000, intervalMs = 20, message } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await predicate();
    if (last) return last;
    if (Date.now() >= deadline) {
      const m = typeof message === "function" ? message(last) : message;
      throw new Error(`waitFor: timed out after ${timeoutMs} ms${m ? `: ${m}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startReceiver({ host = "127.0.0.1" } = {}) {
  if (host !== "127.0.0.1" && host !== "localhost") throw new Error("receiver: loopback only");
  const routes = new Map(); // path -> { steps: [normalised], served: n }
  let fallback = { status: 200, body: "ok" };
  const requests = [];
  const sockets = new Set();
  const timers = new Set();
  let seq = 0;

  function nextStep(path) {
    const r = routes.get(path);
    if (!r) return fallback;
    const step = r.steps[Math.min(r.served, r.steps.length - 1)];
    r.served++;
    return step;
  }

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0];
      const raw = Buffer.concat(chunks);
      const rec = {
        seq: seq++,
        method: req.method,
        url: req.url,
        path,
        headers: { ...req.headers },
        raw, // the body's exact bytes
        body: raw.toString("utf8"),
        at,
      };
      requests.push(rec);
      const step = nextStep(path);
      if (step.hang) return; // never answer; close() destroys the socket
      if (step.reset) {
        if (typeof req.socket.resetAndDestroy === "function") req.socket.resetAndDestroy();
        else req.socket.destroy();
        return;
      }
      const respond = () => {
        if (res.destroyed || res.writableEnded) return;
        if (step.handler) return step.handler(req, res, rec);
        const body = step.body ?? "";
        res.writeHead(step.status, { "content-type": "text/plain", ...(step.headers ?? {}) });
        res.end(body);
      };
      if (step.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          respond();
        }, step.delayMs);
        timers.add(t);
      } else {
        respond();
      }
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // Resets and client aborts surface as socket errors; they are expected here.
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address();

  const rx = {
    port,
    host,
    /** Absolute URL of `path` on this receiver (host "127.0.0.1" unless `urlHost` given). */
    url: (path = "/", urlHost = "127.0.0.1") => `http://${urlHost}:${port}${path}`,
    /** Program `path`: a behaviour or a list of behaviours served in turn (the last repeats). */
    on(path, behaviour) {
      const steps = (Array.isArray(behaviour) ? behaviour : [behaviour]).map(normalise);
      routes.set(path, { steps, served: 0 });
      return rx;
    },
    setDefault(behaviour) {
      fallback = normalise(behaviour);
      return rx;
    },
    /** Every request so far (in arrival order of complete bodies). */
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    count: (path) => requests.reduce((n, r) => n + (r.path === path ? 1 : 0), 0),
    /** Wait until `predicate(requests)` is truthy; returns its value. */
    waitFor: (predicate, opts = {}) =>
      waitFor(() => predicate(requests), {
        message: () => `receiver got ${requests.length} request(s): ${requests.map((r) => r.path).join(" ")}`,
        ...opts,
      }),
    /** Wait until `path` has had at least `n` requests; returns them. */
    waitForCount: (path, n, opts = {}) =>
      waitFor(() => (rx.count(path) >= n ? rx.requestsTo(path) : null), {
        message: () => `${path}: ${rx.count(path)}/${n} request(s) arrived`,
        ...opts,
      }),
    /** Stop listening; destroys hanging and keep-alive connections and pending delayed answers. */
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  return rx;
}
