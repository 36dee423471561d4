// A full disk and a failing one, injected under the SQLite store (tests/support/fault_fs.cc,
// LD_PRELOAD): writes are answered 507 / 503 with a clear error and never acknowledged, reads
// go on, nothing acknowledged is lost (checked after a SIGKILL), hookd recovers when space
// returns, and after a failed sync it refuses every write until restarted. (PostgreSQL's disk
// is PostgreSQL's: these run on SQLite only.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";

import { HOOKD_BIN, client, makeTempDir, startServer } from "./lib/server.mjs";

const sqlite = process.env.HOOKD_IT_STORE !== "postgres";
const SHIM = path.join(path.dirname(HOOKD_BIN), "libfault_fs.so");

let server;
let api;
let app;
let fault; // the shim's control file
let dataDir;
before(async () => {
  if (!sqlite) return;
  dataDir = await makeTempDir();
  fault = path.join(dataDir, "fault");
  server = await startServer({
    dataDir,
    env: { LD_PRELOAD: SHIM, HOOKD_FAULT_CONTROL: fault, HOOKD_FAULT_DIR: dataDir },
  });
  api = client(server);
  app = (await api.post("/api/v1/app", { name: "disk" })).json;
});
after(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function inject(mode) {
  await writeFile(fault, mode);
  process.kill(server.pid(), "SIGUSR1");
  await new Promise((r) => setTimeout(r, 50));
}

const send = (eventId) => api.post(`/api/v1/app/${app.id}/msg`, { eventType: "disk", eventId, payload: { eventId } });

test("a full disk: 507 with a clear error, reads go on, nothing acknowledged is lost, writes resume", { skip: !sqlite }, async () => {
  const acked = [];
  for (let i = 0; i < 10; ++i) {
    const r = await send(`before-${i}`);
    assert.equal(r.status, 202, r.text);
    acked.push(`before-${i}`);
  }
  await inject("enospc");
  for (let i = 0; i < 3; ++i) {
    const r = await send(`full-${i}`);
    assert.equal(r.status, 507, r.text);
    assert.equal(r.json.code, "insufficient_storage");
    assert.match(r.json.detail, /disk is full/);
  }
  assert.equal((await api.get(`/api/v1/app/${app.id}/msg/before-0`)).status, 200, "reads go on");

  await inject("");
  const r = await send("after-full");
  assert.equal(r.status, 202, r.text);
  acked.push("after-full");

  await server.kill();
  await server.restart();
  api = client(server);
  for (const id of acked) assert.equal((await api.get(`/api/v1/app/${app.id}/msg/${id}`)).status, 200, id);
  for (let i = 0; i < 3; ++i) assert.equal((await api.get(`/api/v1/app/${app.id}/msg/full-${i}`)).status, 404);
});

test("a failed disk sync: never acknowledged, and every later write refused until restart", { skip: !sqlite }, async () => {
  assert.equal((await send("before-eio")).status, 202);
  await inject("eio");
  const failed = await send("eio-1");
  assert.equal(failed.status, 503, failed.text);
  assert.match(failed.json.detail, /sync/);

  await inject(""); // the disk answers again, but what was lost in the failed sync is unknown
  const refused = await send("eio-2");
  assert.equal(refused.status, 503, refused.text);
  assert.match(refused.json.detail, /restart/);
  assert.equal((await api.get(`/api/v1/app/${app.id}/msg/before-eio`)).status, 200, "reads go on");

  await server.restart();
  api = client(server);
  assert.equal((await send("after-restart")).status, 202);
  for (const id of ["before-0", "after-full", "before-eio", "after-restart"])
    assert.equal((await api.get(`/api/v1/app/${app.id}/msg/${id}`)).status, 200, id);
});

test("after the faults the database is intact (SQLite integrity_check)", { skip: !sqlite }, async () => {
  await server.stop(); // clean shutdown: the WAL is checkpointed into the database
  const check = "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])";
  const out = execFileSync("/usr/bin/python3", ["-c", check, path.join(server.dataDir, "hookd.db")]).toString().trim();
  assert.equal(out, "ok");
});
