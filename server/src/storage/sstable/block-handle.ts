import type { ByteBuffer } from "./byte-buffer.js";
import { decodeVarint, type VarintCursor } from "../varint.js";

/** Where a block's contents sit in the file; `sizeBytes` excludes the 5-byte trailer. */
export interface BlockHandle {
  readonly offset: number;
  readonly sizeBytes: number;
}

/** Appends `offset varint | size varint`. */
export function encodeBlockHandle(out: ByteBuffer, offset: number, sizeBytes: number): void {
  out.pushVarint(offset);
  out.pushVarint(sizeBytes);
}

/**
 * Decodes a handle from `buf[start, end)` into `into` (reused by hot paths). Returns false if the
 * bytes are not exactly two varints.
 */
export function decodeBlockHandleInto(
  buf: Uint8Array,
  start: number,
  end: number,
  cursor: VarintCursor,
  into: { offset: number; sizeBytes: number },
): boolean {
  cursor.pos = start;
  const offset = decodeVarint(buf, cursor, end);
  if (offset < 0) return false;
  const size = decodeVarint(buf, cursor, end);
  if (size < 0 || cursor.pos !== end) return false;
  into.offset = offset;
  into.sizeBytes = size;
  return true;
}
