import { parse } from "pgsql-ast-parser";
import { describe, expect, it } from "vitest";
import { corpus } from "./corpus.js";
import { parseSql } from "./index.js";
import { plain } from "./testing.js";

/**
 * The measurement behind the layer: what pgsql-ast-parser 12 gets right on its own. It runs the
 * library directly, so a library upgrade that fixes (or breaks) something shows up here first,
 * and the corpus labels stay true.
 */

function library(sql: string): unknown {
  try {
    return plain(parse(sql));
  } catch {
    return undefined;
  }
}

const ours = (sql: string) => plain(parseSql(sql).map(({ span: _span, ...s }) => s));

describe("pgsql-ast-parser on the corpus", () => {
  it.each(corpus.map((e) => [e.id, e.lib, e.sql] as const))("%s: %s", (_id, label, sql) => {
    const lib = library(sql);
    if (label === "error") expect(lib).toBeUndefined();
    else if (label === "ok") expect(lib).toEqual(ours(sql));
    else {
      expect(lib).toBeDefined();
      expect(lib).not.toEqual(ours(sql));
    }
  });

  it("measures the failures listed in the issue and the ones found besides", () => {
    const failing = corpus.filter((e) => e.lib !== "ok" && e.lib !== "reshaped").map((e) => e.id);
    expect(failing).toEqual(
      expect.arrayContaining([
        "vector-l2",
        "vector-cosine",
        "vector-inner",
        "vector-literal-select",
        "copy-from-stdin",
        "prepare-transaction",
        "commit-prepared",
        "rollback-prepared",
        "with-recursive-two",
        "window-rows-between",
        "explain",
        "lock-table",
        "show-dotted",
        "set-dotted",
        "intersect",
        "union-order-limit",
      ]),
    );
  });
});

/** Library output for `SELECT <expr>`: the operator at the top of the expression. */
function libraryTop(expr: string): string {
  const [s] = parse(`SELECT ${expr}`) as unknown as [{ columns: { expr: { type: string; op?: string } }[] }];
  const e = s.columns[0]?.expr;
  return e?.op ?? e?.type ?? "";
}

describe("pgsql-ast-parser's precedence levels", () => {
  // PostgreSQL puts all these at "any other operator": tighter than LIKE / IN / BETWEEN and
  // comparison, looser than + and -. The library has no such level, so none of its operators
  // can stand in for `<->` and we rewrite to calls instead.
  it.each(["||", "#-", "&&"])("%s binds like + in the library (too tight)", (op) => {
    expect(libraryTop(`x ${op} y + z`)).toBe("+");
  });

  it.each(["@>", "<@", "?", "?|", "?&", "#>>", "~", "~*", "!~", "!~*", "@@", "<<", ">>", "|", "&", "#"])(
    "%s binds looser than LIKE and IN in the library (too loose)",
    (op) => {
      expect(libraryTop(`x ${op} y LIKE z`)).toBe(op);
      expect(libraryTop(`x ${op} y IN (z)`)).toBe(op);
    },
  );

  it("does not know the vector operators at all", () => {
    for (const op of ["<->", "<=>", "<#>"]) expect(() => parse(`SELECT a ${op} b`)).toThrow();
  });

  it("reads a = b IS NULL as a = (b IS NULL), unlike PostgreSQL (left as is: see README)", () => {
    expect(libraryTop("a = b IS NULL")).toBe("=");
    expect(parseSql("SELECT a = b IS NULL")).toHaveLength(1);
  });
});
