import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CommitLog } from "./commit-log.js";
import { ReadSet } from "./read-set.js";

interface ModelEntry {
  readonly txnId: string;
  readonly commitTs: number;
  readonly keys: readonly string[];
}

const KEYS = ["a", "b", "c", "d", "e", "f"];


describe("CommitLog", () => {
  it("answers newest commits, conflicts and its size as a list of every entry would, across prunings and compactions", () => {
    // Long runs of appends with the horizon lagging behind, so the array is compacted (past 1024
    // pruned entries) while entries are still kept.
    const step = fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant("append" as const), keys: fc.subarray(KEYS, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("prune" as const), lag: fc.nat({ max: 40 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("check" as const), back: fc.nat({ max: 60 }), reads: fc.subarray(KEYS, { maxLength: 3 }) }) },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1500, maxLength: 3000 }), (steps) => {
        const log = new CommitLog();
        const all: ModelEntry[] = [];
        /** Per key, its newest commit of all: the log must answer it while above the highest horizon pruned at. */
        const newest = new Map<string, number>();
        let prunedTs = 0;
        let ts = 0;
        for (const s of steps) {
          if (s.kind === "append") {
            ts += 1 + (ts % 3);
            const e = { txnId: `t${ts}`, commitTs: ts, keys: s.keys };
            all.push(e);
            for (const k of s.keys) newest.set(k, ts);
            log.append(e);
          } else if (s.kind === "prune") {
            const horizon = Math.max(0, ts - s.lag);
            log.prune(horizon);
            prunedTs = Math.max(prunedTs, horizon);
          } else {
            const readTs = Math.max(0, ts - s.back);
            const reads = new ReadSet(1 << 20);
            for (const k of s.reads) reads.addKey(k);
            let expected: { txnId: string; key: string } | undefined;
            for (let i = all.length - 1; i >= 0 && expected === undefined; i--) {
              const e = all[i]!;
              if (e.commitTs <= readTs || e.commitTs <= prunedTs) break;
              const key = e.keys.find((k) => s.reads.includes(k));
              if (key !== undefined) expected = { txnId: e.txnId, key };
            }
            expect(log.findConflict(readTs, reads, "none")).toEqual(expected);
          }
          for (const k of KEYS) {
            const n = newest.get(k);
            expect(log.newestCommitOf(k)).toBe(n !== undefined && n > prunedTs ? n : undefined);
          }
          let kept = 0;
          for (let i = all.length - 1; i >= 0 && all[i]!.commitTs > prunedTs; i--) kept++;
          expect(log.size).toBe(kept);
          expect(log.completeAbove(ts)).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  });
});
