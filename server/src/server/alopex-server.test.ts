/**
 * The server assembled in this process: authentication against catalog roles (trust and the
 * bootstrap superuser under SCRAM), readiness, metrics on scrape, connection and slow-query
 * log lines, the data directory lock, and the drain rolling back open transactions.
 */
import { Writable } from "node:stream";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { startInProcessServer, type InProcessServer } from "./testing/in-process-server.js";

/** A pino logger whose JSON lines land in `lines`. */
function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

/** The value of one sample line of the exposition, e.g. `alopex_queries_total{api="pgwire",command="INSERT"}`. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("server with trust authentication", () => {
  let s: InProcessServer;
  let log: ReturnType<typeof capturingLogger>;

  beforeAll(async () => {
    log = capturingLogger();
    s = await startInProcessServer({ log: { slow_query_ms: 0 }, storage: { wal_sync: "always" } }, log.logger);
  });
  afterAll(() => s?.stop());

  it("lets any user name in, counts statements by command, and exports storage and transaction figures", async () => {
    expect(await get(s.ports.admin, "/readyz")).toEqual({ status: 200, text: '{"status":"ready"}' });
    expect(await get(s.ports.admin, "/healthz")).toEqual({ status: 200, text: '{"status":"ok"}' });
    const client = new pg.Client({ host: "127.0.0.1", port: s.ports.pgwire, user: "anyone", database: "alopex" });
    await client.connect();
    await client.query("CREATE TABLE m (id int PRIMARY KEY, v text)");
    await client.query("INSERT INTO m VALUES (1, 'a'), (2, 'b')");
    await client.query("INSERT INTO m VALUES ($1, $2)", [3, "c"]);
    expect((await client.query("SELECT count(*)::int AS n FROM m")).rows).toEqual([{ n: 3 }]);
    await client.query("SELECT * FROM nowhere").catch(() => undefined);

    const { status, text } = await get(s.ports.admin, "/metrics");
    expect(status).toBe(200);
    expect(sample(text, 'alopex_queries_total{api="pgwire",command="INSERT"}')).toBe(2);
    expect(sample(text, 'alopex_queries_total{api="pgwire",command="CREATE TABLE"}')).toBe(1);
    expect(sample(text, 'alopex_query_errors_total{api="pgwire",sqlstate_class="42"}')).toBe(1);
    expect(sample(text, 'alopex_query_duration_seconds_count{api="pgwire",command="SELECT"}')).toBe(1);
    expect(sample(text, 'alopex_connections{api="pgwire"}')).toBe(1);
    expect(sample(text, "alopex_transactions_committed_total")).toBeGreaterThanOrEqual(3);
    // wal_sync always: every commit waited for an fsync of the WAL.
    expect(sample(text, "alopex_wal_fsync_duration_seconds_count")).toBeGreaterThanOrEqual(3);
    expect(sample(text, "alopex_memtable_bytes")).toBeGreaterThan(0);
    for (const name of ["alopex_block_cache_bytes", "alopex_block_cache_hit_ratio", "alopex_compaction_pending_bytes", "alopex_compaction_written_bytes_total", "alopex_transactions_aborted_total", "process_resident_memory_bytes"]) {
      expect(sample(text, name), name).toBeGreaterThanOrEqual(0);
    }
    await client.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(sample((await get(s.ports.admin, "/metrics")).text, 'alopex_connections{api="pgwire"}')).toBe(0);

    const messages = log.lines.filter((l) => l.user === "anyone").map((l) => l.msg);
    expect(messages[0]).toBe("connection authorized");
    expect(messages.at(-1)).toBe("connection closed");
    const slow = log.lines.filter((l) => l.msg === "slow query");
    expect(slow.map((l) => l.sql)).toEqual(expect.arrayContaining(["INSERT INTO m VALUES ($1, $2)", "SELECT count(*)::int AS n FROM m"]));
    expect(slow.find((l) => l.sqlstate === "42P01")).toMatchObject({ api: "pgwire", sql: "SELECT * FROM nowhere" });
  });

  it("refuses a second server on the same data directory with 55006", async () => {
    await expect(startInProcessServer({ data_dir: s.dataDir })).rejects.toMatchObject({ sqlstate: "55006", message: expect.stringMatching(/is in use by process/) });
    expect((await get(s.ports.admin, "/readyz")).status).toBe(200);
  });
});

describe("server with a bootstrap password", () => {
  let dir: string;
  afterAll(() => removeTempDir(dir));

  it("stores the superuser once, authenticates it with SCRAM, and keeps it across restarts", async () => {
    dir = makeTempDir("alopex-scram-");
    const log = capturingLogger();
    let s = await startInProcessServer({ data_dir: dir, auth: { user: "root", password: "s3cret" } }, log.logger);
    expect(log.lines.some((l) => l.msg === "bootstrap superuser stored")).toBe(true);
    const connect = async (user: string, password: string) => {
      const c = new pg.Client({ host: "127.0.0.1", port: s.ports.pgwire, user, password, database: "alopex" });
      try {
        await c.connect();
        return (await c.query("SHOW session_authorization")).rows[0] as unknown;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    expect(await connect("root", "s3cret")).toEqual({ session_authorization: "root" });
    await expect(connect("root", "wrong")).rejects.toMatchObject({ code: "28P01" });
    await expect(connect("someone", "s3cret")).rejects.toMatchObject({ code: "28P01" });
    await s.stop();

    // Same password: nothing to write. New password: the old one stops working.
    const again = capturingLogger();
    s = await startInProcessServer({ data_dir: dir, auth: { user: "root", password: "s3cret" } }, again.logger);
    expect(again.lines.some((l) => l.msg === "bootstrap superuser stored")).toBe(false);
    await s.stop();
    s = await startInProcessServer({ data_dir: dir, auth: { user: "root", password: "n3w" } });
    await expect(connect("root", "s3cret")).rejects.toMatchObject({ code: "28P01" });
    expect(await connect("root", "n3w")).toEqual({ session_authorization: "root" });
    await s.stop();
  });
});

describe("server shutdown", () => {
  it("ends idle sessions, rolls back open transactions, closes the database and stops answering", async () => {
    const dir = makeTempDir("alopex-drain-");
    try {
      let s = await startInProcessServer({ data_dir: dir });
      const open = new pg.Client({ host: "127.0.0.1", port: s.ports.pgwire, user: "alopex", database: "alopex" });
      await open.connect();
      const ended = new Promise<unknown>((resolve) => open.on("error", resolve));
      await open.query("CREATE TABLE d (id int PRIMARY KEY)");
      await open.query("INSERT INTO d VALUES (1)");
      await open.query("BEGIN");
      await open.query("INSERT INTO d VALUES (2)");

      const admin = s.ports.admin;
      await s.stop();
      expect(s.server.readiness).toBe("draining");
      expect(await ended).toMatchObject({ code: "57P01" });
      await expect(fetch(`http://127.0.0.1:${admin}/readyz`)).rejects.toThrow();

      s = await startInProcessServer({ data_dir: dir });
      const check = new pg.Client({ host: "127.0.0.1", port: s.ports.pgwire, user: "alopex", database: "alopex" });
      await check.connect();
      expect((await check.query("SELECT id FROM d ORDER BY id")).rows).toEqual([{ id: 1 }]);
      await check.end();
      await s.stop();
    } finally {
      removeTempDir(dir);
    }
  });
});
