/**
 * Byte-level protocol tests for what the golden conversations do not cover: encryption
 * negotiation, startup variants, COPY, protocol violations, limits and timeouts.
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeMessage, encodeStartup, errorFieldsOfBody, passwordMessage, startupMessage } from "./testing/frontend-encoder.js";
import { firstError, RawClient, types } from "./testing/raw-client.js";
import { makeSelfSignedCert, startTestServer, type TestServer } from "./testing/test-server.js";

const copyData = (s: string) => ({ kind: "CopyData" as const, data: Buffer.from(s, "utf8") });

describe("startup", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.close());

  it("greets with ParameterStatus, BackendKeyData and ReadyForQuery", async () => {
    const { client, greeting } = await RawClient.startup(t.port, { user: "alice", database: "db", application_name: "raw" });
    expect(types(greeting)).toMatch(/^RS+KZ$/);
    const statuses = Object.fromEntries(
      greeting
        .filter((m) => m.type === "S")
        .map((m) => {
          const [k, v] = m.body.toString("utf8").split("\0");
          return [k, v];
        }),
    );
    expect(statuses).toMatchObject({
      server_version: "15.0 (Alopex)",
      server_encoding: "UTF8",
      client_encoding: "UTF8",
      DateStyle: "ISO, MDY",
      integer_datetimes: "on",
      standard_conforming_strings: "on",
      TimeZone: "UTC",
      application_name: "raw",
      is_superuser: "on",
      session_authorization: "alice",
    });
    client.close();
  });

  it("answers SSLRequest and GSSENCRequest with N when TLS is not configured", async () => {
    const client = await RawClient.connect(t.port);
    client.write(encodeStartup({ kind: "GSSENCRequest" }));
    expect(await client.readRawByte()).toBe("N");
    client.write(encodeStartup({ kind: "SSLRequest" }));
    expect(await client.readRawByte()).toBe("N");
    client.write(startupMessage({ user: "alice" }));
    expect(types(await client.readUntil("Z")).at(-1)).toBe("Z");
    client.close();
  });

  it("negotiates down from protocol 3.1 and unknown _pq_ options", async () => {
    const client = await RawClient.connect(t.port);
    client.write(startupMessage({ user: "alice", "_pq_.compression": "on" }, 0x30001));
    const greeting = await client.readUntil("Z");
    expect(greeting[0]?.type).toBe("v");
    expect(greeting[0]?.body.toString("latin1")).toBe("\0\0\0\0\0\0\0\x01_pq_.compression\0");
    client.close();
  });

  const refusals: { name: string; bytes: Buffer; sqlstate: string; message: string }[] = [
    { name: "protocol 2.0", bytes: startupMessage({ user: "alice" }, 0x20000), sqlstate: "0A000", message: "unsupported frontend protocol 2.0: server supports 3.0 to 3.0" },
    { name: "a startup packet that is too short", bytes: Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]), sqlstate: "08P01", message: "invalid length of startup packet" },
    { name: "a startup packet that is too long", bytes: Buffer.from([0, 1, 0, 0, 0, 3, 0, 0]), sqlstate: "08P01", message: "invalid length of startup packet" },
    { name: "an unsupported client encoding", bytes: startupMessage({ user: "alice", client_encoding: "LATIN1" }), sqlstate: "22023", message: 'invalid value for parameter "client_encoding": "LATIN1"' },
    { name: "a malformed statement_timeout", bytes: startupMessage({ user: "alice", statement_timeout: "soon" }), sqlstate: "22023", message: 'invalid value for parameter "statement_timeout": "soon"' },
    { name: "malformed options", bytes: startupMessage({ user: "alice", options: "-x" }), sqlstate: "22023", message: "invalid command-line argument for server process: -x" },
  ];
  it.each(refusals)("refuses $name", async ({ bytes, sqlstate, message }) => {
    const client = await RawClient.connect(t.port);
    client.write(bytes);
    const got = await client.readUntilClosed();
    expect(firstError(got)).toMatchObject({ S: "FATAL", C: sqlstate, M: message });
  });

  it("takes settings from options", async () => {
    const { client } = await RawClient.startup(t.port, { user: "alice", options: "-c statement_timeout=50 --application-name=x\\ y" });
    client.send({ kind: "Query", sql: "SELECT pg_sleep(5)" });
    const got = await client.readUntil("Z");
    expect(firstError(got)).toMatchObject({ C: "57014", M: "canceling statement due to statement timeout" });
    expect(t.db.startups.at(-1)?.parameters?.get("application_name")).toBe("x y");
    client.close();
  });

  it("sends ParameterStatus before ReadyForQuery when a reported setting changes", async () => {
    const { client } = await RawClient.startup(t.port);
    client.send({ kind: "Query", sql: "SET application_name = 'changed'" });
    const got = await client.readUntil("Z");
    expect(types(got)).toBe("CSZ");
    expect(got[1]?.body.toString("utf8")).toBe("application_name\0changed\0");
    client.close();
  });
});

describe("TLS negotiation", () => {
  let cert: ReturnType<typeof makeSelfSignedCert>;
  let t: TestServer;
  beforeAll(async () => {
    cert = makeSelfSignedCert();
    t = await startTestServer({ tls: { cert: cert.cert, key: cert.key } });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(cert.dir, { recursive: true, force: true });
  });

  it("refuses plaintext sent after SSLRequest before the handshake", async () => {
    const client = await RawClient.connect(t.port);
    client.write(Buffer.concat([encodeStartup({ kind: "SSLRequest" }), startupMessage({ user: "alice" })]));
    expect(await client.readRawByte()).toBe("S");
    const got = await client.readUntilClosed();
    expect(firstError(got)).toMatchObject({ C: "08P01", M: "received unencrypted data after SSL request" });
  });

  it("still accepts plain connections when TLS is not required", async () => {
    const { client } = await RawClient.startup(t.port);
    client.close();
  });

  it("drops a client whose handshake fails without affecting others", async () => {
    const client = await RawClient.connect(t.port);
    client.write(encodeStartup({ kind: "SSLRequest" }));
    expect(await client.readRawByte()).toBe("S");
    client.write(Buffer.from("this is not a TLS ClientHello at all........"));
    await client.readUntilClosed();
    const { client: other } = await RawClient.startup(t.port);
    other.close();
  });
});

describe("COPY", () => {
  let t: TestServer;
  let client: RawClient;
  beforeAll(async () => {
    t = await startTestServer();
    client = (await RawClient.startup(t.port)).client;
  });
  afterAll(async () => {
    client.close();
    await t.close();
  });

  it("copies out in text format", async () => {
    client.send({ kind: "Query", sql: "COPY things TO STDOUT" });
    const got = await client.readUntil("Z");
    expect(types(got)).toBe("HdddcCZ");
    expect(got[0]!.body.toString("hex")).toBe("00000c" + "0000".repeat(12));
    expect(got[1]!.body.toString("utf8")).toMatch(/^1\tapple\t1.50\tt\t/);
    expect(got[3]!.body.toString("utf8")).toBe("3" + "\t\\N".repeat(11) + "\n");
    expect(got[5]!.body.toString("utf8")).toBe("COPY 3\0");
  });

  it("copies in, however the client chunks the data", async () => {
    t.db.sink.length = 0;
    client.send({ kind: "Query", sql: "COPY sink FROM STDIN" });
    expect(types(await client.readUntil("G"))).toBe("G");
    client.send(copyData("one\ntw"), copyData("o\n"), { kind: "Flush" }, copyData("three\n"), { kind: "CopyDone" });
    const got = await client.readUntil("Z");
    expect(types(got)).toBe("CZ");
    expect(got[0]!.body.toString("utf8")).toBe("COPY 3\0");
    expect(t.db.sink).toEqual(["one", "two", "three"]);
  });

  it("fails the COPY on CopyFail", async () => {
    client.send({ kind: "Query", sql: "COPY sink FROM STDIN" });
    await client.readUntil("G");
    client.send(copyData("x\n"), { kind: "CopyFail", message: "client gave up" });
    const got = await client.readUntil("Z");
    expect(firstError(got)).toMatchObject({ C: "57014", M: "COPY from stdin failed: client gave up" });
  });

  it("ignores the rest of the data after a failed row, then goes on", async () => {
    client.send({ kind: "Query", sql: "COPY sink FROM STDIN" });
    await client.readUntil("G");
    client.send(copyData("bad\n"), { kind: "CopyDone" }, copyData("late\n"), { kind: "CopyDone" }, { kind: "Query", sql: "SELECT 1" });
    const got = await client.readUntil("Z");
    expect(firstError(got)).toMatchObject({ C: "22P02" });
    expect(types(await client.readUntil("Z"))).toBe("TDCZ");
  });

  it("fails on another message in the middle of COPY", async () => {
    client.send({ kind: "Query", sql: "COPY sink FROM STDIN" });
    await client.readUntil("G");
    client.send({ kind: "Query", sql: "SELECT 1" });
    const got = await client.readUntil("Z");
    expect(firstError(got)).toMatchObject({ C: "08P01", M: "unexpected message type 0x51 during COPY from stdin" });
  });

  it("runs COPY through the extended protocol", async () => {
    t.db.sink.length = 0;
    client.send(
      { kind: "Parse", name: "", sql: "COPY sink FROM STDIN", paramTypeOids: [] },
      { kind: "Bind", portal: "", statement: "", paramFormats: [], params: [], resultFormats: [] },
      { kind: "Describe", target: "portal", name: "" },
      { kind: "Execute", portal: "", maxRows: 0 },
    );
    expect(types(await client.readUntil("G"))).toBe("12nG");
    client.send(copyData("a\n"), { kind: "CopyDone" }, { kind: "Sync" });
    expect(types(await client.readUntil("Z"))).toBe("CZ");
    expect(t.db.sink).toEqual(["a"]);
  });
});

describe("statement errors and protocol violations", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ limits: { messageBytesMax: 20_000 } });
  });
  afterAll(async () => t.close());

  it("sends RowDescription, then the error, when a statement fails while running", async () => {
    const { client } = await RawClient.startup(t.port);
    client.send({ kind: "Query", sql: "SELECT 1/0" });
    const got = await client.readUntil("Z");
    expect(types(got)).toBe("TEZ");
    expect(firstError(got)).toMatchObject({ S: "ERROR", V: "ERROR", C: "22012", M: "division by zero" });
    client.close();
  });

  it("skips to Sync after an extended message whose text is not UTF-8", async () => {
    const { client } = await RawClient.startup(t.port);
    // Parse: type, length 10, name "", query "c\xff", no parameter types.
    const badParse = Buffer.from("500000000a" + "00" + "63ff00" + "0000", "hex");
    client.write(badParse);
    client.send({ kind: "Bind", portal: "", statement: "", paramFormats: [], params: [], resultFormats: [] }, { kind: "Execute", portal: "", maxRows: 0 }, { kind: "Sync" });
    const got = await client.readUntil("Z");
    expect(types(got)).toBe("EZ");
    expect(firstError(got)).toMatchObject({ C: "22021" });
    client.close();
  });

  it("answers what a client sent before shutting down its side", async () => {
    const client = await RawClient.connect(t.port);
    client.socket.end(Buffer.concat([startupMessage({ user: "alice" }), encodeMessage({ kind: "Query", sql: "SELECT 1" })]));
    const got = await client.readUntilClosed();
    expect(types(got).slice(-4)).toBe("TDCZ");
  });

  it("refuses an unknown parameter type OID", async () => {
    const { client } = await RawClient.startup(t.port);
    client.send({ kind: "Parse", name: "", sql: "SELECT $1", paramTypeOids: [999999] }, { kind: "Sync" });
    expect(firstError(await client.readUntil("Z"))).toMatchObject({ C: "42704", M: "type with OID 999999 does not exist" });
    client.close();
  });

  it("does not support the fast-path function call", async () => {
    const { client } = await RawClient.startup(t.port);
    client.send({ kind: "FunctionCall" });
    const got = await client.readUntil("Z");
    expect(firstError(got)).toMatchObject({ C: "0A000" });
    client.close();
  });

  const violations: { name: string; bytes: Buffer; message: string }[] = [
    { name: "a password message after startup", bytes: passwordMessage("x"), message: "invalid frontend message type 112" },
    { name: "a message over the size limit", bytes: Buffer.from([0x51, 0, 0, 0x4e, 0x30]), message: "invalid message length" },
    { name: "a truncated Bind", bytes: Buffer.from([0x42, 0, 0, 0, 6, 0, 0]), message: "insufficient data left in message" },
    { name: "a Describe of an unknown kind", bytes: Buffer.from([0x44, 0, 0, 0, 6, 0x51, 0]), message: "invalid DESCRIBE message subtype 81" },
  ];
  it.each(violations)("closes the connection on $name, and only that one", async ({ bytes, message }) => {
    const { client: bystander } = await RawClient.startup(t.port);
    const { client } = await RawClient.startup(t.port);
    client.write(bytes);
    const got = await client.readUntilClosed();
    expect(got.map((m) => errorFieldsOfBody(m.body))).toEqual([{ S: "FATAL", V: "FATAL", C: "08P01", M: message }]);
    bystander.send({ kind: "Query", sql: "SELECT 1" });
    expect(types(await bystander.readUntil("Z"))).toBe("TDCZ");
    bystander.close();
  });

  it("serves a pipelining client that stops reading (backpressure) without losing anything", async () => {
    const { client } = await RawClient.startup(t.port);
    // Pause reading so the server's output backs up while the input keeps coming.
    client.socket.pause();
    const n = 300;
    for (let i = 0; i < n; i++) client.send({ kind: "Query", sql: "SELECT generate_series(1, 200)" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.socket.resume();
    let ready = 0;
    while (ready < n) {
      await client.readUntil("Z", 10_000);
      ready++;
    }
    client.close();
  });
});

describe("timeouts and limits", () => {
  it("ends a connection that does not authenticate in time", async () => {
    const t = await startTestServer({ auth: "scram-sha-256", limits: { authTimeoutMs: 150 } });
    const client = await RawClient.connect(t.port);
    client.write(startupMessage({ user: "alice" }));
    const got = await client.readUntilClosed();
    expect(types(got)).toBe("RE");
    expect(firstError(got)).toMatchObject({ S: "FATAL", C: "57014", M: "canceling authentication due to timeout" });
    const silent = await RawClient.connect(t.port);
    expect(firstError(await silent.readUntilClosed())).toMatchObject({ C: "57014" });
    await t.close();
  });

  it("drops sockets past the pending-connection bound", async () => {
    const t = await startTestServer({ limits: { pendingConnectionsMax: 2 } });
    const a = await RawClient.connect(t.port);
    const b = await RawClient.connect(t.port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const c = await RawClient.connect(t.port);
    await c.readUntilClosed();
    expect(a.closed || b.closed).toBe(false);
    a.close();
    b.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { client } = await RawClient.startup(t.port);
    client.close();
    await t.close();
  });

  it("does not cancel an idle connection's next statement", async () => {
    const t = await startTestServer();
    const { client, greeting } = await RawClient.startup(t.port);
    const key = greeting.find((m) => m.type === "K")!.body;
    const canceller = await RawClient.connect(t.port);
    canceller.write(encodeStartup({ kind: "CancelRequest", processId: key.readInt32BE(0), secretKey: key.readInt32BE(4) }));
    await canceller.readUntilClosed();
    client.send({ kind: "Query", sql: "SELECT pg_sleep(0.05)" });
    expect(types(await client.readUntil("Z"))).toBe("TDCZ");
    client.close();
    await t.close();
  });
});
