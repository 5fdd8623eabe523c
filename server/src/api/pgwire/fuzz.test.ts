/**
 * Protocol fuzzing over real sockets: random bytes, and valid conversations with bytes flipped,
 * cut, inserted and lengths rewritten, each on its own connection. Whatever arrives, the server
 * must end or keep serving that connection (never hang once the client leaves), never crash,
 * close every session it opened, and serve a well-behaved client afterwards.
 *
 * Seeded: a failure prints its seed; rerun it with ALOPEX_PGWIRE_FUZZ_SEED=<seed>.
 */
import { connect } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../common/mulberry32.js";
import type { FrontendMessage } from "./frontend-messages.js";
import { encodeMessage, encodeStartup, startupMessage } from "./testing/frontend-encoder.js";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const CASES = 600;
const BASE_SEED = Number(process.env["ALOPEX_PGWIRE_FUZZ_SEED"] ?? 20240229);

const text = (s: string): Buffer => Buffer.from(s, "utf8");

/** Conversations (after the startup packet) that are valid before mutation. */
const CONVERSATIONS: readonly (readonly FrontendMessage[])[] = [
  [{ kind: "Query", sql: "SELECT 1" }],
  [{ kind: "Query", sql: "SELECT * FROM things; SELECT generate_series(1, 50)" }],
  [
    { kind: "Parse", name: "s", sql: "SELECT $1::int4, $2::text", paramTypeOids: [23, 0] },
    { kind: "Bind", portal: "p", statement: "s", paramFormats: [1, 0], params: [Buffer.from([0, 0, 0, 7]), text("x")], resultFormats: [1] },
    { kind: "Describe", target: "portal", name: "p" },
    { kind: "Execute", portal: "p", maxRows: 1 },
    { kind: "Close", target: "portal", name: "p" },
    { kind: "Sync" },
  ],
  [
    { kind: "Parse", name: "", sql: "SELECT generate_series(1, 20)", paramTypeOids: [] },
    { kind: "Bind", portal: "", statement: "", paramFormats: [], params: [], resultFormats: [] },
    { kind: "Execute", portal: "", maxRows: 3 },
    { kind: "Execute", portal: "", maxRows: 0 },
    { kind: "Flush" },
    { kind: "Sync" },
  ],
  [
    { kind: "Query", sql: "COPY sink FROM STDIN" },
    { kind: "CopyData", data: text("a\nb\n") },
    { kind: "CopyDone" },
    { kind: "Query", sql: "COPY things TO STDOUT" },
  ],
  [{ kind: "Query", sql: "BEGIN" }, { kind: "Query", sql: "SELECT boom" }, { kind: "Query", sql: "ROLLBACK" }, { kind: "Terminate" }],
];

type Random = () => number;
const int = (rnd: Random, n: number): number => Math.floor(rnd() * n);

function randomBytes(rnd: Random, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => int(rnd, 256)));
}

/** One mutation of `b`: flip, cut, insert, duplicate or overwrite 4 bytes (often a length field). */
function mutate(rnd: Random, b: Buffer): Buffer {
  if (b.length === 0) return randomBytes(rnd, 1 + int(rnd, 16));
  const at = int(rnd, b.length);
  switch (int(rnd, 5)) {
    case 0: {
      const out = Buffer.from(b);
      out[at] = out[at]! ^ (1 << int(rnd, 8));
      return out;
    }
    case 1:
      return b.subarray(0, at);
    case 2:
      return Buffer.concat([b.subarray(0, at), randomBytes(rnd, 1 + int(rnd, 8)), b.subarray(at)]);
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(int(rnd, b.length)), b.subarray(at)]);
    default: {
      const out = Buffer.from(b);
      const v = [0, 3, 4, 5, 0x7fffffff, -1, 0x10000, int(rnd, 100)][int(rnd, 8)]!;
      if (at + 4 <= out.length) out.writeInt32BE(v | 0, at);
      return out;
    }
  }
}

/** The bytes one fuzz case sends. */
function fuzzCase(seed: number): Buffer {
  const rnd = mulberry32(seed);
  const startup = startupMessage({ user: "alice", database: "db" });
  switch (int(rnd, 4)) {
    case 0:
      return randomBytes(rnd, int(rnd, 300));
    case 1:
      return Buffer.concat([startup, randomBytes(rnd, 1 + int(rnd, 300))]);
    case 2: {
      const first = [startup, encodeStartup({ kind: "SSLRequest" }), encodeStartup({ kind: "CancelRequest", processId: 1, secretKey: 2 })][int(rnd, 3)]!;
      return Buffer.concat([mutate(rnd, first), startup]);
    }
    default: {
      const conversation = CONVERSATIONS[int(rnd, CONVERSATIONS.length)]!;
      let body: Buffer = Buffer.concat(conversation.map(encodeMessage));
      for (let i = 1 + int(rnd, 3); i > 0; i--) body = mutate(rnd, body);
      return Buffer.concat([startup, body]);
    }
  }
}

/** Sends the bytes, leaves, and resolves once the server has closed its side (or rejects on a hang). */
function runCase(port: number, bytes: Buffer, seed: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.on("data", () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection (seed ${seed})`));
    }, 5000);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on("connect", () => socket.end(bytes));
  });
}

describe("protocol fuzzing", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ limits: { messageBytesMax: 20_000, authTimeoutMs: 3000, connectionsMax: 50, pendingConnectionsMax: 50 } });
  });
  afterAll(async () => t.close());

  it(`survives ${CASES} random and mutated conversations`, async () => {
    const parallel = 8;
    for (let start = 0; start < CASES; start += parallel) {
      const seeds = Array.from({ length: Math.min(parallel, CASES - start) }, (_, i) => BASE_SEED + start + i);
      await Promise.all(seeds.map((seed) => runCase(t.port, fuzzCase(seed), seed)));
    }
    // Every session that was opened is closed again.
    const deadline = Date.now() + 5000;
    while (t.server.sessionCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.server.sessionCount).toBe(0);
    expect(t.db.closedSessions).toBe(t.db.sessions.length);
    expect(t.db.sessions.length).toBeGreaterThan(CASES / 4);
    const stats = t.server.stats();
    expect(stats.protocolViolations).toBeGreaterThan(CASES / 10);
    expect(stats.sessionsStarted).toBe(t.db.sessions.length);
    expect(stats.pendingConnections).toBe(0);
  });

  it("still serves a normal client afterwards", async () => {
    const client = new pg.Client({ host: "127.0.0.1", port: t.port, user: "alice", database: "db" });
    await client.connect();
    expect((await client.query("SELECT $1::int4", [5])).rows).toEqual([{ int4: 5 }]);
    expect((await client.query("SELECT * FROM things")).rowCount).toBe(3);
    await client.end();
  });
});
