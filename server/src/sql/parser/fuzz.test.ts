import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { corpus } from "./corpus.js";
import { parseSql } from "./index.js";
import { isAllowedParserError } from "./testing.js";

/**
 * Whatever the input, parseSql returns statements or throws one of its documented errors
 * (42601 with a position, mostly), quickly: never a library error, a crash or a hang.
 */

/** Generous for a slow CI machine; a backtracking blow-up would take far longer. */
const TIME_LIMIT_MS = 1500;

/**
 * CPU milliseconds this process has used: the tests run in forked processes, so this is the
 * parser's own work, not the machine's load (wall time failed these checks on busy CI machines).
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function check(sql: string): void {
  const started = cpuMs();
  try {
    parseSql(sql);
  } catch (e) {
    if (!isAllowedParserError(e)) throw new Error(`unexpected error for ${JSON.stringify(sql)}: ${String(e)}`, { cause: e });
  }
  const elapsed = cpuMs() - started;
  if (elapsed > TIME_LIMIT_MS) throw new Error(`${elapsed.toFixed(0)} ms for ${JSON.stringify(sql)}`);
}

/** Fragments that reach the layer's special cases: quoting, nesting, vector syntax, clauses. */
const FRAGMENTS = [
  ..."()[],;.:'\"$*+-/<>=|&#@~!?%^`\\{}".split(""),
  "::",
  "<->",
  "<=>",
  "<#>",
  "||",
  "--",
  "/*",
  "*/",
  "$$",
  "$1",
  "$a$",
  "E'",
  "U&'",
  "U&\"",
  "B'",
  "UESCAPE",
  "\\u",
  "\n",
  " ",
  "1",
  "1.5",
  "1e5",
  "[1,2]",
  "a",
  "t.b",
  "vector",
  "(3, cosine)",
  ...(
    "select from where union intersect except all with recursive as case when then else end over partition by order rows " +
    "range between unbounded preceding following current row and or not is null in like values insert into update set " +
    "delete returning copy stdin stdout explain analyze begin commit rollback prepare transaction savepoint release " +
    "lock table mode show reset create drop alter role user index using limit offset for share nowait array cast"
  ).split(" "),
];

const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 });
const corpusSql = fc.constantFrom(...corpus.map((e) => e.sql));

describe("fuzz", () => {
  it("random strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), check), { numRuns: 1500 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 40 }), check), { numRuns: 500 });
  });

  it("random fragment soups, with and without spaces", () => {
    fc.assert(
      fc.property(soup, (parts) => {
        check(parts.join(" "));
        check(parts.join(""));
      }),
      { numRuns: 1500 },
    );
  });

  it("corpus statements with a span replaced, deleted or duplicated", () => {
    const mutation = fc.tuple(corpusSql, fc.nat(), fc.nat({ max: 8 }), fc.constantFrom(...FRAGMENTS, "", "", ""));
    fc.assert(
      fc.property(mutation, ([sql, at, length, insert]) => {
        const i = at % (sql.length + 1);
        const j = Math.min(sql.length, i + length);
        check(sql.slice(0, i) + insert + sql.slice(j));
        check(sql.slice(0, i) + sql.slice(i, j) + sql.slice(i));
      }),
      { numRuns: 2000 },
    );
  });

  it("corpus statements spliced together", () => {
    fc.assert(
      fc.property(corpusSql, corpusSql, fc.nat(), fc.nat(), (a, b, i, j) => {
        check(a.slice(0, i % (a.length + 1)) + b.slice(j % (b.length + 1)));
      }),
      { numRuns: 1000 },
    );
  });

  it("a corpus statement truncated at every position", () => {
    for (const e of corpus.filter((_, k) => k % 7 === 0)) {
      for (let i = 0; i <= e.sql.length; i++) check(e.sql.slice(0, i));
    }
  });

  it("long inputs stay fast", () => {
    const started = cpuMs();
    check(`SELECT ${Array.from({ length: 2000 }, (_, i) => `c${i} <-> [${i}, 1]`).join(" + ")}`);
    check(`INSERT INTO t VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'x${i}', [${i}, 2])`).join(", ")}`);
    check(`SELECT ${"(".repeat(300)}a <=> b${")".repeat(300)}`);
    expect(cpuMs() - started).toBeLessThan(3 * TIME_LIMIT_MS);
  });
});
