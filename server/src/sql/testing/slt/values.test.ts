import { describe, expect, test } from "vitest";
import { diffRows, formatReal3, hashLine, hashValues, readResultLines, renderValue, sortValues, writeResultLines } from "./values.js";

describe("renderValue", () => {
  test("NULL and the empty string", () => {
    expect(renderValue(null, "I")).toEqual({ ok: true, text: "NULL" });
    expect(renderValue(null, "T")).toEqual({ ok: true, text: "NULL" });
    expect(renderValue("", "T")).toEqual({ ok: true, text: "(empty)" });
    expect(renderValue("", "X")).toEqual({ ok: true, text: "(empty)" });
  });

  test("I takes integers as they are and refuses anything else", () => {
    expect(renderValue("-9223372036854775808", "I")).toEqual({ ok: true, text: "-9223372036854775808" });
    expect(renderValue("1.5", "I").ok).toBe(false);
    expect(renderValue("t", "I").ok).toBe(false);
    expect(renderValue("", "I").ok).toBe(false);
  });

  test("R prints %.3f of the double, keeps PostgreSQL's special values", () => {
    expect(renderValue("2", "R")).toEqual({ ok: true, text: "2.000" });
    expect(renderValue("1.5e-3", "R")).toEqual({ ok: true, text: "0.002" });
    expect(renderValue("-1234.56789", "R")).toEqual({ ok: true, text: "-1234.568" });
    expect(renderValue("NaN", "R")).toEqual({ ok: true, text: "NaN" });
    expect(renderValue("-Infinity", "R")).toEqual({ ok: true, text: "-Infinity" });
    expect(renderValue("0x10", "R").ok).toBe(false);
    expect(renderValue("abc", "R").ok).toBe(false);
  });

  test("B is PostgreSQL's t/f", () => {
    expect(renderValue("t", "B")).toEqual({ ok: true, text: "t" });
    expect(renderValue("f", "B")).toEqual({ ok: true, text: "f" });
    expect(renderValue("true", "B").ok).toBe(false);
  });

  test("text keeps spaces and non-ASCII, shows control characters as @", () => {
    expect(renderValue("a b", "T")).toEqual({ ok: true, text: "a b" });
    expect(renderValue("é😀", "T")).toEqual({ ok: true, text: "é😀" });
    expect(renderValue("a\nb\tc\x7f", "T")).toEqual({ ok: true, text: "a@b@c@" });
  });
});

describe("formatReal3 is C's %.3f", () => {
  test.each([
    [0, "0.000"],
    [-0, "-0.000"],
    [1, "1.000"],
    [0.0625, "0.062"], // an exact tie: to even
    [0.1875, "0.188"],
    [2.0625, "2.062"],
    [-0.0625, "-0.062"],
    [-0.0001, "-0.000"],
    [0.0005, "0.001"], // 0.0005 is slightly above the half as a double
    [123.4564, "123.456"],
    [1e21, "1000000000000000000000.000"],
    [2 ** 70, "1180591620717411303424.000"],
    [5e-324, "0.000"],
  ])("%s", (x, want) => {
    expect(formatReal3(x)).toBe(want);
  });
});

describe("readResultLines", () => {
  test("rows when every line has one token per column, values otherwise", () => {
    expect(readResultLines(["1 a", "2 b"], 2)).toEqual({ kind: "values", values: ["1", "a", "2", "b"], layout: "row" });
    expect(readResultLines(["1", "a", "2", "b"], 2)).toEqual({ kind: "values", values: ["1", "a", "2", "b"], layout: "value" });
    expect(readResultLines(["1 a", "2"], 2)).toEqual({ kind: "values", values: ["1 a", "2"], layout: "value" });
  });

  test("the hash form is only a single line", () => {
    const h = "2 values hashing to dd8c6a395b5dd36c56d23275028f526c";
    expect(readResultLines([h], 1).kind).toBe("hash");
    expect(readResultLines([h, h], 1).kind).toBe("values");
  });
});

describe("hashing", () => {
  test("md5 of each value followed by a newline (checked against md5sum)", () => {
    expect(hashValues(["a", "b"])).toBe("dd8c6a395b5dd36c56d23275028f526c");
    expect(hashValues(["1"])).toBe("b026324c6904b2a9cb4b88d6d61c81d1");
    expect(hashValues([])).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(hashLine(["a", "b"])).toBe("2 values hashing to dd8c6a395b5dd36c56d23275028f526c");
  });
});

describe("sortValues", () => {
  test("rowsort sorts whole rows column by column; valuesort every value; nosort nothing", () => {
    const v = ["b", "1", "a", "2", "a", "1"];
    expect(sortValues(v, 2, "rowsort")).toEqual(["a", "1", "a", "2", "b", "1"]);
    expect(sortValues(v, 2, "valuesort")).toEqual(["1", "1", "2", "a", "a", "b"]);
    expect(sortValues(v, 2, "nosort")).toEqual(v);
  });

  test("byte order, as strcmp: numbers sort as strings, astral after BMP private use", () => {
    expect(sortValues(["10", "9", "1"], 1, "rowsort")).toEqual(["1", "10", "9"]);
    expect(sortValues(["😀", "\uffff"], 1, "valuesort")).toEqual(["\uffff", "😀"]);
  });

  test("rowsort leaves a block that is not whole rows in order", () => {
    expect(sortValues(["b", "a", "c"], 2, "rowsort")).toEqual(["b", "a", "c"]);
  });
});

describe("writeResultLines", () => {
  test("rows on lines, values per line when a value has a space, hash above the threshold", () => {
    expect(writeResultLines(["1", "a", "2", "b"], 2, 0)).toEqual(["1 a", "2 b"]);
    expect(writeResultLines(["1", "a b", "2", "c"], 2, 0)).toEqual(["1", "a b", "2", "c"]);
    expect(writeResultLines(["a b"], 1, 0)).toEqual(["a b"]);
    expect(writeResultLines(["1", "2", "3"], 1, 3)).toEqual(["1", "2", "3"]);
    expect(writeResultLines(["1", "2", "3"], 1, 2)).toEqual([hashLine(["1", "2", "3"])]);
  });

  test("a hash for what a file cannot hold or would read back differently", () => {
    expect(writeResultLines(["  "], 1, 0)).toEqual([hashLine(["  "])]);
    expect(writeResultLines(["a "], 1, 0)).toEqual([hashLine(["a "])]);
    // Two columns whose values each hold one space would read back as rows.
    const v = ["a b", "c d"];
    expect(writeResultLines(v, 2, 0)).toEqual([hashLine(v)]);
    const h = ["1 values hashing to b026324c6904b2a9cb4b88d6d61c81d1"];
    expect(writeResultLines(h, 1, 0)).toEqual([hashLine(h)]);
  });
});

describe("diffRows", () => {
  test("marks missing and unexpected rows around the common ones", () => {
    expect(diffRows(["1", "a", "2", "b", "3", "c"], ["1", "a", "2", "x", "3", "c", "4", "d"], 2)).toBe(
      ["  1 a", "- 2 b", "+ 2 x", "  3 c", "+ 4 d"].join("\n"),
    );
  });

  test("values holding spaces are kept apart", () => {
    expect(diffRows(["a b", "c"], ["a", "b c"], 2)).toBe("- a b | c\n+ a | b c");
    expect(diffRows(["a b"], ["a c"], 1)).toBe("- a b\n+ a c");
  });
});
