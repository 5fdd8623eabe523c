/**
 * COPY's binary format (PostgreSQL's "PGCOPY"): an 11-byte signature, int32 flags, int32
 * header-extension length and the extension; then per row an int16 field count and per field an
 * int32 length (-1 for NULL) and the value in the type's binary send format; an int16 -1 ends it.
 */
import type { SqlScalar, SqlType, SqlValue } from "../types/index.js";
import { CopyDataError, MAX_RECORD_BYTES } from "./copy-format.js";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Bit 16 of the flags: the data has OIDs (WITH OIDS), which PostgreSQL 12 and later refuse. */
const FLAG_OIDS = 1 << 16;
/** Flags in the low 16 bits are critical: a reader must refuse ones it does not know. */
const CRITICAL_FLAGS = 0xffff;

export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);

export function binaryCopyHeader(): Buffer {
  const b = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(b, 0);
  return b;
}

export function binaryCopyRow(row: readonly SqlValue[], types: readonly SqlType[], encode: (v: SqlScalar, t: SqlType) => Buffer): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(2);
  count.writeInt16BE(types.length);
  parts.push(count);
  for (let i = 0; i < types.length; i++) {
    const v = row[i]!;
    const len = Buffer.alloc(4);
    if (v === null) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    const bytes = encode(v, types[i]!);
    len.writeInt32BE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}

/** A byte queue over incoming chunks; reads wait for more data, `null` at the end of the stream. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private at = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  /** Exactly n bytes, or null if the stream ends first (with fewer than n left). */
  async take(n: number): Promise<Buffer | null> {
    while (this.buf.length - this.at < n) {
      if (this.done) return null;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        continue;
      }
      const rest = this.buf.subarray(this.at);
      this.buf = Buffer.concat([rest, Buffer.from(r.value)]);
      this.at = 0;
    }
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** Whether anything follows (reads ahead if needed). */
  async atEnd(): Promise<boolean> {
    const b = await this.take(1);
    if (b === null) return true;
    this.at--;
    return false;
  }
}

export interface BinaryRecord {
  /** 1-based row number (PostgreSQL's "line" for binary COPY). */
  readonly line: number;
  readonly fields: readonly (Buffer | null)[];
}

/** The rows of a binary COPY stream, each holding its fields' bytes. */
export async function* readBinaryCopy(chunks: AsyncIterable<Uint8Array>, columns: number): AsyncGenerator<BinaryRecord> {
  const r = new ByteReader(chunks);
  const bad = (message: string, line: number) => new CopyDataError(message, "22P04", line, undefined);
  const sig = await r.take(SIGNATURE.length);
  if (sig === null || !sig.equals(SIGNATURE)) throw bad("COPY file signature not recognized", 0);
  const flags = await r.take(4);
  if (flags === null) throw bad("invalid COPY file header (missing flags)", 0);
  const f = flags.readInt32BE(0);
  if ((f & FLAG_OIDS) !== 0) throw new CopyDataError("invalid COPY file header (WITH OIDS)", "0A000", 0, undefined);
  if ((f & CRITICAL_FLAGS) !== 0) throw bad("unrecognized critical flags in COPY file header", 0);
  const extLen = await r.take(4);
  if (extLen === null) throw bad("invalid COPY file header (missing length)", 0);
  const ext = extLen.readInt32BE(0);
  if (ext < 0 || (await r.take(ext)) === null) throw bad("invalid COPY file header (wrong length)", 0);
  for (let line = 1; ; line++) {
    const countBytes = await r.take(2);
    if (countBytes === null) return;
    const count = countBytes.readInt16BE(0);
    if (count === -1) {
      if (!(await r.atEnd())) throw bad("received copy data after EOF marker", line);
      return;
    }
    if (count !== columns) throw bad(`row field count is ${count}, expected ${columns}`, line);
    const fields: (Buffer | null)[] = [];
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const lenBytes = await r.take(4);
      if (lenBytes === null) throw bad("unexpected EOF in COPY data", line);
      const len = lenBytes.readInt32BE(0);
      if (len === -1) {
        fields.push(null);
        continue;
      }
      bytes += len;
      if (len < -1 || bytes > MAX_RECORD_BYTES) throw bad("invalid field size", line);
      const value = await r.take(len);
      if (value === null) throw bad("unexpected EOF in COPY data", line);
      fields.push(Buffer.from(value));
    }
    yield { line, fields };
  }
}
