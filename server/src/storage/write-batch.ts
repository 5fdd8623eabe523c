import { ValueKind } from "./internal-key.js";
import { encodeVarint, getVarint, varintLength } from "./varint.js";

/**
 * An atomic group of puts and deletes. Encoded into one WAL payload:
 *
 *   firstSeq u64 BE | count u32 BE | (kind u8 | keyLen varint | key | valueLen varint | value)*
 *
 * Entry i gets sequence number firstSeq + i, so a later write to the same key in one batch wins.
 */
export interface BatchEntry {
  readonly kind: ValueKind;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const HEADER_BYTES = 12;

export class WriteBatch {
  readonly entries: BatchEntry[] = [];
  private payloadBytes = 0;

  put(key: Uint8Array, value: Uint8Array): this {
    this.entries.push({ kind: ValueKind.Put, key, value });
    this.payloadBytes += key.length + value.length;
    return this;
  }

  delete(key: Uint8Array): this {
    this.entries.push({ kind: ValueKind.Delete, key, value: EMPTY });
    this.payloadBytes += key.length;
    return this;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Bytes of keys and values: what the user asked to store (write amplification's denominator). */
  get userBytes(): number {
    return this.payloadBytes;
  }
}

/** The size of encodeBatch(batch.entries, ...). */
export function encodedBatchBytes(batch: WriteBatch): number {
  // Varints of lengths are at most 5 bytes: most batches are judged without a pass over them.
  const bound = HEADER_BYTES + batch.userBytes + batch.count * 11;
  return bound <= 0xffff ? bound : exactBatchBytes(batch.entries);
}

function exactBatchBytes(entries: readonly BatchEntry[]): number {
  let size = HEADER_BYTES;
  for (const e of entries) size += 1 + varintLength(e.key.length) + e.key.length + varintLength(e.value.length) + e.value.length;
  return size;
}

/** Encodes `entries` with sequence numbers starting at `firstSeq`. */
export function encodeBatch(entries: readonly BatchEntry[], firstSeq: number): Buffer {
  const out = Buffer.allocUnsafe(exactBatchBytes(entries));
  out.writeUInt32BE(Math.floor(firstSeq / 0x1_0000_0000), 0);
  out.writeUInt32BE(firstSeq >>> 0, 4);
  out.writeUInt32BE(entries.length, 8);
  let o = HEADER_BYTES;
  for (const e of entries) {
    out[o++] = e.kind;
    o = encodeVarint(out, o, e.key.length);
    out.set(e.key, o);
    o += e.key.length;
    o = encodeVarint(out, o, e.value.length);
    out.set(e.value, o);
    o += e.value.length;
  }
  return out;
}

export interface DecodedBatch {
  readonly firstSeq: number;
  readonly entries: BatchEntry[];
}

/** Decodes a WAL payload. Throws RangeError on malformed input (the WAL checksum makes that a bug or a foreign file). */
export function decodeBatch(buf: Buffer): DecodedBatch {
  if (buf.length < HEADER_BYTES) throw new RangeError("write batch shorter than its header");
  const firstSeq = buf.readUInt32BE(0) * 0x1_0000_0000 + buf.readUInt32BE(4);
  const count = buf.readUInt32BE(8);
  const entries: BatchEntry[] = [];
  let o = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const kind = buf[o++];
    if (kind !== ValueKind.Put && kind !== ValueKind.Delete) throw new RangeError(`bad entry kind ${kind}`);
    let len: number;
    [len, o] = getVarint(buf, o);
    const key = buf.subarray(o, o + len);
    o += len;
    [len, o] = getVarint(buf, o);
    const value = buf.subarray(o, o + len);
    o += len;
    if (o > buf.length) throw new RangeError("write batch entry runs past the end");
    entries.push({ kind, key, value });
  }
  if (o !== buf.length) throw new RangeError("trailing bytes after write batch");
  return { firstSeq, entries };
}
