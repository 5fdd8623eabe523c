/**
 * Deterministic simulation of one Raft group running a replicated key-value store under faults.
 * Virtual time, one seeded PRNG and a single event queue make each run a pure function of its
 * options: a failing seed replays exactly.
 *
 * Modelled: message delay, loss, duplication and reordering; symmetric and one-way partitions
 * that heal; crashes that lose everything not yet persisted (a Ready whose write had not
 * completed is gone, and its messages were never sent) and restarts from the durable state;
 * membership changes (learner, promote, remove, including the leader), leadership transfers and
 * snapshots with log compaction, all during the faults, at random or aimed at leaders (see
 * `FaultProfile`). Safety is checked after every event
 * (see safety.ts); at the end the network heals, every replica must converge, and the clients'
 * history must be linearizable.
 */
import { RaftNode } from "../node.js";
import type { Ready } from "../node.js";
import type { ReadMode } from "../raft.js";
import { contextKey } from "../read-only.js";
import { DiskStorage } from "../storage/disk-storage.js";
import { MemoryStorage } from "../storage/memory-storage.js";
import { NO_NODE, type Message, type NodeId } from "../types.js";
import { EventQueue } from "./event-queue.js";
import { decodeCommand, describeOperation, encodeCommand, kvModel, kvPartitionKey } from "./kv-model.js";
import type { KvInput, KvOperation, KvOutput } from "./kv-model.js";
import { KvReplica } from "./kv-replica.js";
import { checkHistory, type CheckResult } from "./linearizability.js";
import { MemoryVfs } from "./memory-vfs.js";
import { Prng } from "./prng.js";
import { SafetyChecker } from "./safety.js";

export interface SimOptions {
  readonly seed: number;
  /** Virtual time with faults and clients. */
  readonly faultyMs: number;
  /** Virtual time after healing, for convergence. */
  readonly settleMs: number;
  readonly initialVoters: number;
  /** Node ids 1..nodeIdsMax may exist; new ones join as learners. */
  readonly nodeIdsMax: number;
  readonly clients: number;
  readonly keys: number;
  readonly tickMs: number;
  readonly delayMsMax: number;
  readonly dropRate: number;
  readonly duplicateRate: number;
  /** Mean gap between fault injections. */
  readonly faultGapMs: number;
  readonly snapshotEveryEntries: number;
  readonly readMode: ReadMode;
  readonly eventsMax: number;
  /**
   * Deliberately break a contract, to prove the checks can fail:
   * `send-before-persist` sends a Ready's messages before its write completes, so a crash can
   * forget votes and entries that others already counted; `commit-old-term` lets leaders commit
   * an earlier term's entry by counting replicas (Raft figure 8), so a later leader can
   * overwrite an entry that was reported committed.
   */
  readonly contractBreak?: ContractBreak;
  /**
   * `memory`: MemoryStorage; a crash loses the Ready being written. `disk`: the real DiskStorage
   * over an in-memory file system; a crash keeps a random prefix of the unsynced bytes, so
   * recovery meets torn records.
   */
  readonly storage?: "memory" | "disk";
  /** Which fault schedule to run; see `FaultProfile`. Default `random`. */
  readonly profile?: FaultProfile;
}

/**
 * `random`: every kind of fault at random moments.
 *
 * `leader-churn`: faults aimed at the moments when commit safety rests on the own-term rule (Raft
 * figure 8). Random faults practically never line those up: with the rule removed, 1000 random
 * seeds lose no committed entry. Losing one takes (1) two leaders in a row whose entries at the
 * same index stayed on them alone; (2) the first leading again and bringing a follower its old
 * entry, acknowledged apart from its own term's entries, which is when it wrongly counts it
 * committed; (3) that leader vanishing before the follower gets anything of its term, so the
 * second can win the follower's vote and overwrite the entry. Hence:
 *   - a new leader is often muted for a while: everything it sends is lost, in flight included
 *     (crashing it would not do: messages already sent still arrive), so its entries stay on it;
 *   - a leader often crashes the moment its commit index first advances in its term, before the
 *     Ready carrying the new commit index (and its next appends) persists;
 *   - appends carry one entry, so an old entry is acknowledged apart from the leader's own;
 *   - a crashed node stays down at least an election timeout, so a rival can win meanwhile, and
 *     at most 800 ms, so a group of three is rarely left without a quorum;
 *   - random faults come a third as often, since the aimed ones already keep leadership moving,
 *     and one of the two random crashes always hits the leader.
 */
export type FaultProfile = "random" | "leader-churn";

export type ContractBreak = "send-before-persist" | "commit-old-term";

export const DEFAULT_SIM_OPTIONS: Omit<SimOptions, "seed"> = {
  faultyMs: 5000,
  settleMs: 3000,
  initialVoters: 3,
  nodeIdsMax: 6,
  clients: 4,
  keys: 3,
  tickMs: 10,
  delayMsMax: 12,
  dropRate: 0.03,
  duplicateRate: 0.02,
  faultGapMs: 300,
  snapshotEveryEntries: 20,
  readMode: "safe",
  eventsMax: 2_000_000,
};

export interface SimResult {
  readonly seed: number;
  readonly events: number;
  readonly appliedMax: number;
  readonly operationsOk: number;
  readonly operationsUnknown: number;
  readonly operationsFailed: number;
  /** Counts of injected faults and of notable events (snapshot restores, torn tails repaired). */
  readonly faults: Readonly<Record<string, number>>;
  readonly linearizability: CheckResult;
}

export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    detail: string,
    rerun: string,
  ) {
    super(`raft simulation failed (seed ${seed}): ${detail}\n  rerun: ${rerun}`);
    this.name = "SimulationFailure";
  }
}

type SimEvent =
  | { readonly kind: "tick"; readonly node: NodeId; readonly gen: number }
  | { readonly kind: "deliver"; readonly message: Message }
  | { readonly kind: "persisted"; readonly node: NodeId; readonly gen: number }
  | { readonly kind: "client-next"; readonly client: number }
  | { readonly kind: "client-timeout"; readonly client: number; readonly opId: number }
  | { readonly kind: "fault" }
  | { readonly kind: "heal" }
  | { readonly kind: "restart"; readonly node: NodeId }
  | { readonly kind: "crash"; readonly node: NodeId; readonly gen: number }
  | { readonly kind: "unmute"; readonly node: NodeId }
  | { readonly kind: "settle" };

interface SimNode {
  readonly id: NodeId;
  alive: boolean;
  /** Bumped on crash so events scheduled for the old incarnation are ignored. */
  gen: number;
  raft: RaftNode;
  disk: MemoryStorage | DiskStorage;
  /** The node's file system in disk mode. */
  readonly vfs: MemoryVfs | undefined;
  sm: KvReplica;
  writing: Ready | undefined;
  proposals: Map<number, { term: number; client: number; opId: number }>;
  reads: Map<string, { client: number; opId: number; key: string }>;
  readsReady: { index: number; client: number; opId: number; key: string }[];
  leaderTermChecked: number;
  /** The commit index this incarnation last reported, to see it advance. */
  commitObserved: number;
  /** The last term in which this incarnation, leading, saw its commit index advance. */
  leaderCommittedTerm: number;
}

interface PendingOp {
  readonly opId: number;
  readonly input: KvInput;
  readonly callAt: number;
}

interface SimClient {
  readonly id: number;
  nextOpId: number;
  pending: PendingOp | undefined;
  leaderGuess: NodeId;
  readonly lastSeen: Map<string, string | null>;
}

const CLIENT_TIMEOUT_MS = 1500;
const RANDOM_FAULTS = ["crash", "crash", "partition", "one-way", "add", "promote", "remove", "transfer", "isolate-leader"];
/** The `leader-churn` schedule; see `FaultProfile` for why each part is there. */
const CHURN = {
  faults: ["crash-leader", "crash", "partition", "one-way", "add", "promote", "remove", "transfer", "isolate-leader"],
  faultGapFactor: 3,
  muteLeaderChance: 0.5,
  muteMs: [50, 500] as const,
  crashOnFirstCommitChance: 0.6,
  restartMs: [100, 800] as const,
};
const BOOTSTRAP_TERM = 1;

/** Runs one simulation; throws `SimulationFailure` (naming the seed and the rerun command) on any violation. */
export function runSimulation(options: SimOptions): SimResult {
  const sim = new Simulation(options);
  try {
    return sim.run();
  } catch (err) {
    if (err instanceof SimulationFailure) throw err;
    const detail = err instanceof Error ? `${err.message}\n${sim.traceTail()}` : String(err);
    throw new SimulationFailure(options.seed, detail, rerunCommand(options));
  }
}

/** The shell command that replays exactly the run with options `o`. */
export function rerunCommand(o: SimOptions): string {
  let extra = o.faultyMs === DEFAULT_SIM_OPTIONS.faultyMs ? "" : ` --faulty-ms ${o.faultyMs}`;
  if (o.readMode !== DEFAULT_SIM_OPTIONS.readMode) extra += ` --read-mode ${o.readMode}`;
  if (o.initialVoters !== DEFAULT_SIM_OPTIONS.initialVoters) extra += ` --voters ${o.initialVoters}`;
  if (o.contractBreak !== undefined) extra += ` --contract-break ${o.contractBreak}`;
  if (o.storage === "disk") extra += " --disk";
  if (o.profile !== undefined && o.profile !== "random") extra += ` --profile ${o.profile}`;
  return `cd server && pnpm sim:raft --seed ${o.seed}${extra} --verbose`;
}

class Simulation {
  private readonly rng: Prng;
  /** Per-run flow-control limits, drawn from the seed so batching, pipelining and one-entry appends all get exercised. */
  private readonly appendBytesMax: number;
  private readonly inflightCountMax: number;
  private readonly churn: boolean;
  private readonly faultGapMs: number;
  private readonly queue = new EventQueue<SimEvent>(1_000_000);
  private nowMs = 0;
  /** Strictly increasing logical clock for call/return times in the history. */
  private historyClock = 0;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly clients: SimClient[] = [];
  private readonly blocked = new Set<string>();
  private readonly muted = new Set<NodeId>();
  private readonly history: KvOperation[] = [];
  private readonly safety = new SafetyChecker();
  private readonly faults: Record<string, number> = {};
  private readonly trace: string[] = [];
  private settled = false;
  private dropRate: number;
  private opsFailed = 0;
  private events = 0;

  constructor(private readonly o: SimOptions) {
    this.rng = new Prng(o.seed);
    this.dropRate = o.dropRate;
    this.churn = o.profile === "leader-churn";
    this.faultGapMs = this.churn ? CHURN.faultGapFactor * o.faultGapMs : o.faultGapMs;
    // One entry per append lets a follower acknowledge an earlier term's entries apart from the
    // leader's own, which is what counting replicas must not be fooled by.
    this.appendBytesMax = this.churn ? 1 : this.rng.pick([1, 200, 600, 1 << 20]);
    this.inflightCountMax = this.rng.pick([1, 2, 4, 64]);
  }

  run(): SimResult {
    this.bootstrap();
    const endMs = this.o.faultyMs + this.o.settleMs;
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined || next.atMs > endMs) break;
      if (++this.events > this.o.eventsMax) this.fail(`more than ${this.o.eventsMax} events`);
      this.nowMs = next.atMs;
      this.handle(next.event);
      this.pumpReadies();
    }
    this.checkConverged();
    for (const c of this.clients) this.timeoutPending(c);
    const linearizability = checkHistory(kvModel, this.history, kvPartitionKey);
    if (linearizability.kind === "violation") {
      const ops = this.history.filter((h) => h.input.key === linearizability.partition);
      this.fail(`history of key ${linearizability.partition} is not linearizable:\n${ops.map(describeOperation).join("\n")}`);
    }
    return {
      seed: this.o.seed,
      events: this.events,
      appliedMax: this.safety.appliedMax,
      operationsOk: this.history.filter((h) => h.output !== undefined).length,
      operationsUnknown: this.history.filter((h) => h.output === undefined).length,
      operationsFailed: this.opsFailed,
      faults: this.faults,
      linearizability,
    };
  }

  traceTail(): string {
    return `last events:\n  ${this.trace.slice(-40).join("\n  ")}`;
  }

  private fail(detail: string): never {
    throw new SimulationFailure(this.o.seed, `${detail}\n${this.traceTail()}`, rerunCommand(this.o));
  }

  private note(line: string): void {
    this.trace.push(`${this.nowMs}ms ${line}`);
    if (this.trace.length > 200) this.trace.splice(0, 100);
  }

  private schedule(delayMs: number, event: SimEvent): void {
    this.queue.push(this.nowMs + delayMs, event);
  }

  // ---- setup ------------------------------------------------------------------------------

  private bootstrap(): void {
    const voters = Array.from({ length: this.o.initialVoters }, (_, i) => i + 1);
    const empty = new KvReplica().snapshot();
    for (const id of voters) {
      const snap = { meta: { index: 1, term: BOOTSTRAP_TERM, confState: { voters, learners: [] } }, data: empty };
      const hardState = { term: BOOTSTRAP_TERM, vote: NO_NODE, commit: 1 };
      if (this.o.storage !== "disk") {
        this.startNode(id, MemoryStorage.fromSnapshot(snap, hardState), undefined);
        continue;
      }
      const vfs = new MemoryVfs();
      const disk = DiskStorage.open(vfs, `/n${id}`);
      disk.bootstrap(snap, hardState);
      this.startNode(id, disk, vfs);
    }
    for (let c = 0; c < this.o.clients; c++) {
      this.clients.push({ id: c, nextOpId: 1, pending: undefined, leaderGuess: NO_NODE, lastSeen: new Map() });
      this.schedule(this.rng.intBetween(50, 300), { kind: "client-next", client: c });
    }
    this.schedule(this.rng.intBetween(100, 2 * this.faultGapMs), { kind: "fault" });
    this.schedule(this.o.faultyMs, { kind: "settle" });
  }

  /** A brand-new, empty replica (joining as a learner). */
  private startFreshNode(id: NodeId): void {
    if (this.o.storage !== "disk") return this.startNode(id, new MemoryStorage(), undefined);
    const vfs = new MemoryVfs();
    this.startNode(id, DiskStorage.open(vfs, `/n${id}`), vfs);
  }

  /** Restarts a crashed replica from what its disk kept. */
  private restartNode(n: SimNode): void {
    if (n.vfs === undefined) return this.startNode(n.id, n.disk, undefined);
    const disk = DiskStorage.open(n.vfs, `/n${n.id}`);
    if (disk.recovery.truncatedBytes > 0) this.faults["torn-tail-repaired"] = (this.faults["torn-tail-repaired"] ?? 0) + 1;
    this.startNode(n.id, disk, n.vfs);
  }

  private startNode(id: NodeId, disk: MemoryStorage | DiskStorage, vfs: MemoryVfs | undefined): void {
    const existing = this.nodes.get(id);
    const snap = disk.snapshot();
    const raft = new RaftNode({
      id,
      storage: disk,
      random: this.rng.fork(),
      electionTicks: 10,
      heartbeatTicks: 2,
      applied: snap.meta.index,
      inflightCountMax: this.inflightCountMax,
      appendBytesMax: this.appendBytesMax,
      snapshotChunkBytes: 48,
      readMode: this.o.readMode,
      unsafeCommitOldTermEntries: this.o.contractBreak === "commit-old-term",
    });
    const node: SimNode = {
      id,
      alive: true,
      gen: (existing?.gen ?? 0) + 1,
      raft,
      disk,
      vfs,
      sm: KvReplica.fromSnapshot(snap.data, snap.meta.index),
      writing: undefined,
      proposals: new Map(),
      reads: new Map(),
      readsReady: [],
      leaderTermChecked: 0,
      commitObserved: 0,
      leaderCommittedTerm: 0,
    };
    this.nodes.set(id, node);
    this.schedule(this.rng.intBetween(1, this.o.tickMs), { kind: "tick", node: id, gen: node.gen });
  }

  // ---- events -----------------------------------------------------------------------------

  private handle(e: SimEvent): void {
    switch (e.kind) {
      case "tick":
        return this.onTick(e.node, e.gen);
      case "deliver":
        return this.onDeliver(e.message);
      case "persisted":
        return this.onPersisted(e.node, e.gen);
      case "client-next":
        return this.onClientNext(this.clients[e.client] as SimClient);
      case "client-timeout":
        return this.onClientTimeout(this.clients[e.client] as SimClient, e.opId);
      case "fault":
        return this.onFault();
      case "heal":
        this.note("heal network");
        this.blocked.clear();
        return;
      case "restart":
        return this.onRestart(e.node);
      case "unmute":
        this.muted.delete(e.node);
        return;
      case "crash": {
        const n = this.nodes.get(e.node);
        if (n !== undefined && n.alive && n.gen === e.gen) this.crash(n);
        return;
      }
      case "settle":
        return this.onSettle();
    }
  }

  private onTick(id: NodeId, gen: number): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive || n.gen !== gen) return;
    n.raft.tick();
    this.observe(n);
    this.schedule(this.o.tickMs, { kind: "tick", node: id, gen });
  }

  private onDeliver(m: Message): void {
    const n = this.nodes.get(m.to);
    if (n === undefined || !n.alive || this.blocked.has(`${m.from}>${m.to}`) || this.muted.has(m.from)) return;
    n.raft.step(m);
    this.observe(n);
  }

  /** Safety checks that depend on a replica's volatile state, after anything it processed. */
  private observe(n: SimNode): void {
    const s = n.raft.status();
    this.safety.observeStatus(s);
    this.safety.observeCommit(n.id, s.commit, s.firstIndex, (i) => n.raft.termAt(i));
    if (s.role === "leader" && n.leaderTermChecked !== s.term) {
      n.leaderTermChecked = s.term;
      this.note(`node ${n.id} leads term ${s.term} (last ${s.lastIndex}, commit ${s.commit})`);
      this.safety.checkLeaderHasCommitted(n.id, s.firstIndex, (i) => n.raft.termAt(i));
      if (this.churn && !this.settled && this.rng.chance(CHURN.muteLeaderChance)) this.muteNewLeader(n);
    }
    if (s.role === "leader" && s.commit > n.commitObserved && n.leaderCommittedTerm !== s.term) {
      n.leaderCommittedTerm = s.term;
      if (this.churn && !this.settled && this.rng.chance(CHURN.crashOnFirstCommitChance)) {
        // Delay 0 runs before the Ready carrying the new commit index persists: nobody hears of it.
        this.schedule(0, { kind: "crash", node: n.id, gen: n.gen });
        this.faults["crash-on-first-commit"] = (this.faults["crash-on-first-commit"] ?? 0) + 1;
      }
    }
    n.commitObserved = s.commit;
  }

  /**
   * Loses everything a new leader sends for a while, in flight included: what it appends stays
   * on it alone, so logs diverge with entries of different terms at the same index.
   */
  private muteNewLeader(n: SimNode): void {
    this.muted.add(n.id);
    this.note(`mute node ${n.id}`);
    this.faults["mute-leader"] = (this.faults["mute-leader"] ?? 0) + 1;
    this.schedule(this.rng.intBetween(...CHURN.muteMs), { kind: "unmute", node: n.id });
  }

  private send(m: Message): void {
    if (this.blocked.has(`${m.from}>${m.to}`) || this.muted.has(m.from) || this.rng.chance(this.dropRate)) return;
    this.schedule(this.rng.intBetween(1, this.o.delayMsMax), { kind: "deliver", message: m });
    if (this.rng.chance(this.o.duplicateRate)) {
      this.schedule(this.rng.intBetween(1, 4 * this.o.delayMsMax), { kind: "deliver", message: m });
    }
  }

  // ---- the Ready loop ---------------------------------------------------------------------

  /** Starts a write for every replica that has work and no write in flight. */
  private pumpReadies(): void {
    for (const n of this.nodes.values()) {
      if (!n.alive || n.writing !== undefined || !n.raft.hasReady()) continue;
      n.writing = n.raft.ready();
      // On disk the write reaches the OS now and becomes durable at the sync below.
      if (n.vfs !== undefined) this.write(n, n.writing);
      if (this.o.contractBreak === "send-before-persist") for (const m of n.writing.messages) this.send(m);
      this.schedule(this.rng.intBetween(0, 3), { kind: "persisted", node: n.id, gen: n.gen });
    }
  }

  /** The write finished: make it durable, then send, then apply, then advance. */
  private onPersisted(id: NodeId, gen: number): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive || n.gen !== gen || n.writing === undefined) return;
    const rd = n.writing;
    if (n.vfs === undefined) this.write(n, rd);
    else (n.disk as DiskStorage).syncSync();
    if (rd.hardState !== undefined) this.safety.observeDurableCommit(n.id, rd.hardState.commit);
    if (this.o.contractBreak !== "send-before-persist") for (const m of rd.messages) this.send(m);
    this.apply(n, rd);
    n.raft.advance();
    n.writing = undefined;
    this.serveReads(n);
    this.maybeSnapshot(n);
    this.observe(n);
  }

  /** Writes a Ready's snapshot, entries and hard state (durable at once in memory mode). */
  private write(n: SimNode, rd: Ready): void {
    const first = rd.entries[0];
    if (first !== undefined) {
      const prevIndex = first.index - 1;
      const d = n.disk;
      const inLog = rd.snapshot === undefined && prevIndex >= d.firstIndex() - 1 && prevIndex <= d.lastIndex();
      const prevTerm = rd.snapshot?.meta.index === prevIndex ? rd.snapshot.meta.term : inLog ? d.term(prevIndex) : undefined;
      this.safety.observePersistedEntries(n.id, prevTerm, rd.entries);
    }
    if (n.disk instanceof DiskStorage) {
      n.disk.save(rd);
      return;
    }
    if (rd.snapshot !== undefined) n.disk.applySnapshot(rd.snapshot);
    n.disk.append(rd.entries);
    if (rd.hardState !== undefined) n.disk.setHardState(rd.hardState);
  }

  private apply(n: SimNode, rd: Ready): void {
    if (rd.snapshot !== undefined) {
      n.sm.restore(rd.snapshot.data, rd.snapshot.meta.index);
      this.note(`node ${n.id} restored snapshot at ${rd.snapshot.meta.index}`);
      this.faults["snapshot-restored"] = (this.faults["snapshot-restored"] ?? 0) + 1;
    }
    for (const e of rd.committedEntries) {
      this.safety.observeApplied(n.id, e);
      const cmd = e.kind === "normal" && e.data.length > 0 ? decodeCommand(e.data) : undefined;
      const output = n.sm.apply(e.index, cmd?.input);
      if (e.kind === "conf-change") this.note(`node ${n.id} applies ${e.change.kind} ${e.change.nodeId} at ${e.index}`);
      const p = n.proposals.get(e.index);
      if (p === undefined) continue;
      n.proposals.delete(e.index);
      const client = this.clients[p.client] as SimClient;
      // Another entry took our index, so our proposal was never committed and never will be.
      if (p.term !== e.term || cmd === undefined || cmd.opId !== p.opId) this.failOp(client, p.opId);
      else this.completeOp(client, p.opId, output as KvOutput);
    }
    for (const rs of rd.readStates) {
      const r = n.reads.get(contextKey(rs.context));
      if (r === undefined) continue;
      n.reads.delete(contextKey(rs.context));
      n.readsReady.push({ index: rs.index, ...r });
    }
  }

  private serveReads(n: SimNode): void {
    n.readsReady = n.readsReady.filter((r) => {
      if (r.index > n.sm.applied) return true;
      this.completeOp(this.clients[r.client] as SimClient, r.opId, { kind: "get", value: n.sm.get(r.key) });
      return false;
    });
  }

  private maybeSnapshot(n: SimNode): void {
    if (n.sm.applied - n.disk.firstIndex() + 1 < this.o.snapshotEveryEntries) return;
    n.disk.createSnapshot(n.sm.applied, n.raft.confState(), n.sm.snapshot());
  }

  // ---- clients ----------------------------------------------------------------------------

  private onClientNext(c: SimClient): void {
    if (this.settled || c.pending !== undefined) return;
    const input = this.nextInput(c);
    const op: PendingOp = { opId: c.nextOpId++, input, callAt: ++this.historyClock };
    c.pending = op;
    this.schedule(CLIENT_TIMEOUT_MS, { kind: "client-timeout", client: c.id, opId: op.opId });
    const n = this.pickNode(c);
    if (n === undefined) return this.failOp(c, op.opId);
    if (input.kind === "get" && this.rng.chance(0.6)) {
      const ctx = Buffer.alloc(8);
      ctx.writeUInt32BE(c.id, 0);
      ctx.writeUInt32BE(op.opId, 4);
      if (!n.raft.readIndex(ctx)) return this.failOp(c, op.opId);
      n.reads.set(contextKey(ctx), { client: c.id, opId: op.opId, key: input.key });
      return;
    }
    const r = n.raft.propose(encodeCommand({ clientId: c.id, opId: op.opId, input }));
    if (r.kind === "rejected") {
      c.leaderGuess = r.lead;
      return this.failOp(c, op.opId);
    }
    n.proposals.set(r.index, { term: r.term, client: c.id, opId: op.opId });
  }

  private nextInput(c: SimClient): KvInput {
    const key = `k${this.rng.intBelow(this.o.keys)}`;
    const value = `c${c.id}.${c.nextOpId}`;
    const roll = this.rng.float();
    if (roll < 0.4) return { kind: "get", key };
    if (roll < 0.75) return { kind: "put", key, value };
    const expected = this.rng.chance(0.8) ? (c.lastSeen.get(key) ?? null) : null;
    return { kind: "cas", key, expected, value };
  }

  private pickNode(c: SimClient): SimNode | undefined {
    const guess = this.nodes.get(c.leaderGuess);
    if (guess !== undefined && guess.alive && this.rng.chance(0.9)) return guess;
    const alive = [...this.nodes.values()].filter((n) => n.alive);
    return alive.length === 0 ? undefined : this.rng.pick(alive);
  }

  private completeOp(c: SimClient, opId: number, output: KvOutput): void {
    const op = c.pending;
    if (op === undefined || op.opId !== opId) return;
    this.history.push({ clientId: c.id, input: op.input, output, callAt: op.callAt, returnAt: ++this.historyClock });
    if (output.kind === "get") c.lastSeen.set(op.input.key, output.value);
    if (op.input.kind === "put") c.lastSeen.set(op.input.key, op.input.value);
    c.pending = undefined;
    this.schedule(this.rng.intBetween(0, 20), { kind: "client-next", client: c.id });
  }

  /** The operation definitely did not and will not take effect. */
  private failOp(c: SimClient, opId: number): void {
    if (c.pending === undefined || c.pending.opId !== opId) return;
    this.opsFailed++;
    c.pending = undefined;
    c.leaderGuess = c.leaderGuess === NO_NODE ? this.rng.intBetween(1, this.o.nodeIdsMax) : c.leaderGuess;
    this.schedule(this.rng.intBetween(10, 40), { kind: "client-next", client: c.id });
  }

  private onClientTimeout(c: SimClient, opId: number): void {
    if (c.pending === undefined || c.pending.opId !== opId) return;
    this.timeoutPending(c);
    c.leaderGuess = NO_NODE;
    this.schedule(this.rng.intBetween(0, 20), { kind: "client-next", client: c.id });
  }

  /** The outcome is unknown: a write may or may not have happened; a read tells nothing. */
  private timeoutPending(c: SimClient): void {
    const op = c.pending;
    if (op === undefined) return;
    c.pending = undefined;
    if (op.input.kind !== "get") {
      this.history.push({ clientId: c.id, input: op.input, output: undefined, callAt: op.callAt, returnAt: Infinity });
    }
  }

  // ---- faults -----------------------------------------------------------------------------

  private onFault(): void {
    if (this.settled) return;
    this.schedule(this.rng.intBetween(50, 2 * this.faultGapMs), { kind: "fault" });
    const kinds = this.churn ? CHURN.faults : RANDOM_FAULTS;
    const name = kinds[this.rng.intBelow(kinds.length)] as string;
    let done: boolean;
    switch (name) {
      case "crash":
        done = this.crashSomeNode();
        break;
      case "crash-leader": {
        const leader = this.currentLeader();
        if (leader !== undefined) this.crash(leader);
        done = leader !== undefined;
        break;
      }
      case "partition":
      case "one-way":
      case "isolate-leader":
        done = this.partition(name);
        break;
      default:
        done = this.membershipFault(name);
    }
    if (done) this.faults[name] = (this.faults[name] ?? 0) + 1;
  }

  private crashSomeNode(): boolean {
    const alive = [...this.nodes.values()].filter((n) => n.alive);
    if (alive.length <= 1) return false;
    this.crash(this.rng.pick(alive));
    return true;
  }

  private crash(n: SimNode): void {
    n.alive = false;
    n.gen++;
    n.writing = undefined;
    n.vfs?.crash((unsynced) => (this.rng.chance(0.5) ? 0 : this.rng.intBelow(unsynced + 1)));
    this.note(`crash node ${n.id}`);
    const restartMs = this.churn ? this.rng.intBetween(...CHURN.restartMs) : this.rng.intBetween(50, 1500);
    this.schedule(restartMs, { kind: "restart", node: n.id });
  }

  private onRestart(id: NodeId): void {
    const n = this.nodes.get(id);
    if (n === undefined || n.alive) return;
    this.note(`restart node ${id}`);
    // Only what was persisted survives: the disk, not the Raft object or the state machine.
    this.restartNode(n);
  }

  private partition(kind: string): boolean {
    if (this.blocked.size > 0) return false;
    const ids = [...this.nodes.keys()];
    const leader = this.currentLeader();
    if (kind === "isolate-leader" && leader === undefined) return false;
    const side = new Set(kind === "isolate-leader" ? [(leader as SimNode).id] : ids.filter(() => this.rng.chance(0.5)));
    const oneWay = kind === "one-way";
    for (const a of side) {
      for (const b of ids) {
        if (side.has(b)) continue;
        this.blocked.add(`${a}>${b}`);
        if (!oneWay) this.blocked.add(`${b}>${a}`);
      }
    }
    this.note(`${kind} partition: {${[...side].join(",")}}${oneWay ? " cannot send to" : " | "} the rest`);
    this.schedule(this.rng.intBetween(100, 1500), { kind: "heal" });
    return true;
  }

  private currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      const s = n.raft.status();
      if (s.role === "leader" && (best === undefined || s.term > best.raft.status().term)) best = n;
    }
    return best;
  }

  private membershipFault(kind: string): boolean {
    const leader = this.currentLeader();
    if (leader === undefined) return false;
    const s = leader.raft.status();
    if (kind === "transfer") {
      const target = this.rng.pick(s.voters);
      this.note(`transfer leadership ${leader.id} -> ${target}`);
      return leader.raft.transferLeadership(target);
    }
    const change = this.pickConfChange(kind, s.voters, s.learners);
    if (change === undefined) return false;
    const r = leader.raft.proposeConfChange(change);
    this.note(`propose ${change.kind} ${change.nodeId} at leader ${leader.id}: ${r.kind}`);
    if (r.kind === "accepted" && change.kind === "remove-node" && change.nodeId === leader.id) {
      this.faults["remove-leader"] = (this.faults["remove-leader"] ?? 0) + 1;
    }
    if (r.kind === "accepted" && change.kind === "add-learner" && !this.nodes.has(change.nodeId)) {
      this.startFreshNode(change.nodeId);
    }
    return r.kind === "accepted";
  }

  private pickConfChange(
    kind: string,
    voters: readonly NodeId[],
    learners: readonly NodeId[],
  ): { kind: "add-learner" | "promote-learner" | "remove-node"; nodeId: NodeId } | undefined {
    if (kind === "add") {
      const fresh = Array.from({ length: this.o.nodeIdsMax }, (_, i) => i + 1).filter((id) => !this.nodes.has(id));
      return fresh.length === 0 ? undefined : { kind: "add-learner", nodeId: fresh[0] as NodeId };
    }
    if (kind === "promote") return learners.length === 0 ? undefined : { kind: "promote-learner", nodeId: this.rng.pick(learners) };
    // Keep at least three voters so the group still tolerates a crash.
    if (voters.length > 3) return { kind: "remove-node", nodeId: this.rng.pick(voters) };
    return learners.length === 0 ? undefined : { kind: "remove-node", nodeId: this.rng.pick(learners) };
  }

  private onSettle(): void {
    this.settled = true;
    this.blocked.clear();
    this.muted.clear();
    this.dropRate = 0;
    this.note("settle: heal everything, restart crashed nodes");
    for (const n of this.nodes.values()) if (!n.alive) this.restartNode(n);
  }

  // ---- final checks -----------------------------------------------------------------------

  /** After healing, every member of the leader's configuration applies everything committed. */
  private checkConverged(): void {
    const leader = this.currentLeader();
    if (leader === undefined) this.fail("no leader after the network healed");
    const s = leader.raft.status();
    for (const id of [...s.voters, ...s.learners]) {
      const n = this.nodes.get(id);
      if (n === undefined) continue;
      if (n.sm.applied < this.safety.appliedMax) {
        this.fail(`node ${id} applied ${n.sm.applied} after settling, but ${this.safety.appliedMax} was committed`);
      }
    }
  }
}
