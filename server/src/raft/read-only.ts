/**
 * Read-index requests waiting for a heartbeat round to prove the leader still leads. Each request
 * records the commit index when it arrived; once a majority acks a heartbeat carrying its context,
 * that request and every older one may be served at their recorded index.
 */
import type { NodeId } from "./types.js";

export interface PendingRead {
  readonly index: number;
  readonly context: Uint8Array;
  /** The replica that asked (the leader itself for local reads). */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

/** A read context as a map key (hex); equal bytes give equal keys. */
export function contextKey(context: Uint8Array): string {
  return Buffer.from(context.buffer, context.byteOffset, context.byteLength).toString("hex");
}

export class ReadOnlyQueue {
  private readonly queue: PendingRead[] = [];
  private readonly byKey = new Map<string, PendingRead>();

  constructor(readonly pendingMax: number) {}

  /** Queues a read; false if the queue is full or the context is already pending. */
  add(index: number, context: Uint8Array, from: NodeId): boolean {
    const key = contextKey(context);
    if (this.queue.length >= this.pendingMax || this.byKey.has(key)) return false;
    const read = { index, context, from, acks: new Set<NodeId>() };
    this.queue.push(read);
    this.byKey.set(key, read);
    return true;
  }

  /** Records `from`'s ack of `context`; returns the ack set, or undefined if unknown. */
  recvAck(from: NodeId, context: Uint8Array): Set<NodeId> | undefined {
    const read = this.byKey.get(contextKey(context));
    read?.acks.add(from);
    return read?.acks;
  }

  /** Removes and returns every read up to and including the one with `context`. */
  advance(context: Uint8Array): PendingRead[] {
    const key = contextKey(context);
    const at = this.queue.findIndex((r) => contextKey(r.context) === key);
    if (at < 0) return [];
    const released = this.queue.splice(0, at + 1);
    for (const r of released) this.byKey.delete(contextKey(r.context));
    return released;
  }

  lastContext(): Uint8Array | undefined {
    return this.queue[this.queue.length - 1]?.context;
  }

  size(): number {
    return this.queue.length;
  }

  reset(): void {
    this.queue.length = 0;
    this.byKey.clear();
  }
}
