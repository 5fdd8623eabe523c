import { encodeVarint, VARINT_MAX_BYTES } from "../varint.js";

/**
 * A growable byte array for building blocks: appends without per-call allocation and hands out
 * views of what it holds. Bounded only by the block it builds (the writer flushes at ~blockSizeBytes).
 */
export class ByteBuffer {
  private buf: Buffer;
  length = 0;

  constructor(initialCapacityBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacityBytes));
  }

  /** The bytes written so far. NB: a view; it changes with the next append or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Empties the buffer, keeping its memory for the next block. */
  reset(): void {
    this.length = 0;
  }

  /** Appends `src[start, end)`. */
  pushBytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    this.buf.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.length);
    this.length += n;
  }

  pushByte(n: number): void {
    this.ensure(1);
    this.buf[this.length++] = n;
  }

  pushVarint(n: number): void {
    this.ensure(VARINT_MAX_BYTES);
    this.length = encodeVarint(this.buf, this.length, n);
  }

  pushU32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(n >>> 0, this.length);
    this.length += 4;
  }

  private ensure(extraBytes: number): void {
    const need = this.length + extraBytes;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}
