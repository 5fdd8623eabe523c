/**
 * `pnpm sim:raft [--seeds N] [--first-seed S] [--seed S] [--faulty-ms MS] [--profile random|leader-churn]
 *   [--contract-break send-before-persist|commit-old-term] [--verbose]`
 * Runs many seeded simulations and stops at the first failure, printing its seed and rerun command.
 */
import { Command } from "commander";
import { DEFAULT_SIM_OPTIONS, runSimulation, SimulationFailure, type ContractBreak, type FaultProfile } from "./simulator.js";

const program = new Command()
  .option("--seeds <n>", "number of seeds to run", "1000")
  .option("--first-seed <s>", "first seed", "1")
  .option("--seed <s>", "run exactly this seed")
  .option("--faulty-ms <ms>", "virtual milliseconds of faults per run", String(DEFAULT_SIM_OPTIONS.faultyMs))
  .option("--read-mode <mode>", "safe | lease", "safe")
  .option("--voters <n>", "initial voters", String(DEFAULT_SIM_OPTIONS.initialVoters))
  .option("--disk", "run replicas on the disk log over an in-memory file system with torn writes")
  .option("--profile <name>", "fault schedule: random | leader-churn", "random")
  .option("--contract-break <kind>", "deliberately break a contract: send-before-persist | commit-old-term")
  .option("--verbose", "print each run's summary")
  .parse();

const opts = program.opts<{
  seeds: string;
  firstSeed: string;
  seed?: string;
  faultyMs: string;
  readMode: string;
  voters: string;
  profile: string;
  contractBreak?: string;
  disk?: boolean;
  verbose?: boolean;
}>();
const first = Number(opts.seed ?? opts.firstSeed);
const count = opts.seed === undefined ? Number(opts.seeds) : 1;
const readMode = opts.readMode === "lease" ? "lease" : "safe";
const BREAKS: readonly ContractBreak[] = ["send-before-persist", "commit-old-term"];
const PROFILES: readonly FaultProfile[] = ["random", "leader-churn"];
const contractBreak = BREAKS.find((b) => b === opts.contractBreak);
const profile = PROFILES.find((p) => p === opts.profile);
// A misspelt break would silently run the healthy code and "pass".
if (opts.contractBreak !== undefined && contractBreak === undefined) program.error(`unknown contract break ${opts.contractBreak}`);
if (profile === undefined) program.error(`unknown profile ${opts.profile}`);
const faults: Record<string, number> = {};
let committed = 0;
let unknownChecks = 0;
const startedMs = performance.now();
for (let seed = first; seed < first + count; seed++) {
  try {
    const r = runSimulation({
      ...DEFAULT_SIM_OPTIONS,
      seed,
      faultyMs: Number(opts.faultyMs),
      readMode,
      initialVoters: Number(opts.voters),
      contractBreak,
      profile,
      storage: opts.disk === true ? "disk" : "memory",
    });
    committed += r.appliedMax;
    for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v;
    if (r.linearizability.kind === "unknown") unknownChecks++;
    if (opts.verbose === true) console.log(JSON.stringify(r));
  } catch (err) {
    console.error(err instanceof SimulationFailure ? err.message : err);
    process.exit(1);
  }
}
const secs = (performance.now() - startedMs) / 1000;
console.log(
  `${count} seeds from ${first} passed in ${secs.toFixed(1)} s; ${committed} entries committed; ` +
    `${unknownChecks} histories too large to decide within the checker's budget`,
);
console.log(`faults and notable events: ${JSON.stringify(faults)}`);
