import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { corpus } from "./corpus.js";
import { parseSql } from "./index.js";
import { plain } from "./testing.js";

/**
 * Golden ASTs for the corpus. After an intended change, regenerate with
 * `ALOPEX_UPDATE_GOLDEN=1 npx vitest run src/sql/parser/corpus.test.ts` and review the diff.
 */
const GOLDEN = new URL("./testdata/corpus.golden.json", import.meta.url);
const update = process.env.ALOPEX_UPDATE_GOLDEN === "1";
const golden: Record<string, unknown> = !update && existsSync(GOLDEN) ? JSON.parse(readFileSync(GOLDEN, "utf8")) : {};

describe("corpus", () => {
  if (update) {
    it("writes the golden file", () => {
      const out = Object.fromEntries(corpus.map((e) => [e.id, plain(parseSql(e.sql))]));
      writeFileSync(GOLDEN, `${JSON.stringify(out, null, 2)}\n`);
    });
    return;
  }

  it("has unique ids and a golden AST for each entry", () => {
    expect(new Set(corpus.map((e) => e.id)).size).toBe(corpus.length);
    expect(Object.keys(golden).sort()).toEqual(corpus.map((e) => e.id).sort());
  });

  it.each(corpus.map((e) => [e.id, e.sql] as const))("%s", (id, sql) => {
    expect(plain(parseSql(sql))).toEqual(golden[id]);
  });

  it("parses the whole corpus as one multi-statement string, with each statement's span", () => {
    const sql = corpus.map((e) => `  ${e.sql} ;\n-- next\n`).join("");
    const statements = parseSql(sql);
    expect(statements).toHaveLength(corpus.length);
    statements.forEach((s, i) => {
      const entry = corpus[i];
      expect(sql.slice(s.span.start, s.span.end)).toBe(entry?.sql);
      const alone = parseSql(entry?.sql ?? "")[0];
      expect(plain({ ...s, span: null })).toEqual(plain({ ...alone, span: null }));
    });
  });
});
