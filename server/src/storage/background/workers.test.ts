import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CompactionFilterFactory } from "../compaction/filter.js";
import { StorageEngine } from "../engine.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../testing/temp-dir.js";
import { BackgroundWorkers } from "./workers.js";

const b = (s: string) => Buffer.from(s);
const failing = (mode: string) => new URL(`./testing/failing-worker.ts?mode=${mode}`, import.meta.url);

async function fill(db: StorageEngine, n: number, tag = "v"): Promise<void> {
  for (let i = 0; i < n; i++) await db.put(b(`k${String((i * 7919) % 1000).padStart(4, "0")}`), b(`${tag}${i}`.padEnd(100, ".")));
}

describe("background worker thread", () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  it("builds the same tables as the engine's own thread", async () => {
    const workers = new BackgroundWorkers();
    const inlineDir = makeTempDir();
    try {
      const [a, c] = await Promise.all([
        StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: workers }),
        StorageEngine.open(inlineDir, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: false }),
      ]);
      for (const db of [a, c]) {
        await fill(db, 3000);
        await db.delete(b("k0007"));
        await db.compact();
      }
      expect([...a.scan()].map(([k, v]) => `${k}=${v}`)).toEqual([...c.scan()].map(([k, v]) => `${k}=${v}`));
      // Same files per level (their bytes differ a little: properties hold file numbers and times).
      expect(a.stats().levels.map((l) => l.files)).toEqual(c.stats().levels.map((l) => l.files));
      expect(workers.stats()).toMatchObject({ failures: 0, threadsStarted: 1 });
      expect(workers.stats().flushes).toBeGreaterThan(0);
      expect(workers.stats().compactions).toBeGreaterThan(0);
      await Promise.all([a.close(), c.close()]);
    } finally {
      await workers.close();
      removeTempDir(inlineDir);
    }
  });

  it("asks for more file numbers when a compaction writes more tables than were reserved", async () => {
    const workers = new BackgroundWorkers();
    try {
      // 4 KiB tables: a full compaction writes dozens, more than one reservation.
      const db = await StorageEngine.open(dir, { config: { ...SMALL_ENGINE_CONFIG, target_file_size: 4096 }, backgroundWorkers: workers });
      await fill(db, 3000);
      await db.compact();
      expect(db.stats().levels.at(-1)!.files).toBeGreaterThan(20);
      expect([...db.scan()]).toHaveLength(1000);
      await db.close();
      const reopened = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: false });
      expect([...reopened.scan()]).toHaveLength(1000);
      await reopened.close();
    } finally {
      await workers.close();
    }
  });

  it("runs a compaction whose filter cannot go to a worker on the engine's thread", async () => {
    const workers = new BackgroundWorkers();
    const keepAll: CompactionFilterFactory = { create: () => ({ decide: () => "keep" }) };
    try {
      const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: workers, compactionFilter: keepAll });
      await fill(db, 2000);
      await db.compact();
      expect(db.stats().compactions).toBeGreaterThan(0);
      expect(workers.stats().compactions).toBe(0);
      expect([...db.scan()]).toHaveLength(1000);
      await db.close();
    } finally {
      await workers.close();
    }
  });

  it("fails a compaction whose filter description cannot cross to the thread, and keeps serving other jobs", async () => {
    const workers = new BackgroundWorkers();
    const uncloneable: CompactionFilterFactory = {
      create: () => ({ decide: () => "keep" }),
      forWorker: () => ({ moduleUrl: import.meta.url, exportName: "none", args: [() => 1] }),
    };
    const other = makeTempDir();
    try {
      const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: workers, compactionFilter: uncloneable });
      // The first compaction fails, in the background while writing or when asked for.
      const err = await fill(db, 2000)
        .then(() => db.compact())
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(String(err)).toMatch(/could not be cloned/);
      expect(db.stats().failure).toBeDefined();
      await db.close();
      const ok = await StorageEngine.open(other, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: workers });
      await fill(ok, 2000);
      await ok.compact();
      expect([...ok.scan()]).toHaveLength(1000);
      await ok.close();
    } finally {
      await workers.close();
      removeTempDir(other);
    }
  });

  const failures = [
    { mode: "exit", sqlstate: "XX000", message: /background flush thread exited/ },
    { mode: "throw", sqlstate: "XX000", message: /injected failure/ },
    { mode: "enospc", sqlstate: "53100", message: /disk full/ },
    { mode: "missing", sqlstate: "XX000", message: /background flush thread/ },
  ];
  for (const f of failures) {
    it(`fails the engine, without hanging, when the worker ${f.mode === "missing" ? "cannot start" : `fails (${f.mode})`}`, async () => {
      const entry = f.mode === "missing" ? new URL("./testing/no-such-worker.ts", import.meta.url) : failing(f.mode);
      const workers = new BackgroundWorkers({ entry });
      try {
        const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: workers });
        await db.put(b("a"), b("1"));
        const err = await db.flush().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toMatchObject({ sqlstate: f.sqlstate });
        expect(String(err)).toMatch(f.message);
        expect(db.stats().failure).toBeDefined();
        await expect(db.put(b("b"), b("2"))).rejects.toMatchObject({ sqlstate: f.sqlstate });
        // Reads still work: the data is in the memtable and the WAL.
        expect(db.get(b("a"))?.toString()).toBe("1");
        await db.close();
      } finally {
        await workers.close();
      }
      const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, backgroundWorkers: false });
      expect(db.get(b("a"))?.toString()).toBe("1");
      await db.close();
    });
  }
});
