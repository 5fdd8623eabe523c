/**
 * Compares every call in testdata/golden.jsonl (recorded from PostgreSQL 15, see
 * testdata/generate-golden.ts) with ours: the result text through formatText and the result type,
 * or the SQLSTATE and message.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { formatText, formatType, NULL_TYPE, parseText, type SqlType, type SqlValue, TEXT, typeFromName } from "../types/index.js";
import { lookupFunction, lookupOperator } from "./index.js";

interface Record {
  k: "fn" | "op" | "meta";
  name: string;
  args: [string, string | null][];
  out?: string | null;
  type?: string;
  err?: string;
  msg?: string;
}

const records = readFileSync(new URL("./testdata/golden.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Record)
  .filter((r) => r.k !== "meta");

/** Cases where we knowingly differ from PostgreSQL, with the reason. */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map([
  // glibc's cbrt is within an ulp, not correctly rounded; ours (Math.cbrt) is the nearer double.
  ["cbrt(2::float8)", "glibc cbrt rounding"],
  ["cbrt(16::float8)", "glibc cbrt rounding"],
  // PostgreSQL also has interval, time and money overloads, which make these literals ambiguous.
  ["date_part(year::unknown, 2024-01-02::unknown)", "no time/interval types"],
  ["- (5::unknown)", "no interval/money types"],
]);

function argType(name: string): SqlType {
  if (name === "null") return NULL_TYPE;
  // Paths are text[] in PostgreSQL; without arrays ours take the same literal as text.
  if (name === "text[]") return TEXT;
  return typeFromName(name);
}

function run(r: Record): { out: string | null; type: string } {
  const types = r.args.map(([t]) => argType(t));
  const values: SqlValue[] = r.args.map(([t, v], i) => (v === null || t === "null" ? null : parseText(v, types[i]!)));
  const resolved = r.k === "fn" ? lookupFunction(r.name, types) : types.length === 1 ? lookupOperator(r.name, undefined, types[0]!) : lookupOperator(r.name, types[0], types[1]!);
  const v = resolved.fn(values, { now: 0 });
  return { out: v === null ? null : formatText(v, resolved.returnType), type: formatType(resolved.returnType) };
}

const label = (r: Record): string => `${r.k === "fn" ? `${r.name}(` : `${r.name} (`}${r.args.map(([t, v]) => `${v ?? "NULL"}::${t}`).join(", ")})`;

describe("functions and operators agree with PostgreSQL 15", () => {
  it("has a few hundred cases", () => {
    expect(records.length).toBeGreaterThan(300);
  });

  it("every case", () => {
    const failures: string[] = [];
    for (const r of records) {
      const key = label(r);
      if (KNOWN_DIFFERENCES.has(key)) continue;
      let got: string;
      try {
        const res = run(r);
        got = JSON.stringify(res);
        if (r.err === undefined && res.out === r.out && res.type === r.type) continue;
      } catch (e) {
        got = `${sqlstateOf(e) ?? "no sqlstate"} ${(e as Error).message}`;
        if (r.err !== undefined && sqlstateOf(e) === r.err && (e as Error).message === r.msg) continue;
      }
      const want = r.err !== undefined ? `${r.err} ${r.msg}` : JSON.stringify({ out: r.out, type: r.type });
      failures.push(`${key}\n    want ${want}\n    got  ${got}`);
    }
    expect(failures.join("\n")).toBe("");
  });
});
