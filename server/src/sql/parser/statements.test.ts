import { describe, expect, it } from "vitest";
import { parseOne } from "./testing.js";

/** The statements we parse ourselves, beyond the corpus: variants and normalisations. */

describe("transaction control", () => {
  it.each([
    ["BEGIN WORK", { type: "begin" }],
    ["BEGIN READ WRITE ISOLATION LEVEL READ UNCOMMITTED DEFERRABLE", { type: "begin", writeable: "read write", isolationLevel: "read uncommitted", deferrable: true }],
    ["START TRANSACTION READ ONLY", { type: "begin", writeable: "read only" }],
    ["COMMIT TRANSACTION", { type: "commit" }],
    ["END WORK", { type: "commit" }],
    ["ROLLBACK WORK", { type: "rollback" }],
    ["ABORT TRANSACTION", { type: "rollback" }],
    ["ROLLBACK TRANSACTION TO SAVEPOINT \"Sp\"", { type: "rollback to savepoint", name: { name: "Sp" } }],
    ["SAVEPOINT A1", { type: "savepoint", name: { name: "a1" } }],
    ["SET TRANSACTION READ ONLY, ISOLATION LEVEL READ COMMITTED", { type: "set transaction", session: false, writeable: "read only", isolationLevel: "read committed" }],
    ["PREPARE TRANSACTION 'it''s'", { type: "prepare transaction", gid: "it's" }],
    ["COMMIT PREPARED $$g$$", { type: "commit prepared", gid: "g" }],
  ])("%s", (sql, expected) => {
    expect(parseOne(sql)).toEqual(expected);
  });
});

describe("run-time parameters", () => {
  it.each([
    ["SET hnsw.ef_search TO 40", { type: "set", variable: { name: "hnsw.ef_search" }, set: { type: "value", value: 40 } }],
    ["SET Alopex.Mode = on", { type: "set", variable: { name: "alopex.mode" }, set: { type: "identifier", name: "on" } }],
    ["SET SESSION x = -1.5", { type: "set", variable: { name: "x" }, scope: "session", set: { type: "value", value: -1.5 } }],
    ["SET x TO DEFAULT", { type: "set", variable: { name: "x" }, set: { type: "default" } }],
    ['SET search_path = "$user", public', { type: "set", variable: { name: "search_path" }, set: { type: "list", values: [{ type: "identifier", doubleQuoted: true, name: "$user" }, { type: "identifier", name: "public" }] } }],
    ["SET local = 1", { type: "set", variable: { name: "local" }, set: { type: "value", value: 1 } }],
    ["RESET TIME ZONE", { type: "reset", variable: { name: "timezone" } }],
    ["SHOW TIME ZONE", { type: "show", variable: { name: "timezone" } }],
    ["SHOW server_version", { type: "show", variable: { name: "server_version" } }],
  ])("%s", (sql, expected) => {
    expect(parseOne(sql)).toEqual(expected);
  });
});

describe("COPY", () => {
  it.each([
    ["COPY public.t TO STDOUT (FORMAT 'binary')", { type: "copy", direction: "to", table: { schema: "public", name: "t" }, options: { format: "binary" } }],
    ["COPY t FROM STDIN (FORMAT csv, HEADER match, QUOTE '\"', ESCAPE '\\', ENCODING 'UTF8', FORCE_NOT_NULL (a), FORCE_NULL (b), FREEZE)", {
      type: "copy",
      direction: "from",
      table: { name: "t" },
      options: { format: "csv", header: "match", quote: '"', escape: "\\", encoding: "UTF8", forceNotNull: [{ name: "a" }], forceNull: [{ name: "b" }], freeze: true },
    }],
    ["COPY t TO STDOUT WITH (FORCE_QUOTE *, HEADER off)", { type: "copy", direction: "to", table: { name: "t" }, options: { forceQuote: "*", header: false } }],
    ["COPY t FROM STDIN NULL AS '\\N' CSV", { type: "copy", direction: "from", table: { name: "t" }, options: { null: "\\N", format: "csv" } }],
  ])("%s", (sql, expected) => {
    expect(parseOne(sql)).toEqual(expected);
  });

  it("parses the query of COPY (...) TO like any query", () => {
    expect(parseOne("COPY (SELECT e <-> [1,2] FROM t UNION ALL SELECT 0) TO STDOUT")).toMatchObject({
      type: "copy",
      query: { type: "union all", left: { columns: [{ expr: { op: "<->" } }] } },
    });
  });
});

describe("roles, locks, EXPLAIN, ANALYZE", () => {
  it.each([
    ["CREATE USER bob", { type: "create role", name: { name: "bob" }, options: { login: true } }],
    ["CREATE USER bob NOLOGIN", { type: "create role", name: { name: "bob" }, options: { login: false } }],
    ["CREATE ROLE admin WITH SUPERUSER CREATEDB NOCREATEROLE CONNECTION LIMIT 5 VALID UNTIL '2030-01-01' PASSWORD NULL", {
      type: "create role",
      name: { name: "admin" },
      options: { superuser: true, createdb: true, createrole: false, connectionLimit: 5, validUntil: "2030-01-01", password: null },
    }],
    ["ALTER USER bob WITH ENCRYPTED PASSWORD 'x' NOSUPERUSER", { type: "alter role", name: { name: "bob" }, options: { password: "x", superuser: false } }],
    ["DROP ROLE a, \"B\"", { type: "drop role", names: [{ name: "a" }, { name: "B" }], ifExists: false }],
    ["LOCK t", { type: "lock", tables: [{ name: "t" }], mode: "access exclusive", nowait: false }],
    ["LOCK TABLE ONLY s.t IN ROW EXCLUSIVE MODE NOWAIT", { type: "lock", tables: [{ schema: "s", name: "t" }], mode: "row exclusive", nowait: true }],
    ["LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE", { type: "lock", tables: [{ name: "t" }], mode: "share update exclusive", nowait: false }],
    ["ANALYZE VERBOSE a, s.b", { type: "analyze", verbose: true, tables: [{ name: "a" }, { schema: "s", name: "b" }] }],
  ])("%s", (sql, expected) => {
    expect(parseOne(sql)).toEqual(expected);
  });

  it("reads EXPLAIN options in both forms", () => {
    expect(parseOne("EXPLAIN (ANALYZE, VERBOSE false, FORMAT json, COSTS off) DELETE FROM t")).toMatchObject({
      type: "explain",
      analyze: true,
      verbose: false,
      options: [
        { name: "analyze", value: true },
        { name: "verbose", value: false },
        { name: "format", value: "json" },
        { name: "costs", value: false },
      ],
      statement: { type: "delete" },
    });
    expect(parseOne("EXPLAIN ANALYSE VERBOSE (SELECT 1)")).toMatchObject({ analyze: true, verbose: true, statement: { type: "select" } });
    expect(parseOne("EXPLAIN WITH x AS (SELECT 1) SELECT * FROM x")).toMatchObject({ statement: { type: "with" } });
  });
});

describe("types and literals", () => {
  it("reads VECTOR(n, metric) wherever a type goes", () => {
    expect(parseOne("SELECT CAST(a AS VECTOR(3, COSINE)), b::vector(2, inner)")).toMatchObject({
      columns: [
        { expr: { type: "cast", to: { name: "vector", config: [3], metric: "cosine" } } },
        { expr: { type: "cast", to: { name: "vector", config: [2], metric: "inner" } } },
      ],
    });
    expect(parseOne("ALTER TABLE t ALTER COLUMN e TYPE vector(4, l2)")).toMatchObject({
      changes: [{ alter: { type: "set type", dataType: { name: "vector", config: [4], metric: "l2" } } }],
    });
  });

  it("keeps the text of numbers a JavaScript number cannot hold", () => {
    expect(parseOne("SELECT 9223372036854775807, 0.1234567890123456789, 1e400, 1.5, 2e3")).toEqual({
      type: "select",
      columns: [
        { expr: { type: "integer", value: Number("9223372036854775807"), text: "9223372036854775807" } },
        { expr: { type: "numeric", value: Number("0.1234567890123456789"), text: "0.1234567890123456789" } },
        { expr: { type: "numeric", value: Infinity, text: "1e400" } },
        { expr: { type: "numeric", value: 1.5 } },
        { expr: { type: "numeric", value: 2000 } },
      ],
    });
  });

  it("keeps a function named vector a function", () => {
    expect(parseOne("SELECT vector(3, cosine)")).toMatchObject({
      columns: [{ expr: { type: "call", function: { name: "vector" }, args: [{ value: 3 }, { name: "cosine" }] } }],
    });
  });

  it("reads [ ] as a vector only where an operand starts", () => {
    expect(parseOne("SELECT a[1], ARRAY[[1,2],[3]], [1, +2, -3.5e1], []")).toMatchObject({
      columns: [
        { expr: { type: "arrayIndex" } },
        { expr: { type: "array", expressions: [{ type: "array" }, { type: "array" }] } },
        { expr: { type: "vector literal", values: [1, 2, -35] } },
        { expr: { type: "vector literal", values: [] } },
      ],
    });
  });
});

describe("statements left to the library", () => {
  it("still get their dollar-quoted bodies", () => {
    expect(parseOne("DO $body$ BEGIN NULL; END $body$")).toEqual({ type: "do", code: " BEGIN NULL; END " });
  });

  it("get vector syntax in any clause", () => {
    expect(parseOne("CREATE INDEX ON t (a) WHERE e <-> [1, 0] < 1")).toMatchObject({
      type: "create index",
      where: { type: "binary", op: "<", left: { type: "binary", op: "<->", right: { type: "vector literal", values: [1, 0] } } },
    });
  });
});

describe("VACUUM, storage parameters, COLLATE", () => {
  it.each([
    ["VACUUM", { type: "vacuum", analyze: false, options: [], tables: [] }],
    ["VACUUM FULL ANALYZE a, s.b (x, y)", { type: "vacuum", analyze: true, options: [{ name: "full", value: true }, { name: "analyze", value: true }], tables: [{ name: "a" }, { schema: "s", name: "b" }] }],
    ["VACUUM (VERBOSE, ANALYZE off) t", { type: "vacuum", analyze: false, options: [{ name: "verbose", value: true }, { name: "analyze", value: false }], tables: [{ name: "t" }] }],
  ])("%s", (sql, expected) => {
    expect(parseOne(sql)).toEqual(expected);
  });

  it("takes a trailing WITH (...) of CREATE TABLE as storage parameters", () => {
    expect(parseOne("CREATE TABLE t (a int) WITH (fillfactor=90, toast.autovacuum_enabled = false, b)")).toMatchObject({
      type: "create table",
      name: { name: "t" },
      storageParameters: [{ name: "fillfactor", value: "90" }, { name: "toast.autovacuum_enabled", value: "false" }, { name: "b" }],
    });
    expect(parseOne("CREATE TABLE t (a int)")).not.toHaveProperty("storageParameters");
    expect(() => parseOne("CREATE TABLE t (a int) WITH (fillfactor=)")).toThrow(/syntax error at or near "\)"/);
  });

  it("drops COLLATE clauses naming a code-point collation and rejects others", () => {
    expect(parseOne('SELECT a COLLATE "C" FROM t')).toEqual(parseOne("SELECT a FROM t"));
    expect(parseOne("SELECT a FROM t WHERE a ~ 'x' COLLATE pg_catalog.default")).toEqual(parseOne("SELECT a FROM t WHERE a ~ 'x'"));
    expect(parseOne('CREATE TABLE t (a text COLLATE "POSIX")')).toEqual(parseOne("CREATE TABLE t (a text)"));
    expect(() => parseOne('SELECT a COLLATE "en_US" FROM t')).toThrow(/collation "en_US" for encoding "UTF8" does not exist/);
  });
});

describe("constructs the library lacks, spelled as marked operators and markers", () => {
  const ref = (name: string) => ({ type: "ref", name });
  it.each([
    ["SELECT a IS DISTINCT FROM b", { type: "binary", op: "IS DISTINCT FROM", left: ref("a"), right: ref("b") }],
    ["SELECT a IS NOT DISTINCT FROM b + 1", { type: "binary", op: "IS NOT DISTINCT FROM", left: ref("a"), right: { type: "binary", op: "+" } }],
    // PostgreSQL's IS level is looser than comparisons and tighter than NOT / AND.
    ["SELECT NOT a = b IS DISTINCT FROM c AND d", { type: "binary", op: "AND", left: { type: "unary", op: "NOT", operand: { op: "IS DISTINCT FROM", left: { op: "=" } } } }],
    ["SELECT x IS UNKNOWN", { type: "unary", op: "IS UNKNOWN", operand: ref("x") }],
    ["SELECT x IS NOT UNKNOWN", { type: "unary", op: "IS NOT UNKNOWN", operand: ref("x") }],
    ["SELECT a LIKE b ESCAPE '#'", { type: "binary", op: "LIKE", right: { type: "call", function: { name: "like_escape" }, args: [ref("b"), { type: "string", value: "#" }] } }],
    ["SELECT a NOT ILIKE 'x' || b ESCAPE '!'", { type: "binary", op: "NOT ILIKE", right: { function: { name: "like_escape" }, args: [{ op: "||" }, { value: "!" }] } }],
    ["SELECT a SIMILAR TO 'x%'", { type: "binary", op: "~", left: ref("a"), right: { type: "call", function: { name: "similar_to_escape" }, args: [{ value: "x%" }] } }],
    ["SELECT a NOT SIMILAR TO 'x' ESCAPE '#'", { type: "binary", op: "!~", right: { function: { name: "similar_to_escape" }, args: [{ value: "x" }, { value: "#" }] } }],
    // Prefix ~ takes an "other" operator's operand: ~ (5 + 1).
    ["SELECT ~5 + 1", { type: "unary", op: "~", operand: { type: "binary", op: "+" } }],
    ["SELECT a ~ ~b", { type: "binary", op: "~", left: ref("a"), right: { type: "unary", op: "~", operand: ref("b") } }],
  ])("%s", (sql, expected) => {
    expect((parseOne(sql) as { columns: { expr: unknown }[] }).columns[0]!.expr).toMatchObject(expected);
  });

  it("takes HAVING without GROUP BY", () => {
    const s = parseOne("SELECT count(*) FROM t HAVING count(*) > 1") as unknown as Record<string, unknown>;
    expect(s.having).toMatchObject({ op: ">" });
    expect(s.groupBy).toBeUndefined();
  });

  it("takes NATURAL joins", () => {
    expect(parseOne("SELECT * FROM a NATURAL JOIN b NATURAL LEFT OUTER JOIN (SELECT 1) AS s (x) WHERE true")).toMatchObject({
      from: [{ name: { name: "a" } }, { name: { name: "b" }, join: { type: "INNER JOIN", natural: true } }, { alias: "s", join: { type: "LEFT JOIN", natural: true } }],
    });
  });

  it("reads DEFAULT VALUES as one row of defaults", () => {
    expect(parseOne("INSERT INTO t DEFAULT VALUES RETURNING id")).toMatchObject({ type: "insert", insert: { type: "values", values: [[{ type: "default" }]] }, returning: [{}] });
  });

  it("keeps the directions of PRIMARY KEY columns", () => {
    expect(parseOne("CREATE TABLE t (a int, b int, PRIMARY KEY (a ASC, b DESC))")).toMatchObject({ constraints: [{ type: "primary key", columns: [{ name: "a" }, { name: "b", descending: true }] }] });
  });

  it("plans VALUES ... ORDER BY / LIMIT as a SELECT over the VALUES list", () => {
    expect(parseOne("VALUES (1), (2) ORDER BY 1 DESC LIMIT 1")).toMatchObject({
      type: "select",
      from: [{ type: "statement", alias: "*VALUES*", statement: { type: "values" } }],
      orderBy: [{ order: "DESC" }],
      limit: { limit: { value: 1 } },
    });
  });

  it("takes USING after ALTER COLUMN ... TYPE, and leaves other changes alone", () => {
    expect(parseOne("ALTER TABLE t ALTER COLUMN c TYPE int USING c::int + 1, ALTER d SET DATA TYPE text, ALTER e SET DEFAULT 2")).toMatchObject({
      changes: [
        { column: { name: "c" }, alter: { type: "set type", dataType: { name: "int" }, using: { type: "binary", op: "+" } } },
        { column: { name: "d" }, alter: { type: "set type", dataType: { name: "text" } } },
        { column: { name: "e" }, alter: { type: "set default", default: { value: 2 } } },
      ],
    });
    expect(() => parseOne("ALTER TABLE t ALTER COLUMN c TYPE int USING")).toThrow(/syntax error at end of input/);
    expect(() => parseOne("ALTER TABLE t ALTER COLUMN c SET DEFAULT 1 USING 2")).toThrow(/syntax error at or near "USING"/);
  });

  it("reads interval field qualifiers in literals, casts and column types", () => {
    expect(parseOne("SELECT interval '1' day, '1'::interval hour to minute, interval '1.5' second(2)")).toMatchObject({
      columns: [
        { expr: { type: "cast", operand: { value: "1" }, to: { name: "interval", intervalFields: "day" } } },
        { expr: { type: "cast", to: { name: "interval", intervalFields: "hour to minute" } } },
        { expr: { type: "cast", to: { name: "interval", intervalFields: "second", config: [2] } } },
      ],
    });
    expect(parseOne("CREATE TABLE t (a interval day to second(3))")).toMatchObject({ columns: [{ dataType: { name: "interval", intervalFields: "day to second", config: [3] } }] });
    expect(parseOne("SELECT interval '1 day' AS day")).toMatchObject({ columns: [{ expr: { to: { name: "interval" } }, alias: { name: "day" } }] });
  });

  it("reads named windows: the WINDOW clause and references to its entries", () => {
    expect(parseOne("SELECT sum(a) OVER w, rank() OVER (w ORDER BY b ROWS 1 PRECEDING) FROM t WINDOW w AS (PARTITION BY c) ORDER BY 1")).toMatchObject({
      columns: [
        { expr: { over: { ref: { name: "w", bare: true } } } },
        { expr: { over: { ref: { name: "w", bare: false }, orderBy: [{ by: { name: "b" } }], frame: { mode: "rows" } } } },
      ],
      window: [{ name: "w", spec: { partitionBy: [{ name: "c" }] } }],
      orderBy: [{ by: { value: 1 } }],
    });
    expect(() => parseOne("SELECT 1 FROM t WINDOW w (ORDER BY a)")).toThrow(/syntax error/);
  });

  it("requires an alias on a subquery in FROM", () => {
    expect(() => parseOne("SELECT * FROM (SELECT 1)")).toThrow(/subquery in FROM must have an alias/);
    expect(parseOne("SELECT * FROM (SELECT 1) s")).toMatchObject({ from: [{ alias: "s" }] });
  });
});

describe("views", () => {
  it("CREATE VIEW keeps the query's text, without a trailing CHECK OPTION", () => {
    const s = parseOne("CREATE OR REPLACE VIEW v (x, y) WITH (security_barrier) AS SELECT a, b FROM t /* c */ UNION SELECT 1, 2 WITH LOCAL CHECK OPTION") as unknown as Record<string, unknown>;
    expect(s).toMatchObject({
      type: "create view",
      name: { name: "v" },
      orReplace: true,
      temp: false,
      columnNames: [{ name: "x" }, { name: "y" }],
      options: [{ name: "security_barrier" }],
      queryText: "SELECT a, b FROM t /* c */ UNION SELECT 1, 2",
      checkOption: "local",
      query: { type: "union" },
    });
    expect(parseOne("create temporary view w as (values (1))")).toMatchObject({ type: "create view", temp: true, queryText: "(values (1))" });
    expect(parseOne("CREATE VIEW v AS WITH c AS (SELECT 1) SELECT * FROM c WITH CHECK OPTION")).toMatchObject({ queryText: "WITH c AS (SELECT 1) SELECT * FROM c", checkOption: "cascaded" });
  });

  it("DROP VIEW and ALTER VIEW", () => {
    expect(parseOne("DROP VIEW IF EXISTS v, public.w CASCADE")).toEqual({ type: "drop view", names: [{ name: "v" }, { schema: "public", name: "w" }], ifExists: true, cascade: "cascade" });
    expect(parseOne("drop view v")).toEqual({ type: "drop view", names: [{ name: "v" }], ifExists: false });
    expect(parseOne("ALTER VIEW v RENAME TO w")).toEqual({ type: "alter view", name: { name: "v" }, ifExists: false, action: { kind: "rename", to: { name: "w" } } });
    expect(parseOne("ALTER VIEW IF EXISTS v RENAME COLUMN a TO b")).toEqual({ type: "alter view", name: { name: "v" }, ifExists: true, action: { kind: "rename column", column: { name: "a" }, to: { name: "b" } } });
    expect(parseOne("ALTER VIEW v OWNER TO r")).toMatchObject({ type: "alter view", action: { kind: "other", words: "owner to" } });
  });

  it("reports syntax errors where PostgreSQL does", () => {
    expect(() => parseOne("CREATE VIEW v AS")).toThrow(/syntax error at end of input/);
    expect(() => parseOne("CREATE VIEW v SELECT 1")).toThrow(/syntax error at or near "SELECT"/);
    expect(() => parseOne("CREATE VIEW v AS INSERT INTO t VALUES (1)")).toThrow(/syntax error at or near "INSERT"/);
    expect(() => parseOne("DROP VIEW v w")).toThrow(/syntax error at or near "w"/);
  });
});
