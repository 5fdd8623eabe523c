import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareKeyedCandidates, KeyedTopK, type KeyedCandidate } from "./keyed-top-k.js";

const candidate = fc.record({
  key: fc.uint8Array({ maxLength: 3 }),
  distance: fc.oneof(fc.constantFrom(0, 1, 2, NaN), fc.double({ noNaN: true })),
});

describe("KeyedTopK", () => {
  it("keeps exactly what sorting everything and taking k would", () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 60 }), fc.nat(12), (cands, k) => {
        const top = new KeyedTopK(k);
        for (const c of cands) top.offer(c);
        const want = [...cands].sort(compareKeyedCandidates).slice(0, k);
        expect(top.result().map(show)).toEqual(want.map(show));
        expect(top.size).toBe(Math.min(k, cands.length));
      }),
    );
  });

  it("orders NaN last and ties by key bytes", () => {
    const top = new KeyedTopK(4);
    for (const [key, distance] of [[[2], 1], [[1], NaN], [[1], 1], [[0], 3]] as const) top.offer({ key: Uint8Array.from(key), distance });
    expect(top.result().map(show)).toEqual(["01:1", "02:1", "00:3", "01:NaN"]);
  });
});

function show(c: KeyedCandidate): string {
  return `${Buffer.from(c.key).toString("hex")}:${c.distance}`;
}
