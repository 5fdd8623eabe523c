/**
 * The data Raft exchanges with its caller: log entries, durable state, snapshots and messages.
 * Everything is readonly and tagged with `kind` so every consumer handles every case.
 */

/** A replica's id within one group. 0 means "none" (no vote, no known leader). */
export type NodeId = number;
export const NO_NODE: NodeId = 0;

/** What must be durable before any message from the same `Ready` is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_NODE, commit: 0 };

/** Field-wise equality of hard states. */
export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** The membership of a group: voters decide elections and commits; learners only receive the log. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  /** Membership as of `index`: a restored replica needs it to know its peers. */
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The application's state machine image; opaque to Raft. */
  readonly data: Uint8Array;
}

/**
 * Single-step membership changes. A new voter must join as a learner and be promoted once it has
 * caught up, so a slow newcomer never stalls commits.
 */
export type ConfChange =
  | { readonly kind: "add-learner"; readonly nodeId: NodeId }
  | { readonly kind: "promote-learner"; readonly nodeId: NodeId }
  | { readonly kind: "remove-node"; readonly nodeId: NodeId };

export type Entry =
  /** Application data; an empty `data` is the no-op a new leader appends to commit its term. */
  | { readonly kind: "normal"; readonly term: number; readonly index: number; readonly data: Uint8Array }
  | { readonly kind: "conf-change"; readonly term: number; readonly index: number; readonly change: ConfChange };

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/**
 * Messages between replicas of one group. Vote requests carry the sender's last log position;
 * append responses carry a hint (`rejectHint`, `logTerm`) that lets the leader skip a whole
 * conflicting term at once instead of probing one index per round trip.
 */
export type Message =
  | (MessageBase & { readonly kind: "pre-vote"; readonly lastIndex: number; readonly lastTerm: number })
  | (MessageBase & {
      readonly kind: "vote";
      readonly lastIndex: number;
      readonly lastTerm: number;
      /** Set by a leadership transfer: the receiver must not refuse because of its leader lease. */
      readonly transfer: boolean;
    })
  | (MessageBase & { readonly kind: "pre-vote-response"; readonly reject: boolean })
  | (MessageBase & { readonly kind: "vote-response"; readonly reject: boolean })
  | (MessageBase & {
      readonly kind: "append";
      readonly prevIndex: number;
      readonly prevTerm: number;
      readonly entries: readonly Entry[];
      readonly commit: number;
    })
  | (MessageBase & {
      readonly kind: "append-response";
      /** Accepted: the last index the follower now matches. Rejected: the rejected `prevIndex`. */
      readonly index: number;
      readonly reject: boolean;
      readonly rejectHint: number;
      readonly logTerm: number;
    })
  | (MessageBase & { readonly kind: "heartbeat"; readonly commit: number; readonly context: Uint8Array })
  | (MessageBase & { readonly kind: "heartbeat-response"; readonly context: Uint8Array })
  | (MessageBase & {
      readonly kind: "snapshot-chunk";
      readonly meta: SnapshotMeta;
      readonly offsetBytes: number;
      readonly totalBytes: number;
      readonly data: Uint8Array;
    })
  /**
   * Cumulative ack of the snapshot bytes received so far. `gap`: a chunk arrived beyond what we
   * hold (or for a transfer we no longer hold), so the leader should resend from `receivedBytes`.
   */
  | (MessageBase & {
      readonly kind: "snapshot-ack";
      readonly snapshotIndex: number;
      readonly receivedBytes: number;
      readonly gap: boolean;
    })
  | (MessageBase & { readonly kind: "timeout-now" })
  | (MessageBase & { readonly kind: "read-index"; readonly context: Uint8Array })
  | (MessageBase & { readonly kind: "read-index-response"; readonly index: number; readonly context: Uint8Array });

export type MessageKind = Message["kind"];

export type RaftRole = "follower" | "pre-candidate" | "candidate" | "leader";

/** A linearizable read may be served once the local state machine has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/** Volatile state worth telling the application about (who leads, what we are). */
export interface SoftState {
  readonly lead: NodeId;
  readonly role: RaftRole;
}

/** Approximate in-memory size of an entry, for the byte bounds on messages and Readies. */
export function entryDataBytes(e: Entry): number {
  switch (e.kind) {
    case "normal":
      return e.data.length + 16;
    case "conf-change":
      return 24;
  }
}
