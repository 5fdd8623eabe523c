/**
 * Frontend (client → server) messages of protocol 3.0 and the reader that frames them out of a
 * byte stream. Pure: bytes in, typed messages out; the socket belongs to the caller.
 *
 * Framing: the first packet has no type byte (`int32 length, int32 code, body`); every later
 * message is `byte type, int32 length (counting itself), body`. A frame that cannot be right
 * (bad length, unknown type, body that does not match its type) is a ProtocolViolation (08P01)
 * and the stream is unusable afterwards. Text that is not valid UTF-8 is a 22021 error raised
 * after the whole frame was consumed, so the stream stays in sync and the connection goes on.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { ProtocolViolation } from "./errors.js";
import { decodeUtf8 } from "./utf8.js";

/** Protocol 3.0 as the startup packet's version field carries it (major << 16 | minor). */
export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
export const MAX_STARTUP_PACKET_BYTES = 10_000;
/** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: messages that never carry user data (Sync, Describe, ...). */
export const SMALL_MESSAGE_MAX_BYTES = 10_000;
/** PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: password and SASL messages. */
export const AUTH_MESSAGE_MAX_BYTES = 65_535;
/**
 * Default bound of Query, Parse, Bind, CopyData and FunctionCall. PostgreSQL allows 1 GB; a
 * Node process holding several of those at once would not survive, and 64 MiB still fits any
 * sensible statement or COPY chunk.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The first packet of a connection. */
export type StartupPacket =
  | {
      readonly kind: "StartupMessage";
      /** major << 16 | minor. */
      readonly protocolVersion: number;
      /** In the order the client sent them (user, database, options, application_name, GUCs, _pq_.*). */
      readonly parameters: ReadonlyMap<string, string>;
    }
  | { readonly kind: "SSLRequest" }
  | { readonly kind: "GSSENCRequest" }
  | { readonly kind: "CancelRequest"; readonly processId: number; readonly secretKey: number };

/** What Describe and Close refer to: a prepared statement or a portal. */
export type DescribeTarget = "statement" | "portal";

export type FrontendMessage =
  | { readonly kind: "Query"; readonly sql: string }
  | { readonly kind: "Parse"; readonly name: string; readonly sql: string; readonly paramTypeOids: readonly number[] }
  | {
      readonly kind: "Bind";
      readonly portal: string;
      readonly statement: string;
      /** Format codes as sent (0 text, 1 binary; others are rejected when used). */
      readonly paramFormats: readonly number[];
      /** Raw parameter values; null is SQL NULL. */
      readonly params: readonly (Uint8Array | null)[];
      readonly resultFormats: readonly number[];
    }
  | { readonly kind: "Describe"; readonly target: DescribeTarget; readonly name: string }
  /** maxRows ≤ 0 means all rows. */
  | { readonly kind: "Execute"; readonly portal: string; readonly maxRows: number }
  | { readonly kind: "Close"; readonly target: DescribeTarget; readonly name: string }
  | { readonly kind: "Sync" }
  | { readonly kind: "Flush" }
  | { readonly kind: "Terminate" }
  | { readonly kind: "CopyData"; readonly data: Uint8Array }
  | { readonly kind: "CopyDone" }
  | { readonly kind: "CopyFail"; readonly message: string }
  /** PasswordMessage, SASLInitialResponse or SASLResponse: which one depends on the auth exchange. */
  | { readonly kind: "Password"; readonly data: Uint8Array }
  /** The fast-path function call, which Alopex does not support (its body is not decoded). */
  | { readonly kind: "FunctionCall" }
  /**
   * A well-framed message whose text is not valid UTF-8 (22021). The stream is still in sync, so
   * this is a statement error like PostgreSQL's, not a reason to drop the connection.
   */
  | { readonly kind: "Undecodable"; readonly of: DecodableKind; readonly error: SqlStateError };

export type FrontendMessageKind = FrontendMessage["kind"];
type DecodableKind = Exclude<FrontendMessageKind, "Undecodable">;

const TYPE_QUERY = 0x51; // 'Q'
const TYPE_PARSE = 0x50; // 'P'
const TYPE_BIND = 0x42; // 'B'
const TYPE_DESCRIBE = 0x44; // 'D'
const TYPE_EXECUTE = 0x45; // 'E'
const TYPE_CLOSE = 0x43; // 'C'
const TYPE_SYNC = 0x53; // 'S'
const TYPE_FLUSH = 0x48; // 'H'
const TYPE_TERMINATE = 0x58; // 'X'
const TYPE_COPY_DATA = 0x64; // 'd'
const TYPE_COPY_DONE = 0x63; // 'c'
const TYPE_COPY_FAIL = 0x66; // 'f'
const TYPE_PASSWORD = 0x70; // 'p'
const TYPE_FUNCTION_CALL = 0x46; // 'F'

const KIND_OF_TYPE = new Map<number, DecodableKind>([
  [TYPE_QUERY, "Query"],
  [TYPE_PARSE, "Parse"],
  [TYPE_BIND, "Bind"],
  [TYPE_DESCRIBE, "Describe"],
  [TYPE_EXECUTE, "Execute"],
  [TYPE_CLOSE, "Close"],
  [TYPE_SYNC, "Sync"],
  [TYPE_FLUSH, "Flush"],
  [TYPE_TERMINATE, "Terminate"],
  [TYPE_COPY_DATA, "CopyData"],
  [TYPE_COPY_DONE, "CopyDone"],
  [TYPE_COPY_FAIL, "CopyFail"],
  [TYPE_PASSWORD, "Password"],
  [TYPE_FUNCTION_CALL, "FunctionCall"],
]);

export interface FrontendReaderOptions {
  /** Bound of Query, Parse, Bind, CopyData and FunctionCall frames, length field included. */
  readonly maxMessageBytes?: number;
}

/**
 * Frames frontend messages out of pushed bytes, however they were chunked.
 * NB: pushed chunks are kept without copying and messages may be views into them; the caller
 * must not modify a chunk after pushing it (socket buffers are never reused, so this holds).
 */
export class FrontendReader {
  private readonly chunks: Buffer[] = [];
  /** Offset of the first unread byte in chunks[0]. */
  private headOffset = 0;
  private total = 0;
  private readonly maxMessageBytes: number;

  constructor(options: FrontendReaderOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Bytes received and not yet framed into a message. */
  get bufferedBytes(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.total += chunk.length;
  }

  /** Whether a whole message frame is buffered (read() would not return undefined, though it may throw). */
  hasCompleteMessage(): boolean {
    return this.total >= 5 && this.total >= 1 + this.headerLength();
  }

  /** The length field of the next message's header (total ≥ 5), read in place when the header sits in one chunk. */
  private headerLength(): number {
    const head = this.chunks[0]!;
    const at = this.headOffset;
    return head.length - at >= 5 ? head.readInt32BE(at + 1) : this.peek(5).readInt32BE(1);
  }

  /** The connection's first packet, or undefined until all of it has arrived. */
  readStartup(): StartupPacket | undefined {
    if (this.total < 4) return undefined;
    const length = this.peek(4).readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_PACKET_BYTES) throw new ProtocolViolation("invalid length of startup packet");
    if (this.total < length) return undefined;
    return decodeStartup(this.take(length));
  }

  /** The next complete message, or undefined until one has arrived. */
  read(): FrontendMessage | undefined {
    if (this.total < 5) return undefined;
    const type = this.chunks[0]![this.headOffset]!;
    const length = this.headerLength();
    const maxBytes = maxBytesOfType(type, this.maxMessageBytes);
    if (maxBytes === undefined) throw new ProtocolViolation(`invalid frontend message type ${type}`);
    if (length < 4 || length > maxBytes) throw new ProtocolViolation("invalid message length");
    if (this.total < 1 + length) return undefined;
    const frame = this.take(1 + length);
    try {
      return decodeMessage(type, frame.subarray(5));
    } catch (e) {
      if (e instanceof ProtocolViolation || !(e instanceof SqlStateError)) throw e;
      return { kind: "Undecodable", of: KIND_OF_TYPE.get(type)!, error: e };
    }
  }

  /** The first `n` buffered bytes (n ≤ total), without consuming them. */
  private peek(n: number): Buffer {
    const head = this.chunks[0]!;
    if (head.length - this.headOffset >= n) return head.subarray(this.headOffset, this.headOffset + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = 0; filled < n; i++) {
      const c = this.chunks[i]!;
      const from = i === 0 ? this.headOffset : 0;
      filled += c.copy(out, filled, from, Math.min(c.length, from + n - filled));
    }
    return out;
  }

  /** Consumes the first `n` buffered bytes (n ≤ total): a view when they sit in one chunk, a copy otherwise. */
  private take(n: number): Buffer {
    const out = this.peek(n);
    this.total -= n;
    let left = n;
    while (left > 0) {
      const head = this.chunks[0]!;
      const available = head.length - this.headOffset;
      if (available > left) {
        this.headOffset += left;
        break;
      }
      left -= available;
      this.chunks.shift();
      this.headOffset = 0;
    }
    return out;
  }
}

/** The largest frame (type byte excluded, length field included) a type may have; undefined for unknown types. */
function maxBytesOfType(type: number, large: number): number | undefined {
  switch (type) {
    case TYPE_QUERY:
    case TYPE_PARSE:
    case TYPE_BIND:
    case TYPE_COPY_DATA:
    case TYPE_FUNCTION_CALL:
      return large;
    case TYPE_PASSWORD:
      return AUTH_MESSAGE_MAX_BYTES;
    case TYPE_DESCRIBE:
    case TYPE_EXECUTE:
    case TYPE_CLOSE:
    case TYPE_SYNC:
    case TYPE_FLUSH:
    case TYPE_TERMINATE:
    case TYPE_COPY_DONE:
    case TYPE_COPY_FAIL:
      return SMALL_MESSAGE_MAX_BYTES;
    default:
      return undefined;
  }
}

function decodeStartup(packet: Buffer): StartupPacket {
  const code = packet.readInt32BE(4);
  const body = new MessageCursor(packet.subarray(8));
  switch (code) {
    case SSL_REQUEST_CODE:
      body.end();
      return { kind: "SSLRequest" };
    case GSSENC_REQUEST_CODE:
      body.end();
      return { kind: "GSSENCRequest" };
    case CANCEL_REQUEST_CODE: {
      const processId = body.int32();
      const secretKey = body.int32();
      body.end();
      return { kind: "CancelRequest", processId, secretKey };
    }
    default:
      return { kind: "StartupMessage", protocolVersion: code >>> 0, parameters: decodeStartupParameters(body) };
  }
}

/** name/value C-string pairs ended by an empty name, as PostgreSQL's ProcessStartupPacket reads them. */
function decodeStartupParameters(body: MessageCursor): Map<string, string> {
  const parameters = new Map<string, string>();
  while (true) {
    if (body.remaining === 0) throw new ProtocolViolation("invalid startup packet layout: expected terminator as last byte");
    const name = body.cstringInStartup();
    if (name === "") break;
    if (body.remaining === 0) throw new ProtocolViolation("invalid startup packet layout: expected terminator as last byte");
    parameters.set(name, body.cstringInStartup());
  }
  body.end();
  return parameters;
}

function decodeMessage(type: number, body: Buffer): FrontendMessage {
  const c = new MessageCursor(body);
  let message: FrontendMessage;
  switch (type) {
    case TYPE_QUERY:
      message = { kind: "Query", sql: c.cstring() };
      break;
    case TYPE_PARSE: {
      const name = c.cstring();
      const sql = c.cstring();
      const paramTypeOids = c.list(() => c.uint32());
      message = { kind: "Parse", name, sql, paramTypeOids };
      break;
    }
    case TYPE_BIND:
      message = decodeBind(c);
      break;
    case TYPE_DESCRIBE:
      message = { kind: "Describe", target: c.target("DESCRIBE"), name: c.cstring() };
      break;
    case TYPE_EXECUTE:
      message = { kind: "Execute", portal: c.cstring(), maxRows: c.int32() };
      break;
    case TYPE_CLOSE:
      message = { kind: "Close", target: c.target("CLOSE"), name: c.cstring() };
      break;
    case TYPE_SYNC:
      message = { kind: "Sync" };
      break;
    case TYPE_FLUSH:
      message = { kind: "Flush" };
      break;
    case TYPE_TERMINATE:
      message = { kind: "Terminate" };
      break;
    case TYPE_COPY_DATA:
      message = { kind: "CopyData", data: c.rest() };
      break;
    case TYPE_COPY_DONE:
      message = { kind: "CopyDone" };
      break;
    case TYPE_COPY_FAIL:
      message = { kind: "CopyFail", message: c.cstring() };
      break;
    case TYPE_PASSWORD:
      message = { kind: "Password", data: c.rest() };
      break;
    case TYPE_FUNCTION_CALL:
      c.rest();
      message = { kind: "FunctionCall" };
      break;
    default:
      throw new ProtocolViolation(`invalid frontend message type ${type}`);
  }
  c.end();
  return message;
}

function decodeBind(c: MessageCursor): FrontendMessage {
  const portal = c.cstring();
  const statement = c.cstring();
  const paramFormats = c.list(() => c.int16());
  const params = c.list((): Uint8Array | null => {
    const length = c.int32();
    if (length === -1) return null;
    if (length < 0) throw new ProtocolViolation("invalid parameter length in Bind message");
    return c.bytes(length);
  });
  const resultFormats = c.list(() => c.int16());
  return { kind: "Bind", portal, statement, paramFormats, params, resultFormats };
}

/** Reads the fields of one message body; running past its end is a protocol violation. */
export class MessageCursor {
  private offset = 0;

  constructor(private readonly body: Buffer) {}

  get remaining(): number {
    return this.body.length - this.offset;
  }

  int16(): number {
    this.need(2);
    const v = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.body.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.body.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** A NUL-terminated UTF-8 string (22021 when the bytes are not UTF-8). */
  cstring(): string {
    return decodeUtf8(this.cstringBytes());
  }

  /** Startup parameters come before any encoding is agreed: bad bytes there are a protocol violation. */
  cstringInStartup(): string {
    const bytes = this.cstringBytes();
    try {
      return decodeUtf8(bytes);
    } catch {
      throw new ProtocolViolation("invalid byte sequence in startup packet");
    }
  }

  /** A uint16 count followed by that many items (PostgreSQL reads counts unsigned). */
  list<T>(item: () => T): T[] {
    this.need(2);
    const n = this.body.readUInt16BE(this.offset);
    this.offset += 2;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }

  /** Describe/Close's 'S' (statement) or 'P' (portal) byte. */
  target(what: "DESCRIBE" | "CLOSE"): DescribeTarget {
    this.need(1);
    const b = this.body[this.offset++]!;
    if (b === 0x53) return "statement";
    if (b === 0x50) return "portal";
    throw new ProtocolViolation(`invalid ${what} message subtype ${b}`);
  }

  /** Checks that the whole body was read. */
  end(): void {
    if (this.offset !== this.body.length) throw new ProtocolViolation("invalid message format");
  }

  private cstringBytes(): Buffer {
    const nul = this.body.indexOf(0, this.offset);
    if (nul < 0) throw new ProtocolViolation("invalid string in message");
    const v = this.body.subarray(this.offset, nul);
    this.offset = nul + 1;
    return v;
  }

  private need(n: number): void {
    if (n > this.remaining) throw new ProtocolViolation("insufficient data left in message");
  }
}

/** PasswordMessage: the cleartext password. */
export function decodePasswordMessage(data: Uint8Array): string {
  const c = new MessageCursor(asBuffer(data));
  const password = c.cstring();
  c.end();
  return password;
}

/** SASLInitialResponse: the chosen mechanism and the client's first message (null when absent). */
export function decodeSaslInitialResponse(data: Uint8Array): { mechanism: string; response: Buffer | null } {
  const c = new MessageCursor(asBuffer(data));
  const mechanism = c.cstring();
  const length = c.int32();
  const response = length === -1 ? null : length < 0 ? invalidSaslLength() : c.bytes(length);
  c.end();
  return { mechanism, response };
}

function invalidSaslLength(): never {
  throw new ProtocolViolation("invalid SASL response length");
}

/** SASLResponse: the rest of the message is the mechanism's data. */
export function decodeSaslResponse(data: Uint8Array): Buffer {
  return asBuffer(data);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
