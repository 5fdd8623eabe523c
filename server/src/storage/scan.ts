import { AssertionFailure } from "./assert.js";
import { compareBytes, compareRanges, compareUserKeyOf, kindOf, lookupKey, seqOf, TRAILER_BYTES, ValueKind, SEQ_MAX } from "./internal-key.js";
import type { InternalIterator } from "./iterator.js";

/** A range scan over user keys as of one sequence number. */
export interface ScanOptions {
  /** Inclusive lower bound. */
  readonly start?: Uint8Array;
  /** Exclusive upper bound. */
  readonly end?: Uint8Array;
  readonly reverse?: boolean;
  /** Maximum number of entries to yield. */
  readonly limit?: number;
}

export type KeyValue = readonly [key: Buffer, value: Buffer];

function userKeyEquals(ikey: Buffer, userKey: Buffer): boolean {
  const ul = ikey.length - TRAILER_BYTES;
  return ul === userKey.length && compareUserKeyOf(ikey, userKey) === 0;
}

/**
 * Turns a merged stream of internal entries into the user's view at `seq`: per user key, the
 * newest version with sequence number <= seq, tombstones hidden, within bounds and limit.
 * Yields copies: the caller may keep them.
 */
export function* visibleEntries(iter: InternalIterator, seq: number, opts: ScanOptions): Generator<KeyValue> {
  const limit = opts.limit ?? Infinity;
  if (limit <= 0) return;
  yield* opts.reverse ? reverseEntries(iter, seq, opts, limit) : forwardEntries(iter, seq, opts, limit);
}

function* forwardEntries(iter: InternalIterator, seq: number, opts: ScanOptions, limit: number): Generator<KeyValue> {
  const cursor = new ForwardVisibleCursor(iter, seq, opts.start, opts.end);
  let emitted = 0;
  while (cursor.next()) {
    yield [Buffer.from(cursor.keyBuffer().subarray(0, cursor.keyLength)), Buffer.from(cursor.value())];
    if (++emitted >= limit) return;
  }
}

/**
 * visibleEntries forward, as a cursor: per user key in [start, end) the newest version with
 * sequence number <= seq, tombstones hidden. Nothing is copied or allocated per entry: the
 * current key is `keyBuffer()[0, keyLength)` and the value `value()`, both valid only until the
 * next move, for callers that decode what they read at once (the MVCC layer's scans).
 */
export class ForwardVisibleCursor {
  /** The current user key (and, between moves, the last one met, to skip its older versions). */
  private key = Buffer.allocUnsafe(64);
  /** Length of the key in `key`; -1 before the first. */
  keyLength = -1;
  private current: Buffer | undefined;
  private started = false;

  private closed = false;

  constructor(
    private readonly iter: InternalIterator,
    private readonly seq: number,
    start: Uint8Array | undefined,
    private readonly end: Uint8Array | undefined,
    /** Called once by `close()`, after the iterator is closed: what releases the files it read. */
    private readonly onClose?: () => void,
  ) {
    if (start) iter.seek(lookupKey(start, SEQ_MAX));
    else iter.seekToFirst();
  }

  /** Moves to the next visible entry; false (for good) past the last or once closed. */
  next(): boolean {
    if (this.closed) return false;
    const iter = this.iter;
    if (this.started) iter.next();
    this.started = true;
    this.current = undefined;
    const end = this.end;
    while (iter.valid()) {
      const ikey = iter.key();
      const ul = ikey.length - TRAILER_BYTES;
      if (end && compareUserKeyOf(ikey, end) >= 0) return false;
      if (seqOf(ikey) > this.seq || (ul === this.keyLength && compareRanges(ikey, ul, this.key, ul) === 0)) {
        iter.next();
        continue;
      }
      if (ul > this.key.length) this.key = Buffer.allocUnsafe(2 * ul);
      copyPrefix(ikey, this.key, ul);
      this.keyLength = ul;
      if (kindOf(ikey) === ValueKind.Put) {
        this.current = iter.value();
        return true;
      }
      iter.next();
    }
    return false;
  }

  /** Closes the iterator and releases what it pinned. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current = undefined;
    this.iter.close();
    this.onClose?.();
  }

  /** The buffer holding the current key in `[0, keyLength)`. NB: overwritten by the next move. */
  keyBuffer(): Buffer {
    return this.key;
  }

  /** The current value. NB: valid only until the next move. */
  value(): Buffer {
    if (this.current === undefined) throw new AssertionFailure("value() on a visible-entry cursor not on an entry");
    return this.current;
  }
}

function* reverseEntries(iter: InternalIterator, seq: number, opts: ScanOptions, limit: number): Generator<KeyValue> {
  // Every version of a user key sorts after lookupKey(end, SEQ_MAX)'s predecessor; land on the
  // last entry before `end`.
  if (opts.end) {
    iter.seekForPrev(lookupKey(opts.end, SEQ_MAX));
    if (iter.valid() && compareBytes(iter.key().subarray(0, iter.key().length - TRAILER_BYTES), opts.end) >= 0) iter.prev();
  } else {
    iter.seekToLast();
  }
  let emitted = 0;
  while (iter.valid()) {
    // Walking backward meets a user key's versions oldest first: remember the newest visible one.
    const ikey = iter.key();
    const userKey = Buffer.from(ikey.subarray(0, ikey.length - TRAILER_BYTES));
    if (opts.start && compareBytes(userKey, opts.start) < 0) return;
    let found: { kind: ValueKind; value: Buffer } | undefined;
    while (iter.valid() && userKeyEquals(iter.key(), userKey)) {
      const k = iter.key();
      if (seqOf(k) <= seq) found = { kind: kindOf(k), value: iter.value() };
      iter.prev();
    }
    if (found?.kind === ValueKind.Put) {
      // NB: `found.value` may point into a block the iterator has moved past; blocks are
      // immutable and kept alive by the reference, so copying now is still correct.
      yield [userKey, Buffer.from(found.value)];
      if (++emitted >= limit) return;
    }
  }
}

/**
 * Copies from[0, n) to to[0, n). A loop for short keys: Buffer's native copy costs more in
 * argument checks than it saves below a few dozen bytes.
 */
export function copyPrefix(from: Uint8Array, to: Uint8Array, n: number): void {
  if (n >= 48) to.set(from.subarray(0, n));
  else for (let i = 0; i < n; i++) to[i] = from[i]!;
}
