import { describe, expect, it } from "vitest";
import { isEmptyQuery } from "./extended-query.js";

describe("isEmptyQuery", () => {
  const cases: { sql: string; empty: boolean }[] = [
    { sql: "", empty: true },
    { sql: "  \n\t", empty: true },
    { sql: ";;", empty: true },
    { sql: "-- only a comment", empty: true },
    { sql: "/* a /* nested */ comment */ ;", empty: true },
    { sql: "SELECT 1", empty: false },
    { sql: "-- comment\nSELECT 1", empty: false },
    { sql: "/* unterminated", empty: true },
    { sql: "'text'", empty: false },
  ];
  it.each(cases)("'$sql'", ({ sql, empty }) => {
    expect(isEmptyQuery(sql)).toBe(empty);
  });
});
