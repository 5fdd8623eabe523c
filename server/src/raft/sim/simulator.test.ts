import { describe, expect, it } from "vitest";
import { DEFAULT_SIM_OPTIONS, runSimulation } from "./simulator.js";

const SEEDS = Number(process.env.RAFT_SIM_SEEDS ?? 200);
const FIRST_SEED = Number(process.env.RAFT_SIM_FIRST_SEED ?? 1);

describe("raft simulation", () => {
  it(`keeps every safety property and linearizability over ${SEEDS} seeds`, () => {
    let committed = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      const r = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed });
      committed += r.appliedMax;
      expect(r.linearizability.kind, `seed ${seed}`).not.toBe("violation");
    }
    expect(committed).toBeGreaterThan(SEEDS * 20);
  });

  it("is deterministic: one seed gives one run", () => {
    const a = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 42 });
    const b = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 42 });
    expect(b).toEqual(a);
  });
});
