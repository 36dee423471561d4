// Test harness: starts the real hookd binary and hands back its URL and admin token.
//
// Contract (kept in sync with the server):
//   binary:  $HOOKD_BIN, default <repo>/build/release/hookd
//   start:   hookd serve --listen 127.0.0.1:<port|0> --store sqlite://<dir>/hookd.db --admin-token <tok>
//            ready once stdout contains "listening on 127.0.0.1:<port>"
//   tokens:  hookd token create --store sqlite://<dir>/hookd.db [--app ID]   -> token alone on stdout
//   env:     HOOKD_ALLOWED_NETWORKS=127.0.0.0/8
import { spawn, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, "..", "..", "..");
export const HOOKD_BIN = process.env.HOOKD_BIN || path.join(REPO_ROOT, "build", "release", "hookd");

const START_DEADLINE_MS = Number(process.env.HOOKD_START_TIMEOUT_MS || 10_000);
const STOP_DEADLINE_MS = 10_000;
const READY_RE = /listening on 127\.0\.0\.1:(\d+)/;

// Child processes still alive when the test process exits are killed, so a failing test
// never leaves a server behind.
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

function childEnv(extra) {
  return { ...process.env, HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8", ...extra };
}

function assertBinary() {
  if (!existsSync(HOOKD_BIN)) {
    throw new Error(
      `hookd binary not found at ${HOOKD_BIN} (build it, or set HOOKD_BIN to its path)`
    );
  }
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
 * Start hookd. Options:
 *   token    admin token (default: random hk_admin_test_<hex>)
 *   dataDir  existing directory to use (default: a fresh temp dir, removed by stop())
 *   port     port to listen on (default 0 = any free port)
 *   args     extra CLI args appended to `serve`
 *   env      extra environment variables
 *   delivery true: send webhooks (only to loopback receivers). Off by default, so endpoints
 *            naming made-up hosts are never resolved or contacted.
 * Returns { url, port, token, dataDir, store, bin, output(), stop(), kill(), restart(), createToken() }.
 */
export async function startHookd(opts = {}) {
  assertBinary();
  const token = opts.token ?? `hk_admin_test_${randomBytes(12).toString("hex")}`;
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), "hookd-e2e-")));
  const store = `sqlite://${path.join(dataDir, "hookd.db")}`;

  let child = null;
  let log = "";
  let removed = false;

  const server = {
    url: "",
    port: 0,
    token,
    dataDir,
    store,
    bin: HOOKD_BIN,
    /** Everything the server wrote to stdout and stderr so far (across restarts). */
    output: () => log,
    /** SIGTERM, wait for exit (SIGKILL after a deadline), remove the temp dir. */
    stop: async () => {
      await terminate("SIGTERM");
      if (ownDir && !removed) {
        removed = true;
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    /** SIGKILL (simulated crash) and wait for exit. The data dir is kept (for restart()). */
    kill: async () => {
      await terminate("SIGKILL");
    },
    /**
     * Stop the running process (SIGTERM, unless it is already dead) and start it again
     * on the same store and token. Pass { samePort: true } to ask for the previous port;
     * otherwise a new port is chosen and `url`/`port` are updated.
     */
    restart: async ({ samePort = false } = {}) => {
      await terminate("SIGTERM");
      await launch(samePort ? server.port : opts.port ?? 0);
      return server;
    },
    /** `hookd token create` on this server's store; returns the token (trimmed stdout). */
    createToken: (tokenOpts = {}) => createToken(store, tokenOpts),
  };

  async function terminate(signal) {
    if (!child) return;
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
  }

  async function launch(port) {
    const args = [
      "serve",
      "--delivery-enabled",
      opts.delivery ? "true" : "false",
      "--listen",
      `127.0.0.1:${port}`,
      "--store",
      store,
      "--admin-token",
      token,
      ...(opts.args ?? []),
    ];
    const c = spawn(HOOKD_BIN, args, {
      env: childEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = c;
    live.add(c);
    log += `[harness] ${HOOKD_BIN} ${args.join(" ")}\n`;

    await new Promise((resolve, reject) => {
      let stdoutBuf = "";
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
      const fail = (why) =>
        new Error(`hookd failed to start: ${why}\n--- captured output ---\n${log}`);
      const timer = setTimeout(() => {
        c.kill("SIGKILL");
        done(fail(`no "listening on 127.0.0.1:<port>" line within ${START_DEADLINE_MS} ms`));
      }, START_DEADLINE_MS);
      // Give the pipes a moment to drain so the error carries the server's last words.
      const onExit = (code, sig) =>
        setTimeout(() => done(fail(`exited early (code=${code}, signal=${sig})`)), 100);
      const onError = (err) => done(fail(`spawn error: ${err.message}`));
      c.on("exit", onExit);
      c.on("error", onError);
      c.stdout.setEncoding("utf8");
      c.stderr.setEncoding("utf8");
      c.stdout.on("data", (chunk) => {
        log += chunk;
        if (settled) return;
        stdoutBuf += chunk;
        const m = READY_RE.exec(stdoutBuf);
        if (m) {
          server.port = Number(m[1]);
          server.url = `http://127.0.0.1:${server.port}`;
          done();
        }
      });
      c.stderr.on("data", (chunk) => {
        log += chunk;
      });
    });
  }

  try {
    await launch(opts.port ?? 0);
  } catch (err) {
    await terminate("SIGKILL");
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return server;
}

/** Run `hookd token create --store <store> [--app <id>]`; resolves to the token. */
export function createToken(store, { app } = {}) {
  assertBinary();
  const args = ["token", "create", "--store", store];
  if (app !== undefined) args.push("--app", app);
  return new Promise((resolve, reject) => {
    execFile(
      HOOKD_BIN,
      args,
      { env: childEnv(), timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(
              `hookd ${args.join(" ")} failed: ${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`
            )
          );
          return;
        }
        const tok = stdout.trim();
        if (!tok || /\s/.test(tok)) {
          reject(new Error(`hookd token create: expected a single token on stdout, got ${JSON.stringify(stdout)}`));
          return;
        }
        resolve(tok);
      }
    );
  });
}
