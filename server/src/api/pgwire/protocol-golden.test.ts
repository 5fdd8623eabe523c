/**
 * Protocol conversations whose expected answers were recorded from PostgreSQL 15 itself: each
 * script sends frontend messages byte for byte and the golden file holds PostgreSQL's backend
 * messages, one line each. The statements are ones the scripted session answers as PostgreSQL
 * does, so any difference is the wire server's.
 *
 * Deliberate differences are tested elsewhere (protocol.test.ts): PostgreSQL answers protocol
 * 2.0 in the old format and drops a malformed startup packet silently, where Alopex sends a
 * protocol 3 ErrorResponse; and it reports an unknown parameter type OID as XX000 "cache lookup
 * failed", where Alopex says 42704.
 *
 * Rewrite the golden file from a running PostgreSQL (trust authentication on TCP):
 *   ALOPEX_PGWIRE_REWRITE=127.0.0.1:5432:postgres npx vitest run src/api/pgwire/protocol-golden.test.ts
 * Compare another server (e.g. one over the real SQL engine, user alice, trust) with the file:
 *   ALOPEX_PGWIRE_TRY_PORT=<port> npx vitest run src/api/pgwire/protocol-golden.test.ts -t "another server"
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FrontendMessage, PROTOCOL_3_0 } from "./frontend-messages.js";
import { encodeMessage, startupMessage } from "./testing/frontend-encoder.js";
import { RawClient } from "./testing/raw-client.js";
import { summarize } from "./testing/summarize.js";
import { startTestServer, type TestServer } from "./testing/test-server.js";

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata", "protocol.golden");

interface Step {
  readonly send: readonly (FrontendMessage | Buffer)[];
  /** The message type that ends the step, or "close" for the server closing the connection. */
  readonly until: string;
}

interface Script {
  readonly name: string;
  readonly steps: readonly Step[];
  /** "raw": the first step's bytes are the startup packet itself; only E, v and Z are recorded. */
  readonly startup?: "raw";
}

const q = (sql: string): FrontendMessage => ({ kind: "Query", sql });
const parse = (sql: string, paramTypeOids: number[] = [], name = ""): FrontendMessage => ({ kind: "Parse", name, sql, paramTypeOids });
const bind = (params: (Buffer | null)[] = [], o: { portal?: string; statement?: string; paramFormats?: number[]; resultFormats?: number[] } = {}): FrontendMessage => ({
  kind: "Bind",
  portal: o.portal ?? "",
  statement: o.statement ?? "",
  paramFormats: o.paramFormats ?? [],
  params,
  resultFormats: o.resultFormats ?? [],
});
const execute = (maxRows = 0, portal = ""): FrontendMessage => ({ kind: "Execute", portal, maxRows });
const describeS = (name = ""): FrontendMessage => ({ kind: "Describe", target: "statement", name });
const describeP = (name = ""): FrontendMessage => ({ kind: "Describe", target: "portal", name });
const closeS = (name: string): FrontendMessage => ({ kind: "Close", target: "statement", name });
const closeP = (name: string): FrontendMessage => ({ kind: "Close", target: "portal", name });
const sync: FrontendMessage = { kind: "Sync" };
const flush: FrontendMessage = { kind: "Flush" };
const text = (s: string): Buffer => Buffer.from(s, "utf8");
const int8 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

const SCRIPTS: readonly Script[] = [
  { name: "simple query", steps: [{ send: [q("SELECT 1")], until: "Z" }] },
  { name: "empty simple queries", steps: [{ send: [q("")], until: "Z" }, { send: [q(" ; ")], until: "Z" }, { send: [q("-- nothing\n")], until: "Z" }] },
  { name: "several statements in one query", steps: [{ send: [q("SELECT 1; SELECT generate_series(1, 3);")], until: "Z" }] },
  { name: "error with a position", steps: [{ send: [q("SELECT boom")], until: "Z" }] },
  { name: "syntax error", steps: [{ send: [q("SELEKT 1")], until: "Z" }] },
  {
    name: "failed transaction block",
    steps: [
      { send: [q("BEGIN")], until: "Z" },
      { send: [q("SELECT boom")], until: "Z" },
      { send: [q("SELECT 1")], until: "Z" },
      { send: [q("COMMIT")], until: "Z" },
    ],
  },
  {
    name: "unnamed statement, text parameter",
    steps: [{ send: [parse("SELECT $1::int4"), bind([text("42")]), describeP(), execute(), sync], until: "Z" }],
  },
  {
    name: "declared parameter type",
    steps: [{ send: [parse("SELECT $1", [23]), describeS(), bind([text("7")]), execute(), sync], until: "Z" }],
  },
  {
    name: "binary parameter and result",
    steps: [
      {
        send: [parse("SELECT $1::int8", [20]), describeS(), bind([int8(-2n)], { paramFormats: [1], resultFormats: [1] }), describeP(), execute(), sync],
        until: "Z",
      },
    ],
  },
  {
    name: "result formats per column",
    steps: [{ send: [parse("SELECT $1::int4, $2::text"), bind([text("5"), text("five")], { resultFormats: [1, 0] }), describeP(), execute(), sync], until: "Z" }],
  },
  {
    name: "one binary parameter format for all parameters",
    steps: [{ send: [parse("SELECT $1::int8, $2::int8"), bind([int8(1n), int8(2n)], { paramFormats: [1] }), execute(), sync], until: "Z" }],
  },
  {
    name: "describe a statement with two parameters",
    steps: [{ send: [parse("SELECT $1::int4, $2::text"), describeS(), sync], until: "Z" }],
  },
  {
    name: "NULL parameter",
    steps: [{ send: [parse("SELECT $1::text"), bind([null]), execute(), sync], until: "Z" }],
  },
  {
    name: "row limit and portal suspension",
    steps: [{ send: [parse("SELECT generate_series(1, 5)"), bind(), execute(2), execute(2), execute(2), sync], until: "Z" }],
  },
  {
    name: "row limit ending exactly at the last row",
    steps: [{ send: [parse("SELECT generate_series(1, 2)"), bind(), execute(2), execute(2), sync], until: "Z" }],
  },
  {
    name: "Flush sends results before Sync",
    steps: [
      { send: [parse("SELECT 1"), bind(), execute(), flush], until: "C" },
      { send: [sync], until: "Z" },
    ],
  },
  {
    name: "an error skips messages until Sync",
    steps: [
      { send: [parse("SELECT boom"), bind(), describeP(), execute(), sync], until: "Z" },
      { send: [parse("SELECT 1"), bind(), execute(), sync], until: "Z" },
    ],
  },
  {
    name: "named statements and portals",
    steps: [
      {
        send: [
          parse("SELECT generate_series(1, 3)", [], "s1"),
          bind([], { statement: "s1", portal: "p1" }),
          bind([], { statement: "s1", portal: "p2" }),
          execute(1, "p1"),
          execute(0, "p2"),
          execute(0, "p1"),
          closeP("p1"),
          closeS("s1"),
          sync,
        ],
        until: "Z",
      },
    ],
  },
  {
    name: "duplicate statement name",
    steps: [{ send: [parse("SELECT 1", [], "dup"), sync, parse("SELECT 1", [], "dup"), sync], until: "Z" }, { send: [], until: "Z" }],
  },
  { name: "Bind to a missing statement", steps: [{ send: [bind([], { statement: "nope" }), sync], until: "Z" }] },
  { name: "Bind to the missing unnamed statement", steps: [{ send: [bind(), sync], until: "Z" }] },
  { name: "Execute a missing portal", steps: [{ send: [execute(0, "nope"), sync], until: "Z" }] },
  { name: "Describe a missing statement", steps: [{ send: [describeS("nope"), sync], until: "Z" }] },
  { name: "Describe a missing portal", steps: [{ send: [describeP("nope"), sync], until: "Z" }] },
  { name: "Close what does not exist", steps: [{ send: [closeS("nope"), closeP("nope"), sync], until: "Z" }] },
  { name: "wrong parameter count", steps: [{ send: [parse("SELECT $1::int4"), bind(), sync], until: "Z" }] },
  { name: "wrong parameter format count", steps: [{ send: [parse("SELECT $1::int4"), bind([text("1")], { paramFormats: [0, 0] }), sync], until: "Z" }] },
  { name: "wrong result format count", steps: [{ send: [parse("SELECT 1"), bind([], { resultFormats: [0, 1] }), sync], until: "Z" }] },
  { name: "bad text parameter", steps: [{ send: [parse("SELECT $1::int4"), bind([text("x")]), execute(), sync], until: "Z" }] },
  { name: "bad binary parameter", steps: [{ send: [parse("SELECT $1::int4"), bind([Buffer.from([1, 2, 3, 4, 5])], { paramFormats: [1] }), execute(), sync], until: "Z" }] },
  { name: "empty prepared statement", steps: [{ send: [parse(""), bind(), describeP(), execute(), sync], until: "Z" }] },
  { name: "invalid UTF-8 in a query", steps: [{ send: [Buffer.from("5100000007c32800", "hex")], until: "Z" }, { send: [q("SELECT 1")], until: "Z" }] },
  { name: "unknown message type", steps: [{ send: [Buffer.from("7a00000004", "hex")], until: "close" }] },
  { name: "Terminate", steps: [{ send: [{ kind: "Terminate" }], until: "close" }] },
  { name: "protocol 4.0", startup: "raw", steps: [{ send: [startupMessage({ user: "u" }, 0x40000)], until: "close" }] },
  { name: "no user in the startup packet", startup: "raw", steps: [{ send: [startupMessage({ database: "x" })], until: "close" }] },
];

interface Target {
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

async function runScript(script: Script, target: Target): Promise<string[]> {
  const lines: string[] = [`## ${script.name}`];
  const client = await RawClient.connect(target.port);
  try {
    if (script.startup !== "raw") {
      client.write(startupMessage({ user: target.user, database: target.database }, PROTOCOL_3_0));
      await client.readUntil("Z");
    }
    for (const step of script.steps) {
      lines.push(`> ${step.send.map((m) => (Buffer.isBuffer(m) ? "bytes" : m.kind)).join(" ")}`);
      client.write(Buffer.concat(step.send.map((m) => (Buffer.isBuffer(m) ? m : encodeMessage(m)))));
      let got = step.until === "close" ? await client.readUntilClosed() : await client.readUntil(step.until);
      if (script.startup === "raw") got = got.filter((m) => "EvZ".includes(m.type));
      lines.push(...got.map(summarize));
      if (step.until === "close") lines.push("(closed)");
    }
  } finally {
    client.close();
  }
  return lines;
}

function parseGolden(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of text.split(/^(?=## )/m)) {
    const name = /^## (.*)$/m.exec(block)?.[1];
    if (name !== undefined) out.set(name, block.trimEnd());
  }
  return out;
}

const rewrite = process.env["ALOPEX_PGWIRE_REWRITE"];
const realPort = process.env["ALOPEX_PGWIRE_TRY_PORT"];

describe.skipIf(realPort === undefined)("ad hoc: another server", () => {
  it.each(SCRIPTS.map((s) => [s.name, s] as const))("%s", async (_name, script) => {
    const golden = parseGolden(fs.readFileSync(GOLDEN, "utf8"));
    const lines = await runScript(script, { port: Number(realPort), user: "alice", database: "db" });
    expect(lines.join("\n")).toBe(golden.get(script.name));
  });
});

describe.skipIf(rewrite !== undefined)("protocol conversations match PostgreSQL 15", () => {
  let t: TestServer;
  let golden: Map<string, string>;
  beforeAll(async () => {
    golden = parseGolden(fs.readFileSync(GOLDEN, "utf8"));
    t = await startTestServer();
  });
  afterAll(async () => t.close());

  it.each(SCRIPTS.map((s) => [s.name, s] as const))("%s", async (_name, script) => {
    const lines = await runScript(script, { port: t.port, user: "alice", database: "db" });
    expect(lines.join("\n")).toBe(golden.get(script.name));
  });
});

describe.skipIf(rewrite === undefined)("rewrite the golden file from PostgreSQL", () => {
  it("records every script", async () => {
    const [host, port, user] = rewrite!.split(":");
    if (host !== "127.0.0.1") throw new Error("ALOPEX_PGWIRE_REWRITE=127.0.0.1:<port>:<user>");
    const blocks: string[] = [];
    for (const script of SCRIPTS) blocks.push((await runScript(script, { port: Number(port), user: user!, database: user! })).join("\n"));
    fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
    fs.writeFileSync(GOLDEN, blocks.join("\n\n") + "\n");
  });
});
