// The client commands end to end against a real hookd on loopback: `hookd listen` receiving,
// verifying, answering and forwarding real deliveries; `hookd send` (and its errors), `tail`,
// `replay`; `completion bash|zsh` checked by the shells themselves; `--help` on every command.
// Every process binds 127.0.0.1 only; waits are on observed output, with deadlines.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";

import { HOOKD_BIN, freePort, makeTempDir, runHookd } from "./lib/server.mjs";
import { hookdApi, newSecret, startDeliveryServer } from "./lib/delivery_api.mjs";
import { waitFor } from "./lib/receiver.mjs";

// Children still running when the test process exits are killed.
const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/**
 * A long-running `hookd ARGS` (listen, tail); `bin` runs something else that runs hookd. Returns
 * { stdout(), stderr(), waitFor(re), stop() }; stop() sends SIGINT and resolves to the exit code.
 */
function startCli(args, env = {}, bin = HOOKD_BIN) {
  const child = spawn(bin, args, { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  const cli = {
    stdout: () => out,
    stderr: () => err,
    /** Resolves to the first match of `re` in stdout (or stderr with { stream: "stderr" }). */
    waitFor: (re, { stream = "stdout", timeoutMs = 10_000 } = {}) =>
      waitFor(() => re.exec(stream === "stdout" ? out : err), {
        timeoutMs,
        message: () => `${re} not seen\n--- stdout ---\n${out}\n--- stderr ---\n${err}`,
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("no exit"), 10_000))]);
      if (code === "no exit") child.kill("SIGKILL");
      children.delete(child);
      return code;
    },
  };
  return cli;
}

/** `hookd listen ARGS` on a free port; resolves once it prints where it listens. */
async function startListener(args = []) {
  const l = startCli(["listen", "--port", "0", ...args]);
  const m = await l.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  l.url = m[1];
  return l;
}

describe("hookd CLI", () => {
  let server;
  let h;
  let env; // HOOKD_URL / HOOKD_TOKEN for the API commands
  const listeners = [];
  const listen = async (args) => {
    const l = await startListener(args);
    listeners.push(l);
    return l;
  };
  const cli = (args, extraEnv = {}) => runHookd(args, { env: { ...env, ...extraEnv }, timeout: 30_000 });

  before(async () => {
    server = await startDeliveryServer();
    h = hookdApi(server);
    env = { HOOKD_URL: server.url, HOOKD_TOKEN: server.token };
  });
  after(async () => {
    for (const l of listeners) await l.stop();
    await server?.stop();
  });

  test("listen --secret receives a delivery made by `hookd send`, verifies it and prints it", async () => {
    const secret = newSecret();
    const rx = await listen(["--secret", secret]);
    assert.match(rx.stdout(), /verifying signatures/);
    const app = await h.newApp("listen-verify");
    const ep = await h.newEndpoint(app.id, { url: `${rx.url}/hooks/in`, secret });

    const sent = await cli(["send", app.id, "order.created", "--data", '{"order":42,"note":"from the cli"}']);
    assert.equal(sent.code, 0, sent.stderr);
    const msgId = sent.stdout.trim();
    assert.match(msgId, /^msg_\w+$/);

    // One block per request: the request line, headers, pretty JSON body, verdict, answer.
    const block = await rx.waitFor(new RegExp(`POST /hooks/in[^]*?webhook-id: ${msgId}[^]*?answered 200`));
    assert.match(block[0], /\n {2}"order": 42,\n {2}"note": "from the cli"\n\}/, "pretty-printed body");
    assert.match(block[0], /\nsignature verified\n/);
    assert.doesNotMatch(block[0], /\x1b\[/, "no colours when stdout is not a terminal");
    const [attempt] = await h.waitAttempts(app.id, msgId, ep.id, 1);
    assert.equal(attempt.responseStatusCode, 200);
    assert.equal(attempt.statusText, "success");
  });

  test("listen --secret answers 401 to a bad or missing signature and says why", async () => {
    const rx = await listen(["--secret", newSecret()]);
    const now = Math.floor(Date.now() / 1000);
    const bad = await fetch(`${rx.url}/forged`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_forged",
        "webhook-timestamp": String(now),
        "webhook-signature": `v1,${Buffer.alloc(32).toString("base64")}`,
      },
      body: '{"forged":true}',
    });
    assert.equal(bad.status, 401);
    assert.match(await bad.text(), /signature mismatch/);
    await rx.waitFor(/POST \/forged[^]*signature invalid: signature mismatch\nanswered 401/);

    // The svix-* aliases are read too; an old timestamp is refused for that.
    const old = await fetch(`${rx.url}/old`, {
      method: "POST",
      headers: { "svix-id": "msg_old", "svix-timestamp": String(now - 600), "svix-signature": "v1,AAAA" },
      body: "{}",
    });
    assert.equal(old.status, 401);
    await rx.waitFor(/POST \/old[^]*signature invalid: timestamp too old\nanswered 401/);

    const none = await fetch(`${rx.url}/unsigned`, { method: "POST", body: "plain" });
    assert.equal(none.status, 401);
    await rx.waitFor(/POST \/unsigned[^]*plain\nsignature invalid: missing signature headers\nanswered 401/);
  });

  test("listen --secret with --accept-invalid reports a bad signature but answers as usual", async () => {
    const rx = await listen(["--secret", newSecret(), "--accept-invalid", "--status", "204"]);
    const r = await fetch(`${rx.url}/x`, { method: "POST", body: "{}" });
    assert.equal(r.status, 204);
    await rx.waitFor(/signature invalid: missing signature headers\nanswered 204/);
  });

  test("listen colours its output on a terminal, unless NO_COLOR is set", async () => {
    for (const [env, coloured] of [[{}, true], [{ NO_COLOR: "1" }, false]]) {
      // script(1) gives hookd a pseudo-terminal as its stdout.
      const l = startCli(["-qfec", `${HOOKD_BIN} listen --port 0`, "/dev/null"], { TERM: "xterm", ...env }, "script");
      try {
        const url = (await l.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1];
        await fetch(`${url}/tty`, { method: "POST", body: '{"k":"v","n":1}' });
        await l.waitFor(/answered 200/);
        const escapes = /\x1b\[1mPOST \/tty\x1b\[0m[^]*\x1b\[36m"k"\x1b\[0m: \x1b\[32m"v"\x1b\[0m/;
        assert.equal(escapes.test(l.stdout()), coloured, JSON.stringify(l.stdout()));
        assert.equal(l.stdout().includes("\x1b["), coloured);
      } finally {
        await l.stop();
      }
    }
  });

  test("listen refuses a malformed secret", async () => {
    const r = await runHookd(["listen", "--port", "0", "--secret", "not-a-secret"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--secret must start with whsec_/);
  });

  test("listen refuses a body over 16 MiB with 413", async () => {
    const rx = await listen([]);
    const r = await fetch(`${rx.url}/big`, { method: "POST", body: Buffer.alloc(16 * 1024 * 1024 + 1) });
    assert.equal(r.status, 413);
  });

  test("listen --status 500 makes hookd record a failed attempt", async () => {
    const rx = await listen(["--status", "500"]);
    const app = await h.newApp("listen-500");
    const ep = await h.newEndpoint(app.id, { url: `${rx.url}/fail`, retrySchedule: [] });
    const sent = await cli(["send", app.id, "order.failed"]);
    assert.equal(sent.code, 0, sent.stderr);
    const msgId = sent.stdout.trim();
    const settled = await h.settled(app.id, msgId, ep.id);
    assert.equal(settled.statusText, "fail");
    const [attempt] = await h.attempts(app.id, msgId, ep.id);
    assert.equal(attempt.responseStatusCode, 500);
    await rx.waitFor(new RegExp(`webhook-id: ${msgId}[^]*?answered 500`));
  });

  test("listen --forward relays method, headers and body and answers with the target's answer", async () => {
    const target = await listen(["--status", "202"]);
    const relay = await listen(["--forward", `${target.url}/relayed`]);
    assert.match(relay.stdout(), new RegExp(`forwarding to ${target.url}/relayed`));
    const r = await fetch(`${relay.url}/in?x=1`, {
      method: "PUT",
      headers: { "content-type": "application/json", "x-trace": "abc123" },
      body: '{"relay":"me"}',
    });
    assert.equal(r.status, 202);
    const seen = await target.waitFor(/PUT \/relayed[^]*?answered 202/);
    assert.match(seen[0], /x-trace: abc123/);
    assert.match(seen[0], /"relay": "me"/);
    await relay.waitFor(new RegExp(`PUT /in\\?x=1[^]*forwarded to ${target.url}/relayed: 202\\nanswered 202`));

    // A target that does not answer: 502, and the listener says why.
    const dead = await listen(["--forward", `http://127.0.0.1:${await freePort()}/`]);
    const r2 = await fetch(`${dead.url}/in`, { method: "POST", body: "{}" });
    assert.equal(r2.status, 502);
    await dead.waitFor(/forward to http:\/\/127\.0\.0\.1:\d+\/ failed: [^\n]+\nanswered 502/);
  });

  test("send reports the API's error and exits non-zero", async () => {
    const unknown = await cli(["send", "app_doesnotexist", "order.created"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /HTTP 404 not_found: application not found/);
    assert.equal(unknown.stdout, "");

    const app = await h.newApp("send-errors");
    const notObject = await cli(["send", app.id, "order.created", "--data", "[1,2]"]);
    assert.equal(notObject.code, 1);
    assert.match(notObject.stderr, /HTTP 422 validation_error: body\.payload: /);

    const badJson = await cli(["send", app.id, "order.created", "--data", "{oops"]);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /--data is not valid JSON/);

    const noToken = await cli(["send", app.id, "order.created"], { HOOKD_TOKEN: "" });
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /no API token/);

    const badToken = await cli(["send", app.id, "order.created", "--token", "hk_wrong"]);
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /HTTP 401 authentication_failed/);

    const port = await freePort();
    const refused = await cli(["send", app.id, "order.created", "--url", `http://127.0.0.1:${port}`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`cannot reach hookd at http://127\\.0\\.0\\.1:${port}/api/v1/app/`));
  });

  test("send --data @FILE, --channel and --event-id reach the message", async () => {
    const dir = await makeTempDir("hookd-cli-");
    try {
      const file = path.join(dir, "payload.json");
      writeFileSync(file, '{"from":"file"}');
      const app = await h.newApp("send-file");
      const r = await cli(["send", app.id, "a.b", "--data", `@${file}`, "--channel", "eu", "--event-id", "evt-1"]);
      assert.equal(r.code, 0, r.stderr);
      const msg = h.expect(await h.api.get(`/api/v1/app/${app.id}/msg/${r.stdout.trim()}`), 200, "get msg");
      assert.deepEqual(msg.payload, { from: "file" });
      assert.deepEqual(msg.channels, ["eu"]);
      assert.equal(msg.eventId, "evt-1");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("tail prints each attempt across the app's endpoints as it is made, once", async () => {
    const ok = await listen([]);
    const failing = await listen(["--status", "503"]);
    const app = await h.newApp("tail");
    const epOk = await h.newEndpoint(app.id, { url: `${ok.url}/ok` });
    const epFail = await h.newEndpoint(app.id, { url: `${failing.url}/fail`, retrySchedule: [] });
    // An attempt made before the tail starts is not printed.
    const early = (await h.send(app.id, { eventType: "tail.early" })).id;
    await h.settled(app.id, early, epOk.id);
    await h.settled(app.id, early, epFail.id);

    const tail = startCli(["tail", app.id, "--interval", "0.2"], env);
    const tailOne = startCli(["tail", app.id, "--endpoint", epOk.id, "--interval", "0.2"], env);
    try {
      await tail.waitFor(/as they are made/, { stream: "stderr" });
      await tailOne.waitFor(/as they are made/, { stream: "stderr" });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await h.send(app.id, { eventType: `tail.e${i}` })).id);
      const lineOf = (msg, ep) => new RegExp(`^\\S+ +(\\d+) (\\w+) +${msg} +(\\S+) +${ep} .*$`, "gm");
      await waitFor(() => ids.every((m) => lineOf(m, epOk.id).test(tail.stdout()) && lineOf(m, epFail.id).test(tail.stdout())), {
        message: () => `not every attempt printed:\n${tail.stdout()}`,
      });
      // More polls go by (a later message shows up); nothing is printed twice.
      const later = (await h.send(app.id, { eventType: "tail.later" })).id;
      await waitFor(() => lineOf(later, epOk.id).test(tail.stdout()) && lineOf(later, epFail.id).test(tail.stdout()), {
        message: () => `the later message's attempts not printed:\n${tail.stdout()}`,
      });
      const lines = tail.stdout().trim().split("\n");
      assert.equal(lines.length, 8, tail.stdout());
      assert.doesNotMatch(tail.stdout(), new RegExp(early));
      for (const m of ids) {
        const okLine = [...tail.stdout().matchAll(lineOf(m, epOk.id))];
        const failLine = [...tail.stdout().matchAll(lineOf(m, epFail.id))];
        assert.equal(okLine.length, 1);
        assert.deepEqual(okLine[0].slice(1, 4), ["200", "success", `tail.e${ids.indexOf(m)}`]);
        assert.equal(failLine.length, 1);
        assert.deepEqual(failLine[0].slice(1, 4), ["503", "fail", `tail.e${ids.indexOf(m)}`]);
      }
      // --endpoint: that endpoint's attempts only.
      await waitFor(() => lineOf(later, epOk.id).test(tailOne.stdout()), { message: () => tailOne.stdout() });
      const oneLines = tailOne.stdout().trim().split("\n");
      assert.equal(oneLines.length, 4, tailOne.stdout());
      assert.ok(oneLines.every((l) => l.includes(epOk.id) && !l.includes(epFail.id)), tailOne.stdout());
    } finally {
      assert.equal(await tail.stop(), 0, "Ctrl-C ends tail cleanly");
      assert.equal(await tailOne.stop(), 0);
    }
  });

  test("tail of an unknown app exits non-zero with the API's error", async () => {
    const r = await cli(["tail", "app_nosuchapp"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTP 404 not_found: application not found/);
  });

  test("replay recovers an endpoint's failed deliveries and reports the task's completion", async () => {
    const down = await listen(["--status", "500"]);
    const up = await listen([]);
    const app = await h.newApp("replay");
    const ep = await h.newEndpoint(app.id, { url: `${down.url}/r`, retrySchedule: [] });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await h.send(app.id, { eventType: "replay.me" })).id);
    for (const m of ids) assert.equal((await h.settled(app.id, m, ep.id)).statusText, "fail");
    h.expect(await h.api.patch(`/api/v1/app/${app.id}/endpoint/${ep.id}`, { url: `${up.url}/r` }), 200, "patch url");

    const r = await cli(["replay", app.id, ep.id, "--since", "1h"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^recover task qtask_\w+ started \(messages since \S+\)\n/);
    assert.match(r.stdout, /recover task qtask_\w+ finished: 3 deliveries made due\n$/);
    assert.match(r.stderr, /\[#+\] 3\/3 deliveries/, "progress against the failed count");
    for (const m of ids) await up.waitFor(new RegExp(`webhook-id: ${m}`));

    const missing = await cli(["replay", app.id, ep.id, "--missing"]);
    assert.equal(missing.code, 0, missing.stderr);
    assert.match(missing.stdout, /replay-missing task qtask_\w+ finished: 0 deliveries made due/);

    const noWait = await cli(["replay", app.id, ep.id, "--no-wait", "--since", new Date(Date.now() - 60_000).toISOString()]);
    assert.equal(noWait.code, 0, noWait.stderr);
    assert.match(noWait.stdout, /^recover task (qtask_\w+) started \(messages since \S+\)\n$/);
    const taskId = /qtask_\w+/.exec(noWait.stdout)[0];
    h.expect(await h.api.get(`/api/v1/background-task/${taskId}`), 200, "the task exists");

    const unknown = await cli(["replay", app.id, "ep_nosuchendpoint"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /HTTP 404 not_found: endpoint not found/);

    const badTime = await cli(["replay", app.id, ep.id, "--since", "last week"]);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--since and --until take an RFC 3339 time or a duration/);
  });

  test("completion bash passes bash -n and completes subcommands and options", async () => {
    const r = await runHookd(["completion", "bash"]);
    assert.equal(r.code, 0, r.stderr);
    const dir = await makeTempDir("hookd-cli-");
    try {
      const script = path.join(dir, "hookd.bash");
      writeFileSync(script, r.stdout);
      execFileSync("bash", ["-n", script]);
      const complete = (...words) =>
        execFileSync(
          "bash",
          ["-c", 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hookd; printf "%s\\n" "${COMPREPLY[@]}"', "x", script, ...words],
          { encoding: "utf8" }
        ).trim();
      assert.equal(complete("hookd", "li"), "listen");
      assert.equal(complete("hookd", "t"), "token\ntail");
      assert.equal(complete("hookd", "token", "cr"), "create");
      assert.equal(complete("hookd", "listen", "--se"), "--secret");
      assert.equal(complete("hookd", "replay", "--mi"), "--missing");
      assert.equal(complete("hookd", "listen", "--port", ""), "", "a value is not completed with options");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("completion zsh passes zsh -n and offers each command's subcommands and options", async () => {
    const r = await runHookd(["completion", "zsh"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#compdef hookd\n/);
    const dir = await makeTempDir("hookd-cli-");
    try {
      const script = path.join(dir, "_hookd");
      writeFileSync(script, r.stdout);
      execFileSync("zsh", ["-n", script]);
      // Outside a completion widget: _describe and _files stubbed to print what they are given
      // (zsh filters by the typed prefix itself).
      const offered = (...words) =>
        execFileSync(
          "zsh",
          ["-c", 'compdef() {}; _describe() { print -rl -- ${(P)${@[-1]}} }; _files() { print FILES }; source "$1"; shift; words=("$@"); CURRENT=$#; _hookd', "x", script, ...words],
          { encoding: "utf8" }
        ).trim().split("\n");
      const top = offered("hookd", "");
      for (const cmd of ["serve", "token", "listen", "send", "tail", "replay", "completion"]) {
        assert.ok(top.some((l) => l.startsWith(`${cmd}:`)), `${cmd} offered: ${top}`);
      }
      assert.ok(top.includes("listen:Receive webhooks locally: print each request, verify its signature, answer or forward it"));
      assert.deepEqual(offered("hookd", "token", ""), ["create:Mint a token and print it on stdout"]);
      assert.ok(offered("hookd", "listen", "--s").some((l) => l.startsWith("--secret:endpoint secret")));
      assert.deepEqual(offered("hookd", "listen", "--port", ""), ["FILES"], "a value is completed as a file");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const bad = await runHookd(["completion", "fish"]);
    assert.notEqual(bad.code, 0);
  });

  test("--help works on every command", async () => {
    for (const cmd of ["listen", "send", "tail", "replay", "completion"]) {
      const r = await runHookd([cmd, "--help"]);
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: .*hookd ${cmd}`), cmd);
    }
    const listenHelp = (await runHookd(["listen", "--help"])).stdout;
    assert.match(listenHelp, /--port UINT=8787/);
    assert.match(listenHelp, /--host TEXT=127\.0\.0\.1/);
  });
});
