import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Direction, encodeTuple } from "../../kv/key-encoding.js";
import { compareValues, equalValues, INT4, type SqlType, type SqlValue, TEXT } from "../types/index.js";
import { KEY_KINDS, scalarArb, typeArb, valueArb } from "../types/testing/arbitraries.js";
import { freezeTable } from "./codec.js";
import {
  decodeIndexKey,
  decodePrimaryKey,
  encodeIndexKey,
  encodeIndexPrefix,
  encodePrimaryKey,
  FIRST_OBJECT_ID,
  indexSpan,
  prefixSpan,
  relationKey,
  tableDataSpan,
  tableKey,
  tableSpan,
  VERSION_KEY,
} from "./keys.js";
import type { Index, Table } from "./model.js";

function tableOf(types: readonly SqlType[], pkDirections: readonly Direction[], id = FIRST_OBJECT_ID): Table {
  return freezeTable({
    kind: "table",
    id,
    name: "t",
    columns: types.map((type, i) => ({ id: i + 1, name: `c${i + 1}`, type, notNull: false })),
    primaryKey: pkDirections.map((_, i) => i + 1),
    primaryKeyDirections: [...pkDirections],
    checks: [],
    nextColumnId: types.length + 1,
    version: 1,
  });
}

function indexOf(table: Table, columnIds: readonly number[], directions: readonly Direction[], id = table.id + 1): Index {
  return {
    kind: "index",
    id,
    name: "i",
    tableId: table.id,
    columns: columnIds.map((columnId, i) => ({ columnId, direction: directions[i] ?? "asc" })),
    unique: false,
    method: "btree",
    options: {},
    constraint: false,
  };
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** SQL order of two tuples, NULLs last ascending (first descending), each column in its direction. */
function compareTuples(a: readonly SqlValue[], b: readonly SqlValue[], types: readonly SqlType[], dirs: readonly Direction[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    let c: number;
    if (x === null || y === null) c = x === y ? 0 : x === null ? 1 : -1;
    else c = compareValues(x, y, types[i]!);
    if (dirs[i] === "desc") c = -c;
    if (c !== 0) return c;
  }
  return 0;
}

const directionArb = fc.constantFrom<Direction>("asc", "desc");

/** A table whose first k columns (random key types and directions) are its primary key, with two rows' key values. */
const keyCaseArb = fc
  .array(fc.record({ type: typeArb(KEY_KINDS), direction: directionArb }), { minLength: 1, maxLength: 3 })
  .chain((cols) =>
    fc.record({
      cols: fc.constant(cols),
      a: fc.tuple(...cols.map((c) => scalarArb(c.type))),
      b: fc.tuple(...cols.map((c) => scalarArb(c.type))),
    }),
  );

describe("primary keys", () => {
  it("sort as the SQL values do, for any key types and directions", () => {
    fc.assert(
      fc.property(keyCaseArb, ({ cols, a, b }) => {
        const types = cols.map((c) => c.type);
        const dirs = cols.map((c) => c.direction);
        const table = tableOf(types, dirs);
        const byKey = sign(Buffer.compare(encodePrimaryKey(table, a), encodePrimaryKey(table, b)));
        expect(byKey).toBe(sign(compareTuples(a, b, types, dirs)));
      }),
      { numRuns: 2000 },
    );
  });

  it("decode to values equal to the encoded ones, inside the table's row span", () => {
    fc.assert(
      fc.property(keyCaseArb, ({ cols, a }) => {
        const types = cols.map((c) => c.type);
        const table = tableOf(
          types,
          cols.map((c) => c.direction),
        );
        const key = encodePrimaryKey(table, a);
        const back = decodePrimaryKey(table, key);
        back.forEach((v, i) => expect(equalValues(v!, a[i]!, types[i]!)).toBe(true));
        const span = tableSpan(table);
        expect(Buffer.compare(key, span.start)).toBeGreaterThan(0);
        expect(Buffer.compare(key, span.end)).toBeLessThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("use the hidden row id when the table has no primary key", () => {
    const table = tableOf([TEXT], []);
    const keys = [1n, 2n, 300n, 70000n].map((id) => encodePrimaryKey(table, [id]));
    expect([...keys].sort(Buffer.compare)).toEqual(keys);
    expect(decodePrimaryKey(table, keys[3]!)).toEqual([70000n]);
  });

  it("refuse NULL with 23502", () => {
    const table = tableOf([INT4], ["asc"]);
    expect(() => encodePrimaryKey(table, [null])).toThrow(expect.objectContaining({ sqlstate: "23502", message: 'null value in column "c1" of relation "t" violates not-null constraint' }));
  });

  it("are rejected when they belong to another table", () => {
    const t1 = tableOf([INT4], ["asc"]);
    const t2 = tableOf([INT4], ["asc"], FIRST_OBJECT_ID + 1);
    expect(() => decodePrimaryKey(t2, encodePrimaryKey(t1, [1]))).toThrow(expect.objectContaining({ sqlstate: "XX001" }));
  });
});

describe("index keys", () => {
  const indexCaseArb = fc
    .array(fc.record({ type: typeArb(KEY_KINDS), direction: directionArb }), { minLength: 1, maxLength: 3 })
    .chain((cols) =>
      fc.record({
        cols: fc.constant(cols),
        rowA: fc.tuple(fc.integer(), ...cols.map((c) => valueArb(c.type))),
        rowB: fc.tuple(fc.integer(), ...cols.map((c) => valueArb(c.type))),
      }),
    );

  it("sort by index columns (NULLs last ascending) and then primary key, and decode back", () => {
    fc.assert(
      fc.property(indexCaseArb, ({ cols, rowA, rowB }) => {
        // Column 1 is an int4 primary key; the index covers the others.
        const types = [INT4, ...cols.map((c) => c.type)];
        const table = tableOf(types, ["asc"]);
        const dirs = cols.map((c) => c.direction);
        const index = indexOf(
          table,
          cols.map((_, i) => i + 2),
          dirs,
        );
        const ka = encodeIndexKey(index, table, rowA);
        const kb = encodeIndexKey(index, table, rowB);
        let want = compareTuples(rowA.slice(1), rowB.slice(1), types.slice(1), dirs);
        if (want === 0) want = compareValues(rowA[0], rowB[0], INT4);
        expect(sign(Buffer.compare(ka, kb))).toBe(sign(want));
        const back = decodeIndexKey(index, table, ka);
        expect(back.primaryKey).toEqual([rowA[0]]);
        back.values.forEach((v, i) => {
          const orig = rowA[i + 1]!;
          expect(v === null ? orig === null : orig !== null && equalValues(v, orig, types[i + 1]!)).toBe(true);
        });
        // The prefix of the index values covers exactly the entries with those values.
        const span = prefixSpan(encodeIndexPrefix(index, table, rowA.slice(1)));
        expect(Buffer.compare(ka, span.start) >= 0 && Buffer.compare(ka, span.end) < 0).toBe(true);
        const sameValues = compareTuples(rowA.slice(1), rowB.slice(1), types.slice(1), dirs) === 0;
        expect(Buffer.compare(kb, span.start) >= 0 && Buffer.compare(kb, span.end) < 0).toBe(sameValues);
      }),
      { numRuns: 1000 },
    );
  });

  it("carry the hidden row id for tables without a primary key", () => {
    const table = tableOf([TEXT], []);
    const index = indexOf(table, [1], ["asc"]);
    const k = encodeIndexKey(index, table, ["x"], 42n);
    expect(decodeIndexKey(index, table, k)).toEqual({ values: ["x"], primaryKey: [42n] });
    expect(() => encodeIndexKey(index, table, ["x"])).toThrow(expect.objectContaining({ sqlstate: "XX000" }));
  });
});

describe("key spaces", () => {
  const anyKeyValue = fc.oneof(fc.boolean(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.double(), fc.string(), fc.uint8Array({ maxLength: 6 }), fc.constant(null));
  const spaceArb = fc.record({ table: fc.integer({ min: FIRST_OBJECT_ID, max: FIRST_OBJECT_ID + 70000 }), index: fc.integer({ min: 0, max: 300 }) });

  it("of different tables and indexes never interleave", () => {
    fc.assert(
      fc.property(spaceArb, spaceArb, fc.array(anyKeyValue, { maxLength: 4 }), fc.array(anyKeyValue, { maxLength: 4 }), (p, q, restP, restQ) => {
        fc.pre(p.table !== q.table || p.index !== q.index);
        const kp = encodeTuple([BigInt(p.table), BigInt(p.index), ...restP]);
        const kq = encodeTuple([BigInt(q.table), BigInt(q.index), ...restQ]);
        const want = p.table !== q.table ? sign(p.table - q.table) : sign(p.index - q.index);
        expect(sign(Buffer.compare(kp, kq))).toBe(want);
        // And each lies inside its own spans only.
        const inside = (k: Buffer, s: { start: Buffer; end: Buffer }) => Buffer.compare(k, s.start) >= 0 && Buffer.compare(k, s.end) < 0;
        expect(inside(kp, indexSpan({ tableId: p.table, id: p.index }))).toBe(true);
        expect(inside(kp, indexSpan({ tableId: q.table, id: q.index }))).toBe(false);
        expect(inside(kp, tableDataSpan(p.table))).toBe(true);
        expect(inside(kp, tableDataSpan(q.table))).toBe(p.table === q.table);
      }),
      { numRuns: 2000 },
    );
  });

  it("put the whole catalog before any table data", () => {
    const firstData = tableDataSpan(FIRST_OBJECT_ID).start;
    for (const k of [VERSION_KEY, relationKey("public", "\u{10ffff}".repeat(3)), tableKey(2 ** 40)]) expect(Buffer.compare(k, firstData)).toBeLessThan(0);
  });
});
