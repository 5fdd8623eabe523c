/**
 * Internal keys: how the engine orders every version of every user key.
 *
 *   internal key = user key | trailer (8 bytes, big-endian: seq u56, kind u8)
 *
 * Order: user key ascending (bytewise), then sequence number DESCENDING, so the newest version
 * of a key is met first by a forward scan. Sequence numbers are engine-local (one per write);
 * the transaction layer keeps its own MVCC timestamps inside the user key.
 */
export const TRAILER_BYTES = 8;
/** Largest sequence number; a JS number stays exact up to 2^53. */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER;

export const enum ValueKind {
  Delete = 0,
  Put = 1,
}

export function isValueKind(n: number): n is ValueKind {
  return n === ValueKind.Delete || n === ValueKind.Put;
}

/** Builds an internal key. */
export function makeInternalKey(userKey: Uint8Array, seq: number, kind: ValueKind): Buffer {
  const out = Buffer.allocUnsafe(userKey.length + TRAILER_BYTES);
  out.set(userKey, 0);
  writeTrailer(out, userKey.length, seq, kind);
  return out;
}

/** Writes the trailer at `offset`: the 56-bit seq as hi(24 bits) lo(32 bits), then the kind. */
export function writeTrailer(out: Buffer, offset: number, seq: number, kind: ValueKind): void {
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq >>> 0;
  out[offset] = (hi >>> 16) & 0xff;
  out[offset + 1] = (hi >>> 8) & 0xff;
  out[offset + 2] = hi & 0xff;
  out.writeUInt32BE(lo, offset + 3);
  out[offset + 7] = kind;
}

export function userKeyOf(internalKey: Buffer): Buffer {
  return internalKey.subarray(0, internalKey.length - TRAILER_BYTES);
}

export function seqOf(internalKey: Uint8Array): number {
  return seqOfTrailerAt(internalKey, internalKey.length - TRAILER_BYTES);
}

/** The seq of the trailer at `o` (an internal key's, kept in a longer buffer). */
export function seqOfTrailerAt(buf: Uint8Array, o: number): number {
  const hi = (buf[o]! << 16) | (buf[o + 1]! << 8) | buf[o + 2]!;
  const lo = ((buf[o + 3]! << 24) >>> 0) + (buf[o + 4]! << 16) + (buf[o + 5]! << 8) + buf[o + 6]!;
  return hi * 0x1_0000_0000 + lo;
}

export function kindOf(internalKey: Uint8Array): ValueKind {
  return internalKey[internalKey.length - 1] as ValueKind;
}

/**
 * Keys up to this length compare faster in a JS loop than through Buffer's native compare, whose
 * argument validation costs more than the comparison itself for short keys.
 */
const NATIVE_COMPARE_MIN_BYTES = 48;

/** Compares a[0, al) with b[0, bl) bytewise. */
export function compareRanges(a: Uint8Array, al: number, b: Uint8Array, bl: number): number {
  const n = al < bl ? al : bl;
  if (n >= NATIVE_COMPARE_MIN_BYTES) {
    return Buffer.compare(a.subarray(0, al), b.subarray(0, bl));
  }
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return al - bl;
}

/** Bytewise comparison of two byte strings: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareRanges(a, a.length, b, b.length);
}

/**
 * Compares two internal keys: user key ascending, then trailer descending (newest first).
 * NB: the trailer is big-endian with the kind in the low byte, so comparing its 8 bytes
 * inverted orders by seq then kind, both descending.
 */
export function compareInternalKeys(a: Uint8Array, b: Uint8Array): number {
  const al = a.length - TRAILER_BYTES;
  const bl = b.length - TRAILER_BYTES;
  const c = compareRanges(a, al, b, bl);
  if (c !== 0) return c;
  for (let i = 0; i < TRAILER_BYTES; i++) {
    const d = b[bl + i]! - a[al + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Compares the user-key part of an internal key with a user key, without allocating. */
export function compareUserKeyOf(internalKey: Uint8Array, userKey: Uint8Array): number {
  return compareRanges(internalKey, internalKey.length - TRAILER_BYTES, userKey, userKey.length);
}

/**
 * The internal key that sorts before every version of `userKey` visible at `seq`: seeking to it
 * lands on the newest version with sequence number <= seq.
 */
export function lookupKey(userKey: Uint8Array, seq: number): Buffer {
  return makeInternalKey(userKey, seq, ValueKind.Put);
}
