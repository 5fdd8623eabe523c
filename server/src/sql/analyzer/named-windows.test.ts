import { describe, expect, it } from "vitest";
import type { NamedWindow, WindowSpec } from "../parser/index.js";
import { parseSql } from "../parser/index.js";
import { resolveOver, resolveWindowClause, unreferencedWindowExprs } from "./named-windows.js";

/** The WINDOW clause and the OVER clauses of a parsed SELECT. */
function parts(sql: string): { clause: NamedWindow[]; overs: WindowSpec[] } {
  const s = parseSql(sql)[0] as unknown as { window?: NamedWindow[]; columns: { expr: { over?: WindowSpec } }[] };
  return { clause: s.window ?? [], overs: s.columns.map((c) => c.expr.over).filter((o): o is WindowSpec => o !== undefined) };
}

const resolved = (sql: string) => {
  const { clause, overs } = parts(sql);
  const windows = resolveWindowClause(clause);
  return overs.map((o) => resolveOver(o, windows));
};

const names = (items: readonly { by: unknown }[] | null | undefined) => (items ?? []).map((o) => (o.by as { name: string }).name);

describe("named windows", () => {
  it("copies PARTITION BY and ORDER BY from the named window and keeps the referring window's frame", () => {
    const [bare, withOrder, chained] = resolved(
      "SELECT sum(a) OVER w, rank() OVER (w ORDER BY c), count(*) OVER (w2 ROWS 1 PRECEDING) FROM t WINDOW w AS (PARTITION BY b), w2 AS (w ORDER BY d)",
    );
    expect((bare!.partitionBy ?? []).map((p) => (p as { name: string }).name)).toEqual(["b"]);
    expect(names(withOrder!.orderBy)).toEqual(["c"]);
    expect((chained!.partitionBy ?? []).map((p) => (p as { name: string }).name)).toEqual(["b"]);
    expect(names(chained!.orderBy)).toEqual(["d"]);
    expect(chained!.frame?.mode).toBe("rows");
  });

  it("uses a window with a frame as it is only through OVER w", () => {
    expect(resolved("SELECT sum(a) OVER w FROM t WINDOW w AS (ORDER BY c ROWS 2 PRECEDING)")[0]!.frame?.mode).toBe("rows");
    expect(() => resolved("SELECT sum(a) OVER (w) FROM t WINDOW w AS (ORDER BY c ROWS 2 PRECEDING)")).toThrow(
      expect.objectContaining({ sqlstate: "42P20", message: 'cannot copy window "w" because it has a frame clause', hint: "Omit the parentheses in this OVER clause." }),
    );
  });

  it.each([
    ["SELECT sum(a) OVER (w PARTITION BY b) FROM t WINDOW w AS (ORDER BY c)", "42P20", 'cannot override PARTITION BY clause of window "w"'],
    ["SELECT sum(a) OVER (w ORDER BY b) FROM t WINDOW w AS (ORDER BY c)", "42P20", 'cannot override ORDER BY clause of window "w"'],
    ["SELECT 1 FROM t WINDOW w AS (ORDER BY c ROWS 1 PRECEDING), w2 AS (w)", "42P20", 'cannot copy window "w" because it has a frame clause'],
    ["SELECT 1 FROM t WINDOW w AS (ORDER BY c), w AS ()", "42P20", 'window "w" is already defined'],
    ["SELECT 1 FROM t WINDOW w2 AS (w), w AS (ORDER BY c)", "42704", 'window "w" does not exist'],
    ["SELECT sum(a) OVER nosuch FROM t", "42704", 'window "nosuch" does not exist'],
  ])("%s fails with %s", (sql, sqlstate, message) => {
    expect(() => resolved(sql)).toThrow(expect.objectContaining({ sqlstate, message }));
  });

  it("lists the expressions of the windows nothing refers to", () => {
    const { clause } = parts("SELECT 1 FROM t WINDOW a AS (PARTITION BY x ORDER BY y), b AS (ORDER BY z), c AS (b ROWS 1 PRECEDING)");
    expect(unreferencedWindowExprs(clause, new Set()).map((e) => (e as { name: string }).name)).toEqual(["x", "y"]);
    expect(unreferencedWindowExprs(clause, new Set(["a"]))).toEqual([]);
  });
});
