import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { buildSegment, flatSearch, readSegmentEntries, type SegmentEntries } from "../../vector/index.js";
import { clusteredVectors } from "../../vector/testing/datasets.js";
import { HeadState, MergedVectorIndex } from "./merged-index.js";
import { params } from "./testing/raw-vectors.js";

const INDEX = params({ id: 1, dims: 8, metric: "l2", m: 8, efConstruction: 32 });
const KEYS = 120;
const vectors = clusteredVectors({ count: KEYS, dims: 8, clusters: 6, spread: 0.5, seed: 31 });
const key = (i: number) => Buffer.from(`k${String(i).padStart(4, "0")}`);

/** A table holding entries `ids` (in this order), as the merged index reads it. */
function table(ids: readonly number[]): SegmentEntries {
  const spec = { ...INDEX, columnId: INDEX.id };
  return readSegmentEntries(buildSegment(spec, ids.map((i) => ({ key: key(i), vector: vectors[i]! }))));
}

let open: MergedVectorIndex[] = [];
afterEach(() => {
  open.forEach((m) => m.close());
  open = [];
});

function merged(): MergedVectorIndex {
  const m = new MergedVectorIndex(INDEX);
  open.push(m);
  return m;
}

const names = (keys: Iterable<Buffer>) => [...keys].map((k) => k.toString()).sort();

describe("MergedVectorIndex", () => {
  it("holds the union of its tables and searches it as one graph", () => {
    const m = merged();
    m.addFile(1, table([0, 1, 2, 3]));
    m.addFile(2, table([3, 4, 5]));
    expect(m.covers(1)).toBe(false);
    expect(m.insertPending(1000)).toBe(6);
    expect(m.covers(1) && m.covers(2)).toBe(true);
    expect(m.size).toBe(6);
    const got = m.search({ index: INDEX, query: vectors[4]!, k: 3 });
    const all = [0, 1, 2, 3, 4, 5].map((i) => ({ id: BigInt(i), vector: vectors[i]! }));
    expect(got.hits.map((h) => h.key.toString())).toEqual(flatSearch(all, vectors[4]!, 3, "l2").ids.map((id) => key(Number(id)).toString()));
    expect(got.exhaustive).toBe(true);
  });

  it("keeps the nodes of entries a compaction moves, and removes those no table holds", () => {
    const m = merged();
    m.addFile(1, table([0, 1, 2, 3, 4]));
    m.addFile(2, table([5, 6, 7]));
    m.insertPending(1000);
    expect(m.counters.inserts).toBe(8);
    // A compaction of tables 1 and 2 into 3 and 4 that drops entries 2 and 6.
    m.addFile(3, table([0, 1, 3]));
    m.addFile(4, table([4, 5, 7]));
    expect(m.covers(3) && m.covers(4)).toBe(true);
    m.removeFile(1);
    m.removeFile(2);
    expect(m.insertPending(1000)).toBe(0);
    expect(m.counters).toEqual({ inserts: 8, removes: 2, files: 4, unreadHits: 0 });
    expect(names(m.indexedKeys())).toEqual(names([0, 1, 3, 4, 5, 7].map(key)));
  });

  it("gives each hit's home table and vector: the table that accounted it last, until that table goes", () => {
    const m = merged();
    m.addFile(1, table([0, 1, 2, 3]));
    m.insertPending(1000);
    const idOf = (i: number) => {
      const hit = m.search({ index: INDEX, query: vectors[i]!, k: 1 }).hits[0]!;
      expect(hit.key).toEqual(key(i));
      return m.idOf(hit);
    };
    expect(m.homeOf(idOf(2))).toBe(1);
    expect(m.vectorOf(idOf(2))).toEqual(vectors[2]);
    m.setHead(idOf(2), true);
    // A compaction moves entries 2 and 3 into table 2: its copy, and what it says of them, count now.
    m.addFile(2, table([3, 2]));
    expect(m.homeOf(idOf(2))).toBe(2);
    expect(m.headOf(idOf(2))).toBe(HeadState.Unknown);
    m.setHead(idOf(3), false);
    const before = m.search({ index: INDEX, query: vectors[3]!, k: 1 }).hits[0]!;
    expect(m.idOf(before)).toBe(idOf(3));
    // Entries 0 and 1 leave with table 1: their ids may name other entries later, so no hit made before is answered.
    m.removeFile(1);
    expect(m.idOf(before)).toBe(-1);
    expect([m.homeOf(idOf(2)), m.homeOf(idOf(3))]).toEqual([2, 2]);
    expect(m.vectorOf(idOf(3))).toEqual(vectors[3]);
    expect(m.headOf(idOf(3))).toBe(HeadState.NotHead);
    // Table 3 takes entry 3 too, then goes before table 2 does: which table still holds it is not known.
    m.addFile(3, table([3]));
    m.removeFile(3);
    expect(m.homeOf(idOf(3))).toBe(-1);
    expect(m.vectorOf(idOf(3))).toBeUndefined();
    expect(m.headOf(idOf(3))).toBe(HeadState.Unknown);
    // Hits of other searches are not this index's.
    const other = merged();
    other.addFile(1, table([0, 1]));
    other.insertPending(1000);
    expect(m.idOf(other.search({ index: INDEX, query: vectors[0]!, k: 1 }).hits[0]!)).toBe(-1);
    expect(m.idOf(m.search({ index: INDEX, query: vectors[0]!, k: 1, accept: () => true }).hits[0]!)).toBe(-1);
  });

  it("inserts an entry pending in a retired table from the table that took it over", () => {
    const m = merged();
    m.addFile(1, table([0, 1, 2]));
    // Compacted before any node was added: table 2 now holds what table 1 did.
    m.addFile(2, table([0, 1, 2, 3]));
    m.removeFile(1);
    expect(m.covers(2)).toBe(false);
    expect(m.insertPending(2)).toBe(2);
    expect(m.insertPending(1000)).toBe(2);
    expect(m.covers(2)).toBe(true);
    expect(names(m.indexedKeys())).toEqual(names([0, 1, 2, 3].map(key)));
    expect(m.counters.inserts).toBe(4);
  });

  it("agrees with a naive model of tables and entries under any sequence of adds, removes and inserts", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), ids: fc.uniqueArray(fc.nat(KEYS - 1), { maxLength: 30 }) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("insert" as const), max: fc.integer({ min: 1, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const m = new MergedVectorIndex(INDEX);
        try {
          const live = new Map<number, readonly number[]>();
          /** Keys held by a live table when each was last new to the index: every such arrival is one insert. */
          const held = () => new Set([...live.values()].flat());
          let arrivals = 0;
          let next = 1;
          for (const o of ops) {
            if (o.kind === "add") {
              const before = held();
              arrivals += o.ids.filter((i) => !before.has(i)).length;
              m.addFile(next, table(o.ids));
              live.set(next++, o.ids);
            } else if (o.kind === "remove" && live.size > 0) {
              const n = [...live.keys()][o.pick % live.size]!;
              live.delete(n);
              expect(m.removeFile(n)).toBe(true);
            } else if (o.kind === "insert") m.insertPending(o.max);
            expect(m.size).toBe(held().size);
          }
          while (m.insertPending(1000) > 0);
          for (const n of live.keys()) expect(m.covers(n)).toBe(true);
          expect(names(m.indexedKeys())).toEqual(names([...held()].map(key)));
          // An entry that arrives while it is pending elsewhere is inserted once; an entry that
          // left and came back, twice: the inserts never exceed the arrivals.
          expect(m.counters.inserts).toBeLessThanOrEqual(arrivals);
          expect(m.counters.inserts - m.counters.removes).toBe(held().size);
        } finally {
          m.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
