/**
 * What a serializable transaction read, kept to check at commit that nobody changed it since
 * the transaction's snapshot. Keys are latin1 strings of the key bytes: latin1 maps each byte to
 * one UTF-16 unit, so string comparison is unsigned byte order.
 */
export interface ReadRange {
  /** Inclusive; "" is the start of the key space. */
  readonly start: string;
  /** Exclusive; undefined is the end of the key space. */
  readonly end: string | undefined;
}

export function keyString(key: Uint8Array): string {
  // Most keys are Buffers already: no view to make (it showed in profiles of point reads).
  if (key instanceof Buffer) return key.toString("latin1");
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

export function keyBytes(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

export function rangeContains(r: ReadRange, key: string): boolean {
  return key >= r.start && (r.end === undefined || key < r.end);
}

/** The smallest key greater than `key`: the exclusive end of a range whose last key is `key`. */
export function keySuccessor(key: string): string {
  return key + "\u0000";
}

/** Bytes charged per recorded key or range beyond its characters (set slot, objects). */
const ENTRY_OVERHEAD_BYTES = 48;

/**
 * Keys and ranges read, within a memory budget. Past the budget the set coarsens: everything
 * recorded so far, and everything recorded later, folds into one range from the smallest to the
 * largest key read. That reads as more than was read (a conflict check may fail a transaction it
 * need not), never less, so serializability holds while memory stays bounded.
 */
export class ReadSet {
  readonly keys = new Set<string>();
  readonly ranges: ReadRange[] = [];
  private bytes = 0;
  /** Set once coarsened: the single range standing for everything read. */
  private cover: { start: string; end: string | undefined } | undefined;

  constructor(private readonly budgetBytes = Infinity) {}

  addKey(key: string): void {
    if (this.cover) return this.widen({ start: key, end: keySuccessor(key) });
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.charge(key.length);
  }

  addRange(range: ReadRange): void {
    if (range.end !== undefined && range.end <= range.start) return;
    if (this.cover) return this.widen(range);
    this.ranges.push(range);
    this.charge(range.start.length + (range.end?.length ?? 0));
  }

  /** True when a write to `key` changes something this set read. */
  covers(key: string): boolean {
    if (this.keys.has(key)) return true;
    for (const r of this.ranges) if (rangeContains(r, key)) return true;
    return false;
  }

  get empty(): boolean {
    return this.keys.size === 0 && this.ranges.length === 0;
  }

  /** Whether the set has folded into one covering range. */
  get coarsened(): boolean {
    return this.cover !== undefined;
  }

  private charge(chars: number): void {
    this.bytes += chars + ENTRY_OVERHEAD_BYTES;
    if (this.bytes > this.budgetBytes) this.coarsen();
  }

  private coarsen(): void {
    let start: string | undefined;
    let end: string | undefined | null = null; // null: nothing yet; undefined: unbounded
    const take = (s: string, e: string | undefined) => {
      if (start === undefined || s < start) start = s;
      if (end === null || (end !== undefined && (e === undefined || e > end))) end = e;
    };
    for (const k of this.keys) take(k, keySuccessor(k));
    for (const r of this.ranges) take(r.start, r.end);
    this.keys.clear();
    this.ranges.length = 0;
    this.cover = { start: start ?? "", end: end === null ? "" : end };
    this.ranges.push(this.cover);
  }

  private widen(r: ReadRange): void {
    const c = this.cover!;
    if (r.start < c.start) c.start = r.start;
    if (c.end !== undefined && (r.end === undefined || r.end > c.end)) c.end = r.end;
  }
}
