/**
 * The k nearest of candidates named by byte keys (rows, kv entries), where `TopK` names them by
 * bigint ids: the merge step of a search over several sources, and the exact scan over a key range.
 */

/** A candidate: its key and its distance from the query. */
export interface KeyedCandidate<K extends Uint8Array = Uint8Array> {
  readonly key: K;
  readonly distance: number;
}

/**
 * Search order over keyed candidates: ascending distance, NaN after every number, ties by key
 * bytes ascending (so results are deterministic whatever order sources answered in).
 */
export function compareKeyedCandidates(a: KeyedCandidate, b: KeyedCandidate): number {
  if (a.distance < b.distance) return -1;
  if (a.distance > b.distance) return 1;
  const nanA = Number.isNaN(a.distance);
  const nanB = Number.isNaN(b.distance);
  if (nanA !== nanB) return nanA ? 1 : -1;
  return Buffer.compare(a.key, b.key);
}

/** A bounded max-heap of the k best candidates seen (root: the worst kept). Memory never past k. */
export class KeyedTopK<K extends Uint8Array = Uint8Array> {
  private readonly heap: KeyedCandidate<K>[] = [];

  constructor(readonly k: number) {
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`top-k size ${k} is not a non-negative integer`);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Whether `offer(candidate)` would keep it now: a costly check can wait until this says yes. */
  accepts(candidate: KeyedCandidate): boolean {
    if (this.heap.length < this.k) return true;
    return this.k > 0 && compareKeyedCandidates(candidate, this.heap[0]!) < 0;
  }

  /** Keeps the candidate if it is among the k best so far; returns whether it was kept. */
  offer(candidate: KeyedCandidate<K>): boolean {
    if (!this.accepts(candidate)) return false;
    const h = this.heap;
    if (h.length < this.k) {
      h.push(candidate);
      this.siftUp(h.length - 1);
    } else {
      h[0] = candidate;
      this.siftDown(0);
    }
    return true;
  }

  /** The candidates kept, nearest first. */
  result(): KeyedCandidate<K>[] {
    return [...this.heap].sort(compareKeyedCandidates);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareKeyedCandidates(h[i]!, h[parent]!) <= 0) return;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= h.length) return;
      const right = left + 1;
      const child = right < h.length && compareKeyedCandidates(h[right]!, h[left]!) > 0 ? right : left;
      if (compareKeyedCandidates(h[child]!, h[i]!) <= 0) return;
      [h[i], h[child]] = [h[child]!, h[i]!];
      i = child;
    }
  }
}
