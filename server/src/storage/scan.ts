import { compareBytes, compareUserKeyOf, kindOf, lookupKey, seqOf, TRAILER_BYTES, ValueKind, SEQ_MAX } from "./internal-key.js";
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
  if (opts.start) iter.seek(lookupKey(opts.start, SEQ_MAX));
  else iter.seekToFirst();
  let emitted = 0;
  let lastKey: Buffer | undefined;
  const end = opts.end;
  while (iter.valid()) {
    const ikey = iter.key();
    const ul = ikey.length - TRAILER_BYTES;
    if (end && compareUserKeyOf(ikey, end) >= 0) return;
    if (seqOf(ikey) > seq || (lastKey !== undefined && userKeyEquals(ikey, lastKey))) {
      iter.next();
      continue;
    }
    lastKey = Buffer.from(ikey.subarray(0, ul));
    if (kindOf(ikey) === ValueKind.Put) {
      yield [lastKey, Buffer.from(iter.value())];
      if (++emitted >= limit) return;
    }
    iter.next();
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
