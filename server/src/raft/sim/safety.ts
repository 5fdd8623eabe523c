/**
 * Raft's safety properties, checked by the simulator as the run unfolds. Each check is
 * incremental so it can run after every event:
 *   - election safety: at most one leader per term (ever);
 *   - log matching: every (index, term) pair names one entry, with one predecessor term, across
 *     all replicas and all time — by induction, logs that agree on an (index, term) agree on the
 *     whole prefix;
 *   - state machine safety: no two replicas commit or apply different entries at one index;
 *   - leader completeness: a replica that leads holds every entry any replica reported committed
 *     so far. Commits count from the moment a replica reports them, not when they are applied:
 *     a leader that wrongly counts an entry as committed may crash before applying it, and the
 *     loss must still be caught;
 *   - durable commit never goes backwards on any replica, across crashes.
 */
import type { RaftStatus } from "../raft.js";
import type { Entry, NodeId } from "../types.js";

export class SafetyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SafetyViolation";
  }
}

function entryKey(e: Entry): string {
  switch (e.kind) {
    case "normal":
      return `n:${Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString("base64")}`;
    case "conf-change":
      return `c:${e.change.kind}:${e.change.nodeId}`;
  }
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** "index:term" → "prevTerm|content". */
  private readonly identity = new Map<string, string>();
  /** index → "term|content" of the entry applied there. */
  private readonly appliedAt = new Map<number, string>();
  /** index → term of the entry some replica reported committed there. */
  private readonly committedTermAt = new Map<number, number>();
  /** The highest commit index each replica has reported; below it, its entries were recorded. */
  private readonly commitSeen = new Map<NodeId, number>();
  private committedMax = 0;
  private readonly durableCommit = new Map<NodeId, number>();
  appliedMax = 0;

  /** Election safety; call with a replica's status after anything it processed. */
  observeStatus(s: RaftStatus): void {
    if (s.role !== "leader") return;
    const other = this.leaderOfTerm.get(s.term);
    if (other !== undefined && other !== s.id) {
      throw new SafetyViolation(`two leaders in term ${s.term}: ${other} and ${s.id}`);
    }
    this.leaderOfTerm.set(s.term, s.id);
  }

  /**
   * Records the entries a replica reports committed: `commit` from its status, `termAt` reading
   * its log (indexes below `firstIndex` are in its snapshot, which holds only committed entries).
   * Each index is read once per replica, so the cost follows the log's growth, not the events.
   */
  observeCommit(node: NodeId, commit: number, firstIndex: number, termAt: (index: number) => number | undefined): void {
    const seen = this.commitSeen.get(node) ?? 0;
    if (commit <= seen) return;
    this.commitSeen.set(node, commit);
    for (let i = Math.max(seen + 1, firstIndex); i <= commit; i++) {
      const term = termAt(i);
      if (term !== undefined) this.recordCommitted(node, i, term);
    }
  }

  private recordCommitted(node: NodeId, index: number, term: number): void {
    const known = this.committedTermAt.get(index);
    if (known === undefined) {
      this.committedTermAt.set(index, term);
      this.committedMax = Math.max(this.committedMax, index);
    } else if (known !== term) {
      throw new SafetyViolation(`committed entry lost: node ${node} committed term ${term} at ${index}, another committed term ${known}`);
    }
  }

  /** Log matching, for entries a replica just persisted; `prevTerm` is its term before entries[0]. */
  observePersistedEntries(node: NodeId, prevTerm: number | undefined, entries: readonly Entry[]): void {
    let prev = prevTerm;
    for (const e of entries) {
      const key = `${e.index}:${e.term}`;
      const id = `${prev ?? "?"}|${entryKey(e)}`;
      const known = this.identity.get(key);
      if (known === undefined) this.identity.set(key, id);
      else if (!sameIdentity(known, id)) {
        throw new SafetyViolation(`log matching: node ${node} has entry ${key} as ${id}, elsewhere ${known}`);
      }
      prev = e.term;
    }
  }

  observeDurableCommit(node: NodeId, commit: number): void {
    const before = this.durableCommit.get(node) ?? 0;
    if (commit < before) throw new SafetyViolation(`node ${node}'s durable commit went back from ${before} to ${commit}`);
    this.durableCommit.set(node, commit);
  }

  /** State machine safety: `e` is what `node` applies at e.index. */
  observeApplied(node: NodeId, e: Entry): void {
    const id = `${e.term}|${entryKey(e)}`;
    const known = this.appliedAt.get(e.index);
    if (known === undefined) {
      this.appliedAt.set(e.index, id);
      this.appliedMax = Math.max(this.appliedMax, e.index);
      this.recordCommitted(node, e.index, e.term);
    } else if (known !== id) {
      throw new SafetyViolation(`state machine safety: node ${node} applied ${id} at ${e.index}, another applied ${known}`);
    }
  }

  /**
   * Leader completeness: `termAt` reads the leader's log; indexes below `firstIndex` are in its
   * snapshot, which only ever covers committed entries.
   */
  checkLeaderHasCommitted(leader: NodeId, firstIndex: number, termAt: (index: number) => number | undefined): void {
    for (let i = Math.max(1, firstIndex); i <= this.committedMax; i++) {
      const want = this.committedTermAt.get(i);
      if (want === undefined) continue;
      const have = termAt(i);
      if (have !== want) {
        throw new SafetyViolation(`leader completeness: leader ${leader} has term ${have} at ${i}, committed term ${want}`);
      }
    }
  }
}

/** Identities agree unless both know the predecessor term and differ, or the contents differ. */
function sameIdentity(a: string, b: string): boolean {
  const [pa, ca] = splitOnce(a);
  const [pb, cb] = splitOnce(b);
  return ca === cb && (pa === "?" || pb === "?" || pa === pb);
}

function splitOnce(s: string): [string, string] {
  const i = s.indexOf("|");
  return [s.slice(0, i), s.slice(i + 1)];
}
