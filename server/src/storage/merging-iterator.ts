import { compareInternalKeys } from "./internal-key.js";
import type { InternalIterator } from "./iterator.js";

/**
 * Merges sorted children into one sorted stream, forward or backward, switching direction the
 * way LevelDB does: re-position every other child around the current key.
 *
 * NB: children must not hold equal internal keys (sequence numbers make them unique).
 */
export class MergingIterator implements InternalIterator {
  /** Children ordered as a binary heap: min-heap when forward, max-heap when reverse. */
  private heap: InternalIterator[] = [];
  private forward = true;

  constructor(private readonly children: readonly InternalIterator[]) {}

  valid(): boolean {
    return this.heap.length > 0;
  }

  seekToFirst(): void {
    for (const c of this.children) c.seekToFirst();
    this.rebuild(true);
  }

  seekToLast(): void {
    for (const c of this.children) c.seekToLast();
    this.rebuild(false);
  }

  seek(target: Buffer): void {
    for (const c of this.children) c.seek(target);
    this.rebuild(true);
  }

  seekForPrev(target: Buffer): void {
    for (const c of this.children) c.seekForPrev(target);
    this.rebuild(false);
  }

  next(): void {
    if (!this.forward) this.switchDirection(true);
    const top = this.heap[0]!;
    top.next();
    if (top.valid()) this.siftDown(0);
    else this.removeTop();
  }

  prev(): void {
    if (this.forward) this.switchDirection(false);
    const top = this.heap[0]!;
    top.prev();
    if (top.valid()) this.siftDown(0);
    else this.removeTop();
  }

  key(): Buffer {
    return this.heap[0]!.key();
  }

  value(): Buffer {
    return this.heap[0]!.value();
  }

  close(): void {
    for (const c of this.children) c.close();
    this.heap = [];
  }

  /** Puts every child other than the current one on the far side of the current key. */
  private switchDirection(forward: boolean): void {
    const current = this.heap[0]!;
    const key = Buffer.from(current.key());
    for (const c of this.children) {
      if (c === current) continue;
      if (forward) {
        c.seek(key);
        // seek lands on >= key; the current child holds key itself, so others are strictly after.
        if (c.valid() && compareInternalKeys(c.key(), key) === 0) c.next();
      } else {
        c.seekForPrev(key);
        if (c.valid() && compareInternalKeys(c.key(), key) === 0) c.prev();
      }
    }
    this.rebuild(forward, current);
  }

  private rebuild(forward: boolean, keepFirst?: InternalIterator): void {
    this.forward = forward;
    this.heap = this.children.filter((c) => c !== keepFirst && c.valid());
    if (keepFirst) this.heap.unshift(keepFirst);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private removeTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  /** True if a should come out before b in the current direction. */
  private before(a: InternalIterator, b: InternalIterator): boolean {
    const c = compareInternalKeys(a.key(), b.key());
    return this.forward ? c < 0 : c > 0;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.before(heap[r]!, heap[l]!) ? r : l;
      if (!this.before(heap[m]!, heap[i]!)) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}

/** A sorted array as an iterator: the reference model in tests, and handy for small sources. */
export class ArrayIterator implements InternalIterator {
  private i = -1;
  constructor(private readonly entries: readonly (readonly [Buffer, Buffer])[]) {}
  valid(): boolean {
    return this.i >= 0 && this.i < this.entries.length;
  }
  seekToFirst(): void {
    this.i = 0;
  }
  seekToLast(): void {
    this.i = this.entries.length - 1;
  }
  seek(target: Buffer): void {
    this.i = this.lowerBound(target);
  }
  seekForPrev(target: Buffer): void {
    const lb = this.lowerBound(target);
    this.i = lb < this.entries.length && compareInternalKeys(this.entries[lb]![0], target) === 0 ? lb : lb - 1;
  }
  next(): void {
    this.i++;
  }
  prev(): void {
    this.i--;
  }
  key(): Buffer {
    return this.entries[this.i]![0];
  }
  value(): Buffer {
    return this.entries[this.i]![1];
  }
  close(): void {
    this.i = -1;
  }
  private lowerBound(target: Buffer): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareInternalKeys(this.entries[mid]![0], target) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
