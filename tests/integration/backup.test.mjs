// `hookd backup DEST` while hookd serves: the copy is consistent, holds what was acknowledged
// before it began, and another hookd serves it. On PostgreSQL the command refuses (pg_dump).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";

import { client, makeTempDir, runHookd, startServer } from "./lib/server.mjs";

const BEFORE = 200; // acknowledged before the backup starts
const DURING = 200; // posted while it runs

const onPostgres = process.env.HOOKD_IT_STORE === "postgres";

test("backup of a serving hookd: another hookd reads every message back from the copy", {
  skip: onPostgres && "SQLite only",
}, async (t) => {
  const server = await startServer();
  const dir = await makeTempDir("hookd-backup-");
  t.after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const api = client(server);
  const app = await api.post("/api/v1/app", { name: "backup", uid: "backup" });
  assert.equal(app.status, 201, app.text);
  const post = (i) =>
    api.post("/api/v1/app/backup/msg", { eventType: "b.test", eventId: `e${i}`, payload: { i } });
  for (const r of await Promise.all(Array.from({ length: BEFORE }, (_, i) => post(i)))) {
    assert.equal(r.status, 202, r.text);
  }

  const dest = path.join(dir, "copy.db");
  const during = Promise.all(Array.from({ length: DURING }, (_, i) => post(BEFORE + i)));
  const r = await runHookd(["backup", "--store", server.store, dest]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^backed up .* to .*copy\.db/);
  for (const w of await during) assert.equal(w.status, 202, w.text); // the server kept serving
  assert.deepEqual(await readdir(dir), ["copy.db"]); // one file: no temp, -wal or -shm left
  assert.equal((await stat(dest)).mode & 0o777, 0o600);

  const copy = await startServer({ dataDir: dir, store: `sqlite://${dest}`, token: server.token });
  t.after(() => copy.stop());
  const fromCopy = client(copy);
  for (let i = 0; i < BEFORE; i++) {
    const m = await fromCopy.get(`/api/v1/app/backup/msg/e${i}`);
    assert.equal(m.status, 200, `e${i}: ${m.text}`);
    assert.deepEqual(m.json.payload, { i });
  }
  let listed = 0;
  for (let iterator = ""; ; ) {
    const page = await fromCopy.get(`/api/v1/app/backup/msg?limit=250${iterator}`);
    assert.equal(page.status, 200, page.text);
    listed += page.json.data.length;
    if (page.json.done) break;
    iterator = `&iterator=${page.json.iterator}`;
  }
  assert.ok(listed >= BEFORE && listed <= BEFORE + DURING, `${listed} messages in the copy`);
});

test("backup failures leave DEST untouched and name the problem", {
  skip: onPostgres && "SQLite only",
}, async (t) => {
  const dir = await makeTempDir("hookd-backup-");
  t.after(() => rm(dir, { recursive: true, force: true }));
  const missing = await runHookd(["backup", "--store", `sqlite://${dir}/none.db`, `${dir}/copy.db`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no database at/);
  const server = await startServer();
  t.after(() => server.stop());
  const noDir = await runHookd(["backup", "--store", server.store, `${dir}/absent/copy.db`]);
  assert.equal(noDir.code, 1);
  assert.match(noDir.stderr, /cannot create a file in/);
  const db = server.store.slice("sqlite://".length);
  const itself = await runHookd(["backup", "--store", server.store, db]);
  assert.equal(itself.code, 1);
  assert.match(itself.stderr, /is the database itself/);
  assert.deepEqual(await readdir(dir), []);
});

test("backup refuses a PostgreSQL store and points at pg_dump", async () => {
  const r = await runHookd(["backup", "--store", "postgres://hookd@127.0.0.1:1/hookd", "/tmp/x.db"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /pg_dump/);
});
