// Integration-test harness: a private PostgreSQL cluster per call, run by scripts/pg-cluster.sh
// (Debian's server binaries, 127.0.0.1 only, a free port, trust auth, role and database `hookd`).
//
//   const pg = await startPostgres();   // pg.url: postgres://hookd@127.0.0.1:PORT/hookd?sslmode=disable
//   await pg.restart();                 // crash-like stop (-m immediate), start on the same port and data
//   await pg.kill();  await pg.start(); // the same in two steps, e.g. to keep it down for a while
//   await pg.stop();                    // fast shutdown; removes the cluster's directory
//
// Clusters still running when the test process exits (or dies by SIGINT/SIGTERM) are stopped.
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const PG_CLUSTER_SCRIPT = path.resolve(here, "..", "..", "..", "scripts", "pg-cluster.sh");

const COMMAND_TIMEOUT_MS = 60_000;

/** Directories of clusters started and not yet stopped. */
const live = new Set();

/** Stops every cluster still running, synchronously (usable from an "exit" handler). */
export function stopAllPostgres() {
  for (const dir of live) {
    try {
      execFileSync("bash", [PG_CLUSTER_SCRIPT, "stop", dir], { stdio: "ignore", timeout: COMMAND_TIMEOUT_MS });
    } catch {
      /* best effort */
    }
    live.delete(dir);
  }
}

process.on("exit", stopAllPostgres);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    stopAllPostgres();
    process.kill(process.pid, sig); // the default action again, now that our handler is gone
  });
}

/** `pg-cluster.sh <cmd> <dir>`; resolves to its trimmed stdout, rejects with its stderr. */
function cluster(cmd, dir) {
  return new Promise((resolve, reject) => {
    execFile("bash", [PG_CLUSTER_SCRIPT, cmd, dir], { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pg-cluster.sh ${cmd} ${dir} failed (${err.code ?? err.signal})\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/** `pg-cluster.sh psql <dir> args...`; resolves to its trimmed stdout. */
function psql(dir, args) {
  return new Promise((resolve, reject) => {
    execFile("bash", [PG_CLUSTER_SCRIPT, "psql", dir, ...args], { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql ${args.join(" ")} failed (${err.code ?? err.signal})\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/**
 * Start a fresh cluster in a new temp dir. Returns
 *   { url, dir, port, start(), restart(), kill(), stop(), createDatabase(), query(sql) }
 * url and port stay the same across restarts.
 */
export async function startPostgres() {
  const dir = await mkdtemp(path.join(tmpdir(), "hookd-pg-"));
  live.add(dir);
  let url;
  try {
    url = await cluster("start", dir);
  } catch (err) {
    await cluster("stop", dir).catch(() => {});
    live.delete(dir);
    throw err;
  }
  return {
    url,
    dir,
    port: Number(new URL(url).port),
    /** Start again after kill(); a no-op while it runs. */
    start: async () => {
      await cluster("start", dir);
    },
    /** Immediate shutdown (like a crash: no checkpoint), then start on the same port and data. */
    restart: async () => {
      await cluster("restart", dir);
    },
    /** Immediate shutdown; the data stays for start(). */
    kill: async () => {
      await cluster("kill", dir);
    },
    /** A new empty database on this cluster; resolves to its URL. */
    createDatabase: async (name = `hookd_${randomBytes(6).toString("hex")}`) => {
      await psql(dir, ["-v", "ON_ERROR_STOP=1", "-q", "-c", `CREATE DATABASE ${name}`]);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    /** Runs one SQL statement; resolves to psql's unaligned, tuples-only output. */
    query: (sql) => psql(dir, ["-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]),
    /** Fast shutdown and removal of the cluster's directory. */
    stop: async () => {
      await cluster("stop", dir);
      live.delete(dir);
    },
  };
}
