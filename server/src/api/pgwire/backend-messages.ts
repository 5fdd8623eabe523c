/**
 * Backend (server → client) messages of protocol 3.0: each writer returns the complete message
 * (`byte type, int32 length, body`). Pure; the connection decides when bytes go out.
 */
import type { ErrorFields } from "./errors.js";

/** Format codes of RowDescription, Bind and the COPY responses. */
export type FormatCode = 0 | 1;
export const TEXT_FORMAT: FormatCode = 0;
export const BINARY_FORMAT: FormatCode = 1;

/** One column of RowDescription. */
export interface RowField {
  readonly name: string;
  readonly tableOid: number;
  readonly columnNumber: number;
  readonly typeOid: number;
  /** pg_type.typlen: -1 variable length, -2 C string. */
  readonly typeLength: number;
  /** pg_attribute.atttypmod, -1 when none. */
  readonly typeModifier: number;
  readonly format: FormatCode;
}

/** Appends fields into a growing buffer and seals them into one message. */
class MessageBuilder {
  private buf: Buffer;
  private length = 5;

  constructor(
    private readonly type: string,
    initialBytes = 64,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 5));
  }

  int8(v: number): this {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
    return this;
  }

  int16(v: number): this {
    this.reserve(2);
    this.buf.writeInt16BE(v, this.length);
    this.length += 2;
    return this;
  }

  int32(v: number): this {
    this.reserve(4);
    this.buf.writeInt32BE(v, this.length);
    this.length += 4;
    return this;
  }

  uint32(v: number): this {
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.length);
    this.length += 4;
    return this;
  }

  /** A NUL-terminated string. NULs inside `s` are dropped: the client would take the first one as the end. */
  cstring(text: string): this {
    const s = text.includes("\0") ? text.replaceAll("\0", "") : text;
    const n = Buffer.byteLength(s, "utf8");
    this.reserve(n + 1);
    this.buf.write(s, this.length, "utf8");
    this.buf[this.length + n] = 0;
    this.length += n + 1;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  finish(): Buffer {
    this.buf[0] = this.type.charCodeAt(0);
    this.buf.writeInt32BE(this.length - 1, 1);
    return this.buf.subarray(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}

function empty(type: string): Buffer {
  return new MessageBuilder(type, 5).finish();
}

/*
 * Messages that never vary are made once: several go out for every statement. They are only
 * ever copied into the output or written as they are, never changed.
 */
const PARSE_COMPLETE = empty("1");
const BIND_COMPLETE = empty("2");
const CLOSE_COMPLETE = empty("3");
const NO_DATA = empty("n");
const PORTAL_SUSPENDED = empty("s");
const EMPTY_QUERY_RESPONSE = empty("I");
const READY_FOR_QUERY = {
  I: new MessageBuilder("Z", 6).int8(0x49).finish(),
  T: new MessageBuilder("Z", 6).int8(0x54).finish(),
  E: new MessageBuilder("Z", 6).int8(0x45).finish(),
};

/** CommandComplete of tags seen lately: a client running one statement again and again sends the same few. */
const commandCompletes = new Map<string, Buffer>();
const COMMAND_COMPLETES_MAX = 256;

const AUTH_OK = 0;
const AUTH_CLEARTEXT_PASSWORD = 3;
const AUTH_SASL = 10;
const AUTH_SASL_CONTINUE = 11;
const AUTH_SASL_FINAL = 12;

export function authenticationOk(): Buffer {
  return new MessageBuilder("R").int32(AUTH_OK).finish();
}

export function authenticationCleartextPassword(): Buffer {
  return new MessageBuilder("R").int32(AUTH_CLEARTEXT_PASSWORD).finish();
}

export function authenticationSasl(mechanisms: readonly string[]): Buffer {
  const b = new MessageBuilder("R").int32(AUTH_SASL);
  for (const m of mechanisms) b.cstring(m);
  return b.int8(0).finish();
}

export function authenticationSaslContinue(data: Uint8Array): Buffer {
  return new MessageBuilder("R", 9 + data.length).int32(AUTH_SASL_CONTINUE).bytes(data).finish();
}

export function authenticationSaslFinal(data: Uint8Array): Buffer {
  return new MessageBuilder("R", 9 + data.length).int32(AUTH_SASL_FINAL).bytes(data).finish();
}

/** The single-byte answer to SSLRequest or GSSENCRequest ('S'/'G' accepted, 'N' refused). */
export function encryptionResponse(answer: "S" | "G" | "N"): Buffer {
  return Buffer.from(answer, "latin1");
}

export function parameterStatus(name: string, value: string): Buffer {
  return new MessageBuilder("S").cstring(name).cstring(value).finish();
}

export function backendKeyData(processId: number, secretKey: number): Buffer {
  return new MessageBuilder("K").int32(processId).int32(secretKey).finish();
}

/** The newest minor version the server speaks, and the `_pq_.` options it did not recognise. */
export function negotiateProtocolVersion(newestMinor: number, unrecognizedOptions: readonly string[]): Buffer {
  const b = new MessageBuilder("v").int32(newestMinor).int32(unrecognizedOptions.length);
  for (const o of unrecognizedOptions) b.cstring(o);
  return b.finish();
}

export function readyForQuery(status: "I" | "T" | "E"): Buffer {
  return READY_FOR_QUERY[status];
}

export function rowDescription(fields: readonly RowField[]): Buffer {
  const b = new MessageBuilder("T", 7 + fields.length * 32).int16(fields.length);
  for (const f of fields) {
    b.cstring(f.name).uint32(f.tableOid).int16(f.columnNumber).uint32(f.typeOid).int16(f.typeLength).int32(f.typeModifier).int16(f.format);
  }
  return b.finish();
}

/** One row: each value already in its column's format; null is SQL NULL. */
export function dataRow(values: readonly (Uint8Array | null)[]): Buffer {
  let size = 7;
  for (const v of values) size += 4 + (v === null ? 0 : v.length);
  const b = new MessageBuilder("D", size).int16(values.length);
  for (const v of values) {
    if (v === null) b.int32(-1);
    else b.int32(v.length).bytes(v);
  }
  return b.finish();
}

export function commandComplete(tag: string): Buffer {
  let m = commandCompletes.get(tag);
  if (m === undefined) {
    const built = new MessageBuilder("C").cstring(tag).finish();
    // Its own memory: a slice of the shared allocation pool would keep the whole pool chunk alive.
    m = Buffer.allocUnsafeSlow(built.length);
    built.copy(m);
    if (commandCompletes.size >= COMMAND_COMPLETES_MAX) commandCompletes.clear();
    commandCompletes.set(tag, m);
  }
  return m;
}

export function emptyQueryResponse(): Buffer {
  return EMPTY_QUERY_RESPONSE;
}

export function errorResponse(fields: ErrorFields): Buffer {
  return errorLike("E", fields);
}

export function noticeResponse(fields: ErrorFields): Buffer {
  return errorLike("N", fields);
}

function errorLike(type: "E" | "N", f: ErrorFields): Buffer {
  const b = new MessageBuilder(type, 64 + f.message.length);
  b.int8(0x53).cstring(f.severity); // S
  b.int8(0x56).cstring(f.severity); // V
  b.int8(0x43).cstring(f.sqlstate); // C
  b.int8(0x4d).cstring(f.message); // M
  if (f.detail !== undefined) b.int8(0x44).cstring(f.detail); // D
  if (f.hint !== undefined) b.int8(0x48).cstring(f.hint); // H
  if (f.position !== undefined) b.int8(0x50).cstring(String(f.position)); // P
  if (f.context !== undefined) b.int8(0x57).cstring(f.context); // W
  return b.int8(0).finish();
}

export function parseComplete(): Buffer {
  return PARSE_COMPLETE;
}

export function bindComplete(): Buffer {
  return BIND_COMPLETE;
}

export function closeComplete(): Buffer {
  return CLOSE_COMPLETE;
}

export function noData(): Buffer {
  return NO_DATA;
}

export function portalSuspended(): Buffer {
  return PORTAL_SUSPENDED;
}

export function parameterDescription(typeOids: readonly number[]): Buffer {
  const b = new MessageBuilder("t", 7 + 4 * typeOids.length).int16(typeOids.length);
  for (const oid of typeOids) b.uint32(oid);
  return b.finish();
}

export function copyInResponse(format: FormatCode, columnFormats: readonly FormatCode[]): Buffer {
  return copyResponse("G", format, columnFormats);
}

export function copyOutResponse(format: FormatCode, columnFormats: readonly FormatCode[]): Buffer {
  return copyResponse("H", format, columnFormats);
}

function copyResponse(type: "G" | "H", format: FormatCode, columnFormats: readonly FormatCode[]): Buffer {
  const b = new MessageBuilder(type, 8 + 2 * columnFormats.length).int8(format).int16(columnFormats.length);
  for (const f of columnFormats) b.int16(f);
  return b.finish();
}

export function copyData(data: Uint8Array): Buffer {
  return new MessageBuilder("d", 5 + data.length).bytes(data).finish();
}

export function copyDone(): Buffer {
  return empty("c");
}
