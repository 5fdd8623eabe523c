import { crc32 } from "node:zlib";
import type { BlockHandle } from "./block-handle.js";
import { FOOTER_BYTES, FOOTER_FLAG_HAS_VECTOR, FOOTER_MAGIC, FORMAT_VERSION } from "./format.js";

/** The decoded footer: where every section lives. `vector` is undefined when the table has none. */
export interface Footer {
  readonly meta: BlockHandle;
  readonly index: BlockHandle;
  readonly bloom: BlockHandle;
  readonly vector: BlockHandle | undefined;
  readonly formatVersion: number;
}

const HANDLE_BYTES = 12;
const VERSION_AT = 4 * HANDLE_BYTES;
const FLAGS_AT = VERSION_AT + 4;
const CRC_AT = FLAGS_AT + 4;
const MAGIC_AT = CRC_AT + 4;

/** Encodes the fixed-size footer (layout in `format.ts`). */
export function encodeFooter(footer: Omit<Footer, "formatVersion">): Buffer {
  const out = Buffer.alloc(FOOTER_BYTES);
  const handles = [footer.meta, footer.index, footer.bloom, footer.vector ?? { offset: 0, sizeBytes: 0 }];
  handles.forEach((h, i) => {
    writeU64(out, i * HANDLE_BYTES, h.offset);
    out.writeUInt32LE(h.sizeBytes, i * HANDLE_BYTES + 8);
  });
  out.writeUInt32LE(FORMAT_VERSION, VERSION_AT);
  out.writeUInt32LE(footer.vector ? FOOTER_FLAG_HAS_VECTOR : 0, FLAGS_AT);
  out.writeUInt32LE(crc32(out.subarray(0, CRC_AT)), CRC_AT);
  FOOTER_MAGIC.copy(out, MAGIC_AT);
  return out;
}

/** Decodes a footer, or returns the reason it is not one. Pure: never throws. */
export function decodeFooter(buf: Buffer): Footer | string {
  if (buf.length !== FOOTER_BYTES) return `footer is ${buf.length} bytes, expected ${FOOTER_BYTES}`;
  if (!buf.subarray(MAGIC_AT).equals(FOOTER_MAGIC)) return "bad magic number (not an SSTable, or truncated)";
  if (crc32(buf.subarray(0, CRC_AT)) !== buf.readUInt32LE(CRC_AT)) return "footer checksum mismatch";
  const formatVersion = buf.readUInt32LE(VERSION_AT);
  if (formatVersion !== FORMAT_VERSION) return `unsupported format version ${formatVersion}`;
  const flags = buf.readUInt32LE(FLAGS_AT);
  if ((flags & ~FOOTER_FLAG_HAS_VECTOR) !== 0) return `unknown footer flags 0x${flags.toString(16)}`;
  const handle = (i: number): BlockHandle => ({
    offset: readU64(buf, i * HANDLE_BYTES),
    sizeBytes: buf.readUInt32LE(i * HANDLE_BYTES + 8),
  });
  return {
    meta: handle(0),
    index: handle(1),
    bloom: handle(2),
    vector: flags & FOOTER_FLAG_HAS_VECTOR ? handle(3) : undefined,
    formatVersion,
  };
}

function writeU64(out: Buffer, at: number, n: number): void {
  out.writeUInt32LE(n % 0x1_0000_0000, at);
  out.writeUInt32LE(Math.floor(n / 0x1_0000_0000), at + 4);
}

// NB: offsets above 2^53 read back inexact; the reader's bounds check against the file size rejects them.
function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}
