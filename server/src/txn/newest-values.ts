import type { Timestamp } from "./hlc.js";

/** Slots of keys read once (a power of two). */
const READ_ONCE_SLOTS = 1024;

/** A key's newest committed value (undefined: none, or a delete), with the timestamp it is known from. */
export interface NewestValue {
  readonly value: Buffer | undefined;
  readonly fromTs: Timestamp;
}

/**
 * The newest committed values of keys read recently, so that a read at a new enough snapshot
 * needs no storage seek: every SQL transaction reads the catalog's version key, and hot rows
 * are read again and again.
 *
 * An entry promises that no committed version of its key is newer than `fromTs`, so a snapshot
 * at `readTs >= fromTs` sees exactly `value`. The store keeps that true by
 * - making an entry only from a read at `readTs` after which, as the commit log shows, nothing
 *   committed (or is committing) the key above `readTs`: the entry's `fromTs` is that `readTs`;
 * - forgetting a key's entry in the same synchronous step that gives a commit writing it its
 *   timestamp, before anyone can see that commit.
 *
 * A key is kept at its second read in a while (a slot per hash of its last bytes remembers the
 * first), so keys read once, such as rows read at random, cost a slot write rather than an entry.
 * Bounded by entries and by value size (bigger values are not kept); a full cache is emptied at
 * once, which costs little: hot keys come back soon.
 */
export class NewestValues {
  private readonly entries = new Map<string, NewestValue>();
  private readonly readOnce: (string | undefined)[] = new Array<string | undefined>(READ_ONCE_SLOTS);
  hits = 0;
  misses = 0;

  /** `maxEntries` 0 keeps nothing. */
  constructor(
    readonly maxEntries = 4096,
    readonly maxValueBytes = 1024,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError(`maxEntries must be a non-negative integer, not ${maxEntries}`);
  }

  /** The entry of `key` if it answers a read at `readTs`. NB: its value is shared; copy it before handing it out. */
  lookup(key: string, readTs: Timestamp): NewestValue | undefined {
    const e = this.entries.get(key);
    if (e !== undefined && e.fromTs <= readTs) {
      this.hits++;
      return e;
    }
    this.misses++;
    return undefined;
  }

  /** Whether a key that missed is worth remembering: it missed once before, lately. `k` is `key` as a key string. */
  admit(key: Uint8Array, k: string): boolean {
    if (this.maxEntries === 0) return false;
    const n = key.length;
    const slot = n === 0 ? 0 : (key[n - 1]! ^ (n > 1 ? key[n - 2]! << 8 : 0) ^ (n << 4)) & (READ_ONCE_SLOTS - 1);
    if (this.readOnce[slot] === k) return true;
    this.readOnce[slot] = k;
    return false;
  }

  /** Records what a read at `readTs` found, the caller having checked that nothing newer is committed or committing. */
  remember(key: string, value: Buffer | undefined, readTs: Timestamp): void {
    if (this.maxEntries === 0 || (value !== undefined && value.length > this.maxValueBytes)) return;
    const e = this.entries.get(key);
    if (e !== undefined && e.fromTs <= readTs) return;
    if (e === undefined && this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value: value === undefined ? undefined : Buffer.from(value), fromTs: readTs });
  }

  /** A commit of these keys has its timestamp: their entries no longer hold. */
  forget(keys: readonly string[]): void {
    if (this.entries.size === 0) return;
    for (const k of keys) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
