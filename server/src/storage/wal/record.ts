import { crc32 } from "node:zlib";

/**
 * The record framing shared by the WAL, the manifest and the Raft log:
 *
 *   length u32 LE | checksum u32 LE | type u8 | data[length]
 *
 * `length` counts only `data`; `checksum` is CRC-32 of `type` followed by `data`, so a record
 * whose type byte or payload is damaged fails its check.
 */
export const RECORD_HEADER_BYTES = 9;
/** Bound on one record so a damaged length field cannot make a reader allocate gigabytes. */
export const RECORD_MAX_DATA_BYTES = 256 * 1024 * 1024;

export function recordChecksum(type: number, data: Uint8Array): number {
  return crc32(data, crc32(Uint8Array.of(type)));
}

/** Encodes one record into a new buffer. */
export function encodeRecord(type: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + data.length);
  writeRecordHeader(out, 0, type, data);
  out.set(data, RECORD_HEADER_BYTES);
  return out;
}

/** Writes the 9-byte header for (type, data) at `offset` of `target`. */
export function writeRecordHeader(target: Buffer, offset: number, type: number, data: Uint8Array): void {
  target.writeUInt32LE(data.length, offset);
  target.writeUInt32LE(recordChecksum(type, data), offset + 4);
  target.writeUInt8(type, offset + 8);
}

export type DecodedRecord =
  | { readonly kind: "record"; readonly type: number; readonly data: Buffer; readonly nextOffset: number }
  /** Fewer bytes remain than the header or the declared length needs. */
  | { readonly kind: "truncated" }
  /** The bytes are all there but the checksum does not match (or the length is absurd). */
  | { readonly kind: "corrupt"; readonly reason: string };

/** Decodes the record at `offset` of `buf`. Pure: never throws on bad input. */
export function decodeRecord(buf: Buffer, offset: number): DecodedRecord {
  if (buf.length - offset < RECORD_HEADER_BYTES) return { kind: "truncated" };
  const length = buf.readUInt32LE(offset);
  if (length > RECORD_MAX_DATA_BYTES) return { kind: "corrupt", reason: `record length ${length} exceeds the maximum` };
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > buf.length) return { kind: "truncated" };
  const checksum = buf.readUInt32LE(offset + 4);
  const type = buf.readUInt8(offset + 8);
  const data = buf.subarray(offset + RECORD_HEADER_BYTES, end);
  if (recordChecksum(type, data) !== checksum) return { kind: "corrupt", reason: "checksum mismatch" };
  return { kind: "record", type, data, nextOffset: end };
}
