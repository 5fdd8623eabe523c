import { describe, expect, it } from "vitest";
import { HybridLogicalClock, LOGICAL_BITS, physicalMillisOf } from "./hlc.js";

function fakeClock(times: number[]) {
  let i = 0;
  return { nowMillis: () => times[Math.min(i++, times.length - 1)]! };
}

describe("HybridLogicalClock", () => {
  it.each([
    { name: "advancing wall clock", times: [1000, 1001, 1002] },
    { name: "frozen wall clock", times: [1000, 1000, 1000, 1000] },
    { name: "wall clock stepping back", times: [2000, 1000, 1500, 1999, 2001] },
  ])("is strictly increasing with a $name", ({ times }) => {
    const hlc = new HybridLogicalClock(fakeClock(times));
    let prev = 0;
    for (let i = 0; i < times.length; i++) {
      const ts = hlc.now();
      expect(ts).toBeGreaterThan(prev);
      expect(Number.isSafeInteger(ts)).toBe(true);
      prev = ts;
    }
  });

  it("stays close to wall time", () => {
    const hlc = new HybridLogicalClock(fakeClock([5000]));
    expect(physicalMillisOf(hlc.now())).toBe(5000);
    expect(physicalMillisOf(hlc.now())).toBe(5000);
  });

  it("moves past observed timestamps", () => {
    const hlc = new HybridLogicalClock(fakeClock([1000]));
    const remote = 9000 * 2 ** LOGICAL_BITS + 7;
    hlc.observe(remote);
    expect(hlc.latest()).toBe(remote);
    expect(hlc.now()).toBe(remote + 1);
    hlc.observe(5);
    expect(hlc.now()).toBe(remote + 2);
  });

  it("fits today's timestamps in a float64-exact integer", () => {
    const hlc = new HybridLogicalClock();
    expect(Number.isSafeInteger(hlc.now())).toBe(true);
  });
});
