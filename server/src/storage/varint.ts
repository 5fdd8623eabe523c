/**
 * Unsigned LEB128 varints for values below 2^53. Shared by the batch, manifest and SSTable codecs.
 */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes `n` at `offset`; returns the offset after it. */
export function putVarint(buf: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    buf[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[offset++] = n;
  return offset;
}

/** Reads a varint at `offset`; returns [value, next offset]. Throws RangeError if it runs off the end. */
export function getVarint(buf: Uint8Array, offset: number): [number, number] {
  let result = 0;
  let mult = 1;
  for (let i = 0; i < 8; i++) {
    if (offset >= buf.length) throw new RangeError("varint runs past the end of the buffer");
    const b = buf[offset++]!;
    result += (b & 0x7f) * mult;
    if (b < 0x80) return [result, offset];
    mult *= 128;
  }
  throw new RangeError("varint longer than 8 bytes");
}
