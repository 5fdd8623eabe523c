import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InFlightCommits } from "./in-flight.js";

describe("InFlightCommits", () => {
  it("knows the oldest unfinished timestamp when commits finish in order and out of it", () => {
    const f = new InFlightCommits();
    expect(f.oldest()).toBeUndefined();
    for (const ts of [10, 11, 12, 13]) f.add(ts);
    f.finish(12);
    expect(f.oldest()).toBe(10);
    f.finish(10);
    expect(f.oldest()).toBe(11);
    f.finish(11);
    expect(f.oldest()).toBe(13);
    f.finish(13);
    expect(f.oldest()).toBeUndefined();
    expect(f.size).toBe(0);
  });

  it("agrees with a set's minimum over random adds and finishes", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 1000 })), { maxLength: 300 }), (steps) => {
        const f = new InFlightCommits();
        const model = new Set<number>();
        let next = 1;
        for (const [add, pick] of steps) {
          if (add || model.size === 0) {
            f.add(next);
            model.add(next++);
          } else {
            const ts = [...model][pick % model.size]!;
            model.delete(ts);
            f.finish(ts);
          }
          expect(f.oldest()).toBe(model.size === 0 ? undefined : Math.min(...model));
          expect(f.size).toBe(model.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
