/**
 * A binary min-heap of timed events. Ties on time break by insertion order, so the schedule is a
 * deterministic function of the sequence of `push` calls.
 */
interface Slot<T> {
  readonly atMs: number;
  readonly seq: number;
  readonly event: T;
}

export class EventQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private seq = 0;

  constructor(readonly sizeMax: number) {}

  push(atMs: number, event: T): void {
    if (this.heap.length >= this.sizeMax) throw new Error(`event queue over its bound of ${this.sizeMax}`);
    this.heap.push({ atMs, seq: this.seq++, event });
    this.up(this.heap.length - 1);
  }

  /** Removes and returns the earliest event, or undefined when empty. */
  pop(): { atMs: number; event: T } | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop() as Slot<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  size(): number {
    return this.heap.length;
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i] as Slot<T>;
    const b = this.heap[j] as Slot<T>;
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i] as Slot<T>;
    this.heap[i] = this.heap[j] as Slot<T>;
    this.heap[j] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && this.less(l, m)) m = l;
      if (r < this.heap.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
