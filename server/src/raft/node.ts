/**
 * The application's handle on one Raft group. The loop around it is:
 *
 *   1. feed inputs: `tick()`, `step(message)`, `propose(data)`, `readIndex(ctx)`, ...
 *   2. if `hasReady()`, take `ready()` and, in this order:
 *      a. persist `snapshot`, `entries` and `hardState` (durably, e.g. fsync);
 *      b. only then send `messages` (NB: sending first could acknowledge or vote on state that a
 *         crash would forget, which breaks Raft's safety);
 *      c. restore `snapshot` into the state machine, apply `committedEntries` in order, serve
 *         `readStates` once the state machine has applied their index;
 *   3. call `advance()`.
 *
 * Inputs may keep arriving between `ready()` and `advance()` (while the write is in flight);
 * their effects appear in the next Ready.
 *
 * Many groups per process (multi-raft): a replica is a RaftNode plus its storage, about 4 KiB
 * of heap beyond the log entries (the benchmark measures it), with no timers or tasks of its own. The caller drives all
 * groups' ticks from one timer, may batch the Readies of many groups into one storage write and
 * one fsync, and may coalesce messages (heartbeats especially) bound for the same process into
 * one transport frame; nothing here depends on messages travelling separately.
 */
import { assert } from "./assert.js";
import { Raft, type ProposeResult, type RaftConfig, type RaftStatus } from "./raft.js";
import { hardStateEqual } from "./types.js";
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ReadState,
  Snapshot,
  SoftState,
} from "./types.js";

export interface Ready {
  /** Present when the leader or our role changed. */
  readonly softState: SoftState | undefined;
  /** Present when term, vote or commit changed; persist it. */
  readonly hardState: HardState | undefined;
  /** Entries to append to stable storage (they may replace a suffix). */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader to persist and restore into the state machine. */
  readonly snapshot: Snapshot | undefined;
  /** Entries to apply, in order, after persisting. */
  readonly committedEntries: readonly Entry[];
  /** To send after persisting. */
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

export class RaftNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private inFlight: Ready | undefined = undefined;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick (election and heartbeat timeouts count ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Delivers a message from a peer. Duplicated, reordered and stale messages are all safe. */
  step(message: Message): void {
    this.raft.step(message);
  }

  /** Proposes application data; only a leader accepts. */
  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }

  /** Proposes a membership change; see Raft.proposeConfChange for the rules. */
  proposeConfChange(change: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(change);
  }

  /** Requests a linearizable read; false if it cannot be started now. */
  readIndex(context: Uint8Array): boolean {
    return this.raft.readIndex(context);
  }

  /** Starts an election now (tests and operators); a no-op for leaders and non-voters. */
  campaign(): void {
    this.raft.hup(false);
  }

  transferLeadership(target: NodeId): boolean {
    return this.raft.transferLeadership(target);
  }

  status(): RaftStatus {
    return this.raft.status();
  }

  /** Membership as of the last applied entry; what a snapshot taken now must record. */
  confState(): ConfState {
    return this.raft.confState();
  }

  /** Term of the entry at `index` in this replica's log, or undefined if compacted or absent. */
  termAt(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  hasReady(): boolean {
    if (this.inFlight !== undefined) return false;
    const r = this.raft;
    const soft = r.softState();
    return (
      soft.lead !== this.prevSoft.lead ||
      soft.role !== this.prevSoft.role ||
      !hardStateEqual(r.hardState(), this.prevHard) ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== undefined ||
      r.msgs.length > 0 ||
      r.pendingBroadcast ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  /** Takes the pending work. NB: call `advance()` before the next `ready()`. */
  ready(): Ready {
    assert(this.inFlight === undefined, "ready() called again before advance()");
    const r = this.raft;
    r.flushBroadcast();
    const soft = r.softState();
    const hard = r.hardState();
    const rd: Ready = {
      softState: soft.lead !== this.prevSoft.lead || soft.role !== this.prevSoft.role ? soft : undefined,
      hardState: hardStateEqual(hard, this.prevHard) ? undefined : hard,
      entries: r.log.unstable.entries.slice(),
      snapshot: r.log.unstable.snapshot,
      committedEntries: r.log.nextCommittedEntries(r.committedBytesPerReadyMax),
      messages: r.msgs,
      readStates: r.readStates,
    };
    r.msgs = [];
    r.readStates = [];
    if (rd.softState !== undefined) this.prevSoft = rd.softState;
    this.inFlight = rd;
    return rd;
  }

  /** Tells Raft the last Ready was persisted and applied. */
  advance(): void {
    const rd = this.inFlight;
    assert(rd !== undefined, "advance() without ready()");
    this.inFlight = undefined;
    const log = this.raft.log;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) log.unstable.stableTo(last.index, last.term);
    if (rd.snapshot !== undefined) {
      log.unstable.stableSnapTo(rd.snapshot.meta.index);
      log.appliedTo(rd.snapshot.meta.index);
    }
    // NB: a snapshot restored after ready() already carries the membership as of its index, so
    // conf changes at or below it must not be applied on top of it a second time.
    const restored = log.unstable.snapshot;
    const restoredIndex = restored !== undefined && restored !== rd.snapshot ? restored.meta.index : 0;
    for (const e of rd.committedEntries) {
      log.appliedTo(e.index);
      if (e.kind === "conf-change" && e.index > restoredIndex) this.raft.applyConfChange(e.change);
    }
  }
}
