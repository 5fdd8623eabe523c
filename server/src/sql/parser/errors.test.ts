import { describe, expect, it } from "vitest";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { SqlPositionedError, SqlSyntaxError, parseSql } from "./index.js";
import { parseError } from "./testing.js";

/** Messages and positions as PostgreSQL reports them: 1-based characters into the whole string. */
describe("syntax errors", () => {
  it.each([
    // [sql, message, position]
    ["SELECT 1 +", "syntax error at end of input", 11],
    ["SELEC 1", 'syntax error at or near "SELEC"', 1],
    ["SELECT * FROM", "syntax error at end of input", 14],
    ["SELECT 1 )", 'syntax error at or near ")"', 10],
    ["SELECT 1; SELEC 2", 'syntax error at or near "SELEC"', 11],
    ["SELECT 1 +; SELECT 2", 'syntax error at or near ";"', 11],
    ["SELECT (1; SELECT 2)", 'syntax error at or near ";"', 10],
    ["SELECT 1\nFROM t\nWHERE WHERE", 'syntax error at or near "WHERE"', 23],
    ["SELECT '😀😀', FROM t", 'syntax error at or near "FROM"', 14],
    ["select a from t where a = 1 and", "syntax error at end of input", 32],
    ["SELECT CASE WHEN a THEN b", "syntax error at end of input", 26],
    ["SELECT 1 `", 'syntax error at or near "`"', 10],
    ["TABLESPACE x", 'syntax error at or near "TABLESPACE"', 1],
    // vector operators and literals
    ["SELECT a <-> FROM t", 'syntax error at or near "FROM"', 14],
    ["SELECT a <->", "syntax error at end of input", 13],
    ["SELECT a <-> b <=>; SELECT 1", 'syntax error at or near ";"', 19],
    ["SELECT <-> a", 'syntax error at or near "<->"', 8],
    ["SELECT a FROM t WHERE a <-> b <", "syntax error at end of input", 32],
    ["SELECT [1, a]", 'syntax error at or near "a"', 12],
    ["SELECT [1,]", 'syntax error at or near "]"', 11],
    ["SELECT [1 2]", 'syntax error at or near "2"', 11],
    ["SELECT [1,2", 'syntax error at or near "["', 8],
    ["SELECT f(a <=> )", 'syntax error at or near ")"', 16],
    // lexical
    ["SELECT 'abc", `unterminated quoted string at or near "'abc"`, 8],
    ['SELECT "abc', 'unterminated quoted identifier at or near ""abc"', 8],
    ["SELECT /* x /* y */", 'unterminated /* comment at or near "/* x /* y */"', 8],
    ["SELECT $$x", 'unterminated dollar-quoted string at or near "$$x"', 8],
    ['SELECT ""', 'zero-length delimited identifier at or near """"', 8],
    ["SELECT 1abc", 'trailing junk after numeric literal at or near "1abc"', 8],
    ["SELECT $1x", 'trailing junk after parameter at or near "$1x"', 8],
    ["SELECT E'\\u12'", `invalid Unicode escape at or near "\\u12'"`, 10],
    ["SELECT U&'\\D800'", `invalid Unicode surrogate pair at or near "U&'\\D800'"`, 8],
    // queries
    ["SELECT 1 UNION", "syntax error at end of input", 15],
    ["SELECT 1 LIMIT 1 UNION SELECT 2", 'syntax error at or near "UNION"', 18],
    ["UNION SELECT 1", 'syntax error at or near "UNION"', 1],
    ["WITH x AS (SELECT 1)", "syntax error at end of input", 21],
    ["WITH x AS (SELECT 1 UNION) SELECT 1", 'syntax error at or near ")"', 26],
    ["WITH a AS (SELECT 1) WITH b AS (SELECT 2) SELECT 1", 'syntax error at or near "WITH"', 22],
    ["SELECT (SELECT 1 UNION SELECT +) FROM FROM", 'syntax error at or near ")"', 32],
    ["SELECT sum(a) OVER (ROWS BETWEEN UNBOUNDED PRECEDING) FROM t", 'syntax error at or near ")"', 53],
    ["SELECT sum(a) OVER (ROWS 1) FROM t", 'syntax error at or near ")"', 27],
    // our statements
    ["COPY t FROM 'file.csv'", `syntax error at or near "'file.csv'"`, 13],
    ["COPY (SELECT 1) FROM STDIN", 'syntax error at or near "FROM"', 17],
    ["COPY t FROM STDIN (HEADER, HEADER)", 'conflicting or redundant options at or near "HEADER"', 28],
    ["COPY t FROM STDIN (bogus 1)", 'option "bogus" not recognized at or near "bogus"', 20],
    ["CREATE ROLE r LOGIN NOLOGIN", 'conflicting or redundant options at or near "NOLOGIN"', 21],
    ["BEGIN ISOLATION LEVEL SERIALIZABLE,", "syntax error at end of input", 36],
    ["SET TRANSACTION", "syntax error at end of input", 16],
    ["PREPARE TRANSACTION gid", 'syntax error at or near "gid"', 21],
    ["COMMIT PREPARED", "syntax error at end of input", 16],
    ["LOCK TABLE t IN SHARE MODE MODE", 'syntax error at or near "MODE"', 28],
    ["SET hnsw. = 1", 'syntax error at or near "="', 11],
    ["EXPLAIN", "syntax error at end of input", 8],
    ["EXPLAIN COPY t TO STDOUT", 'syntax error at or near "COPY"', 9],
  ])("%s", (sql, message, position) => {
    const e = parseError(sql);
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e?.sqlstate).toBe("42601");
    expect(e?.message).toBe(message);
    expect((e as SqlSyntaxError).position).toBe(position);
  });
});

describe("errors with PostgreSQL's other SQLSTATEs", () => {
  it.each([
    ["SELECT E'\\xff'", "22021", 'invalid byte sequence for encoding "UTF8"', 8],
    ["SELECT E'a\\0'", "22021", 'invalid byte sequence for encoding "UTF8": 0x00', 8],
    ["COPY t FROM STDIN WITH (FORMAT xml)", "22023", 'COPY format "xml" not recognized', 32],
    ["COPY t FROM STDIN (HEADER maybe)", "22023", "header requires a Boolean value", 27],
  ])("%s", (sql, sqlstate, message, position) => {
    const e = parseError(sql);
    expect(e).toBeInstanceOf(SqlPositionedError);
    expect(e?.sqlstate).toBe(sqlstate);
    expect(e?.message).toBe(message);
    expect((e as SqlPositionedError).position).toBe(position);
  });

  it("reports nesting deeper than the stack as 54001, not a crash", () => {
    const deep = `SELECT ${"(SELECT ".repeat(20_000)}1${")".repeat(20_000)}`;
    const e = parseError(deep);
    expect(e).toBeInstanceOf(SqlStateError);
    expect(e?.sqlstate).toBe("54001");
  });
});

describe("statement spans", () => {
  it("locate each statement of a multi-statement string, without the semicolon", () => {
    const sql = "  -- lead\n BEGIN ; SELECT 'a;b' /* ; */ ;;\n\tCOMMIT";
    const spans = parseSql(sql).map((s) => sql.slice(s.span.start, s.span.end));
    expect(spans).toEqual(["BEGIN", "SELECT 'a;b'", "COMMIT"]);
  });

  it("skip empty statements and comment-only input", () => {
    expect(parseSql("")).toEqual([]);
    expect(parseSql(" ; ;; -- nothing\n /* here */ ")).toEqual([]);
  });
});
