/**
 * `alopex server` as a real process (node server/bin/alopex.js server, free ports on
 * 127.0.0.1, a temporary data directory): readiness, the data directory lock between two
 * processes, SIGTERM draining (an open transaction rolls back, a running statement finishes,
 * exit 0), configuration errors, and `alopex sql` against the server and on the data directory.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import type { ListeningPorts } from "./alopex-server.js";
import { ALOPEX_BIN as BIN, spawnServer, type ServerChild } from "./server-child.js";

const READY_TIMEOUT_MS = 30_000;

/** Every port 0 (free ones), JSON logs; `env` adds or overrides ALOPEX_* settings. */
function startServer(dataDir: string, env: Record<string, string> = {}): ServerChild {
  return spawnServer({ dataDir, env, readyTimeoutMs: READY_TIMEOUT_MS });
}

function alopex(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", input: input ?? "", env: { ...process.env, ALOPEX_STORAGE_WAL_SYNC: "none" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function client(ports: ListeningPorts): pg.Client {
  return new pg.Client({ host: "127.0.0.1", port: ports.pgwire, user: "alopex", database: "alopex" });
}

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) removeTempDir(d);
});

function tempDir(): string {
  const d = makeTempDir("alopex-proc-");
  dirs.push(d);
  return d;
}

describe("alopex server process", () => {
  it("serves, refuses a second server on its data directory, and drains on SIGTERM", async () => {
    const dir = tempDir();
    const server = startServer(dir);
    children.push(server.child);
    const ports = await server.ready;
    expect((await fetch(`http://127.0.0.1:${ports.admin}/readyz`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${ports.rest}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"sql":"SELECT 1 AS one"}' })).json()).toMatchObject({
      rows: [[1]],
    });

    const second = startServer(dir);
    children.push(second.child);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toMatch(new RegExp(`data directory .* is in use by process ${server.child.pid} \\(SQLSTATE 55006\\)`));
    expect((await fetch(`http://127.0.0.1:${ports.admin}/readyz`)).status).toBe(200);

    const setup = client(ports);
    await setup.connect();
    await setup.query("CREATE TABLE t (id int PRIMARY KEY)");
    await setup.query(`INSERT INTO t VALUES ${Array.from({ length: 60 }, (_, i) => `(${i + 100})`).join(", ")}`);
    await setup.end();

    const open = client(ports);
    await open.connect();
    const openEnded = new Promise<unknown>((resolve) => open.on("error", resolve));
    await open.query("BEGIN");
    await open.query("INSERT INTO t VALUES (1)");

    // A statement of a fraction of a second is running when the signal arrives: it finishes.
    const running = client(ports);
    await running.connect();
    running.on("error", () => undefined);
    const counted = running.query("SELECT count(*)::int AS n FROM t a, t b, t c");
    await new Promise((r) => setTimeout(r, 50));

    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect((await counted).rows).toEqual([{ n: 60 ** 3 }]);
    expect(await openEnded).toMatchObject({ code: "57P01" });
    const messages = server.lines.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(["signal received", "shutting down: draining", "database closed", "stopped"]));

    // The open transaction was rolled back; everything committed is there.
    const again = startServer(dir);
    children.push(again.child);
    const ports2 = await again.ready;
    const check = client(ports2);
    await check.connect();
    expect((await check.query("SELECT count(*)::int AS n, min(id) AS lo FROM t")).rows).toEqual([{ n: 60, lo: 100 }]);
    await check.end();

    // alopex sql through the server, and refused on the data directory the server holds.
    const url = `postgres://alopex@127.0.0.1:${ports2.pgwire}/alopex`;
    const viaServer = alopex(["sql", "--url", url, "SELECT id, id * 2 AS twice FROM t WHERE id < 102 ORDER BY id"]);
    expect(viaServer).toMatchObject({ code: 0, out: " id  | twice \n-----+-------\n 100 |   200\n 101 |   202\n(2 rows)\n\n" });
    const held = alopex(["--data-dir", dir, "sql", "SELECT 1"]);
    expect(held.code).not.toBe(0);
    expect(held.err).toMatch(/in use by process \d+ \(SQLSTATE 55006\)/);
    expect(held.err).toMatch(/--url/);

    again.child.kill("SIGINT");
    expect((await again.exited).code).toBe(0);

    // With the server gone, scripts run directly on the data directory (statement by statement).
    const file = path.join(dir, "..", `${path.basename(dir)}.sql`);
    fs.writeFileSync(file, "CREATE TABLE s (k text PRIMARY KEY, v int);\nINSERT INTO s VALUES ('a', 1), ('b', 2);\n-- a comment; with a semicolon\nSELECT k, v FROM s ORDER BY k;\nSELECT nope FROM s;\nSELECT 'never reached';\n");
    try {
      const script = alopex(["--data-dir", dir, "sql", "-f", file]);
      expect(script.code).toBe(1);
      expect(script.out).toBe("CREATE TABLE\nINSERT 0 2\n k | v \n---+---\n a | 1\n b | 2\n(2 rows)\n\n");
      expect(script.err).toMatch(/ERROR: {2}column "nope" does not exist \(SQLSTATE 42703\)\n {2}at statement 4 of 5, line 5 of /);
    } finally {
      fs.rmSync(file, { force: true });
    }
    expect(alopex(["--data-dir", dir, "sql"], "SELECT count(*) AS n FROM s; SELECT 'x' AS \"y\"")).toMatchObject({ code: 0, out: " n \n---\n 2\n(1 row)\n\n y \n---\n x\n(1 row)\n\n" });
  });

  it("exits 2 naming the variable of a bad setting", () => {
    const r = spawnSync(process.execPath, [BIN, "--data-dir", tempDir(), "server"], { encoding: "utf8", env: { ...process.env, ALOPEX_PGWIRE_PORT: "fivefourthreetwo" } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ALOPEX_PGWIRE_PORT: expected an integer, got "fivefourthreetwo"/);
  });
});
