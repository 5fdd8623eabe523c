import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { decodeVectorSection, flatSearch, vectorIndexKey } from "../../vector/index.js";
import { clusteredVectors } from "../../vector/testing/datasets.js";
import { StorageEngine, type EngineOptions } from "../engine.js";
import { CorruptionError } from "../errors.js";
import { decodeFooter } from "../sstable/footer.js";
import { FOOTER_BYTES } from "../sstable/format.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../testing/temp-dir.js";
import { BackgroundWorkers } from "../background/workers.js";
import { params, rawVectorEntryOf, rawVectorEntryOfModule, rawVectorValue } from "./testing/raw-vectors.js";
import { sectionRows } from "./testing/section-rows.js";

const INDEX = params({ id: 5, dims: 32, metric: "l2", m: 8, efConstruction: 32 });
const OTHER = params({ id: 6, dims: 32, metric: "cosine", m: 8, efConstruction: 32 });
const vectors = clusteredVectors({ count: 3000, dims: 32, clusters: 12, spread: 0.5, seed: 23 });
const key = (i: number) => Buffer.from(`v${String(i).padStart(5, "0")}`);
const OPTIONS: EngineOptions = { config: SMALL_ENGINE_CONFIG, vectorEntryOf: rawVectorEntryOf };

let dir: string;
let db: StorageEngine;

beforeEach(() => {
  dir = makeTempDir("alopex-engine-vectors-");
});
afterEach(async () => {
  await db.close();
  removeTempDir(dir);
});

async function fill(count: number, every = 50): Promise<void> {
  for (let i = 0; i < count; i++) {
    await db.put(key(i), rawVectorValue(i % 10 === 9 ? OTHER : INDEX, vectors[i]!));
    if (i % every === 0) await db.put(Buffer.from(`plain${i}`), Buffer.from("not a vector"));
  }
}

/** Rows per index in the live tables' vector sections (closes and reopens without background work, to settle). */
async function settledRows(): Promise<Map<string, number>> {
  await db.close();
  db = await StorageEngine.open(dir, { ...OPTIONS, backgroundWork: false });
  return sectionRows(dir);
}

function nearest(query: Float32Array, k: number, efSearch = 100): string[] {
  const r = db.vectorSearch({ index: INDEX, query, k, efSearch });
  const hits = [...r.hits].sort((a, b) => a.distance - b.distance || Buffer.compare(a.key, b.key));
  return hits.slice(0, k).map((h) => h.key.toString());
}

describe("StorageEngine vector search", () => {
  // Tables are built in a background thread when it can import the engine's vectorEntryOf, and on
  // the engine's thread otherwise: both must write the same sections.
  it.each([
    ["on the engine's thread", false],
    ["in a background thread", true],
  ] as const)("writes a section per table for the vector entries it holds, and compaction rewrites them (%s)", async (_where, inWorker) => {
    const workers = new BackgroundWorkers();
    const options: EngineOptions = inWorker ? { ...OPTIONS, vectorEntryOfModule: rawVectorEntryOfModule, backgroundWorkers: workers } : { ...OPTIONS, backgroundWorkers: false };
    db = await StorageEngine.open(dir, options);
    await fill(2000);
    await db.flush();
    expect(await settledRows()).toEqual(
      new Map([
        [vectorIndexKey(INDEX), 1800],
        [vectorIndexKey(OTHER), 200],
      ]),
    );
    expect(db.stats().levels.reduce((n, l) => n + l.files, 0)).toBeGreaterThan(5);
    // Overwrite a tenth with plain values: compaction (no snapshot holds the old ones) drops them.
    await db.close();
    db = await StorageEngine.open(dir, options);
    for (let i = 0; i < 2000; i += 10) await db.put(key(i), Buffer.from("plain now"));
    await db.compact();
    const ran = workers.stats();
    await workers.close();
    if (inWorker) expect(ran.flushes > 0 && ran.compactions > 0).toBe(true);
    else expect(ran.threadsStarted).toBe(0);
    expect(await settledRows()).toEqual(
      new Map([
        [vectorIndexKey(INDEX), 1600],
        [vectorIndexKey(OTHER), 200],
      ]),
    );
    const q = vectors[11]!;
    const alive = vectors.slice(0, 2000).map((vector, i) => ({ id: BigInt(i), vector })).filter((e) => Number(e.id) % 10 !== 0 && Number(e.id) % 10 !== 9);
    expect(nearest(q, 10)).toEqual(flatSearch(alive, q, 10, "l2").ids.map((id) => key(Number(id)).toString()));
  });

  it("searches memtables and tables together, and entries the WAL brings back", async () => {
    db = await StorageEngine.open(dir, OPTIONS);
    await fill(600);
    const q = vectors[100]!;
    const all = vectors.slice(0, 600).map((vector, i) => ({ id: BigInt(i), vector })).filter((e) => Number(e.id) % 10 !== 9);
    const want = flatSearch(all, q, 10, "l2").ids.map((id) => key(Number(id)).toString());
    expect(db.stats().levels[0]!.files + db.stats().levels[1]!.files).toBeGreaterThan(0);
    expect(nearest(q, 10)).toEqual(want);
    await db.close();
    db = await StorageEngine.open(dir, OPTIONS);
    expect(nearest(q, 10)).toEqual(want);
  });

  it("fails with XX001 naming the file when a segment or its directory is damaged", async () => {
    db = await StorageEngine.open(dir, { ...OPTIONS, config: { ...SMALL_ENGINE_CONFIG, memtable_size: 4 * 1024 * 1024 } });
    await fill(300);
    await db.flush();
    await db.close();
    const [name] = fs.readdirSync(dir).filter((n) => n.endsWith(".sst"));
    const file = path.join(dir, name!);
    const pristine = fs.readFileSync(file);
    const footer = decodeFooter(pristine.subarray(pristine.length - FOOTER_BYTES));
    if (typeof footer === "string" || footer.vector === undefined) throw new Error("expected a vector section");
    const section = decodeVectorSection(pristine.subarray(footer.vector.offset, footer.vector.offset + footer.vector.sizeBytes));
    const segment = section.entries[0]!;
    for (const [where, at] of [
      ["the directory", footer.vector.offset + 20],
      ["a segment's header", footer.vector.offset + segment.offset + 20],
      ["a segment's graph", footer.vector.offset + segment.offset + Math.floor(segment.length / 2)],
    ] as const) {
      const damaged = Buffer.from(pristine);
      damaged[at]! ^= 0x10;
      fs.writeFileSync(file, damaged);
      db = await StorageEngine.open(dir, { ...OPTIONS, backgroundWork: false });
      let error: unknown;
      try {
        db.vectorSearch({ index: INDEX, query: vectors[0]!, k: 3 });
      } catch (e) {
        error = e;
      }
      expect(error, where).toBeInstanceOf(CorruptionError);
      expect(sqlstateOf(error)).toBe("XX001");
      expect((error as CorruptionError).message).toContain(file);
      expect((error as CorruptionError).offset).toBeGreaterThanOrEqual(footer.vector.offset);
      // Building the merged graph reads the same segment: the graph is given up, and searches
      // go on table by table, reporting the damage.
      await db.settleVectorIndexes();
      expect(db.stats().vectorIndex.merged).toMatchObject({ indexes: 0, refused: 1 });
      expect(() => db.vectorSearch({ index: INDEX, query: vectors[0]!, k: 3 }), where).toThrow(CorruptionError);
      // Plain reads of the table still work: the damage is in the vector section only.
      expect(db.get(key(3))).toBeDefined();
      await db.close();
    }
    fs.writeFileSync(file, pristine);
    db = await StorageEngine.open(dir, { ...OPTIONS, backgroundWork: false });
    expect(db.vectorSearch({ index: INDEX, query: vectors[0]!, k: 3 }).hits).toHaveLength(3);
  });

  it("keeps loaded segments within vector_index_memory and reloads evicted ones", async () => {
    db = await StorageEngine.open(dir, OPTIONS);
    await fill(3000, 1000);
    await db.flush();
    await db.close();
    const queries = vectors.slice(0, 30);
    db = await StorageEngine.open(dir, { ...OPTIONS, backgroundWork: false });
    const unlimited = queries.map((q) => nearest(q, 10));
    const { segments, sizeBytes } = db.stats().vectorIndex;
    expect(segments).toBeGreaterThan(8);
    const budget = Math.floor((3.5 * sizeBytes) / segments);
    await db.close();

    db = await StorageEngine.open(dir, { ...OPTIONS, config: { ...SMALL_ENGINE_CONFIG, vector_index_memory: budget }, backgroundWork: false });
    for (const [i, q] of queries.entries()) {
      expect(nearest(q, 10)).toEqual(unlimited[i]);
      const s = db.stats().vectorIndex;
      expect(s.capacityBytes).toBe(budget);
      expect(s.sizeBytes).toBeLessThanOrEqual(budget);
      // No search is running, so nothing is held past the budget either.
      expect(s.retainedBytes).toBe(s.sizeBytes);
    }
    const s = db.stats().vectorIndex;
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.misses).toBeGreaterThan(segments);
  });
});

describe("StorageEngine merged vector index", () => {
  /** The exact k nearest of INDEX's entries among the first `count` vectors that `keep` keeps. */
  function exact(q: Float32Array, k: number, count: number, keep: (i: number) => boolean = () => true): string[] {
    const entries = vectors
      .slice(0, count)
      .map((vector, i) => ({ id: BigInt(i), vector }))
      .filter((e) => Number(e.id) % 10 !== 9 && keep(Number(e.id)));
    return flatSearch(entries, q, k, "l2").ids.map((id) => key(Number(id)).toString());
  }

  it("builds one graph over all tables at the first search, and compactions move entries without adding them again", async () => {
    db = await StorageEngine.open(dir, OPTIONS);
    await fill(1500);
    await db.flush();
    expect(db.stats().vectorIndex.merged.indexes).toBe(0);
    const q = vectors[7]!;
    // The first search starts the graph; until it covers a table, the table is searched on its own.
    expect(nearest(q, 10, 400)).toEqual(exact(q, 10, 1500));
    const loaded = db.stats().vectorIndex.segments;
    expect(loaded).toBeGreaterThan(0);
    await db.settleVectorIndexes();
    const built = db.stats().vectorIndex.merged;
    expect(built).toMatchObject({ indexes: 1, builds: 1, entries: 1350, inserts: 1350, removes: 0, uncoveredFiles: 0 });
    // The graph covers every table now: the segments the first search loaded are let go, and
    // searches load none again.
    expect(db.stats().vectorIndex.segments).toBe(0);
    expect(nearest(q, 10, 400)).toEqual(exact(q, 10, 1500));
    expect(db.stats().vectorIndex.segments).toBe(0);

    // A full compaction rewrites every table: the entries move, none is added again.
    await db.compact();
    await db.settleVectorIndexes();
    expect(db.stats().compactions).toBeGreaterThan(0);
    expect(db.stats().vectorIndex.merged).toMatchObject({ entries: 1350, inserts: 1350, removes: 0, uncoveredFiles: 0, builds: 1 });

    // Versions that compaction drops leave the graph; new ones join it after their flush.
    for (let i = 0; i < 1500; i += 10) await db.put(key(i), Buffer.from("plain now"));
    await db.compact();
    for (let i = 1500; i < 1600; i++) await db.put(key(i), rawVectorValue(i % 10 === 9 ? OTHER : INDEX, vectors[i]!));
    await db.flush();
    await db.settleVectorIndexes();
    expect(db.stats().vectorIndex.merged).toMatchObject({ entries: 1290, inserts: 1440, removes: 150, uncoveredFiles: 0, builds: 1 });
    const keep = (i: number) => i % 10 !== 0 || i >= 1500;
    expect(nearest(q, 10, 400)).toEqual(exact(q, 10, 1600, keep));

    // After a restart the graph is built again at the first search.
    await db.close();
    db = await StorageEngine.open(dir, OPTIONS);
    expect(nearest(q, 10, 400)).toEqual(exact(q, 10, 1600, keep));
    await db.settleVectorIndexes();
    expect(db.stats().vectorIndex.merged).toMatchObject({ entries: 1290, inserts: 1290, removes: 0, builds: 1 });
    expect(nearest(q, 10, 400)).toEqual(exact(q, 10, 1600, keep));
  });

  it("keeps the graph and the loaded segments within vector_index_memory, and searches table by table when the graph would not fit", async () => {
    db = await StorageEngine.open(dir, OPTIONS);
    await fill(3000, 1000);
    await db.flush();
    await db.close();
    const queries = vectors.slice(0, 20);
    const want = queries.map((q) => exact(q, 10, 3000));
    const run = async (budget: number) => {
      await db.close();
      db = await StorageEngine.open(dir, { ...OPTIONS, config: { ...SMALL_ENGINE_CONFIG, vector_index_memory: budget }, backgroundWork: false });
      const within = () => {
        const s = db.stats().vectorIndex;
        expect(s.sizeBytes).toBeLessThanOrEqual(budget);
        expect(s.retainedBytes).toBe(s.sizeBytes);
      };
      for (const [i, q] of queries.entries()) {
        expect(nearest(q, 10, 400)).toEqual(want[i]);
        within();
        // The first half searches table by table (the graph starts at the first search), the
        // second through the graph.
        if (i === queries.length / 2) await db.settleVectorIndexes();
        within();
      }
      return db.stats().vectorIndex;
    };
    db = await StorageEngine.open(dir, { ...OPTIONS, backgroundWork: false });
    const roomy = await run(1024 * 1024 * 1024);
    expect(roomy.merged).toMatchObject({ indexes: 1, refused: 0, entries: 2700, uncoveredFiles: 0 });
    const graphBytes = roomy.merged.bytes;

    const tight = await run(Math.floor(graphBytes * 2));
    expect(tight.merged).toMatchObject({ indexes: 1, refused: 0, entries: 2700 });
    expect(tight.evictions).toBeGreaterThan(0);

    const small = await run(Math.floor(graphBytes / 2));
    expect(small.merged).toMatchObject({ indexes: 0, refused: 1, builds: 0, inserts: 0 });
    expect(small.segments).toBeGreaterThan(0);
  });
});
