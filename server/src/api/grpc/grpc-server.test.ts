/**
 * The gRPC API through a @grpc/grpc-js client against a real server: streamed SQL results with
 * typed values, sessions (Begin/Commit/Rollback, isolation, expiry), errors as status codes
 * with the SQLSTATE in trailing metadata, key-value, vector search, the standard health
 * service and server reflection.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessServer, type InProcessServer } from "../../server/testing/in-process-server.js";
import { PROTO_LOADER_OPTIONS, PROTO_PATH } from "./grpc-server.js";
import type { ProtoValue } from "./values.js";

const require = createRequire(import.meta.url);
const REFLECTION_PROTO = path.join(path.dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto", "grpc", "reflection", "v1", "reflection.proto");

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;
const definition = protoLoader.loadSync([PROTO_PATH, healthProtoPath, REFLECTION_PROTO], PROTO_LOADER_OPTIONS);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  alopex: { v1: { Alopex: Ctor } };
  grpc: { health: { v1: { Health: Ctor } }; reflection: { v1: { ServerReflection: Ctor } } };
};

type Part = { header?: { columns: { name: string; type: string; type_oid: number }[] }; rows?: { rows: { values: ProtoValue[] }[] }; done?: { command_tag: string; row_count: string } };

/** The client's calls as promises (unary) and collected arrays (streams). */
class Client {
  readonly raw: grpc.Client & Record<string, (...args: unknown[]) => unknown>;

  constructor(port: number, Service: Ctor = loaded.alopex.v1.Alopex) {
    this.raw = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client["raw"];
  }

  unary<T>(method: string, request: unknown, metadata = new grpc.Metadata()): Promise<T> {
    return new Promise((resolve, reject) => {
      this.raw[method]!(request, metadata, (e: grpc.ServiceError | null, res: T) => (e ? reject(e) : resolve(res)));
    });
  }

  stream<T>(method: string, request: unknown): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const out: T[] = [];
      const call = this.raw[method]!(request) as grpc.ClientReadableStream<T>;
      call.on("data", (m: T) => out.push(m));
      call.on("error", reject);
      call.on("end", () => resolve(out));
    });
  }

  sql(sql: string, params: ProtoValue[] = [], sessionId = ""): Promise<Part[]> {
    return this.stream<Part>("ExecuteSql", { sql, params, session_id: sessionId });
  }

  close(): void {
    this.raw.close();
  }
}

/** A value as the test reads it: the oneof member that is set. */
function plain(v: ProtoValue): unknown {
  switch (v.kind) {
    case "null_value":
      return null;
    case "vector_value":
      return v.vector_value!.values;
    case "bytes_value":
      return v.bytes_value!.toString("hex");
    default:
      return v.kind === undefined ? undefined : v[v.kind];
  }
}

function rowsOf(parts: Part[]): unknown[][] {
  return parts.flatMap((p) => p.rows?.rows ?? []).map((r) => r.values.map(plain));
}

async function failure(p: Promise<unknown>): Promise<{ code: grpc.status; details: string; sqlstate: unknown; hint: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as grpc.ServiceError;
    return { code: err.code, details: err.details, sqlstate: err.metadata.get("sqlstate")[0], hint: err.metadata.get("hint")[0] };
  }
  throw new Error("the call succeeded");
}

describe("gRPC API", () => {
  let s: InProcessServer;
  let c: Client;

  beforeAll(async () => {
    s = await startInProcessServer({ grpc: { session_timeout_ms: 1500 } });
    c = new Client(s.ports.grpc);
  });
  afterAll(async () => {
    c?.close();
    await s?.stop();
  });

  it("streams a result as header, row batches and done, with values typed by the oneof", async () => {
    await c.sql("CREATE TABLE g (id int8 PRIMARY KEY, n numeric, f float4, b bytea, e vector(2), t text, ok bool)");
    const insert = await c.sql("INSERT INTO g VALUES ($1, $2, $3, $4, $5, $6, $7)", [
      { int_value: "9007199254740993" },
      { string_value: "1.25" },
      { double_value: 0.5 },
      { bytes_value: Buffer.from([1, 2, 255]) },
      { vector_value: { values: [1, -2] } },
      { string_value: "x" },
      { bool_value: true },
    ]);
    expect(insert).toMatchObject([{ header: { columns: [] } }, { done: { command_tag: "INSERT 0 1", row_count: "1" } }]);
    await c.sql("INSERT INTO g (id) VALUES (2)");
    const parts = await c.sql("SELECT * FROM g ORDER BY id");
    expect(parts[0]!.header!.columns.map((col) => [col.name, col.type, col.type_oid])).toEqual([
      ["id", "bigint", 20],
      ["n", "numeric", 1700],
      ["f", "real", 700],
      ["b", "bytea", 17],
      ["e", "vector(2)", expect.any(Number)],
      ["t", "text", 25],
      ["ok", "boolean", 16],
    ]);
    expect(rowsOf(parts)).toEqual([
      ["2", null, null, null, null, null, null],
      ["9007199254740993", "1.25", 0.5, "0102ff", [1, -2], "x", true],
    ]);
    expect(parts.at(-1)).toMatchObject({ done: { command_tag: "SELECT 2", row_count: "2" } });
  });

  it("splits large results into several row messages and streams every statement of a script", async () => {
    await c.sql("CREATE TABLE big (i int PRIMARY KEY)");
    await c.sql(`INSERT INTO big VALUES ${Array.from({ length: 1200 }, (_, i) => `(${i})`).join(", ")}`);
    const parts = await c.sql("SELECT i FROM big ORDER BY i");
    expect(parts.filter((p) => p.rows).length).toBeGreaterThan(1);
    expect(rowsOf(parts).map((r) => Number(r[0]))).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    const script = await c.sql("SELECT 1 AS a; SELECT 'two' AS b");
    expect(script.map((p) => Object.keys(p)[0])).toEqual(["header", "rows", "done", "header", "rows", "done"]);
  });

  it("maps errors to status codes with the SQLSTATE in trailing metadata", async () => {
    expect(await failure(c.sql("SELECT * FROM missing"))).toMatchObject({ code: grpc.status.NOT_FOUND, sqlstate: "42P01", details: 'relation "missing" does not exist' });
    expect(await failure(c.sql("INSERT INTO g (id) VALUES (2)"))).toMatchObject({ code: grpc.status.ALREADY_EXISTS, sqlstate: "23505" });
    expect(await failure(c.sql("SELEC 1"))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, sqlstate: "42601" });
    expect(await failure(c.sql("SELECT 1 / 0"))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, sqlstate: "22012" });
    expect(await failure(c.sql("SELECT $1::int4; SELECT 2", [{ int_value: 1 }]))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, sqlstate: "42601" });
  });

  it("keeps a transaction across calls in a Begin session until Commit or Rollback", async () => {
    await c.sql("CREATE TABLE acct (id int PRIMARY KEY, balance int)");
    const { session_id: id, timeout_ms } = await c.unary<{ session_id: string; timeout_ms: number }>("Begin", { isolation: "SERIALIZABLE" });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(timeout_ms).toBe(1500);
    await c.sql("INSERT INTO acct VALUES (1, 100)", [], id);
    expect(rowsOf(await c.sql("SELECT balance FROM acct", [], id))).toEqual([["100"]]);
    expect(rowsOf(await c.sql("SELECT count(*) FROM acct"))).toEqual([["0"]]);
    expect(rowsOf(await c.sql("SHOW transaction_isolation", [], id))).toEqual([["serializable"]]);
    await c.unary("Commit", { session_id: id });
    expect(rowsOf(await c.sql("SELECT count(*) FROM acct"))).toEqual([["1"]]);
    expect(await failure(c.sql("SELECT 1", [], id))).toMatchObject({ code: grpc.status.NOT_FOUND, sqlstate: "08003" });

    const rolledBack = (await c.unary<{ session_id: string }>("Begin", {})).session_id;
    await c.sql("INSERT INTO acct VALUES (2, 5)", [], rolledBack);
    await c.unary("Rollback", { session_id: rolledBack });
    expect(rowsOf(await c.sql("SELECT count(*) FROM acct"))).toEqual([["1"]]);

    // A failed statement dooms the transaction: Commit says so instead of pretending.
    const failed = (await c.unary<{ session_id: string }>("Begin", {})).session_id;
    await c.sql("INSERT INTO acct VALUES (3, 1)", [], failed);
    await failure(c.sql("INSERT INTO acct VALUES (1, 1)", [], failed));
    expect(await failure(c.sql("SELECT 1", [], failed))).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, sqlstate: "25P02" });
    expect(await failure(c.unary("Commit", { session_id: failed }))).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, sqlstate: "25P02" });
    expect(rowsOf(await c.sql("SELECT count(*) FROM acct"))).toEqual([["1"]]);

    const readOnly = (await c.unary<{ session_id: string }>("Begin", { read_only: true })).session_id;
    expect(await failure(c.sql("INSERT INTO acct VALUES (4, 1)", [], readOnly))).toMatchObject({ sqlstate: "25006" });
    await c.unary("Rollback", { session_id: readOnly });
  });

  it("rolls back and forgets a session left unused past its timeout", async () => {
    const id = (await c.unary<{ session_id: string }>("Begin", {})).session_id;
    await c.sql("INSERT INTO acct VALUES (10, 1)", [], id);
    await new Promise((r) => setTimeout(r, 2200));
    expect(await failure(c.sql("SELECT 1", [], id))).toMatchObject({ code: grpc.status.NOT_FOUND, sqlstate: "08003" });
    expect(rowsOf(await c.sql("SELECT count(*) FROM acct WHERE id = 10"))).toEqual([["0"]]);
  });

  it("reads, writes, deletes and scans keys", async () => {
    for (const [k, v] of [["k/1", "one"], ["k/2", "two"], ["k/3", "three"]]) await c.unary("KvPut", { key: Buffer.from(k!), value: Buffer.from(v!) });
    expect(await c.unary("KvGet", { key: Buffer.from("k/2") })).toEqual({ found: true, value: Buffer.from("two") });
    await c.unary("KvDelete", { key: Buffer.from("k/2") });
    expect(await c.unary("KvGet", { key: Buffer.from("k/2") })).toEqual({ found: false, value: Buffer.alloc(0) });
    const entries = await c.stream<{ key: Buffer; value: Buffer }>("KvScan", { start: Buffer.from("k/"), end: Buffer.from("k0"), limit: 0, reverse: true });
    expect(entries.map((e) => [e.key.toString(), e.value.toString()])).toEqual([
      ["k/3", "three"],
      ["k/1", "one"],
    ]);
    expect(await c.stream("KvScan", { start: Buffer.from("k/"), end: Buffer.from("k0"), limit: 1, reverse: false })).toHaveLength(1);
  });

  it("searches vectors through SQL", async () => {
    await c.sql("CREATE TABLE vec (id int PRIMARY KEY, tag text, e vector(2))");
    await c.sql("CREATE INDEX ON vec USING hnsw (e)");
    for (let i = 0; i < 30; i++) await c.sql("INSERT INTO vec VALUES ($1, $2, $3)", [{ int_value: i }, { string_value: i < 15 ? "low" : "high" }, { vector_value: { values: [i, 0] } }]);
    const res = await c.unary<{ columns: { name: string }[]; rows: { values: ProtoValue[] }[] }>("VectorSearch", {
      table: "vec",
      column: "e",
      vector: [20.2, 0],
      k: 3,
      filter: { tag: { string_value: "high" } },
      columns: ["id"],
    });
    expect(res.columns.map((col) => col.name)).toEqual(["id", "_distance"]);
    expect(res.rows.map((r) => Number(plain(r.values[0]!)))).toEqual([20, 21, 19]);
    expect(await failure(c.unary("VectorSearch", { table: "vec", column: "e", vector: [1], k: 3 }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, sqlstate: "22000" });
  });

  it("answers the standard health check and lists its services through reflection", async () => {
    const health = new Client(s.ports.grpc, loaded.grpc.health.v1.Health);
    expect(await health.unary("Check", { service: "" })).toEqual({ status: "SERVING" });
    expect(await health.unary("Check", { service: "alopex.v1.Alopex" })).toEqual({ status: "SERVING" });
    health.close();

    const reflection = new Client(s.ports.grpc, loaded.grpc.reflection.v1.ServerReflection);
    const services = await new Promise<string[]>((resolve, reject) => {
      type ReflectionAnswer = { list_services_response?: { service: { name: string }[] } };
      const call = reflection.raw.ServerReflectionInfo!() as grpc.ClientDuplexStream<unknown, ReflectionAnswer>;
      call.on("data", (m: ReflectionAnswer) => {
        resolve((m.list_services_response?.service ?? []).map((x) => x.name));
        call.end();
      });
      call.on("error", reject);
      call.write({ list_services: "" });
    });
    reflection.close();
    expect(services).toEqual(expect.arrayContaining(["alopex.v1.Alopex", "grpc.health.v1.Health"]));
  });
});

describe("gRPC API with password authentication", () => {
  let s: InProcessServer;

  beforeAll(async () => {
    s = await startInProcessServer({ auth: { user: "admin", password: "pw" } });
  });
  afterAll(() => s?.stop());

  it("wants Basic credentials in the authorization metadata", async () => {
    const c = new Client(s.ports.grpc);
    const md = (user: string, password: string) => {
      const m = new grpc.Metadata();
      m.set("authorization", `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`);
      return m;
    };
    expect(await failure(c.unary("KvGet", { key: Buffer.from("x") }))).toMatchObject({ code: grpc.status.UNAUTHENTICATED, sqlstate: "28000" });
    expect(await failure(c.unary("KvGet", { key: Buffer.from("x") }, md("admin", "nope")))).toMatchObject({ code: grpc.status.UNAUTHENTICATED, sqlstate: "28P01" });
    expect(await c.unary("KvGet", { key: Buffer.from("x") }, md("admin", "pw"))).toEqual({ found: false, value: Buffer.alloc(0) });
    // A session belongs to the user who opened it.
    const { session_id } = await c.unary<{ session_id: string }>("Begin", {}, md("admin", "pw"));
    expect(session_id).toMatch(/^[0-9a-f]{32}$/);
    c.close();
  });
});
