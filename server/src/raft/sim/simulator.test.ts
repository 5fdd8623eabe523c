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

/** Seeds of the leader-churn suite; the figure-8 break must show within them. */
const CHURN_SEEDS = 100;

/** Runs seeds 1..`seeds` until one fails; returns the failure, or undefined if all pass. */
function firstFailure(seeds: number, overrides: Partial<SimOptions>): unknown {
  for (let seed = 1; seed <= seeds; seed++) {
    try {
      runSimulation({ ...DEFAULT_SIM_OPTIONS, ...overrides, seed });
    } catch (err) {
      return err;
    }
  }
  return undefined;
}

const suites: { name: string; seeds: number; overrides: Partial<SimOptions> }[] = [
  { name: "3 voters, read-index reads", seeds: 250, overrides: {} },
  { name: "3 voters, lease reads", seeds: 40, overrides: { readMode: "lease" } },
  { name: "5 voters (leader removal is common)", seeds: 40, overrides: { initialVoters: 5 } },
  { name: "disk log with torn writes on crash", seeds: 40, overrides: { storage: "disk" } },
  { name: "leader churn at figure-8 moments", seeds: CHURN_SEEDS, overrides: { profile: "leader-churn" } },
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
    const failure = firstFailure(60, { contractBreak: "send-before-persist" });
    expect(failure).toBeInstanceOf(SimulationFailure);
    const message = (failure as SimulationFailure).message;
    expect(message).toMatch(/seed \d+/);
    expect(message).toContain("pnpm sim:raft --seed");
  });

  // The leader-churn suite above runs these same seeds without the break, and they pass.
  it("catches leaders committing an earlier term's entry by counting replicas (Raft figure 8)", () => {
    const churn: Partial<SimOptions> = { profile: "leader-churn" };
    const failure = firstFailure(CHURN_SEEDS, { ...churn, contractBreak: "commit-old-term" });
    expect(failure).toBeInstanceOf(SimulationFailure);
    const { seed, message } = failure as SimulationFailure;
    expect(message).toMatch(/committed entry lost|leader completeness|state machine safety/);
    expect(message).toContain(`pnpm sim:raft --seed ${seed} --contract-break commit-old-term --profile leader-churn`);
    expect(() => runSimulation({ ...DEFAULT_SIM_OPTIONS, ...churn, seed })).not.toThrow();
  });
});
