import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as be from "./backend-messages.js";
import { type FrontendMessage, FrontendReader, PROTOCOL_3_0, type StartupPacket, decodeSaslInitialResponse, decodePasswordMessage } from "./frontend-messages.js";
import { dataRowValues, encodeMessage, encodeStartup, errorFieldsOfBody, passwordMessage, saslInitialResponse, splitBackendMessages, startupMessage } from "./testing/frontend-encoder.js";

const noNul = fc.string({ unit: "binary", maxLength: 20 }).filter((s) => !s.includes("\0"));
const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const target = fc.constantFrom("statement" as const, "portal" as const);

const messageArb: fc.Arbitrary<FrontendMessage> = fc.oneof(
  noNul.map((sql) => ({ kind: "Query" as const, sql })),
  fc.record({ kind: fc.constant("Parse" as const), name: noNul, sql: noNul, paramTypeOids: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 4 }) }),
  fc.record({
    kind: fc.constant("Bind" as const),
    portal: noNul,
    statement: noNul,
    paramFormats: fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 3 }),
    params: fc.array(fc.option(bytes, { nil: null }), { maxLength: 4 }),
    resultFormats: fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant("Describe" as const), target, name: noNul }),
  fc.record({ kind: fc.constant("Execute" as const), portal: noNul, maxRows: fc.integer() }),
  fc.record({ kind: fc.constant("Close" as const), target, name: noNul }),
  fc.constantFrom<FrontendMessage>({ kind: "Sync" }, { kind: "Flush" }, { kind: "Terminate" }, { kind: "CopyDone" }),
  bytes.map((data) => ({ kind: "CopyData" as const, data })),
  noNul.map((message) => ({ kind: "CopyFail" as const, message })),
  bytes.map((data) => ({ kind: "Password" as const, data })),
);

const startupArb: fc.Arbitrary<StartupPacket> = fc.oneof(
  fc.constant<StartupPacket>({ kind: "SSLRequest" }),
  fc.record({ kind: fc.constant("CancelRequest" as const), processId: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), secretKey: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc
    .dictionary(noNul.filter((k) => k !== ""), noNul, { maxKeys: 4 })
    .map((p): StartupPacket => ({ kind: "StartupMessage", protocolVersion: PROTOCOL_3_0, parameters: new Map(Object.entries(p)) })),
);

/** Splits `bytes` at the given cut points (taken modulo its length). */
function chunk(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

function readAll(reader: FrontendReader): FrontendMessage[] {
  const out: FrontendMessage[] = [];
  for (let m = reader.read(); m !== undefined; m = reader.read()) out.push(m);
  return out;
}

/** Normalises Buffers to plain arrays so equality does not depend on views. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : x)));
}

describe("FrontendReader framing", () => {
  it("decodes the same messages however the bytes are chunked", () => {
    fc.assert(
      fc.property(startupArb, fc.array(messageArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (startup, messages, cuts) => {
        const stream = Buffer.concat([encodeStartup(startup), ...messages.map(encodeMessage)]);
        const reader = new FrontendReader();
        const got: unknown[] = [];
        let startupDone = false;
        for (const piece of chunk(stream, cuts)) {
          reader.push(piece);
          if (!startupDone) {
            const s = reader.readStartup();
            if (s === undefined) continue;
            got.push(s);
            startupDone = true;
          }
          got.push(...readAll(reader));
        }
        expect(plain(got)).toEqual(plain([startup, ...messages]));
        expect(reader.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws anything but a SqlStateError on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (raw, startupFirst) => {
        const reader = new FrontendReader({ maxMessageBytes: 1000 });
        reader.push(Buffer.from(raw));
        try {
          if (startupFirst) reader.readStartup();
          readAll(reader);
        } catch (e) {
          expect((e as { sqlstate?: string }).sqlstate).toBe("08P01");
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("FrontendReader errors", () => {
  const typed = (type: string, body: number[]): Buffer => {
    const b = Buffer.alloc(5 + body.length);
    b.write(type, 0, "latin1");
    b.writeInt32BE(4 + body.length, 1);
    Buffer.from(body).copy(b, 5);
    return b;
  };
  const cases: { name: string; bytes: Buffer; message: string; maxMessageBytes?: number }[] = [
    { name: "unknown type", bytes: typed("z", []), message: "invalid frontend message type 122" },
    { name: "length below 4", bytes: Buffer.from([0x53, 0, 0, 0, 3]), message: "invalid message length" },
    { name: "negative length", bytes: Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff]), message: "invalid message length" },
    { name: "Sync over the small limit", bytes: Buffer.from([0x53, 0, 0, 0x27, 0x15]), message: "invalid message length" },
    { name: "Query over the configured limit", bytes: Buffer.from([0x51, 0, 0, 0x10, 0]), message: "invalid message length", maxMessageBytes: 1024 },
    { name: "Sync with a body", bytes: typed("S", [1]), message: "invalid message format" },
    { name: "Query without NUL", bytes: typed("Q", [0x41]), message: "invalid string in message" },
    { name: "Query with trailing bytes", bytes: typed("Q", [0x41, 0, 0x42]), message: "invalid message format" },
    { name: "Execute cut short", bytes: typed("E", [0, 1, 2]), message: "insufficient data left in message" },
    { name: "Describe of an unknown kind", bytes: typed("D", [0x58, 0]), message: "invalid DESCRIBE message subtype 88" },
    { name: "Close of an unknown kind", bytes: typed("C", [0x51, 0]), message: "invalid CLOSE message subtype 81" },
    { name: "Bind with a negative parameter length", bytes: typed("B", [0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0]), message: "invalid parameter length in Bind message" },
    { name: "Bind with more parameters than bytes", bytes: typed("B", [0, 0, 0, 0, 0, 2, 0, 0, 0, 0]), message: "insufficient data left in message" },
  ];
  it.each(cases)("$name", ({ bytes: input, message, maxMessageBytes }) => {
    const reader = new FrontendReader(maxMessageBytes === undefined ? {} : { maxMessageBytes });
    reader.push(input);
    expect(() => reader.read()).toThrow(expect.objectContaining({ sqlstate: "08P01", message }));
  });

  const startupCases: { name: string; bytes: Buffer; message: string }[] = [
    { name: "too short", bytes: Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]), message: "invalid length of startup packet" },
    { name: "too long", bytes: Buffer.from([0, 0, 0x27, 0x11, 0, 3, 0, 0]), message: "invalid length of startup packet" },
    { name: "no terminator", bytes: Buffer.from([0, 0, 0, 10, 0, 3, 0, 0, 0x61, 0]), message: "invalid startup packet layout: expected terminator as last byte" },
    { name: "SSLRequest with a body", bytes: Buffer.from([0, 0, 0, 9, 0x04, 0xd2, 0x16, 0x2f, 0]), message: "invalid message format" },
    { name: "bad UTF-8 in a parameter", bytes: Buffer.from([0, 0, 0, 13, 0, 3, 0, 0, 0x75, 0, 0xff, 0, 0]), message: "invalid byte sequence in startup packet" },
  ];
  it.each(startupCases)("startup: $name", ({ bytes: input, message }) => {
    const reader = new FrontendReader();
    reader.push(input);
    expect(() => reader.readStartup()).toThrow(expect.objectContaining({ sqlstate: "08P01", message }));
  });

  it("reports text that is not UTF-8 as 22021 and stays in sync", () => {
    const reader = new FrontendReader();
    reader.push(Buffer.concat([typed("Q", [0x41, 0xc3, 0x28, 0]), encodeMessage({ kind: "Sync" })]));
    const first = reader.read();
    expect(first).toMatchObject({ kind: "Undecodable", of: "Query", error: { sqlstate: "22021", message: 'invalid byte sequence for encoding "UTF8": 0xc3 0x28' } });
    expect(reader.read()).toEqual({ kind: "Sync" });
  });
});

describe("password messages", () => {
  it("decodes PasswordMessage and SASLInitialResponse", () => {
    const reader = new FrontendReader();
    reader.push(Buffer.concat([passwordMessage("sëcret"), saslInitialResponse("SCRAM-SHA-256", "n,,n=,r=abc")]));
    const p = reader.read();
    const s = reader.read();
    if (p?.kind !== "Password" || s?.kind !== "Password") throw new Error("expected password messages");
    expect(decodePasswordMessage(p.data)).toBe("sëcret");
    const initial = decodeSaslInitialResponse(s.data);
    expect(initial.mechanism).toBe("SCRAM-SHA-256");
    expect(initial.response?.toString()).toBe("n,,n=,r=abc");
  });
});

describe("backend messages", () => {
  const golden: { name: string; bytes: Buffer; hex: string }[] = [
    { name: "ReadyForQuery", bytes: be.readyForQuery("T"), hex: "5a0000000554" },
    { name: "AuthenticationOk", bytes: be.authenticationOk(), hex: "520000000800000000" },
    { name: "AuthenticationSASL", bytes: be.authenticationSasl(["SCRAM-SHA-256"]), hex: "52000000170000000a534352414d2d5348412d3235360000" },
    { name: "BackendKeyData", bytes: be.backendKeyData(7, -1), hex: "4b0000000c00000007ffffffff" },
    { name: "ParameterStatus", bytes: be.parameterStatus("a", "b"), hex: "530000000861006200" },
    { name: "CommandComplete", bytes: be.commandComplete("SELECT 1"), hex: "430000000d53454c454354203100" },
    { name: "EmptyQueryResponse", bytes: be.emptyQueryResponse(), hex: "4900000004" },
    { name: "ParseComplete", bytes: be.parseComplete(), hex: "3100000004" },
    { name: "BindComplete", bytes: be.bindComplete(), hex: "3200000004" },
    { name: "CloseComplete", bytes: be.closeComplete(), hex: "3300000004" },
    { name: "NoData", bytes: be.noData(), hex: "6e00000004" },
    { name: "PortalSuspended", bytes: be.portalSuspended(), hex: "7300000004" },
    { name: "CopyDone", bytes: be.copyDone(), hex: "6300000004" },
    { name: "CopyData", bytes: be.copyData(Buffer.from("x\n")), hex: "6400000006780a" },
    { name: "ParameterDescription", bytes: be.parameterDescription([23, 25]), hex: "740000000e00020000001700000019" },
    { name: "CopyInResponse", bytes: be.copyInResponse(0, [0, 0]), hex: "470000000b00000200000000" },
    { name: "CopyOutResponse", bytes: be.copyOutResponse(1, [1]), hex: "48000000090100010001" },
    { name: "DataRow", bytes: be.dataRow([Buffer.from("1"), null]), hex: "440000000f00020000000131ffffffff" },
    {
      name: "RowDescription",
      bytes: be.rowDescription([{ name: "a", tableOid: 0, columnNumber: 0, typeOid: 23, typeLength: 4, typeModifier: -1, format: 0 }]),
      hex: "540000001a0001610000000000000000000017" + "0004ffffffff0000",
    },
    { name: "NegotiateProtocolVersion", bytes: be.negotiateProtocolVersion(0, ["_pq_.x"]), hex: "760000001300000000000000015f70715f2e7800" },
  ];
  it.each(golden)("$name", ({ bytes: b, hex }) => {
    expect(b.toString("hex")).toBe(hex);
  });

  it("writes ErrorResponse fields S V C M D H P", () => {
    const b = be.errorResponse({ severity: "ERROR", sqlstate: "42703", message: 'column "boom" does not exist', detail: "d", hint: "h", position: 8 });
    const { messages } = splitBackendMessages(b);
    expect(messages[0]?.type).toBe("E");
    expect(errorFieldsOfBody(messages[0]!.body)).toEqual({ S: "ERROR", V: "ERROR", C: "42703", M: 'column "boom" does not exist', D: "d", H: "h", P: "8" });
  });

  it("drops NULs inside strings, which would end them early on the client", () => {
    const { messages } = splitBackendMessages(be.errorResponse({ severity: "ERROR", sqlstate: "22P02", message: 'invalid input: "a\0b"' }));
    expect(errorFieldsOfBody(messages[0]!.body).M).toBe('invalid input: "ab"');
  });

  it("writes DataRow values that parse back", () => {
    const { messages } = splitBackendMessages(be.dataRow([Buffer.from("héllo"), null, Buffer.alloc(0)]));
    expect(dataRowValues(messages[0]!.body).map((v) => v?.toString() ?? null)).toEqual(["héllo", null, ""]);
  });

  it("frames a startup message built by the test encoder", () => {
    const reader = new FrontendReader();
    reader.push(startupMessage({ user: "u", database: "d" }));
    expect(plain(reader.readStartup())).toEqual({ kind: "StartupMessage", protocolVersion: PROTOCOL_3_0, parameters: { user: "u", database: "d" } });
  });
});
