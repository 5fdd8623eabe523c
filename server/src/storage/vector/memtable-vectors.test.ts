import { afterEach, describe, expect, it } from "vitest";
import { decodeSegment, decodeVectorSection, flatSearch, vectorIndexKey } from "../../vector/index.js";
import { clusteredVectors } from "../../vector/testing/datasets.js";
import { MEMTABLE_FLAT_MAX_ENTRIES, MemtableVectors } from "./memtable-vectors.js";
import { params, rawVectorEntryOf, rawVectorValue } from "./testing/raw-vectors.js";

const L2 = params({ id: 1, dims: 8, metric: "l2", m: 8, efConstruction: 32 });
const COS = params({ id: 2, dims: 8, metric: "cosine" });
const key = (i: number) => Buffer.from(`k${String(i).padStart(5, "0")}`);
const vectors = clusteredVectors({ count: MEMTABLE_FLAT_MAX_ENTRIES + 300, dims: 8, clusters: 6, spread: 0.4, seed: 17 });

let open: MemtableVectors[] = [];
afterEach(() => {
  open.forEach((m) => m.close());
  open = [];
});

function filled(count: number): MemtableVectors {
  const m = new MemtableVectors(rawVectorEntryOf);
  open.push(m);
  for (let i = 0; i < count; i++) m.add(key(i), rawVectorValue(L2, vectors[i]!));
  return m;
}

/** The exact answer over the first `count` vectors, as keys. */
function exact(count: number, query: Float32Array, k: number, keep: (i: number) => boolean = () => true): string[] {
  const entries = vectors.slice(0, count).map((vector, i) => ({ id: BigInt(i), vector }));
  return flatSearch(entries, query, k, "l2", (id) => keep(Number(id))).ids.map((id) => key(Number(id)).toString());
}

describe("MemtableVectors", () => {
  it("indexes only values its entryOf recognises, per index", () => {
    const m = new MemtableVectors(rawVectorEntryOf);
    open.push(m);
    expect(m.add(key(0), Buffer.from("plain value"))).toBe(0);
    expect(m.isEmpty).toBe(true);
    expect(m.add(key(1), rawVectorValue(L2, vectors[1]!))).toBeGreaterThan(0);
    m.add(key(2), rawVectorValue(COS, vectors[2]!));
    expect(m.search({ index: L2, query: vectors[2]!, k: 5 })!.hits.map((h) => h.key.toString())).toEqual([key(1).toString()]);
    expect(m.search({ index: COS, query: vectors[2]!, k: 5 })!.hits.map((h) => h.key.toString())).toEqual([key(2).toString()]);
    expect(m.search({ index: { ...L2, id: 3 }, query: vectors[2]!, k: 5 })).toBeUndefined();
  });

  it.each([
    ["flat", 500],
    ["hnsw", MEMTABLE_FLAT_MAX_ENTRIES + 300],
  ])("answers with the nearest accepted entries (%s)", (_, count) => {
    const m = filled(count);
    const keep = (i: number) => i % 3 === 0;
    for (const q of vectors.slice(0, 20)) {
      const r = m.search({ index: L2, query: q, k: 10, efSearch: 100, accept: (k) => keep(Number(k.toString().slice(1))) })!;
      expect(r.exhaustive).toBe(true);
      expect(r.hits.map((h) => h.key.toString())).toEqual(exact(count, q, 10, keep));
    }
  });

  it("says a short answer is complete only when it asked about every entry", () => {
    const m = filled(MEMTABLE_FLAT_MAX_ENTRIES + 300);
    // Nothing passes: the graph search widens to the whole index, asking about every entry.
    const none = m.search({ index: L2, query: vectors[0]!, k: 10, accept: () => false })!;
    expect(none.hits).toEqual([]);
    expect(none.exhaustive).toBe(true);
  });

  it("charges its memory as it grows, graph included", () => {
    const m = filled(MEMTABLE_FLAT_MAX_ENTRIES + 300);
    expect(m.memoryBytes()).toBeGreaterThan((MEMTABLE_FLAT_MAX_ENTRIES + 300) * 8 * 4);
  });

  it.each([
    ["flat", 300],
    ["hnsw", MEMTABLE_FLAT_MAX_ENTRIES + 300],
  ])("encodes the flush's section from its own indexes (%s)", (_, count) => {
    const m = filled(count);
    m.add(key(99_999), rawVectorValue(COS, vectors[0]!));
    const bytes = m.encodeSection()!;
    const dir = decodeVectorSection(bytes);
    expect(dir.entries.map((e) => [vectorIndexKey(e.params), e.rows])).toEqual([
      [vectorIndexKey(L2), count],
      [vectorIndexKey(COS), 1],
    ]);
    const entry = dir.entries[0]!;
    const segment = decodeSegment(bytes.subarray(entry.offset, entry.offset + entry.length));
    try {
      const got = segment.index.search(vectors[5]!, 1);
      expect(Buffer.from(segment.rowKeys!.keyOf(got.ids[0]!)).toString()).toBe(key(5).toString());
    } finally {
      segment.index.close();
    }
    expect(new MemtableVectors(rawVectorEntryOf).encodeSection()).toBeUndefined();
  });
});
