/**
 * The client side of the codec, for tests: frontend messages as bytes, and backend messages
 * parsed back into fields. Deliberately written apart from the server's reader and writers, so a
 * bug in one is not mirrored in the other.
 */
import { CANCEL_REQUEST_CODE, type FrontendMessage, GSSENC_REQUEST_CODE, PROTOCOL_3_0, SSL_REQUEST_CODE, type StartupPacket } from "../frontend-messages.js";

function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v | 0);
  return b;
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);
}

function frame(type: string, parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, "latin1"), int32(body.length + 4), body]);
}

function untyped(parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length + 4), body]);
}

export function encodeStartup(packet: StartupPacket): Buffer {
  switch (packet.kind) {
    case "SSLRequest":
      return untyped([int32(SSL_REQUEST_CODE)]);
    case "GSSENCRequest":
      return untyped([int32(GSSENC_REQUEST_CODE)]);
    case "CancelRequest":
      return untyped([int32(CANCEL_REQUEST_CODE), int32(packet.processId), int32(packet.secretKey)]);
    case "StartupMessage": {
      const parts = [int32(packet.protocolVersion)];
      for (const [k, v] of packet.parameters) parts.push(cstring(k), cstring(v));
      parts.push(Buffer.from([0]));
      return untyped(parts);
    }
  }
}

/** A protocol 3.0 startup message with these parameters. */
export function startupMessage(parameters: Record<string, string>, protocolVersion = PROTOCOL_3_0): Buffer {
  return encodeStartup({ kind: "StartupMessage", protocolVersion, parameters: new Map(Object.entries(parameters)) });
}

const targetByte = (t: "statement" | "portal"): Buffer => Buffer.from(t === "statement" ? "S" : "P", "latin1");

export function encodeMessage(m: FrontendMessage): Buffer {
  switch (m.kind) {
    case "Query":
      return frame("Q", [cstring(m.sql)]);
    case "Parse":
      return frame("P", [cstring(m.name), cstring(m.sql), int16(m.paramTypeOids.length), ...m.paramTypeOids.map((o) => int32(o))]);
    case "Bind":
      return frame("B", [
        cstring(m.portal),
        cstring(m.statement),
        int16(m.paramFormats.length),
        ...m.paramFormats.map(int16),
        int16(m.params.length),
        ...m.params.flatMap((p) => (p === null ? [int32(-1)] : [int32(p.length), Buffer.from(p)])),
        int16(m.resultFormats.length),
        ...m.resultFormats.map(int16),
      ]);
    case "Describe":
      return frame("D", [targetByte(m.target), cstring(m.name)]);
    case "Execute":
      return frame("E", [cstring(m.portal), int32(m.maxRows)]);
    case "Close":
      return frame("C", [targetByte(m.target), cstring(m.name)]);
    case "Sync":
      return frame("S", []);
    case "Flush":
      return frame("H", []);
    case "Terminate":
      return frame("X", []);
    case "CopyData":
      return frame("d", [Buffer.from(m.data)]);
    case "CopyDone":
      return frame("c", []);
    case "CopyFail":
      return frame("f", [cstring(m.message)]);
    case "Password":
      return frame("p", [Buffer.from(m.data)]);
    case "FunctionCall":
      return frame("F", [int32(0), int16(0), int16(0), int16(0)]);
    case "Undecodable":
      throw new Error("an Undecodable message has no encoding");
  }
}

/** PasswordMessage with a cleartext password. */
export function passwordMessage(password: string): Buffer {
  return frame("p", [cstring(password)]);
}

export function saslInitialResponse(mechanism: string, data: string): Buffer {
  const bytes = Buffer.from(data, "utf8");
  return frame("p", [cstring(mechanism), int32(bytes.length), bytes]);
}

export function saslResponse(data: string): Buffer {
  return frame("p", [Buffer.from(data, "utf8")]);
}

/** A backend message as a test reads it. */
export interface BackendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** Splits a byte stream of backend messages; returns the messages and the unconsumed tail. */
export function splitBackendMessages(bytes: Buffer): { messages: BackendMessage[]; rest: Buffer } {
  const messages: BackendMessage[] = [];
  let at = 0;
  while (bytes.length - at >= 5) {
    const length = bytes.readInt32BE(at + 1);
    if (bytes.length - at < 1 + length) break;
    messages.push({ type: String.fromCharCode(bytes[at]!), body: bytes.subarray(at + 5, at + 1 + length) });
    at += 1 + length;
  }
  return { messages, rest: bytes.subarray(at) };
}

/** The fields of an ErrorResponse or NoticeResponse body, by field code. */
export function errorFieldsOfBody(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    out[code] = body.toString("utf8", at + 1, end);
    at = end + 1;
  }
  return out;
}

/** DataRow's values (null for SQL NULL). */
export function dataRowValues(body: Buffer): (Buffer | null)[] {
  const n = body.readInt16BE(0);
  const out: (Buffer | null)[] = [];
  let at = 2;
  for (let i = 0; i < n; i++) {
    const length = body.readInt32BE(at);
    at += 4;
    if (length === -1) out.push(null);
    else {
      out.push(body.subarray(at, at + length));
      at += length;
    }
  }
  return out;
}
