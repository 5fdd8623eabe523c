/**
 * Order-preserving encoding of tuples into byte strings, for table row keys and index keys.
 *
 * The unsigned lexicographic order of encoded tuples (Buffer.compare) equals the value order of
 * the tuples compared column by column (`compareKeyValues`, negated for descending columns), so
 * the storage engine can sort, seek and range-scan keys without knowing their schema.
 *
 * Each component is a type tag followed by a payload, and every component is self-delimiting, so
 * a tuple that is a prefix of another is a byte prefix of it and sorts first.
 *
 *   tag          type        payload
 *   0x02 / 0x03  false/true  none
 *   0x0c..0x1c   bigint      0x14 + n: non-negative, n big-endian bytes of the value (n = 0 for 0);
 *                            0x14 - n: negative, n bytes of the ones' complement of the magnitude.
 *                            n is minimal, so the tag orders by magnitude class and small integers
 *                            take 1 to 3 bytes (as in the FoundationDB tuple layer).
 *   0x20         number      8 bytes: IEEE 754 big-endian, sign bit flipped if positive, all bits
 *                            inverted if negative; -0 is stored as 0 and every NaN as one NaN that
 *                            sorts above +Infinity (PostgreSQL's order).
 *   0x30         string      UTF-8 (byte order = code point order, the "C" collation), escaped
 *   0x40         Uint8Array  the bytes, escaped
 *   0x50         null        none; the highest tag, so NULLS LAST ascending and first descending
 *
 * Escaping: 0x00 becomes 0x00 0xff and the payload ends with 0x00 0x01. The terminator is below
 * every continuation (any byte > 0x00, or the escaped zero), so a string sorts before its
 * extensions, and since the escape and terminator differ in their second byte no encoding is a
 * prefix of another, whatever follows it.
 *
 * A descending component is the ascending one with every byte inverted (tag included). Inverting
 * reverses the order of any two prefix-free byte strings, which each component encoding is.
 *
 * Decoding is strict: it accepts exactly what the encoder produces (minimal integers, no -0, the
 * one NaN, valid UTF-8), so every key has one meaning and corruption is caught early.
 */

export type KeyValue = null | boolean | bigint | number | string | Uint8Array;
export type Direction = "asc" | "desc";

/** A key that does not decode, or a value that cannot be encoded. */
export class KeyEncodingError extends Error {
  /** Postgres SQLSTATE: internal_error (keys are produced by the system, not typed by users). */
  readonly sqlstate: string = "XX000";
  constructor(
    message: string,
    /** Offset of the malformed byte in the key, when decoding. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `malformed key at offset ${offset}: ${message}`);
    this.name = "KeyEncodingError";
  }
}

const TAG_FALSE = 0x02;
const TAG_TRUE = 0x03;
const TAG_INT_ZERO = 0x14;
const TAG_INT_MIN = TAG_INT_ZERO - 8;
const TAG_INT_MAX = TAG_INT_ZERO + 8;
const TAG_FLOAT = 0x20;
const TAG_TEXT = 0x30;
const TAG_BYTES = 0x40;
const TAG_NULL = 0x50;

const ESCAPE = 0x00;
const ESCAPED_ZERO = 0xff;
const TERMINATOR = 0x01;

const INT64_MIN = -0x8000000000000000n;
const INT64_MAX = 0x7fffffffffffffffn;
const TWO_32 = 0x1_0000_0000;

/** Bytes needed for a non-negative integer below 2^32. */
function byteLength32(x: number): number {
  return x === 0 ? 0 : x < 0x100 ? 1 : x < 0x1_0000 ? 2 : x < 0x100_0000 ? 3 : 4;
}

/** Incremental tuple encoder over a growable buffer; `finish` returns the key and resets it. */
export class KeyEncoder {
  private buf: Buffer;
  private len = 0;

  constructor(initialCapacity = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes appended since the last `finish`/`reset`. */
  get length(): number {
    return this.len;
  }

  reset(): this {
    this.len = 0;
    return this;
  }

  append(value: KeyValue, direction: Direction = "asc"): this {
    const start = this.len;
    switch (typeof value) {
      case "boolean":
        this.ensure(1);
        this.buf[this.len++] = value ? TAG_TRUE : TAG_FALSE;
        break;
      case "bigint":
        this.appendInt(value);
        break;
      case "number":
        this.appendFloat(value);
        break;
      case "string":
        this.appendText(value);
        break;
      case "object":
        if (value === null) {
          this.ensure(1);
          this.buf[this.len++] = TAG_NULL;
        } else if (value instanceof Uint8Array) {
          this.ensure(1);
          this.buf[this.len++] = TAG_BYTES;
          this.appendEscaped(value);
        } else {
          throw new KeyEncodingError(`cannot encode a key component of type ${typeName(value)}`);
        }
        break;
      default:
        throw new KeyEncodingError(`cannot encode a key component of type ${typeName(value)}`);
    }
    if (direction === "desc") {
      const buf = this.buf;
      for (let i = start, end = this.len; i < end; i++) buf[i] = ~buf[i]! & 0xff;
    }
    return this;
  }

  /** The encoded key (a copy; the encoder is reset and can be reused). */
  finish(): Buffer {
    const out = copyOut(this.buf, 0, this.len);
    this.len = 0;
    return out;
  }

  /** Appends `bytes` escaped and terminated, without a tag, ascending. */
  appendEscaped(bytes: Uint8Array): this {
    const n = bytes.length;
    // Long arrays without zeros copy natively; the rest go through one escaping loop.
    if (n > SHORT && bytes.indexOf(0) === -1) {
      this.ensure(n + 2);
      this.buf.set(bytes, this.len);
      this.len += n;
    } else {
      this.ensure(2 * n + 2);
      const buf = this.buf;
      let p = this.len;
      for (let i = 0; i < n; i++) {
        const b = bytes[i]!;
        buf[p++] = b;
        if (b === ESCAPE) buf[p++] = ESCAPED_ZERO;
      }
      this.len = p;
    }
    this.buf[this.len++] = ESCAPE;
    this.buf[this.len++] = TERMINATOR;
    return this;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  private appendInt(v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX) throw new KeyEncodingError(`integer ${v} is outside the int64 range`);
    const negative = v < 0n;
    // Split the magnitude into 32-bit halves so the byte work is plain number arithmetic; the
    // bigint shifts are only paid for magnitudes of 2^32 and above.
    let hi = 0;
    let lo: number;
    if (v >= -0xffffffffn && v <= 0xffffffffn) {
      lo = Math.abs(Number(v));
    } else {
      const mag = negative ? -v : v;
      hi = Number(mag >> 32n);
      lo = Number(mag & 0xffffffffn);
    }
    const n = hi === 0 ? byteLength32(lo) : 4 + byteLength32(hi);
    this.ensure(1 + n);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = negative ? TAG_INT_ZERO - n : TAG_INT_ZERO + n;
    const flip = negative ? 0xff : 0;
    for (let i = n - 1; i >= 0; i--) {
      const byte = i >= 4 ? (hi >>> (8 * (i - 4))) & 0xff : (lo >>> (8 * i)) & 0xff;
      buf[p++] = byte ^ flip;
    }
    this.len = p;
  }

  private appendFloat(v: number): void {
    this.ensure(9);
    const buf = this.buf;
    const p = this.len;
    buf[p] = TAG_FLOAT;
    if (Number.isNaN(v)) {
      // NaN payloads and signs vary; one canonical NaN above +Infinity.
      buf[p + 1] = 0xff;
      buf[p + 2] = 0xf8;
      buf.fill(0, p + 3, p + 9);
    } else {
      buf.writeDoubleBE(v === 0 ? 0 : v, p + 1);
      if (buf[p + 1]! & 0x80) {
        for (let i = p + 1; i < p + 9; i++) buf[i] = ~buf[i]! & 0xff;
      } else {
        buf[p + 1] = buf[p + 1]! | 0x80;
      }
    }
    this.len = p + 9;
  }

  private appendText(s: string): void {
    const n = s.length;
    if (n <= SHORT) {
      // Short ASCII strings (the common case for keys) skip the UTF-8 encoder call.
      this.ensure(2 * n + 3);
      const buf = this.buf;
      const start = this.len;
      let p = start;
      buf[p++] = TAG_TEXT;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
        if (c === ESCAPE) buf[p++] = ESCAPED_ZERO;
      }
      if (i === n) {
        buf[p++] = ESCAPE;
        buf[p++] = TERMINATOR;
        this.len = p;
        return;
      }
      this.len = start;
    }
    this.appendUtf8(s);
  }

  private appendUtf8(s: string): void {
    // A lone surrogate has no UTF-8 form: Buffer.write would silently store U+FFFD instead,
    // breaking both the round trip and the order.
    if (!(s as unknown as WellFormedString).isWellFormed()) throw new KeyEncodingError("cannot encode a string containing a lone surrogate");
    // At most 3 UTF-8 bytes per UTF-16 unit, plus tag and terminator.
    this.ensure(3 * s.length + 3);
    const buf = this.buf;
    buf[this.len++] = TAG_TEXT;
    const start = this.len;
    const n = buf.write(s, start, "utf8");
    const end = start + n;
    this.len = end;
    let zeros = 0;
    for (let i = start; i < end; i++) if (buf[i] === 0) zeros++;
    if (zeros > 0) {
      // Rare: spread the bytes out from the back, doubling each zero.
      this.ensure(zeros + 2);
      const b = this.buf;
      let w = end + zeros;
      for (let r = end - 1; r >= start; r--) {
        const byte = b[r]!;
        if (byte === ESCAPE) b[--w] = ESCAPED_ZERO;
        b[--w] = byte;
      }
    }
    this.len += zeros;
    this.buf[this.len++] = ESCAPE;
    this.buf[this.len++] = TERMINATOR;
  }
}

// `String.prototype.isWellFormed` exists in Node 20 but is not in the ES2023 lib typings.
interface WellFormedString {
  isWellFormed(): boolean;
}

function typeName(v: unknown): string {
  if (typeof v !== "object") return typeof v;
  return v === null ? "null" : ((v as object).constructor?.name ?? "object");
}

/** Below this many bytes a JS loop beats the native copy and UTF-8 calls (measured on Node 20). */
const SHORT = 64;

/** A fresh Buffer holding `src[start, end)`. */
function copyOut(src: Uint8Array, start: number, end: number): Buffer {
  const n = end - start;
  const out = Buffer.allocUnsafe(n);
  if (n <= SHORT) for (let i = 0; i < n; i++) out[i] = src[start + i]!;
  else out.set(src.subarray(start, end));
  return out;
}

// One encoder reused by the one-shot functions: encoding is synchronous, so calls cannot interleave.
const scratch = new KeyEncoder(256);

/** Encodes a tuple; `directions[i]` applies to `values[i]`, missing directions are ascending. */
export function encodeTuple(values: readonly KeyValue[], directions?: readonly Direction[]): Buffer {
  scratch.reset();
  for (let i = 0; i < values.length; i++) scratch.append(values[i]!, directions?.[i] ?? "asc");
  return scratch.finish();
}

/** `bytes` escaped and terminated (ascending), so that anything may follow it in a key. */
export function escapeBytes(bytes: Uint8Array): Buffer {
  scratch.reset();
  return scratch.appendEscaped(bytes).finish();
}

/**
 * Inverse of `escapeBytes` for the escaped string starting at `offset`: the original bytes (a copy)
 * and the offset just after the terminator.
 */
export function unescapeBytes(buf: Uint8Array, offset: number): { bytes: Buffer; next: number } {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) {
    throw new KeyEncodingError(`offset ${offset} is outside the ${buf.length}-byte buffer`);
  }
  scanEscaped(buf, offset, 0);
  return { bytes: unescape(buf, offset, 0), next: scanEnd + 2 };
}

/** Decodes every component of `key`; components past the end of `directions` are ascending. */
export function decodeTuple(key: Uint8Array, directions?: readonly Direction[]): KeyValue[] {
  const out: KeyValue[] = [];
  let pos = 0;
  while (pos < key.length) {
    const mask = directions?.[out.length] === "desc" ? 0xff : 0;
    const tagPos = pos;
    const tag = key[pos++]! ^ mask;
    if (tag === TAG_FALSE || tag === TAG_TRUE) {
      out.push(tag === TAG_TRUE);
    } else if (tag >= TAG_INT_MIN && tag <= TAG_INT_MAX) {
      pos = decodeInt(key, tagPos, tag, mask, out);
    } else if (tag === TAG_FLOAT) {
      pos = decodeFloat(key, tagPos, mask, out);
    } else if (tag === TAG_TEXT) {
      scanEscaped(key, pos, mask);
      out.push(decodeText(key, pos, mask));
      pos = scanEnd + 2;
    } else if (tag === TAG_BYTES) {
      scanEscaped(key, pos, mask);
      out.push(unescape(key, pos, mask));
      pos = scanEnd + 2;
    } else if (tag === TAG_NULL) {
      out.push(null);
    } else {
      const dir = mask ? "descending" : "ascending";
      throw new KeyEncodingError(`unknown type tag 0x${hex(key[tagPos]!)} for ${dir} component ${out.length}`, tagPos);
    }
  }
  return out;
}

function decodeInt(key: Uint8Array, tagPos: number, tag: number, mask: number, out: KeyValue[]): number {
  const negative = tag < TAG_INT_ZERO;
  const n = negative ? TAG_INT_ZERO - tag : tag - TAG_INT_ZERO;
  const start = tagPos + 1;
  if (start + n > key.length) throw new KeyEncodingError(`truncated ${n}-byte integer`, tagPos);
  if (n === 0) {
    out.push(0n);
    return start;
  }
  // Bytes of the magnitude: the ones' complement is undone along with the direction mask.
  const flip = mask ^ (negative ? 0xff : 0);
  if ((key[start]! ^ flip) === 0) throw new KeyEncodingError("non-minimal integer encoding", start);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const b = key[start + i]! ^ flip;
    if (n - i > 4) hi = hi * 256 + b;
    else lo = lo * 256 + b;
  }
  // Largest magnitudes: 2^63 - 1 for positive, 2^63 for negative.
  if (hi >= 0x8000_0000 && !(negative && hi === 0x8000_0000 && lo === 0)) {
    throw new KeyEncodingError("integer outside the int64 range", tagPos);
  }
  let mag: bigint;
  if (hi < 0x20_0000) mag = BigInt(hi * TWO_32 + lo);
  else mag = (BigInt(hi) << 32n) | BigInt(lo);
  out.push(negative ? -mag : mag);
  return start + n;
}

const floatBytes = Buffer.alloc(8);

function decodeFloat(key: Uint8Array, tagPos: number, mask: number, out: KeyValue[]): number {
  const start = tagPos + 1;
  if (start + 8 > key.length) throw new KeyEncodingError("truncated float", tagPos);
  const first = key[start]! ^ mask;
  // A set top bit marks a non-negative number (sign bit flipped); otherwise all bits were inverted.
  const flip = mask ^ (first & 0x80 ? 0 : 0xff);
  for (let i = 0; i < 8; i++) floatBytes[i] = key[start + i]! ^ flip;
  floatBytes[0] = (floatBytes[0]! & 0x7f) | (first & 0x80 ? 0 : 0x80);
  const v = floatBytes.readDoubleBE(0);
  if (Number.isNaN(v)) {
    if (floatBytes[0] !== 0x7f || floatBytes[1] !== 0xf8 || floatBytes.readUInt32BE(2) !== 0 || floatBytes.readUInt16BE(6) !== 0) {
      throw new KeyEncodingError("non-canonical NaN", start);
    }
  } else if (v === 0 && floatBytes[0] === 0x80) {
    throw new KeyEncodingError("negative zero", start);
  }
  out.push(v);
  return start + 8;
}

// Strict (invalid UTF-8 throws) and BOM-preserving (a leading U+FEFF is data).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Results of the last `scanEscaped`, kept in module state rather than a fresh object per call.
let scanEnd = 0;
let scanEscapes = 0;

/**
 * Validates the escaped string at `pos` (under `mask`) and records where its terminator starts
 * and how many escaped zeros it holds.
 */
function scanEscaped(buf: Uint8Array, pos: number, mask: number): void {
  const start = pos;
  const esc = ESCAPE ^ mask;
  let escapes = 0;
  for (;;) {
    const i = buf.indexOf(esc, pos);
    if (i === -1) throw new KeyEncodingError("unterminated string", start);
    if (i + 1 >= buf.length) throw new KeyEncodingError("truncated escape sequence", i);
    const next = buf[i + 1]! ^ mask;
    if (next === TERMINATOR) {
      scanEnd = i;
      scanEscapes = escapes;
      return;
    }
    if (next !== ESCAPED_ZERO) throw new KeyEncodingError(`invalid escape 0x${hex(buf[i]!)} 0x${hex(buf[i + 1]!)}`, i);
    escapes++;
    pos = i + 2;
  }
}

/** The string just scanned from `start`. */
function decodeText(key: Uint8Array, start: number, mask: number): string {
  const end = scanEnd;
  if (mask === 0 && scanEscapes === 0) {
    if (end - start <= SHORT) {
      // Short ASCII strings skip the decoder call.
      let s = "";
      let i = start;
      for (; i < end; i++) {
        const b = key[i]!;
        if (b >= 0x80) break;
        s += String.fromCharCode(b);
      }
      if (i === end) return s;
    }
    return decodeUtf8(key.subarray(start, end), start);
  }
  return decodeUtf8(unescape(key, start, mask), start);
}

function decodeUtf8(bytes: Uint8Array, offset: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new KeyEncodingError("string component is not valid UTF-8", offset);
  }
}

/** The unescaped bytes of the string just scanned from `start`, as a fresh Buffer. */
function unescape(buf: Uint8Array, start: number, mask: number): Buffer {
  const end = scanEnd;
  if (scanEscapes === 0) {
    const bytes = copyOut(buf, start, end);
    if (mask) for (let j = 0; j < bytes.length; j++) bytes[j] = ~bytes[j]! & 0xff;
    return bytes;
  }
  const bytes = Buffer.allocUnsafe(end - start - scanEscapes);
  let w = 0;
  for (let r = start; r < end; r++) {
    const b = buf[r]! ^ mask;
    bytes[w++] = b;
    if (b === ESCAPE) r++;
  }
  return bytes;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

const TYPE_RANK = { boolean: 0, bigint: 1, number: 2, string: 3, bytes: 4, null: 5 } as const;

function rank(v: KeyValue): number {
  if (v === null) return TYPE_RANK.null;
  switch (typeof v) {
    case "boolean":
      return TYPE_RANK.boolean;
    case "bigint":
      return TYPE_RANK.bigint;
    case "number":
      return TYPE_RANK.number;
    case "string":
      return TYPE_RANK.string;
    default:
      return TYPE_RANK.bytes;
  }
}

/**
 * The value order the encoding follows (ascending): -1, 0 or 1. Across types: booleans < integers
 * < floats < strings < bytes < null. Floats: -0 equals 0 and NaN equals NaN above +Infinity.
 * Strings: by code point. Bytes: unsigned lexicographic.
 */
export function compareKeyValues(a: KeyValue, b: KeyValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case TYPE_RANK.null:
      return 0;
    case TYPE_RANK.boolean:
      return a === b ? 0 : a ? 1 : -1;
    case TYPE_RANK.bigint:
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case TYPE_RANK.number: {
      const x = a as number;
      const y = b as number;
      if (x < y) return -1;
      if (x > y) return 1;
      if (x === y) return 0;
      return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
    }
    case TYPE_RANK.string:
      return compareCodePoints(a as string, b as string);
    default: {
      const c = Buffer.compare(a as Uint8Array, b as Uint8Array);
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
  }
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  // UTF-16 order differs from code point order only between surrogates (0xd800-0xdfff, encoding
  // code points above 0xffff) and units 0xe000-0xffff; moving surrogates above them fixes that.
  const x = fixupUnit(a.charCodeAt(i));
  const y = fixupUnit(b.charCodeAt(i));
  return x < y ? -1 : 1;
}

function fixupUnit(u: number): number {
  return u >= 0xd800 ? (u >= 0xe000 ? u - 0x800 : u + 0x2000) : u;
}

/**
 * The smallest key greater than every key that starts with `prefix` (the exclusive end of a prefix
 * scan), or undefined when there is none (the prefix is empty or all 0xff).
 */
export function prefixEnd(prefix: Uint8Array): Buffer | undefined {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return undefined;
  const out = Buffer.allocUnsafe(n);
  out.set(prefix.subarray(0, n));
  out[n - 1] = out[n - 1]! + 1;
  return out;
}
