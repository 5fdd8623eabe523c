/**
 * The REST API over HTTP against a real server (all listeners on 127.0.0.1, free ports, a
 * temporary data directory): SQL with typed JSON values, errors and their statuses, bounds,
 * key-value, vector search, the OpenAPI document and Basic authentication.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessServer, type InProcessServer } from "../../server/testing/in-process-server.js";

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

function client(port: number, authorization?: string) {
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (authorization !== undefined) headers.authorization = authorization;
    const res = await fetch(base + path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
  };
  return {
    call,
    sql: (sql: string, params?: unknown[]) => call("POST", "/v1/sql", params === undefined ? { sql } : { sql, params }),
  };
}

describe("REST API", () => {
  let s: InProcessServer;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    s = await startInProcessServer({ rest: { max_result_rows: 50 } });
    api = client(s.ports.rest);
  });
  afterAll(() => s?.stop());

  it("runs SQL with parameters and answers values in their documented JSON forms", async () => {
    expect(await api.sql("CREATE TABLE v (id int8 PRIMARY KEY, small int4, n numeric(14,2), b bytea, j jsonb, e vector(3), f float8, t text, ts timestamptz, ok bool)")).toMatchObject({
      status: 200,
      body: { columns: [], rows: [], commandTag: "CREATE TABLE" },
    });
    const insert = await api.sql("INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", [
      "9007199254740993",
      7,
      "12345678901.25",
      "\\xdeadbeef",
      { a: [1, 2], b: null },
      [1, 2.5, -3],
      "NaN",
      "héllo",
      "2024-02-29 12:00:00+00",
      true,
    ]);
    expect(insert).toMatchObject({ status: 200, body: { commandTag: "INSERT 0 1", rowCount: 1 } });
    await api.sql("INSERT INTO v (id) VALUES (2)");
    const r = await api.sql("SELECT * FROM v ORDER BY id");
    expect(r.status).toBe(200);
    expect(r.body.columns).toEqual([
      { name: "id", type: "bigint" },
      { name: "small", type: "integer" },
      { name: "n", type: "numeric(14,2)" },
      { name: "b", type: "bytea" },
      { name: "j", type: "jsonb" },
      { name: "e", type: "vector(3)" },
      { name: "f", type: "double precision" },
      { name: "t", type: "text" },
      { name: "ts", type: "timestamp with time zone" },
      { name: "ok", type: "boolean" },
    ]);
    expect(r.body.rows).toEqual([
      ["2", null, null, null, null, null, null, null, null, null],
      ["9007199254740993", 7, "12345678901.25", "\\xdeadbeef", { a: [1, 2], b: null }, [1, 2.5, -3], "NaN", "héllo", "2024-02-29 12:00:00+00", true],
    ]);
    expect(r.body).toMatchObject({ commandTag: "SELECT 2", rowCount: 2 });
  });

  it("runs several statements without parameters as the client wrote them, answering with the last", async () => {
    const r = await api.sql("BEGIN; INSERT INTO v (id) VALUES (3); INSERT INTO v (id) VALUES (4); COMMIT; SELECT count(*) AS n FROM v");
    expect(r).toMatchObject({ status: 200, body: { columns: [{ name: "n", type: "bigint" }], rows: [["4"]] } });
    // A transaction left open by a request is rolled back when the request's session ends.
    expect((await api.sql("BEGIN; INSERT INTO v (id) VALUES (5)")).status).toBe(200);
    expect((await api.sql("SELECT count(*) FROM v WHERE id = 5")).body.rows).toEqual([["0"]]);
  });

  it.each<[string, string, unknown[] | undefined, number, string]>([
    ["a syntax error", "SELEC 1", undefined, 400, "42601"],
    ["an unknown table", "SELECT * FROM missing", undefined, 404, "42P01"],
    ["an unknown column", "SELECT nope FROM v", undefined, 400, "42703"],
    ["a duplicate key", "INSERT INTO v (id) VALUES (2)", undefined, 409, "23505"],
    ["a value of the wrong type", "SELECT $1::int4", ["twelve"], 400, "22P02"],
    ["a division by zero", "SELECT 1 / 0", undefined, 400, "22012"],
    ["too few parameters", "SELECT $1::int4 + $2::int4", [1], 400, "08P01"],
    ["COPY, which needs the wire protocol", "COPY v TO STDOUT", undefined, 501, "0A000"],
  ])("answers %s with its SQLSTATE and status", async (_name, sql, params, status, sqlstate) => {
    const r = await api.sql(sql, params);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ error: { sqlstate, message: expect.any(String) } });
  });

  it("refuses malformed requests with 400 before running anything", async () => {
    expect(await api.call("POST", "/v1/sql", { query: "SELECT 1" })).toMatchObject({ status: 400, body: { error: { sqlstate: "22023" } } });
    const raw = await fetch(`http://127.0.0.1:${s.ports.rest}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(raw.status).toBe(400);
    expect(await api.call("GET", "/v1/nothing")).toMatchObject({ status: 404, body: { error: { sqlstate: "42704" } } });
  });

  it("bounds the rows one answer holds", async () => {
    await api.sql("CREATE TABLE many (i int PRIMARY KEY)");
    await api.sql(`INSERT INTO many VALUES ${Array.from({ length: 60 }, (_, i) => `(${i})`).join(", ")}`);
    expect((await api.sql("SELECT * FROM many WHERE i < 50")).body.rows).toHaveLength(50);
    const r = await api.sql("SELECT * FROM many");
    expect(r).toMatchObject({ status: 413, body: { error: { sqlstate: "54000", hint: expect.stringMatching(/LIMIT/) } } });
  });

  it("stores, reads, scans and deletes keys as text or base64", async () => {
    expect((await api.call("PUT", "/v1/kv/user%2F1", { value: "ada" })).status).toBe(204);
    expect((await api.call("PUT", "/v1/kv/user%2F2", { value: "grace" })).status).toBe(204);
    expect((await api.call("PUT", "/v1/kv/user%2F3", { value: "edsger" })).status).toBe(204);
    expect(await api.call("GET", "/v1/kv/user%2F1")).toMatchObject({ status: 200, body: { key: "user/1", value: "ada" } });
    expect(await api.call("GET", "/v1/kv?start=user%2F&end=user0&limit=2")).toMatchObject({
      status: 200,
      body: { entries: [{ key: "user/1", value: "ada" }, { key: "user/2", value: "grace" }], more: true },
    });
    expect((await api.call("GET", "/v1/kv?start=user%2F&end=user0&reverse=true")).body).toEqual({
      entries: [
        { key: "user/3", value: "edsger" },
        { key: "user/2", value: "grace" },
        { key: "user/1", value: "ada" },
      ],
      more: false,
    });
    expect((await api.call("DELETE", "/v1/kv/user%2F2")).status).toBe(204);
    expect(await api.call("GET", "/v1/kv/user%2F2")).toMatchObject({ status: 404, body: { error: { sqlstate: "02000" } } });

    const binaryKey = Buffer.from([0xff, 0x00, 0x7f]).toString("base64");
    const binaryValue = Buffer.from([0xc3, 0x28]).toString("base64"); // not UTF-8
    expect((await api.call("PUT", `/v1/kv/${encodeURIComponent(binaryKey)}?encoding=base64`, { value: binaryValue })).status).toBe(204);
    expect(await api.call("GET", `/v1/kv/${encodeURIComponent(binaryKey)}?encoding=base64`)).toMatchObject({ status: 200, body: { value: binaryValue } });
    expect(await api.call("GET", `/v1/kv?start=${encodeURIComponent(binaryKey)}&encoding=base64`)).toMatchObject({ body: { entries: [{ key: binaryKey, value: binaryValue }] } });
    expect(await api.call("GET", `/v1/kv?start=${encodeURIComponent(binaryKey)}`)).toMatchObject({ status: 400, body: { error: { sqlstate: "22021" } } });
    expect(await api.call("GET", "/v1/kv/x?encoding=base64")).toMatchObject({ status: 400, body: { error: { sqlstate: "22023" } } });
    expect(await api.call("GET", "/v1/kv/x?encoding=hex")).toMatchObject({ status: 400 });
  });

  it("finds nearest neighbours through SQL, with filters, metrics and chosen columns", async () => {
    await api.sql("CREATE TABLE items (id int PRIMARY KEY, kind text, emb vector(2))");
    await api.sql("CREATE INDEX items_emb ON items USING hnsw (emb vector_l2_ops)");
    const points = Array.from({ length: 40 }, (_, i) => [i, i % 2 === 0 ? "even" : "odd", [Math.cos(i), Math.sin(i) * i]] as const);
    for (const [id, kind, emb] of points) await api.sql("INSERT INTO items VALUES ($1, $2, $3)", [id, kind, emb]);
    const query = [0.5, 3];
    const dist = (e: readonly number[]) => Math.hypot(Math.fround(e[0]!) - query[0]!, Math.fround(e[1]!) - query[1]!);
    const expected = points
      .filter(([, kind]) => kind === "odd")
      .map(([id, , emb]) => [id, dist(emb)] as const)
      .sort((a, b) => a[1] - b[1])
      .slice(0, 5);

    const r = await api.call("POST", "/v1/vector/search", { table: "items", column: "emb", vector: query, k: 5, filter: { kind: "odd" }, columns: ["id"] });
    expect(r.status).toBe(200);
    expect(r.body.columns).toEqual([
      { name: "id", type: "integer" },
      { name: "_distance", type: "double precision" },
    ]);
    const rows = r.body.rows as [number, number][];
    expect(rows.map((x) => x[0])).toEqual(expected.map((x) => x[0]));
    for (const [i, row] of rows.entries()) expect(row[1]).toBeCloseTo(expected[i]![1], 4);

    const cosine = await api.call("POST", "/v1/vector/search", { table: "items", column: "emb", vector: [1, 0], k: 1, metric: "cosine" });
    expect(cosine.body.columns).toHaveLength(4);
    expect((cosine.body.rows as unknown[][])[0]![0]).toBe(0);

    expect(await api.call("POST", "/v1/vector/search", { table: "nothing", column: "emb", vector: [1, 0], k: 1 })).toMatchObject({ status: 404, body: { error: { sqlstate: "42P01" } } });
    expect(await api.call("POST", "/v1/vector/search", { table: "items", column: "emb", vector: [1, 0, 0], k: 1 })).toMatchObject({ status: 400, body: { error: { sqlstate: "22000" } } });
    expect((await api.call("POST", "/v1/vector/search", { table: "items", column: "emb", vector: [1, 0], k: 0 })).status).toBe(400);
    // Names are identifiers, never SQL: a quote in one is just part of the name.
    expect(await api.call("POST", "/v1/vector/search", { table: 'items" WHERE 1=1 --', column: "emb", vector: [1, 0], k: 1 })).toMatchObject({ status: 404 });
  });

  it("describes every route in an OpenAPI 3 document generated from the route schemas", async () => {
    const r = await api.call("GET", "/v1/openapi.json");
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe("3.0.3");
    const paths = r.body.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    expect(Object.keys(paths).sort()).toEqual(["/v1/kv", "/v1/kv/{key}", "/v1/sql", "/v1/vector/search"]);
    expect(Object.keys(paths["/v1/kv/{key}"]!).sort()).toEqual(["delete", "get", "put"]);
    expect(paths["/v1/sql"]!.post!.requestBody).toBeDefined();
    expect(Object.keys(paths["/v1/sql"]!.post!.responses)).toEqual(expect.arrayContaining(["200", "400", "404", "409"]));
  });
});

describe("REST API with password authentication", () => {
  let s: InProcessServer;

  beforeAll(async () => {
    s = await startInProcessServer({ auth: { user: "admin", password: "correct horse" } });
  });
  afterAll(() => s?.stop());

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

  it("asks for credentials, refuses wrong ones and accepts the bootstrap superuser's", async () => {
    const anonymous = await client(s.ports.rest).sql("SELECT 1");
    expect(anonymous).toMatchObject({ status: 401, body: { error: { sqlstate: "28000" } } });
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect(await client(s.ports.rest, basic("admin", "wrong")).sql("SELECT 1")).toMatchObject({ status: 401, body: { error: { sqlstate: "28P01" } } });
    expect(await client(s.ports.rest, basic("nobody", "correct horse")).sql("SELECT 1")).toMatchObject({ status: 401, body: { error: { sqlstate: "28P01" } } });
    expect(await client(s.ports.rest, basic("admin", "correct horse")).sql("SELECT 1 AS one")).toMatchObject({ status: 200, body: { rows: [[1]] } });
    expect(await client(s.ports.rest, basic("admin", "correct horse")).call("GET", "/v1/kv/x")).toMatchObject({ status: 404 });
    expect(await client(s.ports.rest).call("GET", "/v1/kv/x")).toMatchObject({ status: 401 });
  });
});

describe("REST API statement timeout", () => {
  let s: InProcessServer;

  beforeAll(async () => {
    s = await startInProcessServer({ limits: { statement_timeout_ms: 200 } });
  });
  afterAll(() => s?.stop());

  it("cancels a statement that runs past statement_timeout with 57014", async () => {
    const api = client(s.ports.rest);
    await api.sql("CREATE TABLE t (a int PRIMARY KEY)");
    await api.sql(`INSERT INTO t VALUES ${Array.from({ length: 100 }, (_, i) => `(${i})`).join(", ")}`);
    // A million joined rows: seconds of work, far past the timeout.
    const r = await api.sql("SELECT count(*) FROM t a, t b, t c");
    expect(r).toMatchObject({ status: 408, body: { error: { sqlstate: "57014", message: "canceling statement due to statement timeout" } } });
    expect((await api.sql("SELECT count(*) FROM t")).body.rows).toEqual([["100"]]);
  });
});
