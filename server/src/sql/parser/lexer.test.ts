import { describe, expect, it } from "vitest";
import { sourceText, tokenize } from "./lexer.js";

const kinds = (sql: string) => tokenize(sql).map((t) => [t.kind, t.value]);

describe("lexer", () => {
  it("folds unquoted identifiers' ASCII letters only and keeps quoted ones", () => {
    expect(kinds('SELECT Café, "MiXed", "a""b", a$b')).toEqual([
      ["ident", "select"],
      ["ident", "café"],
      ["punct", ","],
      ["qident", "MiXed"],
      ["punct", ","],
      ["qident", 'a"b'],
      ["punct", ","],
      ["ident", "a$b"],
    ]);
  });

  it("decodes every kind of string constant", () => {
    expect(kinds("'it''s' E'a\\tb\\x41\\101\\u00e9\\U0001F600\\'' $$x'y$$ $tag$ $$ $tag$ N'n' U&'\\0041!0042' UESCAPE '!'")).toEqual([
      ["string", "it's"],
      ["string", "a\tbAAé😀'"],
      ["string", "x'y"],
      ["string", " $$ "],
      ["string", "n"],
      ["string", "\\0041B"],
    ]);
    expect(kinds("U&'\\0041\\+01F600\\\\'")).toEqual([["string", "A😀\\"]]);
    expect(kinds("E'\\uD83D\\uDE00'")).toEqual([["string", "😀"]]);
  });

  it("joins string constants separated by a newline, not by spaces only", () => {
    expect(kinds("'a' -- c\n  'b'\n'c'")).toEqual([["string", "abc"]]);
    expect(kinds("'a' 'b'")).toEqual([
      ["string", "a"],
      ["string", "b"],
    ]);
  });

  it("reads bit strings in the bit type's own input syntax", () => {
    expect(kinds("B'0101' x'1F'")).toEqual([
      ["bitstring", "b0101"],
      ["bitstring", "x1F"],
    ]);
  });

  it("skips line and nested block comments", () => {
    expect(kinds("a -- x\n/* b /* c */ d */ e")).toEqual([
      ["ident", "a"],
      ["ident", "e"],
    ]);
  });

  it("reads numbers, parameters and punctuation", () => {
    expect(kinds("1 1.5 .5 5. 1e10 2.5E-3 $12 :: : [ ] . ;")).toEqual([
      ["number", "1"],
      ["number", "1.5"],
      ["number", ".5"],
      ["number", "5."],
      ["number", "1e10"],
      ["number", "2.5E-3"],
      ["param", "12"],
      ["punct", "::"],
      ["punct", ":"],
      ["punct", "["],
      ["punct", "]"],
      ["punct", "."],
      ["punct", ";"],
    ]);
  });

  it("splits operators as PostgreSQL does", () => {
    const ops = (sql: string) => tokenize(sql).map((t) => t.value);
    expect(ops("a<->b<=>c<#>d")).toEqual(["a", "<->", "b", "<=>", "c", "<#>", "d"]);
    // A trailing + or - leaves the operator unless it holds one of ~!@#%^&|`?
    expect(ops("a<-1")).toEqual(["a", "<", "-", "1"]);
    expect(ops("a*-1")).toEqual(["a", "*", "-", "1"]);
    expect(ops("a@-1")).toEqual(["a", "@-", "1"]);
    // A comment start ends an operator.
    expect(ops("a+--c\n1")).toEqual(["a", "+", "1"]);
    expect(ops("a != b <> c")).toEqual(["a", "<>", "b", "<>", "c"]);
  });

  it("keeps source offsets for error messages", () => {
    const sql = "SELECT E'x\\ny' , \"q\"";
    expect(tokenize(sql).map((t) => sourceText(sql, t))).toEqual(["SELECT", "E'x\\ny'", ",", '"q"']);
  });

  it("leaves characters PostgreSQL has no token for to the parser", () => {
    expect(kinds("a \\ {")).toEqual([
      ["ident", "a"],
      ["other", "\\"],
      ["other", "{"],
    ]);
  });
});
