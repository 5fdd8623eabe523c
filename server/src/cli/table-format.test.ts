import { describe, expect, it } from "vitest";
import { formatTable } from "./table-format.js";

// Expected strings are psql 15's output for the same queries (aligned format, default settings).
describe("formatTable", () => {
  it("prints like psql: centred headers, numbers to the right, text to the left, a row count", () => {
    const text = formatTable({
      columns: [
        { name: "id", numeric: true },
        { name: "name", numeric: false },
        { name: "note", numeric: false },
      ],
      rows: [
        ["1", "apple", "crisp"],
        ["100", "fig", null],
      ],
    });
    expect(text).toBe(" id  | name  | note  \n-----+-------+-------\n   1 | apple | crisp\n 100 | fig   | \n(2 rows)\n");
  });

  it("measures text in terminal columns (an emoji takes two), and says row for one", () => {
    expect(formatTable({ columns: [{ name: "w", numeric: false }], rows: [["héllo😀"]] })).toBe("    w    \n---------\n héllo😀\n(1 row)\n");
    expect(formatTable({ columns: [{ name: "n", numeric: true }], rows: [] })).toBe(" n \n---\n(0 rows)\n");
  });
});
