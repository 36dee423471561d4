// Configuration: TOML file < HOOKD_* env < flags, rejection of bad values, --help.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";

import {
  freePort,
  makeTempDir,
  randomToken,
  request,
  runHookd,
  startServer,
} from "./lib/server.mjs";

// Every configuration key: TOML name, flag, env var.
const KEYS = [
  "listen",
  "store",
  "admin_token",
  "allowed_networks",
  "max_body_bytes",
  "io_threads",
  "max_connections",
  "idle_timeout_seconds",
  "header_timeout_seconds",
  "request_timeout_seconds",
  "log_level",
  "idempotency_ttl_seconds",
  "secret_rotation_grace_seconds",
  "commit_linger_us",
  "commit_max_batch",
  "delivery_enabled",
  "retry_schedule",
  "attempt_timeout_ms",
  "svix_headers",
  "delivery_window",
  "endpoint_concurrency",
  "max_in_flight",
  "claim_lease_seconds",
  "disable_after_exhausted",
  "disable_after_failing_seconds",
  "task_step",
  "smtp_url",
  "smtp_from",
  "smtp_username",
  "smtp_password",
  "smtp_starttls",
  "sms_url",
  "alert_retry_schedule",
  "auto_recover_seconds",
  "disable_on_gone",
  "tls_ca_file",
  "public_url",
].map((name) => ({ name, flag: `--${name.replaceAll("_", "-")}`, env: `HOOKD_${name.toUpperCase()}` }));

const tomlString = (s) => JSON.stringify(s); // a JSON string literal is a valid TOML basic string

// POST /api/v1/app with a body of exactly `size` bytes; returns the status.
async function postOfSize(server, size, token = server.token) {
  const base = JSON.stringify({ name: "cfg", metadata: { pad: "" } });
  const body = JSON.stringify({ name: "cfg", metadata: { pad: "p".repeat(size - base.length) } });
  assert.equal(body.length, size);
  return (await request(server, "POST", "/api/v1/app", { body, token })).status;
}

describe("precedence: file < env < flags", () => {
  let dir;
  let file;
  let portA;
  let portB;
  const fileToken = randomToken();
  const servers = [];

  before(async () => {
    dir = await makeTempDir();
    portA = await freePort();
    do portB = await freePort(); while (portB === portA);
    file = path.join(dir, "hookd.toml");
    await writeFile(
      file,
      [
        "# hookd test config",
        `listen = ${tomlString(`127.0.0.1:${portA}`)}`,
        `store = ${tomlString(`sqlite://${path.join(dir, "hookd.db")}`)}`,
        `admin_token = ${tomlString(fileToken)}`,
        "max_body_bytes = 2048",
        'log_level = "warn"',
        'allowed_networks = ["127.0.0.0/8", "10.0.0.0/8"]',
        "",
      ].join("\n")
    );
  });

  after(async () => {
    for (const s of servers) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // Only what the file says: no --listen, --store or --admin-token from the harness.
  const start = async (opts) => {
    const s = await startServer({ listen: null, store: false, token: null, dataDir: dir, ...opts });
    servers.push(s);
    return s;
  };
  const stop = async (s) => {
    assert.equal(await s.stop(), 0, "SIGTERM exits 0");
  };

  test("the file alone sets listen, admin_token and max_body_bytes", async () => {
    const s = await start({ args: ["--config", file] });
    assert.equal(s.port, portA, `listening on the file's port:\n${s.output()}`);
    assert.equal(s.host, "127.0.0.1");
    assert.equal((await request(s, "GET", "/api/v1/app", { token: fileToken })).status, 200);
    assert.equal(await postOfSize(s, 2048, fileToken), 201);
    assert.equal(await postOfSize(s, 2049, fileToken), 413);
    await stop(s);
  });

  test("HOOKD_CONFIG names the file when --config is absent", async () => {
    const s = await start({ env: { HOOKD_CONFIG: file } });
    assert.equal(s.port, portA);
    assert.equal(await postOfSize(s, 2049, fileToken), 413);
    await stop(s);
  });

  test("env overrides the file", async () => {
    const envToken = randomToken();
    const s = await start({
      args: ["--config", file],
      env: { HOOKD_LISTEN: `127.0.0.1:${portB}`, HOOKD_MAX_BODY_BYTES: "8192", HOOKD_ADMIN_TOKEN: envToken },
    });
    assert.equal(s.port, portB, "HOOKD_LISTEN beats the file");
    assert.equal((await request(s, "GET", "/api/v1/app", { token: envToken })).status, 200);
    assert.equal((await request(s, "GET", "/api/v1/app", { token: fileToken })).status, 401, "file token replaced");
    assert.equal(await postOfSize(s, 3000, envToken), 201, "HOOKD_MAX_BODY_BYTES raised the limit");
    assert.equal(await postOfSize(s, 8192, envToken), 201);
    assert.equal(await postOfSize(s, 8193, envToken), 413);
    await stop(s);
  });

  test("flags override env and file", async () => {
    const flagToken = randomToken();
    const s = await start({
      args: ["--config", file, "--listen", "127.0.0.1:0", "--max-body-bytes", "4096", "--admin-token", flagToken],
      env: { HOOKD_LISTEN: `127.0.0.1:${portB}`, HOOKD_MAX_BODY_BYTES: "8192", HOOKD_ADMIN_TOKEN: randomToken() },
    });
    assert.notEqual(s.port, portB, "--listen beats HOOKD_LISTEN");
    assert.notEqual(s.port, portA, "--listen beats the file");
    assert.equal((await request(s, "GET", "/api/v1/app", { token: flagToken })).status, 200);
    assert.equal(await postOfSize(s, 4096, flagToken), 201);
    assert.equal(await postOfSize(s, 4097, flagToken), 413, "--max-body-bytes beats env and file");
    await stop(s);
  });

  test("a flag alone overrides one key and leaves the file's others in force", async () => {
    const s = await start({ args: ["--config", file, "--max-body-bytes", "3000"] });
    assert.equal(s.port, portA, "listen still from the file");
    assert.equal(await postOfSize(s, 3000, fileToken), 201);
    assert.equal(await postOfSize(s, 3001, fileToken), 413);
    await stop(s);
  });

  test("env alone (no file) configures the server", async () => {
    const envDir = await makeTempDir();
    try {
      const tok = randomToken();
      const s = await startServer({
        listen: null,
        store: false,
        token: null,
        dataDir: envDir,
        env: {
          HOOKD_LISTEN: "127.0.0.1:0",
          HOOKD_STORE: `sqlite://${path.join(envDir, "env.db")}`,
          HOOKD_ADMIN_TOKEN: tok,
          HOOKD_MAX_BODY_BYTES: "1024",
        },
      });
      servers.push(s);
      assert.match(s.stdout(), new RegExp(`store sqlite://${path.join(envDir, "env.db").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      assert.equal((await request(s, "GET", "/api/v1/app", { token: tok })).status, 200);
      assert.equal(await postOfSize(s, 1025, tok), 413);
      await stop(s);
    } finally {
      await rm(envDir, { recursive: true, force: true });
    }
  });
});

describe("invalid configuration is rejected at start", () => {
  let dir;
  before(async () => {
    dir = await makeTempDir();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const store = () => `sqlite://${path.join(dir, "bad.db")}`;

  async function expectRejected({ args = [], env = {}, mentions }) {
    const r = await runHookd(["serve", "--store", store(), "--admin-token", "t", ...args], { env });
    const what = `args=${JSON.stringify(args)} env=${JSON.stringify(env)}`;
    assert.notEqual(r.code, 0, `${what}: must exit non-zero\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.equal(r.signal, null, `${what}: must exit, not hang or crash (signal ${r.signal})`);
    assert.doesNotMatch(r.stdout, /listening on/, `${what}: must not start listening`);
    const text = r.stderr + r.stdout;
    for (const m of [].concat(mentions)) {
      assert.ok(text.includes(m), `${what}: message names '${m}'\nstderr: ${r.stderr}`);
    }
  }

  test("HOOKD_LISTEN=nonsense", async () => {
    await expectRejected({ env: { HOOKD_LISTEN: "nonsense" }, mentions: ["listen", "nonsense"] });
  });

  test("bad --listen values", async () => {
    for (const v of ["127.0.0.1:99999", "127.0.0.1:http", "127.0.0.1", ":"]) {
      await expectRejected({ args: ["--listen", v], mentions: "listen" });
    }
  });

  test("a --listen host that is not an IP address", async () => {
    await expectRejected({ args: ["--listen", "not-an-ip!:0"], mentions: "not-an-ip!" });
  });

  test("--max-body-bytes abc and out-of-range numbers", async () => {
    await expectRejected({ args: ["--max-body-bytes", "abc"], mentions: ["max_body_bytes", "abc"] });
    await expectRejected({ args: ["--max-body-bytes", "10"], mentions: "max_body_bytes" });
    await expectRejected({ args: ["--max-body-bytes", "12kb"], mentions: "max_body_bytes" });
    await expectRejected({ env: { HOOKD_MAX_BODY_BYTES: "-5" }, mentions: "max_body_bytes" });
  });

  test("other bad values name their key", async () => {
    await expectRejected({ env: { HOOKD_IO_THREADS: "0" }, mentions: "io_threads" });
    await expectRejected({ args: ["--log-level", "loud"], mentions: ["log_level", "loud"] });
    await expectRejected({ env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8,not-a-cidr" }, mentions: ["allowed_networks", "not-a-cidr"] });
    await expectRejected({ env: { HOOKD_ALLOWED_NETWORKS: "10.0.0.0/33" }, mentions: "allowed_networks" });
    await expectRejected({ args: ["--idempotency-ttl-seconds", "1"], mentions: "idempotency_ttl_seconds" });
    await expectRejected({ args: ["--commit-max-batch", "0"], mentions: "commit_max_batch" });
  });

  test("unknown TOML key", async () => {
    const f = path.join(dir, "unknown.toml");
    await writeFile(f, 'listen = "127.0.0.1:0"\nmax_body_byts = 4096\n');
    await expectRejected({ args: ["--config", f], mentions: "max_body_byts" });
  });

  test("bad TOML value types and syntax", async () => {
    const typed = path.join(dir, "typed.toml");
    await writeFile(typed, "max_body_bytes = true\n");
    await expectRejected({ args: ["--config", typed], mentions: "max_body_bytes" });
    const ranged = path.join(dir, "ranged.toml");
    await writeFile(ranged, "io_threads = 1000\n");
    await expectRejected({ args: ["--config", ranged], mentions: "io_threads" });
    const broken = path.join(dir, "broken.toml");
    await writeFile(broken, 'listen = "127.0.0.1:0\n[[[\n');
    await expectRejected({ args: ["--config", broken], mentions: "broken.toml" });
  });

  test("a missing config file", async () => {
    const f = path.join(dir, "does-not-exist.toml");
    await expectRejected({ args: ["--config", f], mentions: "does-not-exist.toml" });
    await expectRejected({ env: { HOOKD_CONFIG: f }, mentions: "does-not-exist.toml" });
  });

  test("an unknown flag", async () => {
    await expectRejected({ args: ["--max-body-size", "4096"], mentions: "--max-body-size" });
  });

  test("a port that is already taken", async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, "127.0.0.1", r));
    const { port } = blocker.address();
    try {
      await expectRejected({ args: ["--listen", `127.0.0.1:${port}`], mentions: String(port) });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  test("a store that cannot be opened", async () => {
    const blockerFile = path.join(dir, "a-file");
    await writeFile(blockerFile, "not a directory");
    const r = await runHookd(["serve", "--listen", "127.0.0.1:0", "--admin-token", "t",
      "--store", `sqlite://${path.join(blockerFile, "sub", "hookd.db")}`]);
    assert.notEqual(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /listening on/);
  });

  test("serve without a subcommand or with an unknown one", async () => {
    assert.notEqual((await runHookd([])).code, 0);
    assert.notEqual((await runHookd(["frobnicate"])).code, 0);
  });
});

describe("help", () => {
  test("hookd --help exits 0 and lists the subcommands", async () => {
    const r = await runHookd(["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\bserve\b/);
    assert.match(r.stdout, /\btoken\b/);
  });

  test("hookd --help lists every option with its HOOKD_ env name", async () => {
    const r = await runHookd(["--help"]);
    assert.equal(r.code, 0, r.stderr);
    for (const k of KEYS) {
      assert.ok(r.stdout.includes(k.flag), `hookd --help mentions ${k.flag}\n${r.stdout}`);
      assert.ok(r.stdout.includes(k.env), `hookd --help mentions ${k.env}`);
    }
  });

  test("hookd serve --help lists every option with its HOOKD_ env name", async () => {
    const r = await runHookd(["serve", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    const help = r.stdout;
    assert.ok(help.includes("--config") && help.includes("HOOKD_CONFIG"), "--config and HOOKD_CONFIG");
    // Help lines may wrap: join the text between one option and the next.
    const sections = help.split(/\n(?=\s+-)/);
    for (const k of KEYS) {
      const section = sections.find((s) => s.trimStart().startsWith(`${k.flag} `) || s.includes(`,${k.flag} `));
      assert.ok(section, `serve --help lists ${k.flag}\n${help}`);
      assert.ok(section.includes(k.env), `${k.flag} documents ${k.env}:\n${section}`);
    }
    // And no option is documented without an env name (besides --help/--config).
    const flags = [...help.matchAll(/^\s+(?:-\w,)?(--[a-z][a-z-]*)/gm)].map((m) => m[1]);
    for (const f of flags) {
      if (f === "--help" || f === "--config") continue;
      assert.ok(KEYS.some((k) => k.flag === f), `unexpected option ${f} (add it to KEYS)`);
    }
  });

  test("hookd token create --help lists --app", async () => {
    const r = await runHookd(["token", "create", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--app/);
    assert.match(r.stdout, /--store/);
  });

  test("hookd --version exits 0", async () => {
    const r = await runHookd(["--version"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\d+\.\d+\.\d+/);
  });
});

describe("stopping", () => {
  test("SIGTERM stops the server gracefully (exit 0) and acknowledged writes persist", async () => {
    const dir = await makeTempDir();
    try {
      const s = await startServer({ dataDir: dir });
      const r = await request(s, "POST", "/api/v1/app", { body: { name: "persist", uid: "cfg-persist" } });
      assert.equal(r.status, 201);
      assert.equal(await s.stop(), 0);
      const s2 = await startServer({ dataDir: dir, token: s.token });
      try {
        const got = await request(s2, "GET", "/api/v1/app/cfg-persist");
        assert.equal(got.status, 200);
        assert.equal(got.json.id, r.json.id);
      } finally {
        assert.equal(await s2.stop(), 0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("SIGINT stops it gracefully too", async () => {
    const s = await startServer();
    await request(s, "GET", "/api/v1/health");
    assert.equal(await s.stop("SIGINT"), 0);
  });

  // The stop signals must be handled from the moment the server says it is listening: a signal
  // that lands before the main thread waits for it must not kill the process outright.
  test("SIGTERM/SIGINT right after the listening line still exit 0", async () => {
    const codes = [];
    for (let i = 0; i < 12; i++) {
      const s = await startServer();
      codes.push(await s.stop(i % 2 ? "SIGINT" : "SIGTERM"));
    }
    assert.deepEqual(codes, codes.map(() => 0), `exit codes: ${JSON.stringify(codes)}`);
  });
});

describe("data directory", () => {
  test("a data directory hookd creates is 0700 and its database files 0600", async () => {
    const parent = await makeTempDir();
    const dataDir = path.join(parent, "fresh");
    const s = await startServer({ store: `sqlite://${dataDir}/hookd.db` });
    try {
      assert.equal((await request(s, "POST", "/api/v1/app", { body: { name: "modes" } })).status, 201);
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      for (const f of ["hookd.db", "hookd.db-wal", "hookd.db-shm"]) {
        assert.equal(statSync(path.join(dataDir, f)).mode & 0o777, 0o600, f);
      }
    } finally {
      await s.stop();
      await rm(parent, { recursive: true, force: true });
    }
  });
});
