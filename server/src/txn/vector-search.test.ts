import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import type { KvTransaction, KvVectorSearchOptions, VectorIndexSpec } from "../kv/kv.js";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { compareKeyedCandidates, validateVectorIndexParams, vectorDistance, vectorIndexKey } from "../vector/index.js";
import { sectionRows } from "../storage/vector/testing/section-rows.js";
import { clusteredVectors, gaussian, seededRandom } from "../vector/testing/datasets.js";
import { encodeVersionKey, versionKeyAt, versionsEndOf, versionTsOf } from "./mvcc-key.js";
import { TxnStore, type TxnStoreOptions } from "./txn-store.js";

const INDEX: VectorIndexSpec = { id: 7, dims: 48, metric: "l2", m: 12, efConstruction: 48 };
const K = 10;
const EF = 64;
/** Memtables hold every vector until flushed by hand; compaction waits for `compact()`. */
const BIG_MEMTABLE: TxnStoreOptions = {
  storage: { memtable_size: 64 * 1024 * 1024, wal_sync: "none", target_file_size: 64 * 1024, l0_compaction_trigger: 8, l0_slowdown_trigger: 16, l0_stop_trigger: 24 },
};

const keyOf = (i: number) => Buffer.from(`row/${String(i).padStart(5, "0")}`);
const name = (key: Uint8Array) => Buffer.from(key).toString();
/** The index's key span: every `row/` key. */
const RANGE = { start: Buffer.from("row/"), end: Buffer.from("row0") };

let dir: string;
let store: TxnStore;
let options: TxnStoreOptions;

async function open(o: TxnStoreOptions): Promise<void> {
  options = o;
  store = await TxnStore.open(dir, o);
}

async function reopen(): Promise<void> {
  await store.close();
  store = await TxnStore.open(dir, options);
}

beforeEach(() => {
  dir = makeTempDir("alopex-vector-");
});

afterEach(async () => {
  await store.close();
  removeTempDir(dir);
});

/** What the store should hold: key → vector. */
type Model = Map<string, Float32Array>;

async function inTxn<T>(f: (t: KvTransaction) => Promise<T>): Promise<T> {
  const t = await store.begin();
  const r = await f(t);
  await t.commit();
  return r;
}

async function putAll(model: Model, rows: readonly [number, Float32Array][], index = INDEX, batch = 200): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) {
    await inTxn(async (t) => {
      for (const [n, v] of rows.slice(i, i + batch)) {
        await t.putVector(keyOf(n), index, v);
        model.set(name(keyOf(n)), v);
      }
    });
  }
}

/** The exact k nearest of the model, computed here independently of the store. */
function bruteForce(model: Model, query: Float32Array, k: number, metric = INDEX.metric, keep: (key: string) => boolean = () => true): string[] {
  return [...model]
    .filter(([key]) => keep(key))
    .map(([key, v]) => ({ key: Buffer.from(key), distance: vectorDistance(v, query, metric) }))
    .sort(compareKeyedCandidates)
    .slice(0, k)
    .map((c) => name(c.key));
}

async function search(t: KvTransaction, query: Float32Array, extra: Partial<KvVectorSearchOptions> = {}): Promise<string[]> {
  const r = await t.vectorSearch({ index: INDEX, query, k: K, efSearch: EF, range: RANGE, ...extra });
  expect(r.exhaustive).toBe(true);
  return r.hits.map((h) => name(h.key));
}

function queries(count: number, base: readonly Float32Array[], seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Float32Array.from(base[Math.floor(random() * base.length)]!, (x) => x + 0.3 * gaussian(random)));
}

/** Mean recall@K of the store's answers against brute force; also checks distances and order. */
async function recall(model: Model, qs: readonly Float32Array[], efSearch = EF): Promise<number> {
  const t = await store.begin({ readOnly: true });
  let found = 0;
  for (const q of qs) {
    const r = await t.vectorSearch({ index: INDEX, query: q, k: K, efSearch, range: RANGE });
    expect(r.hits).toHaveLength(K);
    for (let i = 1; i < r.hits.length; i++) expect(r.hits[i]!.distance).toBeGreaterThanOrEqual(r.hits[i - 1]!.distance);
    for (const h of r.hits) expect(h.distance).toBeCloseTo(vectorDistance(model.get(name(h.key))!, q, INDEX.metric), 9);
    const truth = new Set(bruteForce(model, q, K));
    found += r.hits.filter((h) => truth.has(name(h.key))).length;
  }
  await t.commit();
  return found / (K * qs.length);
}

describe("vectorSearch recall against exact search", () => {
  const COUNT = 3000;
  const vectors = clusteredVectors({ count: COUNT, dims: INDEX.dims, clusters: 30, spread: 1, seed: 42 });
  const qs = queries(100, vectors, 7);
  const figures: Record<string, number> = {};

  it(
    "stays >= 0.95 in memtables, after flush, after compaction and after reopen",
    async () => {
      await open(BIG_MEMTABLE);
      const model: Model = new Map();
      await putAll(
        model,
        vectors.map((v, i) => [i, v]),
      );
      expect(store.engine.stats().levels.every((l) => l.files === 0)).toBe(true);
      figures.memtable = await recall(model, qs);
      figures["memtable, ef_search 10"] = await recall(model, qs, 10);

      await store.engine.flush();
      expect(store.engine.stats().levels[0]!.files).toBe(1);
      figures.flushed = await recall(model, qs);

      await store.engine.compact();
      expect(store.engine.stats().levels.at(-1)!.files).toBeGreaterThan(1);
      figures.compacted = await recall(model, qs);
      figures["compacted, ef_search 10"] = await recall(model, qs, 10);
      const before = await inTxn(async (t) => Promise.all(qs.slice(0, 20).map((q) => search(t, q))));

      await reopen();
      figures.reopened = await recall(model, qs);
      expect(await inTxn(async (t) => Promise.all(qs.slice(0, 20).map((q) => search(t, q))))).toEqual(before);

      // Unflushed writes come back from the WAL and are searchable as before.
      const more = clusteredVectors({ count: 500, dims: INDEX.dims, clusters: 30, spread: 1, seed: 43 });
      await putAll(
        model,
        more.map((v, i) => [COUNT + i, v]),
      );
      const unflushed = await inTxn(async (t) => Promise.all(qs.slice(0, 20).map((q) => search(t, q))));
      await reopen();
      figures.replayed = await recall(model, qs);
      expect(await inTxn(async (t) => Promise.all(qs.slice(0, 20).map((q) => search(t, q))))).toEqual(unflushed);

      console.log(`recall@${K} (ef_search ${EF}, ${COUNT} vectors): ${JSON.stringify(figures)}`);
      for (const [where, r] of Object.entries(figures)) if (!where.includes("ef_search")) expect(r).toBeGreaterThanOrEqual(0.95);
    },
    120_000,
  );

  it("exact search agrees with brute force", async () => {
    await open(BIG_MEMTABLE);
    const model: Model = new Map();
    await putAll(
      model,
      vectors.slice(0, 800).map((v, i) => [i, v]),
    );
    await store.engine.flush();
    const t = await store.begin();
    for (const q of qs.slice(0, 10)) expect(await search(t, q, { exact: true })).toEqual(bruteForce(model, q, K));
    await t.commit();
  });
});

describe("vectorSearch visibility", () => {
  const vectors = clusteredVectors({ count: 1500, dims: INDEX.dims, clusters: 10, spread: 0.5, seed: 5 });
  const model: Model = new Map();

  beforeEach(async () => {
    model.clear();
    await open(BIG_MEMTABLE);
    await putAll(
      model,
      vectors.map((v, i) => [i, v]),
    );
  });

  /** Runs `check` with the data in a memtable, then flushed, then compacted. */
  async function everywhere(check: () => Promise<void>): Promise<void> {
    await check();
    await store.engine.flush();
    await check();
    await store.engine.compact();
    await check();
  }

  it("drops deleted and updated entries and finds them again when re-inserted", async () => {
    const q = vectors[3]!;
    const nearest = bruteForce(model, q, K);
    const victims = nearest.slice(0, 4).map((k) => Buffer.from(k));
    await inTxn(async (t) => {
      await t.delete(victims[0]!);
      await t.put(victims[1]!, Buffer.from("not a vector any more"));
      // Moved far away: still an entry, no longer near.
      await t.putVector(victims[2]!, INDEX, new Float32Array(INDEX.dims).fill(100));
      await t.putVector(victims[3]!, { ...INDEX, id: 8 }, q);
    });
    for (const v of victims) model.delete(name(v));
    model.set(name(victims[2]!), new Float32Array(INDEX.dims).fill(100));
    await everywhere(async () => {
      const got = await inTxn((t) => search(t, q));
      expect(got).toEqual(bruteForce(model, q, K));
      for (const v of victims) expect(got).not.toContain(name(v));
    });
    await inTxn(async (t) => {
      for (const v of victims) await t.putVector(v, INDEX, vectors[Number(name(v).slice(4))]!);
    });
    for (const v of victims) model.set(name(v), vectors[Number(name(v).slice(4))]!);
    await everywhere(async () => expect(await inTxn((t) => search(t, q))).toEqual(nearest));
    // No snapshot is older than the last writes: the full compaction kept one version per key.
    await reopen();
    expect(sectionRows(dir)).toEqual(new Map([[vectorIndexKey(validateVectorIndexParams(INDEX)), 1500]]));
  });

  it("sees its own uncommitted vectors and not other transactions'", async () => {
    const q = Float32Array.from({ length: INDEX.dims }, (_, i) => 50 + i);
    const mine = await store.begin();
    const other = await store.begin();
    await mine.putVector(Buffer.from("row/mine"), INDEX, q);
    await other.putVector(Buffer.from("row/other"), INDEX, q);
    await mine.delete(Buffer.from(bruteForce(model, q, 1)[0]!));
    const got = await search(mine, q);
    expect(got[0]).toBe("row/mine");
    expect(got).not.toContain("row/other");
    expect(got).not.toContain(bruteForce(model, q, 1)[0]);
    expect(await search(other, q)).not.toContain("row/mine");
    await other.rollback();
    await mine.commit();
    expect((await inTxn((t) => search(t, q)))[0]).toBe("row/mine");
  });

  it("lets an old snapshot see vectors deleted after it began, through flush and compaction", async () => {
    const q = vectors[10]!;
    const nearest = bruteForce(model, q, K);
    const old = await store.begin({ readOnly: true });
    await inTxn(async (t) => {
      for (const k of nearest) await t.delete(Buffer.from(k));
    });
    await everywhere(async () => {
      expect(await search(old, q)).toEqual(nearest);
      const now = await inTxn((t) => search(t, q));
      for (const k of nearest) expect(now).not.toContain(k);
    });
    await old.commit();
  });

  it("returns k hits under a selective filter whenever k entries pass", async () => {
    const q = vectors[0]!;
    const keep = (key: string) => Number(key.slice(4)) % 97 === 0; // 16 of 1500 pass
    await everywhere(async () => {
      const got = await inTxn((t) => search(t, q, { filter: (key) => keep(name(key)) }));
      expect(got).toEqual(bruteForce(model, q, K, INDEX.metric, keep));
    });
  });

  it("counts only entries in range, and fewer than k only when fewer exist", async () => {
    const q = vectors[0]!;
    const range = { start: keyOf(100), end: keyOf(106) };
    const got = await inTxn((t) => search(t, q, { range }));
    expect(got).toEqual(bruteForce(model, q, K, INDEX.metric, (k) => k >= name(range.start) && k < name(range.end)));
    expect(got).toHaveLength(6);
  });

  it("reads vectors back through get and scan as little-endian float32 bytes", async () => {
    const t = await store.begin();
    const bytes = Buffer.from((await t.get(keyOf(5)))!);
    expect(new Float32Array(bytes.buffer, bytes.byteOffset, INDEX.dims)).toEqual(vectors[5]);
    const first = (await t.scan({ start: keyOf(5), limit: 1 }).nextBatch())[0]!;
    expect(Buffer.from(first.value).equals(bytes)).toBe(true);
    await t.putVector(keyOf(5), INDEX, Float32Array.from({ length: INDEX.dims }, () => 1));
    expect(Buffer.from((await t.get(keyOf(5)))!).readFloatLE(0)).toBe(1);
    await t.commit();
  });

  it("keeps indexes apart by id and parameters", async () => {
    const other: VectorIndexSpec = { id: 9, dims: 3, metric: "cosine" };
    await inTxn(async (t) => {
      await t.putVector(Buffer.from("other/a"), other, Float32Array.of(1, 0, 0));
      await t.putVector(Buffer.from("other/b"), other, Float32Array.of(0, 1, 0));
    });
    await everywhere(async () => {
      const r = await inTxn((t) => t.vectorSearch({ index: other, query: Float32Array.of(1, 0.1, 0), k: 5 }));
      expect(r.hits.map((h) => name(h.key))).toEqual(["other/a", "other/b"]);
      expect(r.hits[0]!.distance).toBeCloseTo(1 - 1 / Math.sqrt(1.01), 7);
      const wrongM = await inTxn((t) => t.vectorSearch({ index: { ...INDEX, m: 8 }, query: vectors[0]!, k: 5 }));
      expect(wrongM.hits).toEqual([]);
    });
  });

  it("survives prepare, restart and COMMIT PREPARED", async () => {
    const q = Float32Array.from({ length: INDEX.dims }, () => -40);
    const t = await store.begin();
    await t.putVector(Buffer.from("row/prepared"), INDEX, q);
    await t.prepare("g1");
    await reopen();
    expect((await inTxn((r) => search(r, q)))[0]).not.toBe("row/prepared");
    await store.commitPrepared("g1");
    expect((await inTxn((r) => search(r, q)))[0]).toBe("row/prepared");
  });

  it("lets Read Uncommitted see other transactions' uncommitted vectors", async () => {
    const q = Float32Array.from({ length: INDEX.dims }, () => 33);
    const writer = await store.begin();
    await writer.putVector(Buffer.from("row/dirty"), INDEX, q);
    const ru = await store.begin({ isolation: "read-uncommitted" });
    expect((await search(ru, q))[0]).toBe("row/dirty");
    await ru.commit();
    await writer.rollback();
  });
});

describe("vectorSearch over the merged graph, without reading the versions it proves visible", () => {
  const vectors = clusteredVectors({ count: 1500, dims: INDEX.dims, clusters: 10, spread: 0.5, seed: 11 });
  const model: Model = new Map();
  const unread = () => store.engine.stats().vectorIndex.merged.unreadHits;

  /** Every row in tables (one flushed L0 table, or compacted into the levels), the graph built and its heads learnt. */
  async function settled(where: "flushed" | "compacted"): Promise<void> {
    model.clear();
    await open(BIG_MEMTABLE);
    await putAll(
      model,
      vectors.map((v, i) => [i, v]),
    );
    await store.engine.flush();
    if (where === "compacted") await store.engine.compact();
    await inTxn((t) => search(t, vectors[0]!));
    await store.engine.settleVectorIndexes();
    expect(store.engine.stats().vectorIndex.merged.uncoveredFiles).toBe(0);
  }

  /** Runs `check` with the later writes in a memtable, flushed, compacted, and after a restart. */
  async function everywhere(check: () => Promise<void>): Promise<void> {
    await check();
    await store.engine.flush();
    await check();
    await store.engine.compact();
    await check();
    await reopen();
    await inTxn((t) => search(t, vectors[0]!));
    await store.engine.settleVectorIndexes();
    await check();
  }

  /** The store's hits with their distances, which must be the exact ones of the model's vectors. */
  async function exactly(t: KvTransaction, q: Float32Array, expected: Model): Promise<string[]> {
    const r = await t.vectorSearch({ index: INDEX, query: q, k: K, efSearch: EF, range: RANGE });
    for (const h of r.hits) expect(h.distance).toBe(vectorDistance(expected.get(name(h.key))!, q, INDEX.metric));
    return r.hits.map((h) => name(h.key));
  }

  it.each(["flushed", "compacted"] as const)("answers exactly with no reads once the rows are %s", async (where) => {
    await settled(where);
    for (const q of queries(20, vectors, 3)) {
      const before = unread();
      expect(await inTxn((t) => exactly(t, q, model))).toEqual(bruteForce(model, q, K));
      expect(unread() - before).toBeGreaterThanOrEqual(K);
    }
  });

  it.each(["flushed", "compacted"] as const)("drops rows updated, overwritten and deleted after the graph was built from %s tables", async (where) => {
    await settled(where);
    const q = vectors[7]!;
    const nearest = bruteForce(model, q, K);
    const victims = nearest.slice(0, 5).map((k) => Buffer.from(k));
    const far = new Float32Array(INDEX.dims).fill(100);
    const near = Float32Array.from(q, (x) => x + 1e-3);
    await inTxn(async (t) => {
      await t.delete(victims[0]!);
      await t.put(victims[1]!, Buffer.from("not a vector any more"));
      await t.putVector(victims[2]!, INDEX, far);
      await t.putVector(victims[3]!, { ...INDEX, id: 8 }, q);
      // Still near, by another vector: the distance must be the new one.
      await t.putVector(victims[4]!, INDEX, near);
    });
    for (const v of victims.slice(0, 4)) model.delete(name(v));
    model.set(name(victims[2]!), far);
    model.set(name(victims[4]!), near);
    let answered = 0;
    await everywhere(async () => {
      const before = unread();
      const got = await inTxn((t) => exactly(t, q, model));
      answered += unread() - before;
      expect(got).toEqual(bruteForce(model, q, K));
      for (const v of victims.slice(0, 4)) expect(got).not.toContain(name(v));
    });
    // The rows nobody wrote were answered from the graph all along.
    expect(answered).toBeGreaterThanOrEqual(4 * (K - 5));
  });

  it("drops rows whose newer versions a compaction moved to a level above the graph's tables", async () => {
    await settled("compacted");
    // From here on a flushed table moves to level 1 at once, above the rows compacted to the last level.
    await store.close();
    await open({ storage: { ...BIG_MEMTABLE.storage, l0_compaction_trigger: 1 } });
    await inTxn((t) => search(t, vectors[0]!));
    await store.engine.settleVectorIndexes();
    const q = vectors[40]!;
    const nearest = bruteForce(model, q, K);
    const far = new Float32Array(INDEX.dims).fill(100);
    await inTxn(async (t) => {
      await t.putVector(Buffer.from(nearest[0]!), INDEX, far);
      await t.delete(Buffer.from(nearest[1]!));
    });
    model.set(nearest[0]!, far);
    model.delete(nearest[1]!);
    await store.engine.flush();
    await store.engine.whenBackgroundIdle();
    const levels = store.engine.stats().levels.filter((l) => l.files > 0).map((l) => l.level);
    expect(levels).toHaveLength(2);
    expect(levels[0]).toBe(1);
    const before = unread();
    expect(await inTxn((t) => exactly(t, q, model))).toEqual(bruteForce(model, q, K));
    expect(unread()).toBeGreaterThan(before);
  });

  it("answers for the engine's own merged-graph hits only, and only for a range that begins in the hit's key", async () => {
    await settled("compacted");
    const request = { index: validateVectorIndexParams(INDEX), query: vectors[50]!, k: 3, efSearch: EF };
    const [graph] = store.engine.vectorSearch(request).sources;
    const hit = graph!.hits[0]!;
    const readTs = versionTsOf(hit.key) + 1;
    const end = versionsEndOf(hit.key);
    expect(store.engine.vectorOfFirstHit(hit, versionKeyAt(hit.key, readTs), end)).toEqual(vectors[50]);
    // Another key's versions start before this one's: what comes first there is not this hit.
    const other = encodeVersionKey(keyOf(0), readTs);
    expect(Buffer.compare(other, hit.key)).toBeLessThan(0);
    expect(store.engine.vectorOfFirstHit(hit, other, end)).toBeUndefined();
    // A range that starts past the hit, or ends at it.
    expect(store.engine.vectorOfFirstHit(hit, versionKeyAt(hit.key, versionTsOf(hit.key) - 1), end)).toBeUndefined();
    expect(store.engine.vectorOfFirstHit(hit, versionKeyAt(hit.key, readTs), hit.key)).toBeUndefined();
    // The same key as a plain object, and a hit of a search with `accept`, are not the graph's.
    expect(store.engine.vectorOfFirstHit({ key: hit.key, distance: hit.distance }, versionKeyAt(hit.key, readTs), end)).toBeUndefined();
    const accepted = store.engine.vectorSearch({ ...request, accept: () => true }).sources[0]!.hits[0]!;
    expect(accepted.key).toEqual(hit.key);
    expect(store.engine.vectorOfFirstHit(accepted, versionKeyAt(hit.key, readTs), end)).toBeUndefined();
  });

  it("keeps an old snapshot's view: versions overwritten later, rows inserted later", async () => {
    await settled("compacted");
    const q = vectors[20]!;
    const then = new Map(model);
    const nearest = bruteForce(model, q, K);
    const old = await store.begin({ readOnly: true });
    expect(await exactly(old, q, then)).toEqual(nearest);
    await inTxn(async (t) => {
      for (const k of nearest.slice(0, 3)) await t.putVector(Buffer.from(k), INDEX, new Float32Array(INDEX.dims).fill(-100));
      await t.delete(Buffer.from(nearest[3]!));
      await t.putVector(Buffer.from("row/later"), INDEX, q);
    });
    for (const k of nearest.slice(0, 3)) model.set(k, new Float32Array(INDEX.dims).fill(-100));
    model.delete(nearest[3]!);
    model.set("row/later", q);
    const check = async () => {
      expect(await exactly(old, q, then)).toEqual(nearest);
      const now = await inTxn((t) => exactly(t, q, model));
      expect(now).toEqual(bruteForce(model, q, K));
      expect(now[0]).toBe("row/later");
    };
    await check();
    await store.engine.flush();
    await check();
    await store.engine.compact();
    await store.engine.settleVectorIndexes();
    // The old versions were kept for the snapshot, beside the new ones in the same tables.
    await check();
    await old.commit();
  });

  it("never shows another transaction's uncommitted writes, and lets its own win", async () => {
    await settled("compacted");
    const q = vectors[30]!;
    const nearest = bruteForce(model, q, K);
    const other = await store.begin();
    await other.putVector(Buffer.from("row/other"), INDEX, q);
    await other.delete(Buffer.from(nearest[0]!));
    await other.putVector(Buffer.from(nearest[1]!), INDEX, new Float32Array(INDEX.dims).fill(100));
    const mine = await store.begin();
    await mine.delete(Buffer.from(nearest[2]!));
    const before = unread();
    const got = await search(mine, q);
    expect(got).toEqual(nearest.filter((k) => k !== nearest[2]).concat(bruteForce(model, q, K + 1).slice(K)));
    expect(unread()).toBeGreaterThan(before);
    expect(await inTxn((t) => exactly(t, q, model))).toEqual(nearest);
    await other.rollback();
    await mine.rollback();
  });
});

describe("vectorSearch errors and completeness", () => {
  beforeEach(async () => {
    await open(BIG_MEMTABLE);
  });

  it.each<[string, Partial<KvVectorSearchOptions>, string]>([
    ["a query of other dimensions", { query: new Float32Array(3) }, "22000"],
    ["NaN in the query", { query: new Float32Array(INDEX.dims).fill(NaN) }, "22000"],
    ["an infinite query element", { query: new Float32Array(INDEX.dims).fill(Infinity) }, "22000"],
    ["ef_search out of range", { efSearch: 0 }, "22023"],
    ["bad index parameters", { index: { ...INDEX, m: 1 } }, "22023"],
  ])("rejects %s with %s", async (_, bad, sqlstate) => {
    const t = await store.begin();
    const error = await t.vectorSearch({ index: INDEX, query: new Float32Array(INDEX.dims), k: 3, ...bad }).catch((e: unknown) => e);
    expect(sqlstateOf(error)).toBe(sqlstate);
    await t.rollback();
  });

  it.each<[string, Float32Array, string]>([
    ["other dimensions", new Float32Array(3), "22000"],
    ["NaN", new Float32Array(INDEX.dims).fill(NaN), "22000"],
  ])("putVector rejects a vector with %s", async (_, vector, sqlstate) => {
    const t = await store.begin();
    const error = await t.putVector(Buffer.from("row/x"), INDEX, vector).catch((e: unknown) => e);
    expect(sqlstateOf(error)).toBe(sqlstate);
    await t.rollback();
  });

  it("returns k under inner product, where HNSW leaves nodes unreachable, by falling back to an exact scan", async () => {
    const ip: VectorIndexSpec = { id: 3, dims: 16, metric: "inner", m: 4, efConstruction: 8 };
    const random = seededRandom(9);
    // Mostly long vectors and a few short ones: under <#> a short vector is nobody's nearest
    // neighbour, so the graph links few edges to it and a search may never reach it.
    const short = (i: number) => i % 40 === 0;
    const vectors = Array.from({ length: 3000 }, (_, i) => Float32Array.from({ length: 16 }, () => gaussian(random) * (short(i) ? 0.01 : 3)));
    const model: Model = new Map();
    await putAll(
      model,
      vectors.map((v, i) => [i, v]),
      ip,
      500,
    );
    await store.engine.flush();
    const keep = (key: string) => short(Number(key.slice(4)));
    const t = await store.begin();
    let fellShort = 0;
    for (let q = 0; q < 10; q++) {
      const query = Float32Array.from({ length: 16 }, () => gaussian(random));
      const base = { index: ip, query, k: 70, efSearch: 10, range: RANGE, filter: (key: Uint8Array) => keep(name(key)) };
      const approximate = await t.vectorSearch({ ...base, fallbackToExact: false });
      if (!approximate.exhaustive) fellShort++;
      else expect(approximate.hits).toHaveLength(70);
      const full = await t.vectorSearch(base);
      expect(full.exhaustive).toBe(true);
      expect(full.hits).toHaveLength(70);
      if (!approximate.exhaustive) expect(full.hits.map((h) => name(h.key))).toEqual(bruteForce(model, query, 70, "inner", keep));
    }
    // The data set is built so that the graph hides some short vectors from some queries.
    expect(fellShort).toBeGreaterThan(0);
    await t.commit();
  });

  it("detects write skew through vector reads under Serializable", async () => {
    await inTxn((t) => t.putVector(keyOf(1), INDEX, new Float32Array(INDEX.dims).fill(1)));
    const a = await store.begin({ isolation: "serializable" });
    const b = await store.begin({ isolation: "serializable" });
    const q = new Float32Array(INDEX.dims);
    // Each sees one entry and adds its own, as if keeping "at most two near the origin".
    expect(await search(a, q)).toEqual([name(keyOf(1))]);
    expect(await search(b, q)).toEqual([name(keyOf(1))]);
    await a.putVector(keyOf(2), INDEX, q);
    await b.putVector(keyOf(3), INDEX, q);
    await a.commit();
    const error = await b.commit().catch((e: unknown) => e);
    expect(sqlstateOf(error)).toBe("40001");
  });

  it("lets Serializable writers outside the searched range commit", async () => {
    const a = await store.begin({ isolation: "serializable" });
    await search(a, new Float32Array(INDEX.dims));
    await a.put(Buffer.from("elsewhere/a"), Buffer.from("1"));
    await inTxn((t) => t.putVector(Buffer.from("zzz/outside"), INDEX, new Float32Array(INDEX.dims)));
    await a.commit();
  });
});
