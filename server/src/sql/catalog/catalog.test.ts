import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KvTransaction } from "../../kv/kv.js";
import { FLOAT8, INT4, INT8, JSON_TYPE, Numeric, NUMERIC, RowCodec, TEXT, typeFromName } from "../types/index.js";
import type { Catalog } from "./catalog.js";
import { decodeIndexKey, encodePrimaryKey, FIRST_OBJECT_ID, indexSpan } from "./keys.js";
import type { DdlResult } from "./model.js";
import { type ExpectedError, expectSqlError, insert, T, TestStore, value } from "./testing/catalog-store.js";

let ts: TestStore;

beforeEach(async () => {
  ts = await TestStore.open();
});

afterEach(async () => {
  await ts.close();
});


/** Creates t(a int4 primary key, b text), an index i on b and a sequence s. */
async function standardSetup(cat: Catalog): Promise<void> {
  await cat.createTable(T);
  await cat.createIndex({ name: "i", table: "t", columns: ["b"] });
  await cat.createSequence({ name: "s" });
}

interface ErrorCase extends ExpectedError {
  readonly name: string;
  readonly setup?: (cat: Catalog, tx: KvTransaction) => Promise<unknown>;
  readonly run: (cat: Catalog) => Promise<unknown>;
}

const errorCases: readonly ErrorCase[] = [
  { name: "CREATE TABLE of an existing table", run: (c) => c.createTable(T), sqlstate: "42P07", message: 'relation "t" already exists' },
  { name: "CREATE TABLE named like an index", run: (c) => c.createTable({ ...T, name: "i" }), sqlstate: "42P07", message: 'relation "i" already exists' },
  { name: "CREATE TABLE named like a sequence", run: (c) => c.createTable({ ...T, name: "s" }), sqlstate: "42P07", message: 'relation "s" already exists' },
  {
    name: "CREATE TABLE with a column twice",
    run: (c) => c.createTable({ name: "u", columns: [{ name: "x", type: INT4 }, { name: "x", type: TEXT }] }),
    sqlstate: "42701",
    message: 'column "x" specified more than once',
  },
  { name: "primary key on a missing column", run: (c) => c.createTable({ name: "u", columns: [{ name: "x", type: INT4 }], primaryKey: ["y"] }), sqlstate: "42703", message: 'column "y" named in key does not exist' },
  { name: "primary key naming a column twice", run: (c) => c.createTable({ name: "u", columns: [{ name: "x", type: INT4 }], primaryKey: ["x", "x"] }), sqlstate: "42701", message: 'column "x" appears twice in primary key constraint' },
  {
    name: "primary key on json",
    run: (c) => c.createTable({ name: "u", columns: [{ name: "x", type: JSON_TYPE }], primaryKey: ["x"] }),
    sqlstate: "42704",
    message: 'data type json has no default operator class for access method "btree"',
  },
  {
    name: "serial with a default",
    run: (c) => c.createTable({ name: "u", columns: [{ name: "x", type: INT4, serial: true, default: "1" }] }),
    sqlstate: "42601",
    message: 'multiple default values specified for column "x" of table "u"',
  },
  {
    name: "two checks of one name",
    run: (c) => c.createTable({ name: "u", columns: [{ name: "x", type: INT4 }], checks: [{ name: "c", expr: "x > 0" }, { name: "c", expr: "x < 9" }] }),
    sqlstate: "42710",
    message: 'constraint "c" for relation "u" already exists',
  },
  { name: "DROP TABLE of a missing table", run: (c) => c.dropTable("nope"), sqlstate: "42P01", message: 'table "nope" does not exist' },
  { name: "DROP TABLE of an index", run: (c) => c.dropTable("i"), sqlstate: "42809", message: '"i" is not a table', hint: "Use DROP INDEX to remove an index." },
  { name: "ALTER TABLE of a missing table", run: (c) => c.alterTableAddColumn("nope", { name: "c", type: INT4 }), sqlstate: "42P01", message: 'relation "nope" does not exist' },
  { name: "ALTER TABLE of a sequence", run: (c) => c.alterTableAddColumn("s", { name: "c", type: INT4 }), sqlstate: "42809", message: '"s" is not a table' },
  { name: "ADD COLUMN of an existing column", run: (c) => c.alterTableAddColumn("t", { name: "b", type: INT4 }), sqlstate: "42701", message: 'column "b" of relation "t" already exists' },
  {
    name: "ADD COLUMN NOT NULL without a default to a table with rows",
    setup: async (c, tx) => insert(tx, (await c.getTable("t"))!, [1, "x"]),
    run: (c) => c.alterTableAddColumn("t", { name: "c", type: INT4, notNull: true }),
    sqlstate: "23502",
    message: 'column "c" of relation "t" contains null values',
  },
  { name: "DROP COLUMN of a missing column", run: (c) => c.alterTableDropColumn("t", "z"), sqlstate: "42703", message: 'column "z" of relation "t" does not exist' },
  { name: "DROP COLUMN of a primary key column", run: (c) => c.alterTableDropColumn("t", "a"), sqlstate: "0A000", message: 'cannot drop column "a" of table "t" because it is part of the primary key' },
  { name: "RENAME COLUMN of a missing column", run: (c) => c.renameColumn("t", "z", "y"), sqlstate: "42703", message: 'column "z" does not exist' },
  { name: "RENAME COLUMN onto an existing column", run: (c) => c.renameColumn("t", "a", "b"), sqlstate: "42701", message: 'column "b" of relation "t" already exists' },
  {
    name: "RENAME COLUMN used by a check, without a rewriter",
    setup: (c) => c.createTable({ name: "u", columns: [{ name: "x", type: INT4 }], checks: [{ expr: "x > 0", columns: ["x"] }] }),
    run: (c) => c.renameColumn("u", "x", "y"),
    sqlstate: "0A000",
    message: 'cannot rename column "x" of table "u": check constraint "u_x_check" refers to it by name',
  },
  { name: "RENAME TABLE onto an existing relation", run: (c) => c.renameTable("t", "s"), sqlstate: "42P07", message: 'relation "s" already exists' },
  { name: "RENAME TABLE of a missing table", run: (c) => c.renameTable("nope", "x"), sqlstate: "42P01", message: 'relation "nope" does not exist' },
  { name: "CREATE INDEX on a missing table", run: (c) => c.createIndex({ table: "nope", columns: ["a"] }), sqlstate: "42P01", message: 'relation "nope" does not exist' },
  { name: "CREATE INDEX on a missing column", run: (c) => c.createIndex({ table: "t", columns: ["z"] }), sqlstate: "42703", message: 'column "z" does not exist' },
  { name: "CREATE INDEX with a taken name", run: (c) => c.createIndex({ name: "t", table: "t", columns: ["b"] }), sqlstate: "42P07", message: 'relation "t" already exists' },
  { name: "btree index with an option", run: (c) => c.createIndex({ table: "t", columns: ["b"], options: { m: 4 } }), sqlstate: "22023", message: 'unrecognized parameter "m"' },
  {
    name: "UNIQUE index over duplicate values",
    setup: async (c, tx) => {
      const t = (await c.getTable("t"))!;
      for (const [a, b] of [[1, "x"], [2, "y"], [3, "x"]] as const) await insert(tx, t, [a, b]);
    },
    run: (c) => c.createIndex({ name: "u", table: "t", columns: ["b"], unique: true }),
    sqlstate: "23505",
    message: 'could not create unique index "u"',
    detail: "Key (b)=(x) is duplicated.",
  },
  { name: "hnsw on a non-vector column", run: (c) => c.createIndex({ table: "t", columns: ["b"], method: "hnsw" }), sqlstate: "42704", message: 'data type text has no default operator class for access method "hnsw"' },
  { name: "hnsw on a vector without dimensions", setup: (c) => c.createTable({ name: "v", columns: [{ name: "e", type: typeFromName("vector") }] }), run: (c) => c.createIndex({ table: "v", columns: ["e"], method: "hnsw" }), sqlstate: "22023", message: "column does not have dimensions" },
  { name: "unique hnsw", setup: (c) => c.createTable({ name: "v", columns: [{ name: "e", type: typeFromName("vector(3)") }] }), run: (c) => c.createIndex({ table: "v", columns: ["e"], method: "hnsw", unique: true }), sqlstate: "0A000", message: 'access method "hnsw" does not support unique indexes' },
  {
    name: "hnsw m out of range",
    setup: (c) => c.createTable({ name: "v", columns: [{ name: "e", type: typeFromName("vector(3)") }] }),
    run: (c) => c.createIndex({ table: "v", columns: ["e"], method: "hnsw", options: { m: 1 } }),
    sqlstate: "22023",
    message: 'value 1 out of bounds for option "m"',
    detail: 'Valid values are between "2" and "100".',
  },
  {
    name: "hnsw ef_construction below 2m",
    setup: (c) => c.createTable({ name: "v", columns: [{ name: "e", type: typeFromName("vector(3)") }] }),
    run: (c) => c.createIndex({ table: "v", columns: ["e"], method: "hnsw", options: { m: 40, ef_construction: 64 } }),
    sqlstate: "22023",
    message: "ef_construction must be greater than or equal to 2 * m",
  },
  {
    name: "hnsw with an unknown operator class",
    setup: (c) => c.createTable({ name: "v", columns: [{ name: "e", type: typeFromName("vector(3)") }] }),
    run: (c) => c.createIndex({ table: "v", columns: ["e"], method: "hnsw", options: { opclass: "vector_l1_ops" } }),
    sqlstate: "42704",
    message: 'operator class "vector_l1_ops" does not exist for access method "hnsw"',
  },
  { name: "DROP INDEX of a missing index", run: (c) => c.dropIndex("nope"), sqlstate: "42704", message: 'index "nope" does not exist' },
  { name: "DROP INDEX of a table", run: (c) => c.dropIndex("t"), sqlstate: "42809", message: '"t" is not an index', hint: "Use DROP TABLE to remove a table." },
  {
    name: "DROP INDEX of a constraint's index",
    setup: (c) => c.createIndex({ table: "t", columns: ["b"], constraint: true }),
    run: (c) => c.dropIndex("t_b_key"),
    sqlstate: "2BP01",
    message: "cannot drop index t_b_key because constraint t_b_key on table t requires it",
    hint: "You can drop constraint t_b_key on table t instead.",
  },
  { name: "CREATE SEQUENCE of an existing name", run: (c) => c.createSequence({ name: "t" }), sqlstate: "42P07", message: 'relation "t" already exists' },
  { name: "INCREMENT 0", run: (c) => c.createSequence({ name: "q", increment: 0n }), sqlstate: "22023", message: "INCREMENT must not be zero" },
  { name: "MINVALUE above MAXVALUE", run: (c) => c.createSequence({ name: "q", min: 5n, max: 5n }), sqlstate: "22023", message: "MINVALUE (5) must be less than MAXVALUE (5)" },
  { name: "START below MINVALUE", run: (c) => c.createSequence({ name: "q", start: 0n }), sqlstate: "22023", message: "START value (0) cannot be less than MINVALUE (1)" },
  { name: "START above MAXVALUE", run: (c) => c.createSequence({ name: "q", start: 11n, max: 10n }), sqlstate: "22023", message: "START value (11) cannot be greater than MAXVALUE (10)" },
  { name: "MAXVALUE beyond the type", run: (c) => c.createSequence({ name: "q", type: "int2", max: 40000n }), sqlstate: "22023", message: "MAXVALUE (40000) is out of range for sequence data type smallint" },
  { name: "CACHE 0", run: (c) => c.createSequence({ name: "q", cache: 0 }), sqlstate: "22023", message: "CACHE (0) must be greater than zero" },
  { name: "DROP SEQUENCE of a missing sequence", run: (c) => c.dropSequence("nope"), sqlstate: "42P01", message: 'sequence "nope" does not exist' },
  { name: "DROP SEQUENCE of a table", run: (c) => c.dropSequence("t"), sqlstate: "42809", message: '"t" is not a sequence' },
  {
    name: "DROP SEQUENCE of a serial column's sequence",
    setup: (c) => c.createTable({ name: "u", columns: [{ name: "id", type: INT8, serial: true }] }),
    run: (c) => c.dropSequence("u_id_seq"),
    sqlstate: "2BP01",
    message: "cannot drop sequence u_id_seq because other objects depend on it",
    detail: "default value for column id of table u depends on sequence u_id_seq",
    hint: "Use DROP ... CASCADE to drop the dependent objects too.",
  },
  { name: "nextval of a missing sequence", run: (c) => c.nextval("nope"), sqlstate: "42P01", message: 'relation "nope" does not exist' },
  { name: "nextval of a table", run: (c) => c.nextval("t"), sqlstate: "42809", message: '"t" is not a sequence' },
  { name: "setval out of bounds", run: (c) => c.setval("s", 0n), sqlstate: "22003", message: 'setval: value 0 is out of bounds for sequence "s" (1..9223372036854775807)' },
  { name: "currval before nextval", run: (c) => c.currval("s"), sqlstate: "55000", message: 'currval of sequence "s" is not yet defined in this session' },
  { name: "CREATE ROLE of an existing role", setup: (c) => c.createRole({ name: "r" }), run: (c) => c.createRole({ name: "r" }), sqlstate: "42710", message: 'role "r" already exists' },
  { name: "CREATE ROLE of a reserved name", run: (c) => c.createRole({ name: "pg_monitor" }), sqlstate: "42939", message: 'role name "pg_monitor" is reserved' },
  { name: "ALTER ROLE of a missing role", run: (c) => c.alterRole("r", { login: true }), sqlstate: "42704", message: 'role "r" does not exist' },
  { name: "DROP ROLE of a missing role", run: (c) => c.dropRole("r"), sqlstate: "42704", message: 'role "r" does not exist' },
];

describe("read-only transactions", () => {
  it.each([
    { fn: "nextval", run: (c: Catalog) => c.nextval("s") },
    { fn: "setval", run: (c: Catalog) => c.setval("s", 5n) },
  ])("refuse $fn with 25006", async ({ fn, run }) => {
    await ts.run(standardSetup);
    const { tx, cat } = await ts.begin({ readOnly: true });
    await expectSqlError(run(cat), { sqlstate: "25006", message: `cannot execute ${fn}() in a read-only transaction` });
    await tx.rollback();
  });
});

describe("DDL errors", () => {
  it.each(errorCases)("$name: $sqlstate", async (c) => {
    await ts.run(async (cat, tx) => {
      await standardSetup(cat);
      await c.setup?.(cat, tx);
    });
    const { tx, cat } = await ts.begin();
    await expectSqlError(c.run(cat), c);
    await tx.rollback();
  });
});

interface NoticeCase {
  readonly name: string;
  readonly run: (cat: Catalog) => Promise<DdlResult<unknown>>;
  readonly notice: string;
}

const noticeCases: readonly NoticeCase[] = [
  { name: "CREATE TABLE IF NOT EXISTS", run: (c) => c.createTable({ ...T, ifNotExists: true }), notice: 'relation "t" already exists, skipping' },
  { name: "CREATE TABLE IF NOT EXISTS over an index", run: (c) => c.createTable({ ...T, name: "i", ifNotExists: true }), notice: 'relation "i" already exists, skipping' },
  { name: "DROP TABLE IF EXISTS", run: (c) => c.dropTable("nope", { ifExists: true }), notice: 'table "nope" does not exist, skipping' },
  { name: "ALTER TABLE IF EXISTS", run: (c) => c.alterTableAddColumn("nope", { name: "c", type: INT4 }, { ifExists: true }), notice: 'relation "nope" does not exist, skipping' },
  { name: "ADD COLUMN IF NOT EXISTS", run: (c) => c.alterTableAddColumn("t", { name: "b", type: INT4 }, { ifNotExists: true }), notice: 'column "b" of relation "t" already exists, skipping' },
  { name: "DROP COLUMN IF EXISTS", run: (c) => c.alterTableDropColumn("t", "z", { ifExists: true }), notice: 'column "z" of relation "t" does not exist, skipping' },
  { name: "CREATE INDEX IF NOT EXISTS", run: (c) => c.createIndex({ name: "i", table: "t", columns: ["a"], ifNotExists: true }), notice: 'relation "i" already exists, skipping' },
  { name: "DROP INDEX IF EXISTS", run: (c) => c.dropIndex("nope", { ifExists: true }), notice: 'index "nope" does not exist, skipping' },
  { name: "CREATE SEQUENCE IF NOT EXISTS", run: (c) => c.createSequence({ name: "s", ifNotExists: true }), notice: 'relation "s" already exists, skipping' },
  { name: "DROP SEQUENCE IF EXISTS", run: (c) => c.dropSequence("nope", { ifExists: true }), notice: 'sequence "nope" does not exist, skipping' },
  { name: "DROP ROLE IF EXISTS", run: (c) => c.dropRole("nope", { ifExists: true }), notice: 'role "nope" does not exist, skipping' },
];

describe("IF [NOT] EXISTS", () => {
  it.each(noticeCases)("$name gives a notice", async (c) => {
    await ts.run(standardSetup);
    const before = await ts.run(async (cat) => [await cat.listTables(), await cat.indexesOf((await cat.getTable("t"))!.id), await cat.listSequences()]);
    const r = await ts.run(c.run);
    expect(r).toEqual({ done: false, notice: { severity: "NOTICE", sqlstate: "00000", message: c.notice } });
    const after = await ts.run(async (cat) => [await cat.listTables(), await cat.indexesOf((await cat.getTable("t"))!.id), await cat.listSequences()]);
    expect(after).toEqual(before);
  });
});

describe("tables", () => {
  it("are created with stable column ids, a NOT NULL primary key and version 1", async () => {
    const t = await ts.run(async (cat) =>
      value(
        await cat.createTable({
          name: "t",
          columns: [
            { name: "a", type: INT4 },
            { name: "b", type: TEXT, notNull: true, default: "'x'" },
            { name: "c", type: NUMERIC },
          ],
          primaryKey: [{ column: "c", direction: "desc" }, "a"],
          checks: [{ expr: "a > 0", columns: ["a"] }, { expr: "a < c" }, { name: "mine", expr: "b <> ''" }],
        }),
      ),
    );
    expect(t.id).toBe(FIRST_OBJECT_ID);
    expect(t.columns.map((c) => [c.id, c.name, c.notNull, c.default])).toEqual([
      [1, "a", true, undefined],
      [2, "b", true, "'x'"],
      [3, "c", true, undefined],
    ]);
    expect(t.primaryKey).toEqual([3, 1]);
    expect(t.primaryKeyDirections).toEqual(["desc", "asc"]);
    expect(t.checks).toEqual([
      { name: "t_a_check", expr: "a > 0", columnIds: [1] },
      { name: "t_check", expr: "a < c" },
      { name: "mine", expr: "b <> ''" },
    ]);
    expect([t.nextColumnId, t.version]).toEqual([4, 1]);
    const read = await ts.run(async (cat) => [await cat.getTable("t"), await cat.tableById(t.id), await cat.listTables()] as const);
    expect(read[0]).toEqual(t);
    expect(read[1]).toEqual(t);
    expect(read[2]).toEqual([t]);
    expect(Object.isFrozen(read[0]) && Object.isFrozen(read[0]!.columns[0])).toBe(true);
  });

  it("with serial columns own a sequence named like PostgreSQL's, numbered when taken", async () => {
    const t = await ts.run(async (cat) => {
      await cat.createSequence({ name: "t_id_seq" });
      return value(await cat.createTable({ name: "t", columns: [{ name: "id", type: INT4, serial: true }, { name: "n", type: INT8, serial: true }] }));
    });
    expect(t.columns.map((c) => [c.name, c.serial, c.default, c.notNull])).toEqual([
      ["id", "t_id_seq1", "nextval('t_id_seq1'::regclass)", true],
      ["n", "t_n_seq", "nextval('t_n_seq'::regclass)", true],
    ]);
    const seqs = await ts.run(async (cat) => [await cat.getSequence("t_id_seq1"), await cat.getSequence("t_n_seq")]);
    expect(seqs.map((s) => [s?.type, s?.max, s?.ownedBy])).toEqual([
      ["int4", 2147483647n, { tableId: t.id, columnId: 1 }],
      ["int8", 2n ** 63n - 1n, { tableId: t.id, columnId: 2 }],
    ]);
    expect(await ts.run((cat) => cat.nextval("t_id_seq1"))).toBe(1n);
  });

  it("drop with their indexes and owned sequences, freeing the names; a new table gets a new id", async () => {
    const first = await ts.run(async (cat) => {
      const t = value(await cat.createTable({ ...T, columns: [...T.columns, { name: "id", type: INT8, serial: true }] }));
      await cat.createIndex({ name: "i", table: "t", columns: ["b"] });
      return t;
    });
    const dropped = await ts.run(async (cat) => value(await cat.dropTable("t")));
    expect(dropped.id).toBe(first.id);
    await ts.run(async (cat) => {
      expect(await cat.getTable("t")).toBeUndefined();
      expect(await cat.tableById(first.id)).toBeUndefined();
      expect(await cat.relation("i")).toBeUndefined();
      expect(await cat.relation("t_id_seq")).toBeUndefined();
      expect(await cat.indexesOf(first.id)).toEqual([]);
      expect(await cat.listTables()).toEqual([]);
    });
    const second = await ts.run(async (cat) => value(await cat.createTable(T)));
    expect(second.id).toBeGreaterThan(first.id);
    await ts.run((cat) => cat.createIndex({ name: "i", table: "t", columns: ["b"] }));
  });

  it("ADD COLUMN takes the next column id and keeps a missing value that survives a reopen", async () => {
    await ts.run((cat) => cat.createTable(T));
    const missing = Numeric.of("1.50", 2);
    const t = await ts.run(async (cat) => value(await cat.alterTableAddColumn("t", { name: "c", type: NUMERIC, notNull: true, missing, default: "1.50" })));
    expect(t.columns.at(-1)).toMatchObject({ id: 3, name: "c", notNull: true, default: "1.50" });
    expect([t.nextColumnId, t.version]).toEqual([4, 2]);
    await ts.reopen();
    const back = await ts.run(async (cat) => (await cat.getTable("t"))!);
    expect((back.columns[2]!.missing as Numeric).toString()).toBe("1.50");
    // The codec reads old rows through it.
    const row = new RowCodec(T.columns.map((c, i) => ({ id: i + 1, type: c.type }))).encode([1, "x"]);
    expect(new RowCodec(back.columns).decode(row).map(String)).toEqual(["1", "x", "1.50"]);
  });

  it("ADD COLUMN NOT NULL without a value is fine while the table is empty", async () => {
    await ts.run((cat) => cat.createTable(T));
    const t = await ts.run(async (cat) => value(await cat.alterTableAddColumn("t", { name: "c", type: FLOAT8, notNull: true })));
    expect(t.columns.map((c) => c.name)).toEqual(["a", "b", "c"]);
  });

  it("DROP COLUMN takes its indexes, checks and serial sequence along, and its id is not reused", async () => {
    await ts.run(async (cat) => {
      await cat.createTable({ ...T, columns: [...T.columns, { name: "n", type: INT8, serial: true }], checks: [{ expr: "b <> ''", columns: ["b"] }, { expr: "a > 0", columns: ["a"] }] });
      await cat.createIndex({ name: "on_b", table: "t", columns: ["b"] });
      await cat.createIndex({ name: "on_ab", table: "t", columns: ["a", "b"] });
      await cat.createIndex({ name: "on_a", table: "t", columns: ["a"] });
    });
    const t = await ts.run(async (cat) => value(await cat.alterTableDropColumn("t", "b")));
    expect(t.columns.map((c) => c.name)).toEqual(["a", "n"]);
    expect(t.checks.map((c) => c.name)).toEqual(["t_a_check"]);
    await ts.run(async (cat) => {
      expect((await cat.indexesOf(t.id)).map((i) => i.name)).toEqual(["on_a"]);
      expect(await cat.relation("on_b")).toBeUndefined();
      await cat.alterTableDropColumn("t", "n");
      expect(await cat.relation("t_n_seq")).toBeUndefined();
      const again = value(await cat.alterTableAddColumn("t", { name: "b", type: TEXT }));
      expect(again.columns.map((c) => [c.id, c.name])).toEqual([
        [1, "a"],
        [4, "b"],
      ]);
    });
  });

  it("RENAME moves the name and keeps the id, indexes and version history", async () => {
    const t = await ts.run(async (cat) => {
      await cat.createTable(T);
      await cat.createIndex({ name: "i", table: "t", columns: ["b"] });
      return value(await cat.renameTable("t", "u"));
    });
    await ts.run(async (cat) => {
      expect(await cat.getTable("t")).toBeUndefined();
      expect(await cat.getTable("u")).toEqual(t);
      expect(t.version).toBe(3);
      expect((await cat.indexesOf(t.id)).map((i) => i.name)).toEqual(["i"]);
      await cat.createTable(T);
    });
  });

  it("RENAME COLUMN rewrites checks through the analyzer's rewriter", async () => {
    await ts.run((cat) => cat.createTable({ name: "u", columns: [{ name: "x", type: INT4 }], checks: [{ expr: "x > 0", columns: ["x"] }, { expr: "true" }] }));
    const t = await ts.run(async (cat) => value(await cat.renameColumn("u", "x", "y", { rewriteExpression: (e, from, to) => e.replace(from, to) })));
    expect(t.columns[0]!.name).toBe("y");
    expect(t.checks.map((c) => c.expr)).toEqual(["y > 0", "true"]);
  });
});

describe("indexes", () => {
  it("get PostgreSQL's default names, bump the table version and list in creation order", async () => {
    const { t, ix } = await ts.run(async (cat) => {
      await cat.createTable(T);
      const ix = [value(await cat.createIndex({ table: "t", columns: ["b"] })), value(await cat.createIndex({ table: "t", columns: ["b"] })), value(await cat.createIndex({ table: "t", columns: ["a", { column: "b", direction: "desc" }], constraint: true }))];
      return { t: (await cat.getTable("t"))!, ix };
    });
    expect(ix.map((i) => [i.name, i.unique, i.constraint])).toEqual([
      ["t_b_idx", false, false],
      ["t_b_idx1", false, false],
      ["t_a_b_key", true, true],
    ]);
    expect(ix[2]!.columns).toEqual([
      { columnId: 1, direction: "asc" },
      { columnId: 2, direction: "desc" },
    ]);
    expect(t.version).toBe(4);
    await ts.run(async (cat) => {
      expect(await cat.indexesOf(t.id)).toEqual(ix);
      expect(await cat.getIndex("t_b_idx1")).toEqual(ix[1]);
      expect(value(await cat.dropIndex("t_b_idx"))).toEqual(ix[0]);
      expect(value(await cat.dropIndex("t_a_b_key", { cascade: true }))).toEqual(ix[2]);
      expect(await cat.indexesOf(t.id)).toEqual([ix[1]]);
      expect((await cat.getTable("t"))!.version).toBe(6);
    });
  });

  it("hnsw indexes take pgvector's defaults and the column metric's operator class", async () => {
    const ix = await ts.run(async (cat) => {
      await cat.createTable({ name: "v", columns: [{ name: "id", type: INT8 }, { name: "e", type: typeFromName("vector(3, cosine)") }, { name: "f", type: typeFromName("vector(3)") }], primaryKey: ["id"] });
      return [
        value(await cat.createIndex({ table: "v", columns: ["e"], method: "hnsw" })),
        value(await cat.createIndex({ table: "v", columns: ["f"], method: "hnsw", options: { m: "8", ef_construction: 100, opclass: "vector_ip_ops" } })),
      ];
    });
    expect(ix.map((i) => [i.method, i.options])).toEqual([
      ["hnsw", { m: 16, ef_construction: 64, opclass: "vector_cosine_ops" }],
      ["hnsw", { m: 8, ef_construction: 100, opclass: "vector_ip_ops" }],
    ]);
  });

  it("are built from the rows already there", async () => {
    const t = await ts.run(async (cat, tx) => {
      const t = value(await cat.createTable(T));
      for (const [a, b] of [[3, "c"], [1, "b"], [2, null], [4, "a"]] as const) await insert(tx, t, [a, b]);
      return t;
    });
    const ix = await ts.run(async (cat) => value(await cat.createIndex({ table: "t", columns: ["b"], unique: true })));
    const entries = await ts.run(async (_cat, tx) => {
      const out: unknown[] = [];
      for await (const e of tx.scan(indexSpan(ix))) out.push(decodeIndexKey(ix, t, e.key));
      return out;
    });
    expect(entries).toEqual([
      { values: ["a"], primaryKey: [4] },
      { values: ["b"], primaryKey: [1] },
      { values: ["c"], primaryKey: [3] },
      { values: [null], primaryKey: [2] },
    ]);
  });

  it("of a table without a primary key carry the hidden row id", async () => {
    const t = await ts.run(async (cat, tx) => {
      const t = value(await cat.createTable({ name: "h", columns: [{ name: "x", type: TEXT }] }));
      for (const x of ["q", "p"]) await tx.put(encodePrimaryKey(t, [await cat.nextRowId(t)]), new RowCodec(t.columns).encode([x]));
      return t;
    });
    const ix = await ts.run(async (cat) => value(await cat.createIndex({ table: "h", columns: ["x"] })));
    const entries = await ts.run(async (_cat, tx) => {
      const out: unknown[] = [];
      for await (const e of tx.scan(indexSpan(ix))) out.push(decodeIndexKey(ix, t, e.key));
      return out;
    });
    expect(entries).toEqual([
      { values: ["p"], primaryKey: [2n] },
      { values: ["q"], primaryKey: [1n] },
    ]);
  });
});

describe("sequences and roles", () => {
  it("DROP SEQUENCE ... CASCADE drops a serial column's default", async () => {
    await ts.run((cat) => cat.createTable({ name: "u", columns: [{ name: "id", type: INT8, serial: true }] }));
    const t = await ts.run(async (cat) => {
      await cat.dropSequence("u_id_seq", { cascade: true });
      return (await cat.getTable("u"))!;
    });
    expect(t.columns[0]).toEqual({ id: 1, name: "id", type: INT8, notNull: true });
    expect(t.version).toBe(2);
  });

  it("roles are stored, changed and dropped", async () => {
    await ts.run(async (cat) => {
      expect(await cat.createRole({ name: "alice", login: true, passwordScram: "SCRAM-SHA-256$4096:x" })).toEqual({ name: "alice", login: true, superuser: false, passwordScram: "SCRAM-SHA-256$4096:x" });
      await cat.createRole({ name: "admin", superuser: true });
    });
    await ts.run(async (cat) => {
      expect(await cat.alterRole("alice", { superuser: true, passwordScram: null })).toEqual({ name: "alice", login: true, superuser: true });
      expect((await cat.listRoles()).map((r) => r.name)).toEqual(["admin", "alice"]);
    });
    await ts.run(async (cat) => {
      expect(await cat.getRole("alice")).toEqual({ name: "alice", login: true, superuser: true });
      expect(value(await cat.dropRole("admin")).name).toBe("admin");
      expect(await cat.getRole("admin")).toBeUndefined();
    });
  });
});
