import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareInternalKeys, makeInternalKey, ValueKind } from "./internal-key.js";
import { ArrayIterator, MergingIterator } from "./merging-iterator.js";

const ikey = (k: string, seq: number) => makeInternalKey(Buffer.from(k), seq, ValueKind.Put);
type Op = { op: "next" } | { op: "prev" } | { op: "seek" | "seekForPrev"; k: string; s: number };

describe("MergingIterator", () => {
  // Differential test: a merge of random partitions against one sorted array, under random moves
  // that switch direction often.
  it("matches a single sorted array under random seeks and direction switches", () => {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.constant({ op: "next" as const }),
      fc.constant({ op: "prev" as const }),
      fc.record({ op: fc.constantFrom("seek" as const, "seekForPrev" as const), k: fc.string({ maxLength: 3 }), s: fc.nat(20) }),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 3 }), fc.nat(20), fc.nat(4)), { selector: ([k, s]) => `${k}\u0000${s}`, maxLength: 120 }),
        fc.array(opArb, { maxLength: 60 }),
        (entries, ops) => {
          const all = entries.map(([k, s, part]) => [ikey(k, s), Buffer.from(String(part))] as const).sort((a, b) => compareInternalKeys(a[0], b[0]));
          const parts = [0, 1, 2, 3, 4].map((p) => new ArrayIterator(all.filter((e) => e[1].toString() === String(p))));
          const merged = new MergingIterator(parts);
          const model = new ArrayIterator(all);
          merged.seekToFirst();
          model.seekToFirst();
          for (const o of ops) {
            if (!model.valid() && (o.op === "next" || o.op === "prev")) continue;
            if (o.op === "next") { merged.next(); model.next(); }
            else if (o.op === "prev") { merged.prev(); model.prev(); }
            else { merged[o.op](ikey(o.k, o.s)); model[o.op](ikey(o.k, o.s)); }
            expect(merged.valid()).toBe(model.valid());
            if (model.valid()) expect(merged.key()).toEqual(model.key());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
