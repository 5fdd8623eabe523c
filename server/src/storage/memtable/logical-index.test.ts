import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareInternalKeys, lookupKey, makeInternalKey, SEQ_MAX, ValueKind } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import { Memtable } from "./memtable.js";
import { XorShift32 } from "./prng.js";

/**
 * Keys are "<row>|<version>" with a one-letter row: the row part (through "|") is the logical
 * key, as the MVCC layer groups a row's versions. Versions arrive newest-sorting-first per row,
 * mostly, with some out of order, so both the splice path and the normal insert path run.
 */
const logicalKeyLength = (key: Uint8Array, userKeyLength: number) => {
  const bar = key.subarray(0, userKeyLength).indexOf(0x7c);
  return bar < 0 ? userKeyLength : bar + 1;
};

function collect(it: InternalIterator, reverse: boolean): string[] {
  const out: string[] = [];
  if (reverse) for (it.seekToLast(); it.valid(); it.prev()) out.push(it.key().toString("latin1"));
  else for (it.seekToFirst(); it.valid(); it.next()) out.push(it.key().toString("latin1"));
  return out;
}

describe("memtable logical-key index", () => {
  it("keeps list order and answers in-row seeks like a full search", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.integer({ min: 0, max: 60 })), { maxLength: 120 }),
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d", "e"), fc.integer({ min: 0, max: 70 })), { maxLength: 30 }),
        fc.integer(),
        (writes, seeks, seed) => {
          const indexed = new Memtable(new XorShift32(seed | 1), 1, logicalKeyLength);
          const plain = new Memtable(new XorShift32(seed | 1), 1);
          const seen = new Set<string>();
          let seq = 1;
          // Versions as the MVCC layer writes them: a higher version sorts first ("99" - v).
          for (const [row, v] of writes) {
            const key = `${row}|${String(99 - v).padStart(2, "0")}`;
            if (seen.has(key)) continue;
            seen.add(key);
            indexed.add(seq, ValueKind.Put, Buffer.from(key), Buffer.from("x"));
            plain.add(seq, ValueKind.Put, Buffer.from(key), Buffer.from("x"));
            seq++;
          }
          const want = collect(plain.iterator(), false);
          expect(collect(indexed.iterator(), false)).toEqual(want);
          expect(collect(indexed.iterator(), true)).toEqual([...want].reverse());
          for (const [row, v] of seeks) {
            const target = lookupKey(Buffer.from(`${row}|${String(99 - v).padStart(2, "0")}`), SEQ_MAX);
            const full = plain.iterator();
            full.seek(target);
            const fast = indexed.logicalIterator();
            fast.seek(target);
            const inRow = (it: InternalIterator) => it.valid() && it.key().toString("latin1").startsWith(`${row}|`);
            // Inside the row both agree; past it the index may stop early (it is only for in-row reads).
            expect(inRow(fast)).toBe(inRow(full));
            if (inRow(full)) expect(compareInternalKeys(fast.key(), full.key())).toBe(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("splices at most a bounded run of height-1 nodes per row", () => {
    const mem = new Memtable(new XorShift32(3), 1, logicalKeyLength);
    for (let v = 0; v < 100; v++) mem.add(v + 1, ValueKind.Put, Buffer.from(`r|${String(999 - v)}`), Buffer.from("x"));
    const it = mem.logicalIterator();
    it.seek(makeInternalKey(Buffer.from("r|900"), SEQ_MAX, ValueKind.Put));
    expect(it.valid() && it.key().subarray(0, 5).toString()).toBe("r|900");
    expect(collect(mem.iterator(), false)).toHaveLength(100);
  });
});
