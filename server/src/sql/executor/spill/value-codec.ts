/**
 * The record format of spill files: a self-describing binary encoding of rows of SqlValues that
 * round-trips every value exactly (JS type included: a Buffer stays a Buffer, a Uint8Array a
 * Uint8Array, -0 stays -0, NaN stays NaN, a float32 NaN keeps its bits; arrays element by element). It needs no column
 * types, because spilled rows also carry values outside any declared column (hidden row ids,
 * computed sort and group keys).
 *
 *   record  u32 LE payload length | varint value count | value*
 *   value   tag u8 | payload (see Tag)
 *
 * Spill files are private to one statement of one process, so the format has no version and
 * no checksum; a short or malformed record is a broken invariant (XX000).
 */
import { SqlStateError } from "../../../common/sqlstate-error.js";
import { Interval, Jsonb, JsonbObject, type JsonbNode, Numeric, type SqlValue } from "../../types/index.js";

const enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  /** A safe integer below 2^52 in magnitude (not -0): zigzag varint. */
  SmallInt = 3,
  /** Any other number: float64 LE. */
  Float64 = 4,
  /** Zigzag varint of any size. */
  BigInt = 5,
  /** Well-formed string: varint byte length, UTF-8. */
  Utf8 = 6,
  /** String with lone surrogates (UTF-8 cannot carry them): varint code unit count, UTF-16LE. */
  Utf16 = 7,
  /** varint display scale, then the value in exponential notation as a Utf8 payload. */
  Numeric = 8,
  /** varint length, bytes. */
  Bytes = 9,
  /** Same payload as Bytes; decodes to a Buffer. */
  Buffer = 10,
  /** varint element count, raw float32 LE bytes (NaN payloads kept). */
  Float32Array = 11,
  /** A jsonb tree (JsonTag nodes). */
  Jsonb = 12,
  /** An array value: varint element count, then the elements as values. */
  Array = 13,
  /** An interval: zigzag varints of months and days, then the microseconds as a float64 LE (a safe integer). */
  Interval = 14,
}

const enum JsonTag {
  Null = 0,
  False = 1,
  True = 2,
  String = 3,
  Numeric = 4,
  Array = 5,
  Object = 6,
  /** A string with lone surrogates, as Tag.Utf16. */
  String16 = 7,
}

const SMALL_INT_LIMIT = 2 ** 52;

/** String.prototype.isWellFormed (Node 20 has it; the ES2023 lib typings do not). */
function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

function corrupt(what: string): SqlStateError {
  return new SqlStateError(`internal error: malformed spill record (${what})`, "XX000");
}

/** A growable byte buffer that records are appended to. */
export class RecordEncoder {
  buf: Buffer;
  len = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Appends one record; returns its encoded size in bytes. */
  append(values: readonly SqlValue[]): number {
    const start = this.len;
    this.ensure(4);
    this.len += 4;
    this.varint(values.length);
    for (const v of values) this.value(v);
    const payload = this.len - start - 4;
    this.buf.writeUInt32LE(payload, start);
    return this.len - start;
  }

  /** Forgets the bytes written; shrinks the buffer back if one huge record grew it. */
  reset(maxKeptBytes: number): void {
    this.len = 0;
    if (this.buf.length > 2 * maxKeptBytes) this.buf = Buffer.allocUnsafe(Math.max(16, maxKeptBytes));
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.len + n, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned varint of a non-negative integer below 2^53. */
  private varint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  private bigVarint(n: bigint): void {
    while (n >= 0x80n) {
      this.byte(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.byte(Number(n));
  }

  private bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  private utf8(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.varint(n);
    this.ensure(n);
    this.len += this.buf.write(s, this.len, "utf8");
  }

  private utf16(s: string): void {
    this.varint(s.length);
    this.ensure(2 * s.length);
    this.len += this.buf.write(s, this.len, "utf16le");
  }

  private value(v: SqlValue): void {
    if (v === null) return this.byte(Tag.Null);
    switch (typeof v) {
      case "boolean":
        return this.byte(v ? Tag.True : Tag.False);
      case "number":
        if (Number.isInteger(v) && Math.abs(v) < SMALL_INT_LIMIT && !Object.is(v, -0)) {
          this.byte(Tag.SmallInt);
          return this.varint(v >= 0 ? 2 * v : -2 * v - 1);
        }
        this.byte(Tag.Float64);
        this.ensure(8);
        this.buf.writeDoubleLE(v, this.len);
        this.len += 8;
        return;
      case "bigint":
        this.byte(Tag.BigInt);
        return this.bigVarint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
      case "string":
        if (isWellFormed(v)) {
          this.byte(Tag.Utf8);
          return this.utf8(v);
        }
        this.byte(Tag.Utf16);
        return this.utf16(v);
      default:
        return this.object(v);
    }
  }

  private object(v: Exclude<SqlValue, null | boolean | number | bigint | string>): void {
    if (v instanceof Numeric) {
      this.byte(Tag.Numeric);
      this.numeric(v);
    } else if (v instanceof Float32Array) {
      this.byte(Tag.Float32Array);
      this.varint(v.length);
      const raw = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      this.ensure(raw.length);
      this.buf.set(raw, this.len);
      this.len += raw.length;
    } else if (v instanceof Uint8Array) {
      this.byte(Buffer.isBuffer(v) ? Tag.Buffer : Tag.Bytes);
      this.bytes(v);
    } else if (v instanceof Jsonb) {
      this.byte(Tag.Jsonb);
      this.json(v.root);
    } else if (v instanceof Interval) {
      this.byte(Tag.Interval);
      this.varint(v.months >= 0 ? 2 * v.months : -2 * v.months - 1);
      this.varint(v.days >= 0 ? 2 * v.days : -2 * v.days - 1);
      this.ensure(8);
      this.buf.writeDoubleLE(v.micros, this.len);
      this.len += 8;
    } else if (Array.isArray(v)) {
      const elements = v as readonly SqlValue[];
      this.byte(Tag.Array);
      this.varint(elements.length);
      for (const e of elements) this.value(e);
    } else {
      throw new SqlStateError(`internal error: cannot spill a value of JS type ${(v as object).constructor?.name ?? typeof v}`, "XX000");
    }
  }

  private numeric(n: Numeric): void {
    this.varint(n.scale);
    // Exponential notation with every significant digit: exact, and short for 1e300 or 1e-300.
    this.utf8(n.value.isFinite() ? n.value.toExponential() : n.value.toString());
  }

  private json(node: JsonbNode): void {
    if (node === null) return this.byte(JsonTag.Null);
    if (node === true || node === false) return this.byte(node ? JsonTag.True : JsonTag.False);
    if (typeof node === "string") {
      if (isWellFormed(node)) {
        this.byte(JsonTag.String);
        return this.utf8(node);
      }
      this.byte(JsonTag.String16);
      return this.utf16(node);
    }
    if (node instanceof Numeric) {
      this.byte(JsonTag.Numeric);
      return this.numeric(node);
    }
    if (node instanceof JsonbObject) {
      this.byte(JsonTag.Object);
      this.varint(node.keys.length);
      for (const k of node.keys) this.json(k);
      for (const x of node.values) this.json(x);
      return;
    }
    this.byte(JsonTag.Array);
    this.varint(node.length);
    for (const x of node) this.json(x);
  }

}

/** Reads records back; every read is bounds-checked. */
export class RecordDecoder {
  private pos = 0;
  private end = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));

  /** Decodes the one record whose payload is buf[start, end) (after its length prefix). */
  decode(buf: Uint8Array, start: number, end: number): SqlValue[] {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.pos = start;
    this.end = end;
    const n = this.varint();
    const out: SqlValue[] = new Array<SqlValue>(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    if (this.pos !== end) throw corrupt("trailing bytes");
    return out;
  }

  private byte(): number {
    if (this.pos >= this.end) throw corrupt("truncated");
    return this.buf[this.pos++]!;
  }

  private varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    throw corrupt("varint too long");
  }

  private bigVarint(): bigint {
    let n = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      n |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return n;
      shift += 7n;
    }
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.end) throw corrupt("truncated");
    const s = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  private utf8(): string {
    const s = this.take(this.varint());
    return Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString("utf8");
  }

  private utf16(): string {
    const s = this.take(2 * this.varint());
    return Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString("utf16le");
  }

  private value(): SqlValue {
    const tag = this.byte();
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.SmallInt: {
        const z = this.varint();
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      case Tag.Float64: {
        if (this.pos + 8 > this.end) throw corrupt("truncated");
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case Tag.BigInt: {
        const z = this.bigVarint();
        return z & 1n ? -((z + 1n) >> 1n) : z >> 1n;
      }
      case Tag.Utf8:
        return this.utf8();
      case Tag.Utf16:
        return this.utf16();
      case Tag.Numeric:
        return this.numeric();
      case Tag.Bytes:
        return Uint8Array.from(this.take(this.varint()));
      case Tag.Buffer:
        return Buffer.from(this.take(this.varint()));
      case Tag.Float32Array: {
        const n = this.varint();
        const raw = this.take(4 * n);
        const out = new Float32Array(n);
        new Uint8Array(out.buffer).set(raw);
        return out;
      }
      case Tag.Jsonb:
        return new Jsonb(this.json());
      case Tag.Interval: {
        const zm = this.varint();
        const zd = this.varint();
        if (this.pos + 8 > this.end) throw corrupt("truncated");
        const micros = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return new Interval(zm % 2 === 0 ? zm / 2 : -(zm + 1) / 2, zd % 2 === 0 ? zd / 2 : -(zd + 1) / 2, micros);
      }
      case Tag.Array: {
        const n = this.varint();
        const out: SqlValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value());
        // NB: array values (SqlArray) are SqlValues once the array type lands; the cast bridges until then.
        return out as unknown as SqlValue;
      }
      default:
        throw corrupt(`tag ${tag}`);
    }
  }

  private numeric(): Numeric {
    const scale = this.varint();
    const text = this.utf8();
    return Numeric.of(text, scale);
  }

  private json(): JsonbNode {
    const tag = this.byte();
    switch (tag) {
      case JsonTag.Null:
        return null;
      case JsonTag.False:
        return false;
      case JsonTag.True:
        return true;
      case JsonTag.String:
        return this.utf8();
      case JsonTag.String16:
        return this.utf16();
      case JsonTag.Numeric:
        return this.numeric();
      case JsonTag.Array: {
        const n = this.varint();
        const out: JsonbNode[] = [];
        for (let i = 0; i < n; i++) out.push(this.json());
        return out;
      }
      case JsonTag.Object: {
        const n = this.varint();
        const keys: string[] = [];
        for (let i = 0; i < n; i++) {
          const k = this.json();
          if (typeof k !== "string") throw corrupt("jsonb object key");
          keys.push(k);
        }
        const values: JsonbNode[] = [];
        for (let i = 0; i < n; i++) values.push(this.json());
        return new JsonbObject(keys, values);
      }
      default:
        throw corrupt(`jsonb tag ${tag}`);
    }
  }
}

/** Length prefix of every record. */
export const RECORD_HEADER_BYTES = 4;
