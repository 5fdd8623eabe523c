import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackgroundWorkers } from "./background/workers.js";
import { BlockCache } from "./cache/block-cache.js";
import { StorageEngine, type EngineOptions } from "./engine.js";
import { KEY_SAMPLES_PROPERTY } from "./sstable/key-samples.js";
import { SstReader } from "./sstable/reader.js";
import { makeTempDir, removeTempDir } from "./testing/temp-dir.js";
import { entryCountingCollectors, lastByteVersionBounds, lastByteVersionLength, lastByteVersionLengthModule } from "./testing/versioned-keys.js";
import { NodeVfs, joinPath } from "./vfs.js";
import { parseFileName } from "./version/file-metadata.js";

const CONFIG = { memtable_size: 4 * 1024 * 1024, target_file_size: 64 * 1024, l1_target_size: 256 * 1024, wal_sync: "none" } as const;

/** Logical key `id` (4 bytes) with version byte `v`. */
const key = (id: number, v: number): Buffer => {
  const k = Buffer.alloc(5);
  k.writeUInt32BE(id, 0);
  k[4] = v;
  return k;
};
const bound = (id: number): Buffer => key(id, 0).subarray(0, 4);

/** Two versions of each logical key in [from, to), in one batch each. */
async function fill(db: StorageEngine, from: number, to: number): Promise<void> {
  for (let id = from; id < to; id++) {
    await db.put(key(id, 2), Buffer.from(`new ${id}`.padEnd(40, ".")));
    await db.put(key(id, 1), Buffer.from(`old ${id}`.padEnd(40, ".")));
  }
}

/** Properties of every table file in `dir` (the engine deletes obsolete ones). */
function tableProperties(dir: string): ReadonlyMap<string, Buffer>[] {
  const vfs = new NodeVfs();
  const out: ReadonlyMap<string, Buffer>[] = [];
  for (const name of vfs.list(dir)) {
    const p = parseFileName(name);
    if (p.kind !== "sst") continue;
    const r = SstReader.open(vfs.openRead(joinPath(dir, name)), p.fileNumber, new BlockCache(64 * 1024));
    out.push(r.properties.userProperties);
    r.close();
  }
  return out;
}

/** A compaction cuts files between user keys, so a logical key may end one file and start the next: counted in both. */
function expectTotal(db: StorageEngine, logicalKeys: number): void {
  const files = db.stats().levels.reduce((n, l) => n + l.files, 0);
  const total = db.approximateLogicalKeys();
  expect(total).toBeGreaterThanOrEqual(logicalKeys);
  expect(total).toBeLessThanOrEqual(logicalKeys + files - 1);
}

function expectNear(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

describe("approximateLogicalKeys and table key samples", () => {
  let dir: string;
  let workers: BackgroundWorkers;
  beforeEach(() => {
    dir = makeTempDir();
    workers = new BackgroundWorkers();
  });
  afterEach(async () => {
    await workers.close();
    removeTempDir(dir);
  });

  const where = [
    ["in the worker", (): Partial<EngineOptions> => ({ backgroundWorkers: workers })],
    ["on the engine's thread", (): Partial<EngineOptions> => ({ backgroundWorkers: false })],
  ] as const;

  it.each(where)("survive flush, compaction, reopen and WAL replay (%s)", async (_name, placement) => {
    const options: EngineOptions = {
      config: CONFIG,
      logicalKeyBounds: lastByteVersionBounds,
      logicalKeyLength: lastByteVersionLength,
      logicalKeyLengthModule: lastByteVersionLengthModule,
      tableCollectors: entryCountingCollectors("entries"),
      ...placement(),
    };
    let db = await StorageEngine.open(dir, options);
    await fill(db, 0, 3000);
    // From the memtable alone: every entry counted, versions folded by the logical index.
    expect(db.approximateLogicalKeys()).toBe(3000);
    expectNear(db.approximateLogicalKeys(bound(1000), bound(2000)), 1000, 400);

    await db.flush();
    // One table whose samples count logical keys exactly overall, and within the stride inside.
    expect(db.approximateLogicalKeys()).toBe(3000);
    expectNear(db.approximateLogicalKeys(bound(1000), bound(2000)), 1000, 100);
    expect(db.approximateLogicalKeys(bound(5000), bound(6000))).toBe(0);

    await fill(db, 3000, 6000);
    await db.compact();
    expect(db.stats().levels[0]!.files).toBe(0);
    expect(db.stats().levels.reduce((n, l) => n + l.files, 0)).toBeGreaterThan(1);
    expectTotal(db, 6000);
    expectNear(db.approximateLogicalKeys(bound(1000), bound(4500)), 3500, 150);
    expect(db.stats().pinnedTableBytes).toBeGreaterThan(0);
    await db.close();

    db = await StorageEngine.open(dir, options);
    expectTotal(db, 6000);
    expectNear(db.approximateLogicalKeys(bound(1000), bound(4500)), 3500, 150);
    // Left in the WAL: replayed into a table when the engine opens again.
    await fill(db, 6000, 6500);
    await db.close();

    db = await StorageEngine.open(dir, options);
    expectTotal(db, 6500);
    expectNear(db.approximateLogicalKeys(bound(6000), bound(7000)), 500, 20);
    await db.close();

    const props = tableProperties(dir);
    expect(props.length).toBeGreaterThan(1);
    for (const p of props) {
      expect(p.has(KEY_SAMPLES_PROPERTY)).toBe(true);
      expect(Number(p.get("entries")?.toString())).toBeGreaterThan(0);
    }
    if (options.backgroundWorkers !== false) {
      expect(workers.stats()).toMatchObject({ failures: 0 });
      expect(workers.stats().flushes).toBeGreaterThan(0);
      expect(workers.stats().compactions).toBeGreaterThan(0);
    }
  });

  it("counts user keys without logical keys, and keeps tables in the worker when a collector cannot go there", async () => {
    const inThread = { create: () => entryCountingCollectors("entries").create() };
    const db = await StorageEngine.open(dir, { config: CONFIG, backgroundWorkers: workers, tableCollectors: inThread });
    await fill(db, 0, 1000);
    await db.flush();
    // Without logical keys each version is its own key.
    expect(db.approximateLogicalKeys()).toBe(2000);
    await db.close();
    // The collector had no forWorker: the flush ran on the engine's thread.
    expect(workers.stats().flushes).toBe(0);
    expect(tableProperties(dir).every((p) => p.get("entries") !== undefined)).toBe(true);
  });

  it("estimates a large memtable's ranges in bounded work", async () => {
    const db = await StorageEngine.open(dir, { config: { ...CONFIG, memtable_size: 64 * 1024 * 1024 }, logicalKeyBounds: lastByteVersionBounds, logicalKeyLength: lastByteVersionLength });
    await fill(db, 0, 50_000);
    const t0 = performance.now();
    let est = 0;
    for (let i = 0; i < 100; i++) est = db.approximateLogicalKeys(bound(10_000), bound(40_000));
    const perCallMs = (performance.now() - t0) / 100;
    expectNear(est, 30_000, 9000);
    // A full walk of the 30000 keys' 60000 entries takes milliseconds; the estimate a few thousand steps.
    expect(perCallMs).toBeLessThan(2);
    await db.close();
  });
});
