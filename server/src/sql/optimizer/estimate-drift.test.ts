import { describe, expect, it } from "vitest";
import type { Table } from "../catalog/index.js";
import { ESTIMATE_CHECK_INTERVAL_MS, estimateDrifted, RecordedEstimates } from "./estimate-drift.js";
import { NO_STATS, type StatsSource } from "./stats.js";

describe("estimateDrifted", () => {
  const cases: [number | undefined, number | undefined, boolean][] = [
    // Below the 1000-row floor nothing the cost model sees has moved.
    [0, 999, false],
    [undefined, 1500, false],
    [10, 1999, false],
    [10, 2000, true],
    [1000, 1999, false],
    [1000, 2000, true],
    [1_000_000, 600_000, false],
    [1_000_000, 500_000, true],
    [50_000, 0, true],
    [50_000, undefined, true],
    [1999, 1000, false],
  ];
  it.each(cases)("%s rows then, %s now: %s", (then, now, drifted) => {
    expect(estimateDrifted(then, now)).toBe(drifted);
  });
});

describe("RecordedEstimates", () => {
  const table = (id: number) => ({ id }) as Table;
  function source(rows: Map<number, number>): StatsSource & { asked: number } {
    const s = { asked: 0, tableStats: () => undefined, approximateRows: (t: Table) => (s.asked++, rows.get(t.id)) };
    return s;
  }

  it("compares what planning asked for with the store, at most once per interval", () => {
    const rows = new Map([[1, 10], [2, 5000]]);
    const store = source(rows);
    const recorded = new RecordedEstimates(store, 0);
    expect(recorded.stats.approximateRows?.(table(1))).toBe(10);
    expect(recorded.stats.approximateRows?.(table(2))).toBe(5000);
    rows.set(2, 20_000);
    store.asked = 0;
    expect(recorded.stale(ESTIMATE_CHECK_INTERVAL_MS - 1)).toBe(false);
    expect(store.asked).toBe(0);
    expect(recorded.stale(ESTIMATE_CHECK_INTERVAL_MS)).toBe(true);
    expect(recorded.stale(ESTIMATE_CHECK_INTERVAL_MS + 1)).toBe(false);
    // A clock set back checks at once.
    expect(recorded.stale(5)).toBe(true);
  });

  it("is never stale when planning asked for no estimate, or the store has none", () => {
    const recorded = new RecordedEstimates(source(new Map()), 0);
    expect(recorded.stale(10 * ESTIMATE_CHECK_INTERVAL_MS)).toBe(false);
    const without = new RecordedEstimates(NO_STATS, 0);
    expect(without.stats).toBe(NO_STATS);
    expect(without.stale(10 * ESTIMATE_CHECK_INTERVAL_MS)).toBe(false);
  });
});
