// Integration-test harness: runs the real hookd binary on loopback and talks raw HTTP to it.
//
// Contract (same as tests/e2e/lib/hookd.mjs):
//   binary:  $HOOKD_BIN, default <repo>/build/release/hookd
//   start:   hookd serve --listen 127.0.0.1:0 --store sqlite://<dir>/hookd.db [--admin-token <tok>]
//            ready once stdout contains "listening on <host>:<port>"
//   first start without --admin-token on an empty store prints a minted token
//            (a line that is just whitespace + hk_<48 hex>) before the listening line
//   tokens:  hookd token create --store sqlite://<dir>/hookd.db [--app ID]  -> token alone on stdout
import { spawn, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { startPostgres } from "./postgres.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, "..", "..", "..");
export const HOOKD_BIN = process.env.HOOKD_BIN || path.join(REPO_ROOT, "build", "release", "hookd");

const START_DEADLINE_MS = Number(process.env.HOOKD_START_TIMEOUT_MS || 10_000);
const STOP_DEADLINE_MS = 10_000;
const READY_RE = /listening on (\[[^\]]+\]|[^\s:]+):(\d+)/;
export const MINTED_TOKEN_RE = /^\s+(hk_[0-9a-f]{48})\s*$/m;

// Servers still alive when the test process exits are killed, so a failing test never leaves
// one behind.
const live = new Set();
process.on("exit", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

function assertBinary() {
  if (!existsSync(HOOKD_BIN)) {
    throw new Error(`hookd binary not found at ${HOOKD_BIN} (build it, or set HOOKD_BIN)`);
  }
}

/** Environment for a child: ours minus any HOOKD_* (so the caller's shell can't leak config). */
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("HOOKD_")) env[k] = v;
  }
  return { ...env, ...extra };
}

export async function makeTempDir(prefix = "hookd-it-") {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export function randomToken() {
  return `hk_it_${randomBytes(12).toString("hex")}`;
}

/** A port that was free a moment ago (bind 0, read, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Run hookd to completion (e.g. `--help`, `token create`, a start that must fail).
 * Resolves to { code, signal, stdout, stderr }; never rejects on a non-zero exit.
 */
export function runHookd(args, { env = {}, timeout = 10_000, cwd } = {}) {
  assertBinary();
  return new Promise((resolve) => {
    execFile(HOOKD_BIN, args, { env: childEnv(env), timeout, cwd }, (err, stdout, stderr) => {
      resolve({
        code: err ? (typeof err.code === "number" ? err.code : null) : 0,
        signal: err?.signal ?? null,
        stdout,
        stderr,
      });
    });
  });
}

/** `hookd token create --store <store> [--app <ref>]`; resolves to the token. */
export async function createToken(store, { app } = {}) {
  const args = ["token", "create", "--store", store];
  if (app !== undefined) args.push("--app", app);
  const r = await runHookd(args);
  if (r.code !== 0) {
    throw new Error(`hookd ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  const tok = r.stdout.trim();
  if (!tok || /\s/.test(tok)) {
    throw new Error(`hookd token create: expected one token on stdout, got ${JSON.stringify(r.stdout)}`);
  }
  return tok;
}

// HOOKD_IT_STORE=postgres runs the suites on PostgreSQL: a server's store is then a database of
// its own (one per data directory, so a restart finds its data) on a private cluster shared by
// this test process. Otherwise it is SQLite in the data directory.
let itCluster = null;
const itDatabases = new Map();
async function defaultStore(dataDir) {
  if (process.env.HOOKD_IT_STORE !== "postgres") return `sqlite://${path.join(dataDir, "hookd.db")}`;
  if (!itDatabases.has(dataDir)) {
    itCluster ??= startPostgres();
    itDatabases.set(dataDir, (await itCluster).createDatabase());
  }
  return itDatabases.get(dataDir);
}

/**
 * Start `hookd serve`. Options:
 *   token    admin token; default a random one; null: no --admin-token flag
 *   dataDir  directory for the store (default: fresh temp dir, removed by stop())
 *   listen   --listen value (default "127.0.0.1:0"); null: no --listen flag
 *   store    false: no --store flag (e.g. when a config file sets it); a string: this store URL
 *            (e.g. a PostgreSQL database shared by several servers)
 *   args     extra CLI args after `serve`
 *   env      extra environment variables (HOOKD_* from the test's own env are never passed)
 *   wrap     a command that runs hookd, e.g. ["prlimit", "--nofile=1024:20000", "--"] (it must
 *            exec hookd, so the pid stays hookd's)
 *   delivery true: send webhooks. Off by default, so servers whose endpoints name made-up hosts
 *            never resolve or contact them; delivery tests use loopback receivers only.
 * Returns a server object: { url, port, host, token, dataDir, store, stdout(), output(),
 *   stop(), kill(), restart(), createToken(), request() }.
 */
export async function startServer(opts = {}) {
  assertBinary();
  const token = opts.token === undefined ? randomToken() : opts.token;
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await makeTempDir());
  const store = typeof opts.store === "string" ? opts.store : await defaultStore(dataDir);
  const listen = opts.listen === undefined ? "127.0.0.1:0" : opts.listen;

  let child = null;
  let log = "";
  let out = "";
  let removed = false;

  const server = {
    url: "",
    host: "",
    port: 0,
    token,
    dataDir,
    store,
    /** stdout of the current run. */
    stdout: () => out,
    /** Everything written to stdout and stderr so far, across restarts. */
    output: () => log,
    /** SIGTERM (or `signal`) and wait (SIGKILL after a deadline); removes an owned temp dir.
     *  Resolves to the exit code (or the signal name if it died by a signal). */
    stop: async (signal = "SIGTERM") => {
      const code = await terminate(signal);
      if (ownDir && !removed) {
        removed = true;
        await rm(dataDir, { recursive: true, force: true });
      }
      return code;
    },
    /** SIGKILL, keep the data dir. */
    kill: () => terminate("SIGKILL"),
    /** SIGTERM the running process and start again on the same store and token. */
    restart: async () => {
      await terminate("SIGTERM");
      await launch();
      return server;
    },
    createToken: (o) => createToken(store, o),
    request: (method, p, o) => request(server, method, p, o),
    /** pid of the running process. */
    pid: () => child?.pid,
    /** Exit code of the last terminated run (null while running). */
    lastExit: null,
  };

  async function terminate(signal) {
    if (!child) return server.lastExit;
    const c = child;
    child = null;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill(signal);
      if (!(await waitExit(c, STOP_DEADLINE_MS))) {
        log += `\n[harness] no exit ${STOP_DEADLINE_MS} ms after ${signal}; sending SIGKILL\n`;
        c.kill("SIGKILL");
        await waitExit(c, STOP_DEADLINE_MS);
      }
    }
    live.delete(c);
    server.lastExit = c.exitCode ?? c.signalCode;
    return server.lastExit;
  }

  async function launch() {
    const args = ["serve", "--delivery-enabled", opts.delivery ? "true" : "false"];
    if (listen !== null) args.push("--listen", listen);
    if (opts.store !== false) args.push("--store", store);
    if (token !== null) args.push("--admin-token", token);
    args.push(...(opts.args ?? []));
    const wrap = opts.wrap ?? [];
    const c = spawn(wrap[0] ?? HOOKD_BIN, [...wrap.slice(1), ...(wrap.length ? [HOOKD_BIN] : []), ...args], {
      env: childEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = c;
    live.add(c);
    out = "";
    server.lastExit = null;
    log += `[harness] ${HOOKD_BIN} ${args.join(" ")}\n`;

    await new Promise((resolve, reject) => {
      let settled = false;
      const done = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        c.off("exit", onExit);
        c.off("error", onError);
        if (err) reject(err);
        else resolve();
      };
      const fail = (why) => new Error(`hookd failed to start: ${why}\n--- output ---\n${log}`);
      const timer = setTimeout(() => {
        c.kill("SIGKILL");
        done(fail(`no "listening on" line within ${START_DEADLINE_MS} ms`));
      }, START_DEADLINE_MS);
      const onExit = (code, sig) =>
        setTimeout(() => done(fail(`exited early (code=${code}, signal=${sig})`)), 100);
      const onError = (err) => done(fail(`spawn error: ${err.message}`));
      c.on("exit", onExit);
      c.on("error", onError);
      c.stdout.setEncoding("utf8");
      c.stderr.setEncoding("utf8");
      c.stdout.on("data", (chunk) => {
        log += chunk;
        out += chunk;
        if (settled) return;
        const m = READY_RE.exec(out);
        if (m) {
          server.host = m[1];
          server.port = Number(m[2]);
          server.url = `http://${m[1]}:${server.port}`;
          done();
        }
      });
      c.stderr.on("data", (chunk) => {
        log += chunk;
      });
    });
  }

  try {
    await launch();
  } catch (err) {
    await terminate("SIGKILL");
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return server;
}

/**
 * Raw HTTP request against a server. Options:
 *   body     object (JSON-encoded) or string (sent verbatim); undefined: no body
 *   token    bearer token (default: the server's admin token); null: no authorization header
 *   headers  extra headers
 * Resolves to { status, headers, text, json } (json is undefined when the body isn't JSON).
 */
export async function request(server, method, p, { body, token, headers = {} } = {}) {
  const h = { ...headers };
  const tok = token === undefined ? server.token : token;
  if (tok !== null && tok !== undefined) h.authorization = `Bearer ${tok}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === "content-type")) {
      h["content-type"] = "application/json";
    }
  }
  const res = await fetch(server.url + p, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Shorthand client bound to a server and token: api.get(path), api.post(path, body, opts)... */
export function client(server, token) {
  const call = (method) => (p, body, o = {}) =>
    request(server, method, p, { token, ...o, body: body ?? o.body });
  return {
    get: (p, o = {}) => request(server, "GET", p, { token, ...o }),
    delete: (p, o = {}) => request(server, "DELETE", p, { token, ...o }),
    post: call("POST"),
    put: call("PUT"),
    patch: call("PATCH"),
  };
}

/** Asserts-free check used by tests: a 4xx/5xx error body of shape {code: string, detail}. */
export function isErrorBody(json) {
  return (
    json !== null &&
    typeof json === "object" &&
    typeof json.code === "string" &&
    json.code.length > 0 &&
    "detail" in json
  );
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
