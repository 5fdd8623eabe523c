import { encodeVarint, varintLength } from "../varint.js";
import { RECORD_HEADER_BYTES, RECORD_MAX_DATA_BYTES, writeRecordHeader } from "./record.js";

/**
 * The WAL's physical record types. One kind today; the reader switches over this union
 * exhaustively so a new kind does not compile until replay handles it.
 *
 * GROUP: data = count varint | (length varint | payload)*count, count >= 1. Group commit writes
 * every payload queued behind one fsync as a single record, so a torn write can only ever damage
 * the last record of the file.
 */
export const WalRecordType = { Group: 1 } as const;
export type WalRecordType = (typeof WalRecordType)[keyof typeof WalRecordType];

export function isWalRecordType(n: number): n is WalRecordType {
  return n === WalRecordType.Group;
}

/** LEB128 needs at most 5 bytes for the values we write (< 2^32). */
const VARINT_MAX_BYTES = 5;

/** Reads a varint in [offset, end); returns null when it runs past `end`, is overlong, or exceeds the record bound. */
function readVarint(buf: Buffer, offset: number, end: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < VARINT_MAX_BYTES && offset + i < end; i++) {
    const byte = buf[offset + i]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value > RECORD_MAX_DATA_BYTES ? null : { value, next: offset + i + 1 };
    scale *= 0x80;
  }
  return null;
}

/** Bytes one payload costs inside a group's data (its length prefix plus itself). Always >= 1. */
export function groupEntryBytes(payloadBytes: number): number {
  return varintLength(payloadBytes) + payloadBytes;
}

/** Size of the data part of a group whose entries cost `entriesBytes` in total. */
export function groupDataBytes(count: number, entriesBytes: number): number {
  return varintLength(count) + entriesBytes;
}

/**
 * Encodes a whole physical GROUP record (header included) into one new buffer, so it reaches the
 * file in a single append.
 */
export function encodeGroupRecord(payloads: readonly Uint8Array[]): Buffer {
  let entriesBytes = 0;
  for (const p of payloads) entriesBytes += groupEntryBytes(p.length);
  const dataBytes = groupDataBytes(payloads.length, entriesBytes);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + dataBytes);
  let at = encodeVarint(out, RECORD_HEADER_BYTES, payloads.length);
  for (const p of payloads) {
    at = encodeVarint(out, at, p.length);
    out.set(p, at);
    at += p.length;
  }
  writeRecordHeader(out, 0, WalRecordType.Group, out.subarray(RECORD_HEADER_BYTES));
  return out;
}

export type DecodedGroup =
  | { readonly kind: "group"; readonly payloads: readonly Buffer[] }
  | { readonly kind: "invalid"; readonly reason: string };

/**
 * Splits a GROUP record's data into its payloads (views into `data`, not copies).
 * Pure: never throws on bad input.
 */
export function decodeGroup(data: Buffer): DecodedGroup {
  const count = readVarint(data, 0, data.length);
  if (count === null) return { kind: "invalid", reason: "bad group count" };
  if (count.value === 0) return { kind: "invalid", reason: "empty group" };
  // Every entry costs at least one byte, so a count larger than the data is a lie.
  if (count.value > data.length) return { kind: "invalid", reason: `group count ${count.value} exceeds its data` };
  const payloads: Buffer[] = [];
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const len = readVarint(data, at, data.length);
    if (len === null || len.next + len.value > data.length) {
      return { kind: "invalid", reason: `group entry ${i} runs past the record` };
    }
    payloads.push(data.subarray(len.next, len.next + len.value));
    at = len.next + len.value;
  }
  if (at !== data.length) return { kind: "invalid", reason: `${data.length - at} trailing bytes after the group` };
  return { kind: "group", payloads };
}

/**
 * Cheap structural check of a candidate group's data in `buf[start, end)`, without checksumming
 * or allocating: walks the length prefixes only. Returns the steps it took (>= 1) when the
 * structure is consistent, or -(steps) when it is not, so callers can charge the work to a budget.
 */
export function checkGroupStructure(buf: Buffer, start: number, end: number): number {
  const count = readVarint(buf, start, end);
  if (count === null || count.value === 0 || count.value > end - start) return -1;
  let at = count.next;
  let steps = 1;
  for (let i = 0; i < count.value; i++) {
    steps++;
    const len = readVarint(buf, at, end);
    if (len === null || len.next + len.value > end) return -steps;
    at = len.next + len.value;
  }
  return at === end ? steps : -steps;
}
