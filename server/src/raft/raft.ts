/**
 * The Raft algorithm as a deterministic state machine. It reacts to `step` (a message), `tick`
 * (a unit of logical time) and local requests (propose, read, transfer, conf change); its outputs
 * are queued messages, read states and log/commit changes that `RaftNode` packages into `Ready`.
 * It never does I/O, never reads a clock and draws randomness only from the injected source.
 *
 * Roles follow the thesis with etcd's refinements: pre-vote (a candidate first asks whether it
 * could win without bumping terms, so a partitioned node cannot disrupt a healthy group),
 * check-quorum (a leader that has not heard from a majority within an election timeout steps
 * down, which also gives followers a lease during which they refuse to vote), and the commit
 * rule that only entries of the leader's own term are committed by counting replicas.
 */
import { assert } from "./assert.js";
import { RaftLog } from "./log.js";
import { Progress } from "./progress.js";
import { committedIndex, hasQuorum, voteResult } from "./quorum.js";
import { ReadOnlyQueue, type PendingRead } from "./read-only.js";
import type { RaftStorage } from "./storage/storage.js";
import { entryDataBytes, NO_NODE } from "./types.js";
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  RaftRole,
  ReadState,
  Snapshot,
  SnapshotMeta,
  SoftState,
} from "./types.js";

/** The only randomness Raft uses: election timeout jitter. */
export interface RandomSource {
  /** A uniformly distributed integer in [0, n). */
  intBelow(n: number): number;
}

/**
 * `safe`: a read-index read waits for a heartbeat round acknowledged by a majority.
 * `lease`: the leader answers at once while check-quorum keeps it leader. NB: lease reads assume
 * every replica's tick rate is within a small factor of the others' (bounded clock drift): a
 * deposed leader keeps serving until its own election timeout elapses, and followers refuse to
 * elect a successor until theirs does; if the old leader's clock runs slow by more than that
 * margin, it can serve a stale read.
 */
export type ReadMode = "safe" | "lease";

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  readonly random: RandomSource;
  /** Followers campaign after a random timeout in [electionTicks, 2*electionTicks). Default 10. */
  readonly electionTicks?: number;
  /** Leaders heartbeat every this many ticks. Default 1. */
  readonly heartbeatTicks?: number;
  /** Last index the application has applied (its state machine includes it). Default: the snapshot. */
  readonly applied?: number;
  /** Bound on the entry bytes in one append message. Default 1 MiB. */
  readonly appendBytesMax?: number;
  /** Appends in flight per follower before replication pauses. Default 256. */
  readonly inflightCountMax?: number;
  /** Bytes in flight per follower before replication pauses; 0 means unbounded. Default 0. */
  readonly inflightBytesMax?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly readMode?: ReadMode;
  /** Snapshots travel in chunks of this size. Default 1 MiB. */
  readonly snapshotChunkBytes?: number;
  /** Unacknowledged snapshot chunks in flight per follower. Default 4. */
  readonly snapshotChunksInFlightMax?: number;
  /** Bound on pending read-index requests at a leader. Default 4096. */
  readonly readsPendingMax?: number;
  /** Bound on proposed-but-uncommitted entries; proposals beyond it are rejected. Default 50,000. */
  readonly uncommittedEntriesMax?: number;
  /** Bound on the entry bytes handed to the application in one Ready. Default 64 MiB. */
  readonly committedBytesPerReadyMax?: number;
  /**
   * For the simulator's self-test only; never set in production. Drops the rule that a leader
   * commits by counting replicas only entries of its own term (Raft figure 8), so the simulator
   * can prove its checks catch the committed entries this loses.
   */
  readonly unsafeCommitOldTermEntries?: boolean;
}

export type ProposeResult =
  | { readonly kind: "accepted"; readonly index: number; readonly term: number }
  | {
      readonly kind: "rejected";
      readonly reason:
        | "not-leader"
        | "transferring"
        | "too-many-uncommitted"
        | "conf-change-pending"
        | "invalid-conf-change"
        | "learner-behind";
      /** Who we think leads (NO_NODE if unknown), so a client can redirect. */
      readonly lead: NodeId;
    };

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly lead: NodeId;
  readonly role: RaftRole;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** A message as Raft queues it: `from` is filled in, `term` defaults to ours. */
type Outgoing<M> = M extends Message ? Omit<M, "from" | "term"> & { readonly term?: number } : never;

interface IncomingSnapshot {
  readonly meta: SnapshotMeta;
  readonly totalBytes: number;
  readonly chunks: Uint8Array[];
  receivedBytes: number;
}

const EMPTY = new Uint8Array(0);
/** Bound on a snapshot a follower will assemble in memory. */
const SNAPSHOT_BYTES_MAX = 1 << 30;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NO_NODE;
  lead: NodeId = NO_NODE;
  role: RaftRole = "follower";
  readonly log: RaftLog;
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  /** Outputs, drained by RaftNode.ready(). */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** Set when new entries or a new commit index should go to followers at the next ready. */
  pendingBroadcast = false;

  private readonly votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId = NO_NODE;
  /** A conf change at an index above `applied` is in flight; only one may be. */
  private pendingConfIndex = 0;
  private readonly readOnly: ReadOnlyQueue;
  private incomingSnapshot: IncomingSnapshot | undefined = undefined;

  private readonly random: RandomSource;
  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly appendBytesMax: number;
  private readonly inflightCountMax: number;
  private readonly inflightBytesMax: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly readMode: ReadMode;
  private readonly snapshotChunkBytes: number;
  private readonly snapshotChunksInFlightMax: number;
  private readonly uncommittedEntriesMax: number;
  readonly committedBytesPerReadyMax: number;
  private readonly unsafeCommitOldTermEntries: boolean;

  constructor(c: RaftConfig) {
    this.id = c.id;
    assert(c.id !== NO_NODE, "node id 0 is reserved");
    this.random = c.random;
    this.electionTimeout = c.electionTicks ?? 10;
    this.heartbeatTimeout = c.heartbeatTicks ?? 1;
    assert(this.heartbeatTimeout < this.electionTimeout, "heartbeat interval must be below the election timeout");
    this.appendBytesMax = c.appendBytesMax ?? 1 << 20;
    this.inflightCountMax = c.inflightCountMax ?? 256;
    this.inflightBytesMax = c.inflightBytesMax ?? 0;
    this.preVote = c.preVote ?? true;
    this.checkQuorum = c.checkQuorum ?? true;
    this.readMode = c.readMode ?? "safe";
    assert(this.readMode === "safe" || this.checkQuorum, "lease reads need check-quorum");
    this.snapshotChunkBytes = Math.max(1, c.snapshotChunkBytes ?? 1 << 20);
    this.snapshotChunksInFlightMax = Math.max(1, c.snapshotChunksInFlightMax ?? 4);
    this.uncommittedEntriesMax = c.uncommittedEntriesMax ?? 50_000;
    this.committedBytesPerReadyMax = c.committedBytesPerReadyMax ?? 64 << 20;
    this.unsafeCommitOldTermEntries = c.unsafeCommitOldTermEntries === true;
    this.readOnly = new ReadOnlyQueue(c.readsPendingMax ?? 4096);

    const { hardState, confState } = c.storage.initialState();
    this.log = new RaftLog(c.storage, c.applied ?? 0);
    this.setConf(confState);
    this.replayAppliedConfChanges(c.storage.firstIndex(), this.log.applied);
    this.becomeFollower(hardState.term, NO_NODE);
    this.vote = hardState.vote;
  }

  // ---- accessors --------------------------------------------------------------------------

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  confState(): ConfState {
    return { voters: this.voters.slice(), learners: this.learners.slice() };
  }

  status(): RaftStatus {
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      lead: this.lead,
      role: this.role,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      voters: this.voters.slice(),
      learners: this.learners.slice(),
    };
  }

  /** Can this replica become leader? Only voters can; learners and removed replicas cannot. */
  promotable(): boolean {
    return this.voters.includes(this.id);
  }

  // ---- role transitions -------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.random.intBelow(this.electionTimeout);
    this.leadTransferee = NO_NODE;
    this.votes.clear();
    this.resetProgress();
    this.pendingConfIndex = 0;
    this.readOnly.reset();
    this.pendingBroadcast = false;
  }

  private resetProgress(): void {
    this.progress.clear();
    const next = this.log.lastIndex() + 1;
    for (const id of this.voters) this.progress.set(id, this.newProgress(next, false));
    for (const id of this.learners) this.progress.set(id, this.newProgress(next, true));
    const self = this.progress.get(this.id);
    if (self !== undefined) self.match = next - 1;
  }

  private newProgress(next: number, isLearner: boolean): Progress {
    return new Progress(next, isLearner, this.inflightCountMax, this.inflightBytesMax);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = "follower";
  }

  private becomePreCandidate(): void {
    assert(this.role !== "leader", "leader cannot become pre-candidate");
    // Neither term nor vote changes: a pre-vote that fails leaves no trace.
    this.votes.clear();
    this.lead = NO_NODE;
    this.role = "pre-candidate";
  }

  private becomeCandidate(): void {
    assert(this.role !== "leader", "leader cannot become candidate");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    assert(this.role === "candidate", `only a candidate becomes leader, not a ${this.role}`);
    this.reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    this.progress.get(this.id)?.becomeReplicate();
    // The no-op commits our term; until it does we do not know which entries are committed, so
    // conf changes and read-index reads wait for it.
    this.appendEntries([{ kind: "normal", data: EMPTY }]);
    this.pendingConfIndex = this.log.lastIndex();
  }

  // ---- ticks ------------------------------------------------------------------------------

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.role === "leader") this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumRecentlyActive()) {
        this.becomeFollower(this.term, NO_NODE);
        return;
      }
      this.leadTransferee = NO_NODE;
    }
    this.tickSnapshotProgress();
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.readOnly.lastContext() ?? EMPTY);
    }
  }

  /**
   * Retransmission for snapshot transfers: after an election timeout without progress, resend
   * from the last acknowledged byte; after two, abandon the transfer (probing restarts it).
   */
  private tickSnapshotProgress(): void {
    for (const [id, pr] of this.progress) {
      if (pr.state !== "snapshot") continue;
      const ticks = ++pr.snapshotTicks;
      if (ticks >= 2 * this.electionTimeout) {
        pr.becomeProbe();
      } else if (ticks === this.electionTimeout) {
        pr.rewindSnapshot(pr.snapshotAckedBytes);
        this.sendSnapshotChunks(id, pr);
      }
    }
  }

  /** Check-quorum: true if a majority (counting us) was heard from; clears the marks for the next round. */
  private quorumRecentlyActive(): boolean {
    const active = hasQuorum(this.voters, (id) => id === this.id || this.progress.get(id)?.recentActive === true);
    for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
    return active;
  }

  // ---- elections --------------------------------------------------------------------------

  /** Starts an election if allowed; `transfer` skips pre-vote (the leader asked us to take over). */
  hup(transfer: boolean): void {
    if (this.role === "leader" || !this.promotable() || this.hasUnappliedConfChanges()) return;
    this.campaign(this.preVote && !transfer ? "pre-vote" : "vote", transfer);
  }

  /** NB: a replica must not campaign under a membership it has not finished applying. */
  private hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    const ents = this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER);
    return ents.some((e) => e.kind === "conf-change");
  }

  private campaign(kind: "pre-vote" | "vote", transfer: boolean): void {
    if (kind === "pre-vote") this.becomePreCandidate();
    else this.becomeCandidate();
    const voteTerm = kind === "pre-vote" ? this.term + 1 : this.term;
    this.votes.set(this.id, true);
    if (this.tallyVotes()) return;
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const to of this.voters) {
      if (to === this.id) continue;
      if (kind === "pre-vote") this.send({ kind, to, term: voteTerm, lastIndex, lastTerm });
      else this.send({ kind, to, term: voteTerm, lastIndex, lastTerm, transfer });
    }
  }

  /** Acts on the votes so far; returns true if the campaign ended. */
  private tallyVotes(): boolean {
    const result = voteResult(this.voters, this.votes);
    if (result === "pending") return false;
    if (result === "lost") this.becomeFollower(this.term, NO_NODE);
    else if (this.role === "pre-candidate") this.campaign("vote", false);
    else this.becomeLeader();
    return true;
  }

  private handleVoteRequest(m: Extract<Message, { kind: "pre-vote" | "vote" }>): void {
    const responseKind = m.kind === "pre-vote" ? "pre-vote-response" : "vote-response";
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_NODE && this.lead === NO_NODE) ||
      (m.kind === "pre-vote" && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      // A granted pre-vote answers in the term it asked about, so the asker can count it.
      this.send({ kind: responseKind, to: m.from, term: m.term, reject: false });
      if (m.kind === "vote") {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ kind: responseKind, to: m.from, reject: true });
    }
  }

  // ---- step -------------------------------------------------------------------------------

  /** Processes one message from a peer. Messages from stale terms are answered or dropped. */
  step(m: Message): void {
    if (m.term > this.term) {
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.answerStaleTerm(m);
      return;
    }
    switch (m.kind) {
      case "pre-vote":
      case "vote":
        this.handleVoteRequest(m);
        return;
      default:
        if (this.role === "leader") this.stepLeader(m);
        else if (this.role === "follower") this.stepFollower(m);
        else this.stepCandidate(m);
    }
  }

  /** Handles a message from a higher term; returns false if it should be ignored. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.kind === "pre-vote" || m.kind === "vote") {
      const force = m.kind === "vote" && m.transfer;
      // Lease: while we hear from a leader, refuse to help depose it (check-quorum's other half).
      const inLease = this.checkQuorum && this.lead !== NO_NODE && this.electionElapsed < this.electionTimeout;
      if (!force && inLease) return false;
    }
    if (m.kind === "pre-vote" || (m.kind === "pre-vote-response" && !m.reject)) return true;
    const fromLeader = m.kind === "append" || m.kind === "heartbeat" || m.kind === "snapshot-chunk";
    this.becomeFollower(m.term, fromLeader ? m.from : NO_NODE);
    return true;
  }

  private answerStaleTerm(m: Message): void {
    if ((this.checkQuorum || this.preVote) && (m.kind === "heartbeat" || m.kind === "append")) {
      // A leader cut off by a partition learns our newer term and steps down. Without this, with
      // pre-vote on, it could stay leader of a term nobody else will join.
      this.send({ kind: "append-response", to: m.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
    } else if (m.kind === "pre-vote") {
      this.send({ kind: "pre-vote-response", to: m.from, reject: true });
    }
  }

  private stepLeader(m: Exclude<Message, { kind: "pre-vote" | "vote" }>): void {
    switch (m.kind) {
      case "append-response":
        this.handleAppendResponse(m);
        return;
      case "heartbeat-response":
        this.handleHeartbeatResponse(m);
        return;
      case "read-index":
        this.leaderReadIndex(m.context, m.from);
        return;
      case "snapshot-ack":
        this.handleSnapshotAck(m);
        return;
      case "append":
      case "heartbeat":
      case "snapshot-chunk":
        assert(false, `leader ${this.id} got ${m.kind} from ${m.from} in its own term ${this.term}`);
        return;
      case "pre-vote-response":
      case "vote-response":
      case "timeout-now":
      case "read-index-response":
        return;
    }
  }

  private stepCandidate(m: Exclude<Message, { kind: "pre-vote" | "vote" }>): void {
    switch (m.kind) {
      case "append":
      case "heartbeat":
      case "snapshot-chunk":
        // Someone won this term.
        this.becomeFollower(this.term, m.from);
        this.stepFollower(m);
        return;
      case "pre-vote-response":
      case "vote-response":
        if ((m.kind === "pre-vote-response") !== (this.role === "pre-candidate")) return;
        this.votes.set(m.from, !m.reject);
        this.tallyVotes();
        return;
      case "append-response":
      case "heartbeat-response":
      case "snapshot-ack":
      case "timeout-now":
      case "read-index":
      case "read-index-response":
        return;
    }
  }

  private stepFollower(m: Exclude<Message, { kind: "pre-vote" | "vote" }>): void {
    switch (m.kind) {
      case "append":
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.heardFromLeader(m.from);
        this.log.commitTo(m.commit);
        this.send({ kind: "heartbeat-response", to: m.from, context: m.context });
        return;
      case "snapshot-chunk":
        this.heardFromLeader(m.from);
        this.handleSnapshotChunk(m);
        return;
      case "timeout-now":
        this.hup(true);
        return;
      case "read-index":
        // Forwarded to us by mistake (we are no longer leader): pass it on if we know who is.
        if (this.lead !== NO_NODE) this.send({ kind: "read-index", to: this.lead, context: m.context });
        return;
      case "read-index-response":
        this.readStates.push({ index: m.index, context: m.context });
        return;
      case "pre-vote-response":
      case "vote-response":
      case "append-response":
      case "heartbeat-response":
      case "snapshot-ack":
        return;
    }
  }

  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.lead = from;
  }

  // ---- replication: follower side ---------------------------------------------------------

  private handleAppend(m: Extract<Message, { kind: "append" }>): void {
    if (m.prevIndex < this.log.committed) {
      this.ack(m.from, this.log.committed);
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.ack(m.from, lastNew);
      return;
    }
    // Point the leader at the last index that can possibly match, skipping our conflicting term.
    const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
    const logTerm = this.log.term(hint) ?? 0;
    this.send({ kind: "append-response", to: m.from, index: m.prevIndex, reject: true, rejectHint: hint, logTerm });
  }

  private ack(to: NodeId, index: number): void {
    this.send({ kind: "append-response", to, index, reject: false, rejectHint: 0, logTerm: 0 });
  }

  private handleSnapshotChunk(m: Extract<Message, { kind: "snapshot-chunk" }>): void {
    let inc = this.incomingSnapshot;
    const sameSnapshot = inc !== undefined && inc.meta.index === m.meta.index && inc.meta.term === m.meta.term;
    if (!sameSnapshot && m.offsetBytes === 0 && m.totalBytes <= SNAPSHOT_BYTES_MAX) {
      inc = { meta: m.meta, totalBytes: m.totalBytes, chunks: [], receivedBytes: 0 };
      this.incomingSnapshot = inc;
    } else if (!sameSnapshot) {
      inc = undefined;
    }
    const received = inc?.receivedBytes ?? 0;
    const snapshotIndex = m.meta.index;
    // A duplicate: restate what we hold, in case our earlier acks were lost.
    if (inc !== undefined && m.offsetBytes < received) {
      this.send({ kind: "snapshot-ack", to: m.from, snapshotIndex, receivedBytes: received, gap: false });
      return;
    }
    // A gap, or a transfer we no longer hold: ask for a resend from what we have.
    if (inc === undefined || m.offsetBytes !== received || received + m.data.length > inc.totalBytes) {
      this.send({ kind: "snapshot-ack", to: m.from, snapshotIndex, receivedBytes: received, gap: true });
      return;
    }
    inc.chunks.push(m.data);
    inc.receivedBytes += m.data.length;
    if (inc.receivedBytes < inc.totalBytes) {
      this.send({ kind: "snapshot-ack", to: m.from, snapshotIndex, receivedBytes: inc.receivedBytes, gap: false });
      return;
    }
    this.incomingSnapshot = undefined;
    const snapshot: Snapshot = { meta: inc.meta, data: Buffer.concat(inc.chunks) };
    this.ack(m.from, this.restore(snapshot) ? this.log.lastIndex() : this.log.committed);
  }

  /** Installs a snapshot from the leader; false if our log already covers it. */
  private restore(snapshot: Snapshot): boolean {
    const { index, term } = snapshot.meta;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We hold the entry the snapshot ends at, hence everything before it: just commit.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    this.setConf(snapshot.meta.confState);
    return true;
  }

  // ---- replication: leader side -----------------------------------------------------------

  /** Stamps entries with our term and the next indexes, appends them and counts our own copy. */
  private appendEntries(entries: readonly ({ kind: "normal"; data: Uint8Array } | { kind: "conf-change"; change: ConfChange })[]): void {
    let index = this.log.lastIndex();
    const term = this.term;
    const stamped: Entry[] = entries.map((e) =>
      e.kind === "normal" ? { kind: e.kind, term, index: ++index, data: e.data } : { kind: e.kind, term, index: ++index, change: e.change },
    );
    this.log.append(stamped);
    this.progress.get(this.id)?.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
    this.pendingBroadcast = true;
  }

  /** Advances the commit index to what a majority holds, but only by counting our own term's entries. */
  private maybeCommit(): boolean {
    const mci = committedIndex(this.voters, (id) => this.progress.get(id)?.match ?? 0);
    if (mci <= this.log.committed) return false;
    // An earlier term's entry on a majority can still be overwritten (figure 8); only our own
    // term's entry, once on a majority, is safe, and it commits everything before it.
    if (this.log.term(mci) !== this.term && !this.unsafeCommitOldTermEntries) return false;
    this.log.commitTo(mci);
    return true;
  }

  /** Sends pending entries and the commit index to every follower that is not paused. */
  flushBroadcast(): void {
    if (!this.pendingBroadcast) return;
    this.pendingBroadcast = false;
    if (this.role !== "leader") return;
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id, true);
  }

  /** Sends `to` the entries it lacks (or a snapshot if they are compacted); false if nothing sent. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = prevTerm === undefined ? undefined : this.log.entriesFrom(pr.next, this.appendBytesMax);
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ kind: "append", to, prevIndex, prevTerm, entries, commit: this.log.committed });
    let bytes = 0;
    for (const e of entries) bytes += entryDataBytes(e);
    pr.sentEntries(prevIndex + entries.length, entries.length, bytes);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    const snap = this.log.snapshot();
    assert(snap.meta.index > 0, `follower ${to} needs a snapshot but none exists`);
    pr.becomeSnapshot(snap);
    this.sendSnapshotChunks(to, pr);
    return true;
  }

  /** Sends chunks from `snapshotSentBytes` while the window of unacknowledged bytes has room. */
  private sendSnapshotChunks(to: NodeId, pr: Progress): void {
    const snap = pr.snapshot as Snapshot;
    const total = snap.data.length;
    const windowBytes = this.snapshotChunkBytes * this.snapshotChunksInFlightMax;
    // The first chunk goes out even for an empty snapshot: it carries the meta.
    do {
      const offsetBytes = pr.snapshotSentBytes;
      if (offsetBytes - pr.snapshotAckedBytes >= windowBytes || (offsetBytes >= total && offsetBytes > 0)) return;
      const data = snap.data.subarray(offsetBytes, Math.min(total, offsetBytes + this.snapshotChunkBytes));
      this.send({ kind: "snapshot-chunk", to, meta: snap.meta, offsetBytes, totalBytes: total, data });
      pr.snapshotSentBytes = offsetBytes + Math.max(1, data.length);
    } while (pr.snapshotSentBytes < total);
  }

  private handleSnapshotAck(m: Extract<Message, { kind: "snapshot-ack" }>): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (pr.state !== "snapshot" || m.snapshotIndex !== pr.pendingSnapshot) return;
    pr.onSnapshotAck(m.receivedBytes, m.gap);
    this.sendSnapshotChunks(m.from, pr);
  }

  private handleAppendResponse(m: Extract<Message, { kind: "append-response" }>): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.reject) {
      const matchHint = m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm) : m.rejectHint;
      if (pr.maybeDecrTo(m.index, matchHint)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === "probe" || (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot)) pr.becomeReplicate();
    else if (pr.state === "replicate") pr.inflights.freeLE(m.index);
    if (this.maybeCommit()) this.pendingBroadcast = true;
    // A pending broadcast will reach this follower anyway; sending now would duplicate it.
    else if (wasPaused && !this.pendingBroadcast) this.sendAppend(m.from, true);
    // Pipelining: keep streaming while the window has room.
    while (this.sendAppend(m.from, false)) {
      /* each call sends one batch */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ kind: "timeout-now", to: m.from });
    }
  }

  private handleHeartbeatResponse(m: Extract<Message, { kind: "heartbeat-response" }>): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // Acks may have been lost: free a slot so a live follower is never stuck behind a full window.
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
    if (this.readMode === "safe" && m.context.length > 0) this.readAcked(m.from, m.context);
  }

  private broadcastHeartbeat(context: Uint8Array): void {
    for (const [to, pr] of this.progress) {
      if (to === this.id) continue;
      // Never tell a follower a commit index beyond what it is known to hold.
      this.send({ kind: "heartbeat", to, commit: Math.min(pr.match, this.log.committed), context });
    }
  }

  // ---- reads ------------------------------------------------------------------------------

  /**
   * Requests a linearizable read; the answer arrives as a ReadState carrying `context`. Returns
   * false if it cannot be served now (no leader known, leader has not committed in its term, or
   * too many reads pending); the caller retries.
   */
  readIndex(context: Uint8Array): boolean {
    if (this.role === "leader") return this.leaderReadIndex(context, this.id);
    if (this.lead === NO_NODE) return false;
    this.send({ kind: "read-index", to: this.lead, context });
    return true;
  }

  private leaderReadIndex(context: Uint8Array, from: NodeId): boolean {
    // Until our no-op commits we do not know the latest commit index.
    if (this.log.term(this.log.committed) !== this.term) return false;
    const read = { index: this.log.committed, context, from, acks: new Set<NodeId>() };
    if ((this.voters.length === 1 && this.promotable()) || this.readMode === "lease") {
      this.respondRead(read);
      return true;
    }
    if (!this.readOnly.add(read.index, context, from)) return false;
    this.readAcked(this.id, context);
    this.broadcastHeartbeat(context);
    return true;
  }

  private readAcked(from: NodeId, context: Uint8Array): void {
    const acks = this.readOnly.recvAck(from, context);
    if (acks === undefined || !hasQuorum(this.voters, (id) => acks.has(id))) return;
    for (const r of this.readOnly.advance(context)) this.respondRead(r);
  }

  private respondRead(r: PendingRead): void {
    if (r.from === this.id) this.readStates.push({ index: r.index, context: r.context });
    else this.send({ kind: "read-index-response", to: r.from, index: r.index, context: r.context });
  }

  // ---- proposals and membership -----------------------------------------------------------

  /** Appends application data if we lead; the result says at which (index, term) to watch for it. */
  propose(data: Uint8Array): ProposeResult {
    const refused = this.refuseProposal();
    if (refused !== undefined) return refused;
    this.appendEntries([{ kind: "normal", data }]);
    return { kind: "accepted", index: this.log.lastIndex(), term: this.term };
  }

  private refuseProposal(): ProposeResult | undefined {
    if (this.role !== "leader") return { kind: "rejected", reason: "not-leader", lead: this.lead };
    if (this.leadTransferee !== NO_NODE) return { kind: "rejected", reason: "transferring", lead: this.lead };
    if (this.log.lastIndex() - this.log.committed >= this.uncommittedEntriesMax) {
      return { kind: "rejected", reason: "too-many-uncommitted", lead: this.lead };
    }
    return undefined;
  }

  /**
   * Proposes one membership change. Only one may be in flight, a new voter must first be a
   * learner that has caught up to the commit index, and the group keeps at least one voter.
   */
  proposeConfChange(change: ConfChange): ProposeResult {
    const refused = this.refuseProposal() ?? this.refuseConfChange(change);
    if (refused !== undefined) return refused;
    this.appendEntries([{ kind: "conf-change", change }]);
    this.pendingConfIndex = this.log.lastIndex();
    return { kind: "accepted", index: this.log.lastIndex(), term: this.term };
  }

  private refuseConfChange(change: ConfChange): ProposeResult | undefined {
    const reject = (reason: "conf-change-pending" | "invalid-conf-change" | "learner-behind"): ProposeResult => ({
      kind: "rejected",
      reason,
      lead: this.lead,
    });
    if (this.pendingConfIndex > this.log.applied) return reject("conf-change-pending");
    const id = change.nodeId;
    switch (change.kind) {
      case "add-learner":
        return id === NO_NODE || this.progress.has(id) ? reject("invalid-conf-change") : undefined;
      case "promote-learner":
        if (!this.learners.includes(id)) return reject("invalid-conf-change");
        return (this.progress.get(id)?.match ?? 0) < this.log.committed ? reject("learner-behind") : undefined;
      case "remove-node":
        if (!this.progress.has(id)) return reject("invalid-conf-change");
        return this.voters.length === 1 && this.voters[0] === id ? reject("invalid-conf-change") : undefined;
    }
  }

  /** Applies a committed membership change; RaftNode calls it as the entry is applied. */
  applyConfChange(change: ConfChange): void {
    const id = change.nodeId;
    switch (change.kind) {
      case "add-learner":
        if (this.progress.has(id)) return;
        this.learners.push(id);
        this.progress.set(id, this.newProgress(this.log.lastIndex() + 1, true));
        // Start probing the newcomer now rather than at the next heartbeat.
        if (this.role === "leader") this.sendAppend(id, true);
        break;
      case "promote-learner": {
        const pr = this.progress.get(id);
        if (!this.learners.includes(id) || pr === undefined) return;
        this.learners = this.learners.filter((x) => x !== id);
        this.voters.push(id);
        pr.isLearner = false;
        break;
      }
      case "remove-node":
        this.voters = this.voters.filter((x) => x !== id);
        this.learners = this.learners.filter((x) => x !== id);
        this.progress.delete(id);
        if (this.leadTransferee === id) this.leadTransferee = NO_NODE;
        break;
    }
    this.afterConfChange();
  }

  private afterConfChange(): void {
    if (this.role !== "leader") return;
    if (!this.promotable()) {
      // NB: the leader was removed. It steps down; the remaining voters hold every committed
      // entry (including this change) and elect a successor after an election timeout.
      this.becomeFollower(this.term, NO_NODE);
      return;
    }
    // A smaller quorum may already cover more entries.
    if (this.maybeCommit()) this.pendingBroadcast = true;
  }

  private setConf(cs: ConfState): void {
    this.voters = cs.voters.slice();
    this.learners = cs.learners.slice();
    this.resetProgress();
  }

  /** After a restart the log may hold applied conf changes newer than the snapshot's membership. */
  private replayAppliedConfChanges(lo: number, applied: number): void {
    if (applied < lo) return;
    for (const e of this.log.slice(lo, applied + 1, Number.MAX_SAFE_INTEGER)) {
      if (e.kind === "conf-change") this.applyConfChange(e.change);
    }
  }

  /** Asks `target` to take over leadership; false if we do not lead or it is not a voter. */
  transferLeadership(target: NodeId): boolean {
    if (this.role !== "leader" || target === this.id || !this.voters.includes(target)) return false;
    if (this.leadTransferee === target) return true;
    this.leadTransferee = target;
    // The transfer is abandoned if it does not finish within one election timeout.
    this.electionElapsed = 0;
    const pr = this.progress.get(target) as Progress;
    if (pr.match === this.log.lastIndex()) this.send({ kind: "timeout-now", to: target });
    else this.sendAppend(target, true);
    return true;
  }

  /** NB: fills in `from` and `term` on `m` itself (callers pass fresh literals); object spread is slow in Node 20. */
  private send(m: Outgoing<Message>): void {
    const out = m as { from?: NodeId; term?: number };
    out.from = this.id;
    out.term ??= this.term;
    this.msgs.push(m as unknown as Message);
  }
}
