import { unescapeBytes } from "../kv/key-encoding.js";
import { VECTOR_PAYLOAD_HEADER_BYTES } from "../vector/index.js";
import type { Timestamp } from "./hlc.js";

/**
 * How the transaction layer lays out the storage engine's key space.
 *
 *   0x01 | escaped user key | ~commitTs (u64 BE)   a committed version (value or tombstone)
 *   0x02 | name                                   system records (clock high-water, prepared txns)
 *
 * The user key is escaped so it is self-delimiting: all versions of one key are contiguous and
 * sort before any longer key that extends it. The commit timestamp is inverted so the newest
 * version of a key sorts first, and a seek to (key, readTs) lands on the version a snapshot at
 * readTs sees.
 */
export const DATA_PREFIX = 0x01;
export const SYSTEM_PREFIX = 0x02;

/** Bytes of a version key's (inverted) timestamp, at its end. */
export const TS_BYTES = 8;
// escapeBytes' format (kv/key-encoding.ts): 0x00 becomes 0x00 0xff, and 0x00 0x01 ends the bytes.
const ESCAPE = 0x00;
const ESCAPED_ZERO = 0xff;
const TERMINATOR = 0x01;
const U32 = 2 ** 32;

/**
 * `DATA_PREFIX | escapeBytes(userKey)` written straight into a buffer with `extra` bytes to spare:
 * every point read builds two such keys, and one allocation instead of two or three shows in profiles.
 */
function dataKey(userKey: Uint8Array, extra: number): Buffer {
  const n = userKey.length;
  let zeros = 0;
  for (let i = 0; i < n; i++) if (userKey[i] === ESCAPE) zeros++;
  const out = Buffer.allocUnsafe(1 + n + zeros + 2 + extra);
  writeDataKey(out, userKey, zeros);
  return out;
}

/** `DATA_PREFIX | escapeBytes(userKey)` at the start of `out`; `zeros`: the 0x00 bytes in userKey. */
function writeDataKey(out: Buffer, userKey: Uint8Array, zeros: number): void {
  const n = userKey.length;
  out[0] = DATA_PREFIX;
  let p = 1;
  if (zeros === 0) {
    out.set(userKey, 1);
    p += n;
  } else {
    for (let i = 0; i < n; i++) {
      const b = userKey[i]!;
      out[p++] = b;
      if (b === ESCAPE) out[p++] = ESCAPED_ZERO;
    }
  }
  out[p] = ESCAPE;
  out[p + 1] = TERMINATOR;
}

/** The storage key of one version. */
export function encodeVersionKey(userKey: Uint8Array, ts: Timestamp): Buffer {
  const out = dataKey(userKey, TS_BYTES);
  writeInvertedTs(out, out.length - TS_BYTES, ts);
  return out;
}

/** Storage key bound matching every version of keys >= userKey (or < it, as an exclusive end). */
export function encodeKeyBound(userKey: Uint8Array): Buffer {
  return dataKey(userKey, 0);
}

/** Exclusive storage bound just past every version of `userKey`. */
export function versionsEnd(userKey: Uint8Array): Buffer {
  // prefixEnd of the key bound: its last byte is the terminator, which never is 0xff.
  const out = dataKey(userKey, 0);
  out[out.length - 1] = TERMINATOR + 1;
  return out;
}

/**
 * The seek bounds of one point read, `encodeVersionKey(userKey, ts)` and `versionsEnd(userKey)`,
 * made in two buffers kept from one read to the next while the key length stays the same (a
 * read is synchronous, and the storage engine keeps neither bound past it): two allocations
 * fewer per read.
 */
export class PointReadBounds {
  start: Buffer = Buffer.alloc(0);
  end: Buffer = Buffer.alloc(0);

  set(userKey: Uint8Array, ts: Timestamp): void {
    const n = userKey.length;
    let zeros = 0;
    for (let i = 0; i < n; i++) if (userKey[i] === ESCAPE) zeros++;
    const endLength = 1 + n + zeros + 2;
    if (this.end.length !== endLength) {
      this.start = Buffer.allocUnsafeSlow(endLength + TS_BYTES);
      this.end = Buffer.allocUnsafeSlow(endLength);
    }
    writeDataKey(this.start, userKey, zeros);
    writeInvertedTs(this.start, endLength, ts);
    writeDataKey(this.end, userKey, zeros);
    this.end[endLength - 1] = TERMINATOR + 1;
  }
}

/** Bounds of the whole data key space. */
export const DATA_START = Buffer.from([DATA_PREFIX]);
export const DATA_END = Buffer.from([DATA_PREFIX + 1]);

export interface DecodedVersionKey {
  readonly userKey: Buffer;
  readonly ts: Timestamp;
}

export function decodeVersionKey(key: Uint8Array): DecodedVersionKey {
  if (key[0] !== DATA_PREFIX) throw new Error(`not a version key (prefix ${key[0]})`);
  const { bytes, next } = unescapeBytes(key, 1);
  if (next + TS_BYTES !== key.length) throw new Error(`version key has ${key.length - next} timestamp bytes, want ${TS_BYTES}`);
  return { userKey: bytes, ts: readInvertedTs(key, next) };
}

/** The timestamp of a version key without decoding its user key. */
export function versionTsOf(key: Uint8Array): Timestamp {
  return readInvertedTs(key, key.length - TS_BYTES);
}

/** The key of the version of the same user key at `ts`, from a version key (no unescaping). */
export function versionKeyAt(key: Uint8Array, ts: Timestamp): Buffer {
  const out = Buffer.from(key);
  writeInvertedTs(out, out.length - TS_BYTES, ts);
  return out;
}

/** `versionsEnd` of a version key's user key, from the version key (no unescaping). */
export function versionsEndOf(key: Uint8Array): Buffer {
  const out = Buffer.from(key.subarray(0, key.length - TS_BYTES));
  out[out.length - 1] = TERMINATOR + 1;
  return out;
}

/** The escaped-user-key part of a version key (for grouping versions without unescaping). */
export function versionPrefixOf(key: Buffer): Buffer {
  return key.subarray(0, key.length - TS_BYTES);
}

function writeInvertedTs(out: Buffer, off: number, ts: Timestamp): void {
  const hi = Math.floor(ts / U32);
  const lo = ts - hi * U32;
  out.writeUInt32BE(0xffffffff - hi, off);
  out.writeUInt32BE(0xffffffff - lo, off + 4);
}

/** The timestamp of a version key whose timestamp bytes start at `off`. */
export function readInvertedTs(key: Uint8Array, off: number): Timestamp {
  const b = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return (0xffffffff - b.readUInt32BE(off)) * U32 + (0xffffffff - b.readUInt32BE(off + 4));
}

/**
 * A version's value: a tag byte, then the user's bytes. Deletes are versions too (tombstones). A
 * vector entry (`putVector`) is tagged apart, with the vector payload (`vector/index-entry.ts`:
 * index id and parameters, then the floats) after the tag, so that the storage engine can index
 * it (`mvcc-vector.ts`); readers get the float bytes as its value.
 */
export const VersionTag = { Tombstone: 0, Value: 1, Vector: 2 } as const;

export function encodeVersionValue(value: Uint8Array | undefined): Buffer {
  if (value === undefined) return Buffer.from([VersionTag.Tombstone]);
  const out = Buffer.allocUnsafe(1 + value.length);
  out[0] = VersionTag.Value;
  out.set(value, 1);
  return out;
}

/** The user's value, or undefined for a tombstone. */
export function decodeVersionValue(stored: Buffer): Buffer | undefined {
  const tag = stored[0];
  if (tag === VersionTag.Value) return stored.subarray(1);
  if (tag === VersionTag.Tombstone && stored.length === 1) return undefined;
  if (tag === VersionTag.Vector && stored.length >= 1 + VECTOR_PAYLOAD_HEADER_BYTES) return stored.subarray(1 + VECTOR_PAYLOAD_HEADER_BYTES);
  throw new Error(`bad version value tag ${tag} (length ${stored.length})`);
}

export function isTombstoneValue(stored: Buffer): boolean {
  return stored[0] === VersionTag.Tombstone;
}

/** A system record key: 0x02 | name. */
export function systemKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([SYSTEM_PREFIX]), Buffer.from(name, "utf8")]);
}

const MAX_TS_SUFFIX = Buffer.alloc(TS_BYTES, 0xff);

/** A version key's logical key (see LogicalKeyBounds): the escaped user key without its timestamp. */
export function versionKeyLogical(storageKey: Buffer): Buffer {
  return storageKey.subarray(0, versionKeyLogicalLength(storageKey, storageKey.length));
}

/** Where a background worker thread finds versionKeyLogicalLength (EngineOptions.logicalKeyLengthModule). */
export const versionKeyLogicalLengthModule = { moduleUrl: import.meta.url, exportName: "versionKeyLogicalLength" } as const;

/** The length of versionKeyLogical(key[0, length)), without making it. */
export function versionKeyLogicalLength(key: Uint8Array, length: number): number {
  return key[0] !== DATA_PREFIX || length < 1 + TS_BYTES ? length : length - TS_BYTES;
}

/**
 * All versions of one user key form one logical key for compaction (see LogicalKeyBounds): from
 * the bare escaped key (below every version) to the escaped key with the oldest timestamp.
 */
export function versionKeyBounds(storageKey: Buffer): readonly [Buffer, Buffer] {
  const lo = versionKeyLogical(storageKey);
  return lo === storageKey ? [lo, lo] : [lo, Buffer.concat([lo, MAX_TS_SUFFIX])];
}
