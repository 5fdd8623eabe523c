/**
 * The leader's view of one follower. `probe`: we do not know where its log matches ours, so send
 * one append per heartbeat interval and back off on rejection. `replicate`: it matched, so stream
 * appends optimistically (pipelining) within the inflight window. `snapshot`: it needs a snapshot
 * and gets nothing else until that lands or times out.
 */
import { Inflights } from "./inflights.js";
import type { Snapshot } from "./types.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  match = 0;
  state: ProgressState = "probe";
  /** In probe state, set once an append was sent this heartbeat interval. */
  probeSent = false;
  /** Index of the snapshot being sent in snapshot state. */
  pendingSnapshot = 0;
  /** Ticks without snapshot progress; past a bound we fall back to probing and start over. */
  snapshotTicks = 0;
  /** The snapshot being sent, and how far: bytes sent and bytes the follower acknowledged. */
  snapshot: Snapshot | undefined = undefined;
  snapshotSentBytes = 0;
  snapshotAckedBytes = 0;
  /** Set when we went back to resend; cleared by progress. */
  snapshotRewound = false;
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
    this.snapshot = undefined;
    this.snapshotSentBytes = 0;
    this.snapshotAckedBytes = 0;
    this.snapshotRewound = false;
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

  becomeSnapshot(snapshot: Snapshot): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshot.meta.index;
    this.snapshot = snapshot;
  }

  /**
   * Go-back-N over the follower's cumulative acks. Progress moves the window. A gap report means
   * a chunk was lost (or the follower dropped its partial copy): resend from what it holds, once,
   * ignoring further reports until progress, since every later chunk of the window reports the
   * same gap. Returns true on progress.
   */
  onSnapshotAck(receivedBytes: number, gap: boolean): boolean {
    if (receivedBytes > this.snapshotAckedBytes && receivedBytes <= this.snapshotSentBytes) {
      this.snapshotAckedBytes = receivedBytes;
      this.snapshotTicks = 0;
      this.snapshotRewound = false;
      if (!gap) return true;
    }
    if (gap && !this.snapshotRewound) this.rewindSnapshot(receivedBytes);
    return false;
  }

  /** Resends from `offsetBytes` (a lost chunk, or a retransmission timeout). */
  rewindSnapshot(offsetBytes: number): void {
    this.snapshotAckedBytes = offsetBytes;
    this.snapshotSentBytes = offsetBytes;
    this.snapshotRewound = true;
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
