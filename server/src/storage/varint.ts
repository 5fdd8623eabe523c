/**
 * Unsigned LEB128 varints (LevelDB's encoding) for integers up to 2^53 - 1, shared by the batch,
 * WAL group, manifest and SSTable codecs. Decoding reads through a caller-owned cursor so the hot
 * path allocates nothing.
 */

/** A read position that `decodeVarint` advances. One per reader, reused across calls. */
export interface VarintCursor {
  pos: number;
}

/** Most bytes a varint of a safe integer can take (ceil(53 / 7)). */
export const VARINT_MAX_BYTES = 8;

/** Bytes `encodeVarint` will write for `n`. */
export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

/** Writes `n` (a safe non-negative integer) at `offset`; returns the offset after it. */
export function encodeVarint(out: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    out[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[offset++] = n;
  return offset;
}

/**
 * Reads the varint at `cursor.pos` (which must be < `limit`) and advances the cursor past it.
 * Returns -1, leaving the cursor anywhere, if the varint runs past `limit` or past 2^53.
 */
export function decodeVarint(buf: Uint8Array, cursor: VarintCursor, limit: number): number {
  let p = cursor.pos;
  if (p >= limit) return -1;
  let b = buf[p++]!;
  if (b < 0x80) {
    cursor.pos = p;
    return b;
  }
  let result = b & 0x7f;
  let scale = 0x80;
  for (let i = 1; i < VARINT_MAX_BYTES; i++) {
    if (p >= limit) return -1;
    b = buf[p++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      cursor.pos = p;
      return result <= Number.MAX_SAFE_INTEGER ? result : -1;
    }
    scale *= 0x80;
  }
  return -1;
}

/** Reads a varint at `offset`; returns [value, next offset]. Throws RangeError if it is malformed or runs off the end. */
export function getVarint(buf: Uint8Array, offset: number): [number, number] {
  const cursor = { pos: offset };
  const v = decodeVarint(buf, cursor, buf.length);
  if (v < 0) throw new RangeError(`malformed varint at offset ${offset}`);
  return [v, cursor.pos];
}
