/**
 * The statement observer over a real SQL session (each path reports a statement once, with
 * its command or its error), the WAL fsync timing file layer, and the metrics exposition.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../api/embedded.js";
import { NodeVfs } from "../storage/index.js";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { FsyncTimingVfs } from "./fsync-timing-vfs.js";
import { ServerMetrics } from "./metrics.js";
import { commandOfTag, ObservedSession, type StatementEvent } from "./observed-session.js";

describe("ObservedSession", () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = makeTempDir("alopex-observed-");
    db = await Database.open(dir, { storage: { wal_sync: "none" } });
    await db.sql("CREATE TABLE o (id int PRIMARY KEY)");
  });
  afterAll(async () => {
    await db?.close();
    removeTempDir(dir);
  });

  function observed(): { session: ObservedSession; events: StatementEvent[]; closed: () => number } {
    const events: StatementEvent[] = [];
    let closes = 0;
    let clock = 0;
    const session = new ObservedSession(db.session(), (e) => events.push(e), { onClose: () => closes++, nowMs: () => (clock += 5) });
    return { session, events, closed: () => closes };
  }

  it("reports run, execute and query statements once each, with their command", async () => {
    const { session, events, closed } = observed();
    await session.run("INSERT INTO o VALUES (1)");
    const p = await session.prepare("SELECT id FROM o WHERE id = $1");
    const r = await session.execute(p, [1]);
    expect((await r.fetch()).rows).toEqual([[1]]);
    await r.close();
    for await (const result of session.query("INSERT INTO o VALUES (2); SELECT count(*) FROM o")) await result.fetch();
    await session.close();
    await session.close();
    expect(events.map((e) => [e.sql, e.command, e.error])).toEqual([
      ["INSERT INTO o VALUES (1)", "INSERT", undefined],
      ["SELECT id FROM o WHERE id = $1", "SELECT", undefined],
      ["INSERT INTO o VALUES (2); SELECT count(*) FROM o", "INSERT", undefined],
      ["INSERT INTO o VALUES (2); SELECT count(*) FROM o", "SELECT", undefined],
    ]);
    expect(events.every((e) => e.durationMs > 0)).toBe(true);
    expect(closed()).toBe(1);
  });

  it("reports failures from prepare, from execution and from a script, with the error", async () => {
    const { session, events } = observed();
    await expect(session.prepare("SELEC 1")).rejects.toMatchObject({ sqlstate: "42601" });
    await expect(session.run("INSERT INTO o VALUES (1)")).rejects.toMatchObject({ sqlstate: "23505" });
    await expect(
      (async () => {
        for await (const result of session.query("SELECT 1; SELECT 1/0")) await result.fetch();
      })(),
    ).rejects.toMatchObject({ sqlstate: "22012" });
    await session.close();
    expect(events.map((e) => [e.command, (e.error as { sqlstate?: string } | undefined)?.sqlstate])).toEqual([
      [undefined, "42601"],
      [undefined, "23505"],
      ["SELECT", undefined],
      [undefined, "22012"],
    ]);
  });

  it("reports a result closed before its last row as finished", async () => {
    const { session, events } = observed();
    for await (const result of session.query("SELECT id FROM o")) {
      await result.fetch(1);
      break;
    }
    await session.close();
    expect(events).toHaveLength(1);
    expect(events[0]!.command).toBe("SELECT");
  });

  it("strips row counts from command tags", () => {
    expect(commandOfTag("INSERT 0 12")).toBe("INSERT");
    expect(commandOfTag("SELECT 3")).toBe("SELECT");
    expect(commandOfTag("CREATE TABLE")).toBe("CREATE TABLE");
  });
});

describe("FsyncTimingVfs", () => {
  it("times syncs of WAL files only", async () => {
    const dir = makeTempDir("alopex-fsync-");
    try {
      const seconds: number[] = [];
      let now = 0;
      const vfs = new FsyncTimingVfs(new NodeVfs(), (s) => seconds.push(s), () => (now += 2));
      const wal = vfs.create(path.join(dir, "000007.log"));
      wal.append(Buffer.from("x"));
      await wal.sync();
      wal.syncSync();
      wal.close();
      const table = vfs.create(path.join(dir, "000008.sst"));
      table.append(Buffer.from("y"));
      await table.sync();
      table.close();
      expect(seconds).toEqual([0.002, 0.002]);
      expect(vfs.openRead(path.join(dir, "000007.log")).read(0, 1).toString()).toBe("x");
    } finally {
      removeTempDir(dir);
    }
  });
});

describe("ServerMetrics", () => {
  it("exports statement counts and latencies as they happen and source figures on scrape", async () => {
    let sessions = 2;
    const metrics = new ServerMetrics({ database: () => undefined, pgwire: () => ({ sessions, sessionsStarted: 7 }) as never });
    metrics.statementFinished("rest", "SELECT", 0.003, undefined);
    metrics.statementFinished("rest", "SELECT", 0.2, undefined);
    metrics.statementFinished("grpc", undefined, 0.001, "42P01");
    metrics.connectionOpened("rest");
    metrics.walSynced(0.0004);
    let text = (await metrics.exposition()).body;
    expect(text).toContain('alopex_queries_total{api="rest",command="SELECT"} 2');
    expect(text).toContain('alopex_query_errors_total{api="grpc",sqlstate_class="42"} 1');
    expect(text).toContain('alopex_query_duration_seconds_bucket{le="0.005",api="rest",command="SELECT"} 1');
    expect(text).toContain("alopex_wal_fsync_duration_seconds_count 1");
    expect(text).toContain('alopex_connections{api="pgwire"} 2');
    expect(text).toContain('alopex_connections{api="rest"} 1');
    expect(text).toContain('alopex_connections_opened_total{api="pgwire"} 7');
    // Before the database is open (recovery) its figures read 0.
    expect(text).toMatch(/^alopex_memtable_bytes 0$/m);
    sessions = 0;
    metrics.connectionClosed("rest");
    text = (await metrics.exposition()).body;
    expect(text).toContain('alopex_connections{api="pgwire"} 0');
    expect(text).toContain('alopex_connections{api="rest"} 0');
  });
});
