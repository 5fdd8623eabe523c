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

export class ReadSet {
  readonly keys = new Set<string>();
  readonly ranges: ReadRange[] = [];

  addKey(key: string): void {
    this.keys.add(key);
  }

  addRange(range: ReadRange): void {
    if (range.end !== undefined && range.end <= range.start) return;
    this.ranges.push(range);
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
}
