import { describe, expect, it } from "vitest";
import { DEFAULT_SIM_OPTIONS, runSimulation, SimulationFailure, type SimOptions } from "./simulator.js";

/** RAFT_SIM_SCALE scales every suite (e.g. 0.2 for a smoke run, 5 for a long one). */
const SCALE = Number(process.env.RAFT_SIM_SCALE ?? 1);

/** Runs `count` seeds; on failure the SimulationFailure message names the seed and the rerun command. */
function runSeeds(count: number, overrides: Partial<SimOptions>): number {
  let committed = 0;
  for (let seed = 1; seed <= Math.max(1, Math.round(count * SCALE)); seed++) {
    const r = runSimulation({ ...DEFAULT_SIM_OPTIONS, ...overrides, seed });
    expect(r.linearizability.kind, `seed ${seed}`).not.toBe("violation");
    committed += r.appliedMax;
  }
  return committed;
}

const suites: { name: string; seeds: number; overrides: Partial<SimOptions> }[] = [
  { name: "3 voters, read-index reads", seeds: 250, overrides: {} },
  { name: "3 voters, lease reads", seeds: 40, overrides: { readMode: "lease" } },
  { name: "5 voters (leader removal is common)", seeds: 40, overrides: { initialVoters: 5 } },
  { name: "disk log with torn writes on crash", seeds: 40, overrides: { storage: "disk" } },
];

describe("raft simulation", () => {
  it.each(suites)("$name: safety and linearizability over $seeds seeds", ({ seeds, overrides }) => {
    expect(runSeeds(seeds, overrides)).toBeGreaterThan(seeds * SCALE * 50);
  });

  it("is deterministic: one seed gives one run", () => {
    const a = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 42 });
    const b = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 42 });
    expect(b).toEqual(a);
  });

  it("catches a broken persistence contract and names the seed to rerun", () => {
    let failure: unknown;
    for (let seed = 1; seed <= 60 && failure === undefined; seed++) {
      try {
        runSimulation({ ...DEFAULT_SIM_OPTIONS, seed, contractBreak: "send-before-persist" });
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toBeInstanceOf(SimulationFailure);
    const message = (failure as SimulationFailure).message;
    expect(message).toMatch(/seed \d+/);
    expect(message).toContain("pnpm sim:raft --seed");
  });
});
