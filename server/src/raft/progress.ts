/**
 * The leader's view of one follower. `probe`: we do not know where its log matches ours, so send
 * one append per heartbeat interval and back off on rejection. `replicate`: it matched, so stream
 * appends optimistically (pipelining) within the inflight window. `snapshot`: it needs a snapshot
 * and gets nothing else until that lands or times out.
 */
import { Inflights } from "./inflights.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  match = 0;
  state: ProgressState = "probe";
  /** In probe state, set once an append was sent this heartbeat interval. */
  probeSent = false;
  /** Index of the snapshot being sent in snapshot state. */
  pendingSnapshot = 0;
  /** Ticks spent in snapshot state; past a bound we fall back to probing and resend. */
  snapshotTicks = 0;
  /** Heard from this peer since the last check-quorum round. */
  recentActive = true;
  readonly inflights: Inflights;

  constructor(
    public next: number,
    public isLearner: boolean,
    inflightCountMax: number,
    inflightBytesMax: number,
  ) {
    this.inflights = new Inflights(inflightCountMax, inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // Coming back from a snapshot, resume right after it rather than at a stale `next`.
    const from = this.state === "snapshot" ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.resetState("probe");
    this.next = from;
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** An ack for `index`; returns false if it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Records that an append ending at `lastIndex` went out. */
  sentEntries(lastIndex: number, count: number, sizeBytes: number): void {
    if (this.state === "replicate" && count > 0) {
      this.next = lastIndex + 1;
      this.inflights.add(lastIndex, sizeBytes);
    }
    this.probeSent = true;
  }

  /**
   * A rejection of an append at `rejected`; `matchHint` is the highest index that may match.
   * Returns false if the rejection is stale (answers an append we have moved past).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
