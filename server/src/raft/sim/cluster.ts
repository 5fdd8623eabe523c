/**
 * A synchronous in-memory cluster for scripted tests: every replica follows the Ready contract
 * (persist, send, apply, advance) and messages are delivered in rounds, optionally filtered.
 * Unlike the simulator there is no time, loss or crash unless a test asks for it.
 */
import { RaftNode } from "../node.js";
import type { RaftConfig } from "../raft.js";
import { MemoryStorage } from "../storage/memory-storage.js";
import { NO_NODE, type Entry, type HardState, type Message, type NodeId, type ReadState, type Snapshot } from "../types.js";
import { Prng } from "./prng.js";

export interface Replica {
  node: RaftNode;
  readonly storage: MemoryStorage;
  readonly applied: Entry[];
  readonly readStates: ReadState[];
  restoredSnapshots: number;
}

export type ClusterConfig = Partial<Omit<RaftConfig, "id" | "storage" | "random">>;

/** The snapshot a group's first members start from: index 1, term 1, the given voters. */
export function bootstrapSnapshot(voters: readonly NodeId[], data: Uint8Array = new Uint8Array()): Snapshot {
  return { meta: { index: 1, term: 1, confState: { voters, learners: [] } }, data };
}

export class Cluster {
  readonly replicas = new Map<NodeId, Replica>();
  /** Return false to drop a message. */
  filter: (m: Message) => boolean = () => true;
  /** Messages sent, by kind, since the last reset (for assertions about traffic). */
  sent: Message[] = [];
  private readonly rng: Prng;

  constructor(
    voters: readonly NodeId[],
    private readonly config: ClusterConfig = {},
    seed = 1,
  ) {
    this.rng = new Prng(seed);
    for (const id of voters) {
      this.start(id, MemoryStorage.fromSnapshot(bootstrapSnapshot(voters), { term: 1, vote: NO_NODE, commit: 1 }));
    }
  }

  /** Starts (or restarts) replica `id` on `storage`. */
  start(id: NodeId, storage: MemoryStorage, extra: ClusterConfig = {}): Replica {
    const applied = storage.firstIndex() - 1;
    const node = new RaftNode({ ...this.config, ...extra, id, storage, random: this.rng.fork(), applied });
    const r: Replica = { node, storage, applied: [], readStates: [], restoredSnapshots: 0 };
    this.replicas.set(id, r);
    return r;
  }

  get(id: NodeId): Replica {
    const r = this.replicas.get(id);
    if (r === undefined) throw new Error(`no replica ${id}`);
    return r;
  }

  node(id: NodeId): RaftNode {
    return this.get(id).node;
  }

  /** Handles every pending Ready once; returns the messages they produced. */
  private collect(): Message[] {
    const out: Message[] = [];
    for (const r of this.replicas.values()) {
      if (!r.node.hasReady()) continue;
      const rd = r.node.ready();
      if (rd.snapshot !== undefined) {
        r.storage.applySnapshot(rd.snapshot);
        r.restoredSnapshots++;
      }
      r.storage.append(rd.entries);
      if (rd.hardState !== undefined) r.storage.setHardState(rd.hardState);
      out.push(...rd.messages);
      r.applied.push(...rd.committedEntries);
      r.readStates.push(...rd.readStates);
      r.node.advance();
    }
    return out;
  }

  /** Delivers messages and handles Readies until nothing is left, or `roundsMax` rounds. */
  stabilize(roundsMax = 200): void {
    for (let round = 0; round < roundsMax; round++) {
      const msgs = this.collect();
      if (msgs.length === 0 && ![...this.replicas.values()].some((r) => r.node.hasReady())) return;
      this.deliver(msgs);
    }
  }

  deliver(msgs: readonly Message[]): void {
    for (const m of msgs) {
      this.sent.push(m);
      if (!this.filter(m)) continue;
      this.replicas.get(m.to)?.node.step(m);
    }
  }

  /** Ticks every replica `n` times, stabilizing after each tick. */
  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const r of this.replicas.values()) r.node.tick();
      this.stabilize();
    }
  }

  /** Cuts `id` off from everyone (both directions) until `heal()`. */
  isolate(id: NodeId): void {
    this.filter = (m) => m.from !== id && m.to !== id;
  }

  heal(): void {
    this.filter = () => true;
  }

  leaders(): NodeId[] {
    return [...this.replicas.values()].filter((r) => r.node.status().role === "leader").map((r) => r.node.id);
  }

  /** Elects `id` by campaigning and stabilizing. */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.stabilize();
  }

  /** Proposes a string on `id` and stabilizes. */
  propose(id: NodeId, data: string): void {
    const r = this.node(id).propose(Buffer.from(data));
    if (r.kind !== "accepted") throw new Error(`proposal on ${id} rejected: ${r.reason}`);
    this.stabilize();
  }

  /** The data of applied normal entries on `id`, as strings (no-ops skipped). */
  appliedData(id: NodeId): string[] {
    const out: string[] = [];
    for (const e of this.get(id).applied) if (e.kind === "normal" && e.data.length > 0) out.push(Buffer.from(e.data).toString());
    return out;
  }

  hardState(id: NodeId): HardState {
    return this.get(id).storage.initialState().hardState;
  }
}
