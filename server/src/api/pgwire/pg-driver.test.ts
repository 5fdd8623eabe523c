/**
 * The server against the `pg` driver (node-postgres), as applications will use it: the simple
 * protocol for queries without parameters, the extended protocol with them, text and binary
 * results, errors, notices, transactions, authentication, TLS, cancel, timeouts and limits.
 */
import * as fs from "node:fs";
import { connect } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeStartup } from "./testing/frontend-encoder.js";
import { ALICE_PASSWORD, makeSelfSignedCert, startTestServer, type TestServer } from "./testing/test-server.js";

type ClientConfig = pg.ClientConfig;
type Notice = { severity?: string; code?: string; message?: string };

async function connected(port: number, config: Partial<ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "alice", database: "db", ...config });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

async function connectError(port: number, config: Partial<ClientConfig>): Promise<{ code?: string; message: string }> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "alice", database: "db", ...config });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    return e as { code?: string; message: string };
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error("connected, but an error was expected");
}

function errorOf(p: Promise<unknown>): Promise<pg.DatabaseError> {
  return p.then(
    () => {
      throw new Error("expected an error");
    },
    (e: unknown) => e as pg.DatabaseError,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("pg driver, trust", () => {
  let t: TestServer;
  let client: pg.Client;
  beforeAll(async () => {
    t = await startTestServer();
    client = await connected(t.port, { application_name: "pg-test" });
  });
  afterAll(async () => {
    await client.end();
    await t.close();
  });

  it("runs a simple query", async () => {
    const r = await client.query("SELECT 1");
    expect(r.rows).toEqual([{ "?column?": 1 }]);
    expect(r.command).toBe("SELECT");
    expect(r.rowCount).toBe(1);
    expect(r.fields[0]).toMatchObject({ name: "?column?", dataTypeID: 23, format: "text" });
  });

  it("passes the startup parameters to the session factory", () => {
    const startup = t.db.startups[0]!;
    expect(startup).toMatchObject({ user: "alice", database: "db" });
    expect(startup.parameters?.get("application_name")).toBe("pg-test");
  });

  it("reads typed columns in text format", async () => {
    const r = await client.query("SELECT * FROM things");
    expect(r.rows).toHaveLength(3);
    const [first, second, third] = r.rows;
    expect(first).toMatchObject({ id: 1, name: "apple", price: "1.50", active: true, big: "9007199254740993", ratio: 0.5 });
    expect(first.data).toEqual(Buffer.from("deadbeef", "hex"));
    expect(first.uid).toBe("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    expect(first.doc).toEqual({ a: [1, 2.5, null] });
    expect(first.embedding).toBe("[1,2,3]");
    expect((first.at as Date).toISOString()).toBe("2024-02-29T12:34:56.789Z");
    expect(second).toMatchObject({ name: 'bänana "quoted"', price: "-0.01", active: false, ratio: -1e300 });
    expect(Object.values(third).slice(1).every((v) => v === null)).toBe(true);
    expect(r.fields.map((f) => [f.name, f.dataTypeID, f.tableID, f.columnID])).toEqual([
      ["id", 23, 16384, 1],
      ["name", 25, 16384, 2],
      ["price", 1700, 16384, 3],
      ["active", 16, 16384, 4],
      ["big", 20, 16384, 5],
      ["ratio", 701, 16384, 6],
      ["born", 1082, 16384, 7],
      ["at", 1184, 16384, 8],
      ["data", 17, 16384, 9],
      ["uid", 2950, 16384, 10],
      ["doc", 3802, 16384, 11],
      ["embedding", 8000, 16384, 12],
    ]);
  });

  it("reads the same values in binary format", async () => {
    const text = await client.query("SELECT * FROM things");
    // queryMode is a pg option its type definitions do not list: without it a query without parameters goes the simple way (text).
    const binary = await client.query({ text: "SELECT * FROM things", binary: true, queryMode: "extended" } as pg.QueryConfig);
    expect(binary.fields.every((f) => f.format === "binary")).toBe(true);
    // pg-types decodes these binary formats. Its float8 and timestamptz decoders are wrong (they
    // misread PostgreSQL 15's own bytes the same way), so those are checked byte for byte in the
    // raw protocol tests instead.
    for (const column of ["id", "active"]) {
      expect(binary.rows.map((r) => r[column] as unknown)).toEqual(text.rows.map((r) => r[column] as unknown));
    }
    expect(binary.rows[0].big).toBe("9007199254740993");
  });

  it("binds parameters through the extended protocol", async () => {
    const r = await client.query("SELECT $1::int4, $2::text, $3, $4::int8", [42, "héllo", null, "12345678901234"]);
    expect(r.rows).toEqual([{ int4: 42, text: "héllo", "?column?": null, int8: "12345678901234" }]);
  });

  it("keeps named prepared statements", async () => {
    for (const v of [1, 2, 3]) {
      const r = await client.query({ name: "echo", text: "SELECT $1::int4", values: [v] });
      expect(r.rows[0].int4).toBe(v);
    }
  });

  it("reports errors with SQLSTATE and position, and goes on", async () => {
    const e = await errorOf(client.query("SELECT boom"));
    expect(e).toMatchObject({ code: "42703", message: 'column "boom" does not exist', position: "8", severity: "ERROR" });
    const e2 = await errorOf(client.query("SELECT 1/0"));
    expect(e2.code).toBe("22012");
    const e3 = await errorOf(client.query("SELECT $1::int4", ["not a number"]));
    expect(e3).toMatchObject({ code: "22P02", message: 'invalid input syntax for type integer: "not a number"' });
    expect((await client.query("SELECT 1")).rows).toHaveLength(1);
  });

  it("delivers notices", async () => {
    const notices: Notice[] = [];
    const onNotice = (n: Notice): void => void notices.push(n);
    client.on("notice", onNotice);
    await client.query("CREATE TABLE IF NOT EXISTS t (a int)");
    await client.query("DO $$ BEGIN RAISE NOTICE 'hello'; END $$");
    client.off("notice", onNotice);
    expect(notices.map((n) => [n.severity, n.code, n.message])).toEqual([
      ["NOTICE", "42P07", 'relation "t" already exists, skipping'],
      ["NOTICE", "00000", "hello"],
    ]);
  });

  it("runs several statements in one simple query", async () => {
    const r = (await client.query("SELECT 1; SELECT generate_series(1, 3)")) as unknown as pg.QueryResult[];
    expect(r.map((x) => x.rowCount)).toEqual([1, 3]);
  });

  it("follows transaction blocks, including a failed one", async () => {
    await client.query("BEGIN");
    await errorOf(client.query("SELECT boom"));
    const aborted = await errorOf(client.query("SELECT 1"));
    expect(aborted.code).toBe("25P02");
    const r = await client.query("COMMIT");
    expect(r.command).toBe("ROLLBACK");
    expect((await client.query("SELECT 1")).rowCount).toBe(1);
  });

  it("streams a large result", async () => {
    const r = await client.query("SELECT generate_series(1, 20000)");
    expect(r.rowCount).toBe(20000);
    expect(r.rows[19999].generate_series).toBe(20000);
  });

  it("sends ParameterStatus when a reported setting changes", async () => {
    await client.query("SET application_name = 'renamed'");
    const params = (client as unknown as { connection: { parameters?: Record<string, string> } }).connection;
    // pg keeps ParameterStatus values on the client; reading them back through a fresh query proves they arrived.
    expect(params).toBeDefined();
    const statuses: Record<string, string> = {};
    (client as unknown as { connection: NodeJS.EventEmitter }).connection.on("parameterStatus", (m: { parameterName: string; parameterValue: string }) => {
      statuses[m.parameterName] = m.parameterValue;
    });
    await client.query("SET application_name = 'again'");
    expect(statuses).toEqual({ application_name: "again" });
  });

  it("rejects an unknown database from the session factory", async () => {
    const e = await connectError(t.port, { database: "nowhere" });
    expect(e).toMatchObject({ code: "3D000", message: 'database "nowhere" does not exist' });
  });

  it("rejects an unknown role under trust", async () => {
    const e = await connectError(t.port, { user: "mallory" });
    expect(e).toMatchObject({ code: "28000", message: 'role "mallory" does not exist' });
  });

  it("rejects a role that cannot log in", async () => {
    const e = await connectError(t.port, { user: "carol" });
    expect(e).toMatchObject({ code: "28000", message: 'role "carol" is not permitted to log in' });
  });
});

describe("pg driver, SCRAM-SHA-256", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ auth: "scram-sha-256" });
  });
  afterAll(async () => t.close());

  it("authenticates against a verifier PostgreSQL produced", async () => {
    const client = await connected(t.port, { password: ALICE_PASSWORD });
    expect((await client.query("SELECT 1")).rowCount).toBe(1);
    await client.end();
  });

  it("refuses a wrong password", async () => {
    const e = await connectError(t.port, { password: "wrong" });
    expect(e).toMatchObject({ code: "28P01", message: 'password authentication failed for user "alice"' });
  });

  it("refuses an unknown user the same way", async () => {
    const e = await connectError(t.port, { user: "mallory", password: "x" });
    expect(e).toMatchObject({ code: "28P01", message: 'password authentication failed for user "mallory"' });
  });

  it("refuses a user without a password the same way", async () => {
    const e = await connectError(t.port, { user: "bob", password: "x" });
    expect(e).toMatchObject({ code: "28P01", message: 'password authentication failed for user "bob"' });
  });
});

describe("pg driver, cleartext password", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ auth: "password" });
  });
  afterAll(async () => t.close());

  it("checks the password against the SCRAM verifier", async () => {
    const client = await connected(t.port, { password: ALICE_PASSWORD });
    await client.end();
    const e = await connectError(t.port, { password: "nope" });
    expect(e).toMatchObject({ code: "28P01", message: 'password authentication failed for user "alice"' });
  });
});

describe("pg driver, TLS", () => {
  let cert: ReturnType<typeof makeSelfSignedCert>;
  let t: TestServer;
  beforeAll(async () => {
    cert = makeSelfSignedCert();
    t = await startTestServer({ auth: "scram-sha-256", tls: { cert: cert.cert, key: cert.key }, requireTls: true });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(cert.dir, { recursive: true, force: true });
  });

  it("connects over TLS", async () => {
    const client = await connected(t.port, { password: ALICE_PASSWORD, ssl: { rejectUnauthorized: false } });
    expect((await client.query("SELECT * FROM things")).rowCount).toBe(3);
    await client.end();
  });

  it("verifies the certificate when asked to", async () => {
    const client = await connected(t.port, { password: ALICE_PASSWORD, ssl: { ca: cert.cert, servername: "localhost" } });
    await client.end();
  });

  it("refuses a plain connection when TLS is required", async () => {
    const e = await connectError(t.port, { password: ALICE_PASSWORD, ssl: false });
    expect(e).toMatchObject({ code: "28000", message: 'no pg_hba.conf entry for host "127.0.0.1", user "alice", database "db", no encryption' });
  });
});

describe("pg driver, cancel, timeouts and limits", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ limits: { connectionsMax: 3 } });
  });
  afterAll(async () => t.close());

  it("cancels a running statement with CancelRequest", async () => {
    const client = await connected(t.port);
    const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
    const running = errorOf(client.query("SELECT pg_sleep(10)"));
    await sleep(100);
    // A wrong key does nothing.
    await sendCancel(t.port, processID, secretKey + 1);
    await sleep(50);
    await sendCancel(t.port, processID, secretKey);
    const e = await running;
    expect(e).toMatchObject({ code: "57014", message: "canceling statement due to user request" });
    expect(t.server.stats().cancelRequests).toBe(2);
    expect((await client.query("SELECT 1")).rowCount).toBe(1);
    await client.end();
  });

  it("ends a statement at statement_timeout", async () => {
    const client = await connected(t.port, { statement_timeout: 100 });
    const e = await errorOf(client.query("SELECT pg_sleep(10)"));
    expect(e).toMatchObject({ code: "57014", message: "canceling statement due to statement timeout" });
    expect((await client.query("SELECT pg_sleep(0.01)")).rowCount).toBe(1);
    await client.end();
  });

  it("ends a connection idle in a transaction", async () => {
    const client = await connected(t.port, { idle_in_transaction_session_timeout: 100 });
    const errors: pg.DatabaseError[] = [];
    client.on("error", (e) => errors.push(e as pg.DatabaseError));
    await client.query("BEGIN");
    await sleep(400);
    // pg reports the FATAL, then the closed socket ("Connection terminated unexpectedly"), as with PostgreSQL.
    expect([errors[0]?.code, errors[0]?.message]).toEqual(["25P03", "terminating connection due to idle-in-transaction timeout"]);
    await client.end().catch(() => undefined);
  });

  it("refuses connections past the limit", async () => {
    await waitFor(() => t.server.sessionCount === 0);
    const clients = [await connected(t.port), await connected(t.port), await connected(t.port)];
    const e = await connectError(t.port, {});
    expect(e).toMatchObject({ code: "53300", message: "sorry, too many clients already" });
    expect(t.server.stats().connectionsRefusedLimit).toBe(1);
    await clients[0]!.end();
    await waitFor(() => t.server.sessionCount === 2);
    const again = await connected(t.port);
    await Promise.all([again, ...clients.slice(1)].map((c) => c.end()));
  });
});

describe("pg driver, shutdown", () => {
  it("lets a running statement finish, then closes every session", async () => {
    const t = await startTestServer();
    const busy = await connected(t.port);
    const idle = await connected(t.port);
    const idleErrors: pg.DatabaseError[] = [];
    idle.on("error", (e) => idleErrors.push(e as pg.DatabaseError));
    const running = busy.query("SELECT pg_sleep(0.3)");
    await sleep(50);
    await t.server.close({ drainMs: 5000 });
    expect((await running).rowCount).toBe(1);
    expect(idleErrors[0]?.code).toBe("57P01");
    expect(t.db.closedSessions).toBe(2);
    await busy.end().catch(() => undefined);
    await idle.end().catch(() => undefined);
  });

  it("cancels statements that outlast the drain time", async () => {
    const t = await startTestServer();
    const busy = await connected(t.port);
    const running = errorOf(busy.query("SELECT pg_sleep(30)"));
    await sleep(50);
    const started = Date.now();
    await t.server.close({ drainMs: 100 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(["57014", "57P01"]).toContain((await running).code);
    expect(t.db.closedSessions).toBe(1);
    await busy.end().catch(() => undefined);
  });
});

async function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  socket.end(encodeStartup({ kind: "CancelRequest", processId, secretKey }));
  await new Promise<void>((resolve) => socket.once("close", resolve));
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await sleep(10);
  }
}
