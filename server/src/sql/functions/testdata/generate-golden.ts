/**
 * Generates golden.jsonl: what PostgreSQL 15 answers for function and operator calls. Tests read
 * the committed file and never need PostgreSQL. Regenerate against a throwaway server listening
 * on a Unix socket only, e.g.:
 *
 *   initdb -D /tmp/pgf/data -U postgres --locale=C.UTF-8 -E UTF8
 *   postgres -D /tmp/pgf/data -k /tmp/pgf -c listen_addresses='' -p 54874 &
 *   cd server && PGHOST=/tmp/pgf PGPORT=54874 PGUSER=postgres node --import tsx \
 *     src/sql/functions/testdata/generate-golden.ts > src/sql/functions/testdata/golden.jsonl
 *
 * Each line: { k: "fn" | "op", name, args: [[type, text | null], ...] } plus either
 * { out: text | null, type } (the result through its output function, and pg_typeof) or
 * { err: sqlstate, msg }. Argument type "unknown" is a bare string literal, "null" a bare NULL.
 */
import { execFileSync } from "node:child_process";

type Arg = [string, string | null];
interface Case {
  k: "fn" | "op";
  name: string;
  args: Arg[];
}

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const cases: Case[] = [];
const call = (name: string, ...args: Arg[]) => cases.push({ k: "fn", name, args });
const op = (name: string, ...args: Arg[]) => cases.push({ k: "op", name, args });

const i4 = (v: string | null): Arg => ["int4", v];
const i2 = (v: string | null): Arg => ["int2", v];
const i8 = (v: string | null): Arg => ["int8", v];
const f8 = (v: string | null): Arg => ["float8", v];
const f4 = (v: string | null): Arg => ["float4", v];
const nm = (v: string | null): Arg => ["numeric", v];
const tx = (v: string | null): Arg => ["text", v];
const un = (v: string): Arg => ["unknown", v];
const NUL: Arg = ["null", null];

// ---- arithmetic ----------------------------------------------------------------------------
for (const o of ["+", "-", "*", "/", "%"]) {
  for (const [a, b] of [["7", "2"], ["-7", "2"], ["7", "-2"], ["2147483647", "1"], ["-2147483648", "-1"], ["5", "0"], ["0", "3"], ["65536", "65536"]]) op(o, i4(a!), i4(b!));
  for (const [a, b] of [["7", "2"], ["-7", "2"], ["9223372036854775807", "1"], ["-9223372036854775808", "-1"], ["1", "0"], ["4294967296", "4294967296"]]) op(o, i8(a!), i8(b!));
  for (const [a, b] of [["32767", "1"], ["-7", "2"], ["-32768", "-1"]]) op(o, i2(a!), i2(b!));
  for (const [a, b] of [["7", "2"], ["-7.5", "2"], ["1", "3"], ["2", "3"], ["10", "4"], ["1.50", "0.25"], ["1e-10", "3"], ["123456789", "0.001"], ["5", "0"], ["NaN", "1"], ["Infinity", "2"], ["Infinity", "-Infinity"], ["1", "Infinity"], ["-5.5", "2"], ["100", "7"], ["0.0001", "7"]]) op(o, nm(a!), nm(b!));
  for (const [a, b] of [["7", "2"], ["1", "3"], ["1e308", "10"], ["1e-300", "1e-300"], ["5", "0"], ["NaN", "0"], ["Infinity", "Infinity"], ["-0", "1"], ["0.1", "0.2"]]) {
    if (o !== "%") op(o, f8(a!), f8(b!));
  }
  for (const [a, b] of [["1.5", "2.25"], ["3e38", "10"], ["1", "3"]]) if (o !== "%") op(o, f4(a!), f4(b!));
  op(o, i4("7"), i8("2"));
  op(o, i4("7"), nm("2.5"));
  op(o, i2("7"), i4("2"));
  op(o, i4("1"), NUL);
  op(o, i4("7"), un("2"));
}
for (const [a, b] of [["2", "10"], ["2", "0.5"], ["-8", "0.3333"], ["0", "-1"], ["10", "400"], ["10", "-400"], ["NaN", "0"], ["1", "NaN"], ["-1", "Infinity"], ["0", "0"]]) op("^", f8(a!), f8(b!));
op("^", i4("2"), i4("3"));
for (const u of ["-", "+", "@"]) {
  op(u, i4("5"));
  op(u, i4("-2147483648"));
  op(u, i8("-9223372036854775808"));
  op(u, i2("-32768"));
  op(u, f8("-1.5"));
  op(u, nm("-1.50"));
  op(u, nm("NaN"));
}

// ---- comparison ----------------------------------------------------------------------------
for (const o of ["=", "<>", "<", "<=", ">", ">="]) {
  op(o, i4("1"), i8("2"));
  op(o, i4("2"), nm("2.0"));
  op(o, f8("NaN"), f8("NaN"));
  op(o, f8("1"), f8("NaN"));
  op(o, tx("abc"), tx("abd"));
  op(o, ["bpchar", "ab  "], tx("ab"));
  op(o, ["date", "2024-01-02"], ["timestamp", "2024-01-02 00:00:00"]);
  op(o, i4("1"), un("1"));
  op(o, ["bool", "t"], ["bool", "f"]);
  op(o, nm("1.0"), nm("1.00"));
}
op("!=", i4("1"), i4("2"));

// ---- math functions ------------------------------------------------------------------------
for (const v of ["-2.5", "2.5", "1.4999", "-0.5", "0", "NaN", "Infinity", "123.456"]) {
  for (const f of ["abs", "ceil", "ceiling", "floor", "round", "trunc", "sign"]) {
    call(f, nm(v));
    call(f, f8(v));
  }
}
for (const v of ["5", "-5", "-2147483648"]) call("abs", i4(v));
call("abs", i8("-9223372036854775808"));
call("abs", un("-3"));
for (const [v, s] of [["123.456", "2"], ["123.456", "-1"], ["123.456", "0"], ["-2.5", "0"], ["0.5", "5"], ["1234.5678", "-2"], ["NaN", "2"], ["9.995", "2"]]) {
  call("round", nm(v!), i4(s!));
  call("trunc", nm(v!), i4(s!));
}
call("round", i4("5"), i4("2"));
for (const v of ["2", "16", "0", "-1", "1e100", "0.25", "NaN", "Infinity"]) {
  call("sqrt", f8(v));
  call("cbrt", f8(v));
  call("exp", f8(v));
  call("ln", f8(v));
  call("log", f8(v));
}
for (const v of ["2", "16", "0", "-1", "0.0001", "12345678901234567890", "1.21", "100"]) call("sqrt", nm(v));
call("sqrt", i4("2"));
call("exp", f8("710"));
call("exp", f8("-1000"));
call("exp", f8("-Infinity"));
call("log10", f8("1000"));
for (const [a, b] of [["2", "10"], ["0", "-1"], ["-2", "0.5"], ["1", "NaN"], ["NaN", "0"]]) {
  call("power", f8(a!), f8(b!));
  call("pow", f8(a!), f8(b!));
}
call("power", i4("2"), i4("3"));
for (const [a, b] of [["7", "3"], ["-7", "3"], ["7", "-3"], ["7", "0"], ["-2147483648", "-1"]]) call("mod", i4(a!), i4(b!));
for (const [a, b] of [["7.5", "2"], ["-7.5", "2"], ["1", "0"], ["10", "0.3"]]) call("mod", nm(a!), nm(b!));
call("mod", i8("-9223372036854775808"), i8("-1"));
for (const v of ["2", "2.0", "0.5", "1", "1.05", "0.95", "100", "1e-10", "123456.789", "0", "-1", "NaN", "Infinity"]) {
  call("ln", nm(v));
  call("log", nm(v));
  call("log10", nm(v));
  call("exp", nm(v));
}
for (const v of ["-1.5", "-100", "50.5", "6000", "-7000", "-Infinity"]) call("exp", nm(v));
for (const [b, x] of [["2", "8"], ["2", "10"], ["10", "1000"], ["1", "5"], ["0.5", "8"], ["2.0", "3.00"], ["3", "1.1"]]) call("log", nm(b!), nm(x!));
for (const [x, y] of [["2", "3"], ["2.0", "3"], ["2", "-3"], ["2", "0.5"], ["1.5", "2.25"], ["0", "0"], ["0", "-1"], ["-2", "0.5"], ["-2", "3"], ["10", "-20"], ["NaN", "0"], ["1", "NaN"], ["2", "100"], ["0.1", "3"], ["9", "0.5"], ["0", "1.5"], ["1.000001", "1000000"], ["10", "200000"]]) {
  op("^", nm(x!), nm(y!));
  call("power", nm(x!), nm(y!));
}
op("^", nm("2"), i4("3"));
call("pi");
call("degrees", f8("3.141592653589793"));
for (const f of ["sin", "cos", "tan", "asin", "acos", "atan"]) for (const v of ["0", "0.5", "1", "-1", "2", "Infinity", "NaN"]) call(f, f8(v));
call("atan2", f8("1"), f8("-1"));
for (const [s, p] of [["hello world", "o.w"], ["hello world", "(l+)o"], ["hello", "z"], ["abc123", "[0-9]+"], ["foo", "(x)?foo"]]) call("substring", tx(s!), tx(p!));
call("radians", f8("180"));
call("div", nm("7.5"), nm("2"));
call("div", nm("-7.5"), nm("2"));

// ---- strings -------------------------------------------------------------------------------
const STRS = ["hello", "", "é漢字😀", "  pad  ", "Hello World", "ab  "];
for (const v of STRS) {
  for (const f of ["length", "char_length", "character_length", "octet_length", "lower", "upper", "initcap", "reverse", "ascii", "md5", "btrim", "ltrim", "rtrim"]) call(f, tx(v));
}
for (const f of ["length", "octet_length", "upper"]) {
  call(f, ["bpchar", "ab  "]);
  call(f, ["varchar", "abc"]);
  call(f, un("abc"));
  call(f, NUL);
}
call("length", ["bytea", "\\x0102"]);
call("initcap", tx("hELLO wORLD-foo_bar 3rd élan"));
call("upper", tx("straße"));
call("lower", tx("ÀÉÎ"));
for (const [s, a, c] of [["hello", "2", "3"], ["hello", "0", "3"], ["hello", "-1", "3"], ["hello", "4", "10"], ["hello", "2", "-1"], ["é漢字😀x", "2", "2"], ["hello", "10", "1"], ["hello", "-5", "5"]]) {
  call("substring", tx(s!), i4(a!), i4(c!));
  call("substr", tx(s!), i4(a!), i4(c!));
}
for (const [s, a] of [["hello", "2"], ["hello", "0"], ["hello", "9"], ["é漢字😀", "3"]]) {
  call("substring", tx(s!), i4(a!));
  call("substr", tx(s!), i4(a!));
}
call("substring", un("hello"), i4("2"));
call("substring", tx("hello"), i8("2"));
for (const [s, sub] of [["hello", "l"], ["hello", "z"], ["hello", ""], ["é漢字😀", "😀"], ["", ""]]) {
  call("position", tx(s!), tx(sub!));
  call("strpos", tx(s!), tx(sub!));
}
for (const [s, a, b] of [["hello", "l", "L"], ["hello", "", "x"], ["aaa", "aa", "b"], ["abc", "b", ""]]) call("replace", tx(s!), tx(a!), tx(b!));
for (const [s, set] of [["xxhixx", "x"], ["abcba", "ab"], ["hi", ""], ["😀hi😀", "😀"]]) {
  call("btrim", tx(s!), tx(set!));
  call("ltrim", tx(s!), tx(set!));
  call("rtrim", tx(s!), tx(set!));
}
for (const [s, n, f] of [["hi", "5", "xy"], ["hello", "3", "xy"], ["hi", "5", ""], ["hi", "-1", "x"], ["é", "3", "😀"], ["hi", "0", "x"]]) {
  call("lpad", tx(s!), i4(n!), tx(f!));
  call("rpad", tx(s!), i4(n!), tx(f!));
}
call("lpad", tx("hi"), i4("5"));
call("rpad", tx("hi"), i4("5"));
for (const n of ["2", "-2", "0", "10", "-10"]) {
  call("left", tx("hello"), i4(n));
  call("right", tx("hello"), i4(n));
}
for (const n of ["3", "0", "-1"]) call("repeat", tx("ab"), i4(n));
for (const [s, d, n] of [["a,b,c", ",", "2"], ["a,b,c", ",", "4"], ["a,b,c", ",", "-1"], ["a,b,c", ",", "-4"], ["a,b,c", ",", "0"], ["abc", "", "1"], ["abc", "", "2"], ["", ",", "1"], ["a--b--c", "--", "3"]]) {
  call("split_part", tx(s!), tx(d!), i4(n!));
}
call("starts_with", tx("hello"), tx("he"));
call("starts_with", tx("hello"), tx("lo"));
call("md5", ["bytea", "\\x00ff"]);
for (const v of ["255", "-1", "0", "2147483647"]) call("to_hex", i4(v));
call("to_hex", i8("-1"));
call("to_hex", i8("1099511627776"));
for (const v of ["65", "233", "128512", "0", "-1", "1114112", "55296"]) call("chr", i4(v));
call("concat", tx("a"), i4("1"), NUL, ["bool", "t"], nm("1.50"), ["date", "2024-01-02"]);
call("concat", un("a"), un("b"));
call("concat");
call("concat", NUL);
call("concat_ws", tx(","), tx("a"), NUL, i4("2"));
call("concat_ws", NUL, tx("a"));
call("concat_ws", tx(""), tx("a"), tx("b"));
call("format", tx("Hello %s, %I and %L"), tx("World"), tx("My Table"), tx("O'Reilly"));
call("format", tx("%s|%s"), NUL, i4("5"));
call("format", tx("%L"), NUL);
call("format", tx("%L"), tx("back\\slash"));
call("format", tx("%I"), tx("select"));
call("format", tx("%I"), tx("abc_1"));
call("format", tx("%I"), tx("Abc"));
call("format", tx("%2$s %1$s"), tx("a"), tx("b"));
call("format", tx("%s %s"), tx("a"));
call("format", tx("%x"), tx("a"));
call("format", tx("100%%"));
call("format", NUL);
call("format", tx("%s"), ["bool", "t"]);
call("format", tx("%I"), NUL);
call("quote_ident", tx("foo bar"));
call("quote_literal", tx("it's"));

for (const [a, b] of [["abc", "def"], ["", "x"]]) op("||", tx(a!), tx(b!));
op("||", tx("a"), i4("1"));
op("||", i4("1"), tx("a"));
op("||", un("a"), un("b"));
op("||", un("a"), i4("1"));
op("||", tx("a"), ["bool", "t"]);
op("||", tx("a"), nm("1.50"));
op("||", tx("a"), NUL);
op("||", ["varchar", "ab"], ["bpchar", "cd  "]);
op("||", i4("1"), i4("2"));
op("||", ["bytea", "\\x01"], ["bytea", "\\x02"]);

for (const [s, p] of [["hello", "h%"], ["hello", "%LL%"], ["hello", "h_llo"], ["h%llo", "h\\%llo"], ["hello", "h\\%llo"], ["a.b", "a.b"], ["axb", "a.b"], ["", "%"], ["hello", "hello\\"], ["Straße", "%SSE"], ["line\nbreak", "line%"], ["(x)", "(%)"]]) {
  op("~~", tx(s!), tx(p!));
  op("~~*", tx(s!), tx(p!));
  op("!~~", tx(s!), tx(p!));
  op("!~~*", tx(s!), tx(p!));
}
op("~~", ["bpchar", "ab  "], tx("ab"));
op("~~", tx("ab"), NUL);
for (const [p, e] of [["a!%b", "!"], ["a%b", ""], ["a\\b", "!"], ["ab!", "!"], ["x", "ab"]]) call("like_escape", tx(p!), tx(e!));
for (const [s, p] of [["hello", "^h.*o$"], ["hello", "L+"], ["hello", "[[:alpha:]]+"], ["abc123", "[[:digit:]]{3}"], ["foo bar", "\\mbar"], ["foo bar", "o\\M"], ["foo", "("], ["line\nbreak", "line.break"], ["x", "a|x"], ["ABC", "abc"], ["a+b", "a\\+b"], ["éa", "^.a$"]]) {
  op("~", tx(s!), tx(p!));
  op("~*", tx(s!), tx(p!));
  op("!~", tx(s!), tx(p!));
  op("!~*", tx(s!), tx(p!));
}

// ---- date and time -------------------------------------------------------------------------
const TS = ["2024-02-29 13:45:56.789012", "2000-01-01 00:00:00", "1999-12-31 23:59:59.5", "0044-03-15 12:00:00 BC", "2021-01-03 00:00:00", "1970-01-01 00:00:00", "infinity", "-infinity"];
const FIELDS = ["year", "month", "day", "hour", "minute", "second", "milliseconds", "microseconds", "epoch", "dow", "isodow", "doy", "week", "quarter", "decade", "century", "millennium", "isoyear", "YEAR", "foo", "timezone"];
for (const t of TS) {
  for (const f of FIELDS) {
    call("date_part", tx(f), ["timestamp", t]);
    call("extract", tx(f), ["timestamp", t]);
  }
  for (const f of ["microseconds", "milliseconds", "second", "minute", "hour", "day", "week", "month", "quarter", "year", "decade", "century", "millennium", "dow", "foo"]) {
    call("date_trunc", tx(f), ["timestamp", t]);
  }
  call("date_trunc", tx("day"), ["timestamptz", t]);
  call("extract", tx("epoch"), ["timestamptz", t]);
  call("extract", tx("timezone"), ["timestamptz", t]);
}
for (const d of ["2024-02-29", "0001-01-01", "0001-12-31 BC", "infinity"]) {
  for (const f of ["year", "month", "day", "doy", "dow", "epoch", "hour", "week", "century", "decade"]) call("extract", tx(f), ["date", d]);
  call("date_part", tx("year"), ["date", d]);
  call("date_trunc", tx("month"), ["date", d]);
}
for (const [y, m, d] of [["2024", "2", "29"], ["2023", "2", "29"], ["-44", "3", "15"], ["0", "1", "1"], ["2024", "13", "1"], ["5874898", "1", "1"]]) call("make_date", i4(y!), i4(m!), i4(d!));
op("+", ["date", "2024-02-28"], i4("2"));
op("+", i4("2"), ["date", "2024-02-28"]);
op("-", ["date", "2024-03-01"], i4("1"));
op("-", ["date", "2024-03-01"], ["date", "2024-01-01"]);
op("-", ["date", "infinity"], ["date", "2024-01-01"]);
op("+", ["date", "infinity"], i4("1"));
op("+", ["date", "5874897-12-31"], i4("1"));

// ---- json ----------------------------------------------------------------------------------
call("json_build_object", un("a"), i4("1"), un("b"), tx("x\"y"), un("c"), NUL, un("d"), ["bool", "t"], un("e"), f8("NaN"), un("f"), ["jsonb", '{"z": [1, 2]}']);
call("json_build_object", un("t"), ["timestamp", "2024-01-02 03:04:05.5"], un("tz"), ["timestamptz", "2024-01-02 03:04:05"], un("d"), ["date", "2024-01-02"]);
call("json_build_object");
call("json_build_object", un("a"));
call("json_build_object", NUL, i4("1"));
call("json_build_object", i4("1"), i4("2"));
call("jsonb_build_object", un("b"), i4("1"), un("a"), nm("2.50"), un("b"), i4("3"));
call("json_build_array", i4("1"), tx("a"), NUL);
call("jsonb_build_array", i4("1"), tx("a"), NUL);
const J = '{"a": {"b": [10, 20, {"c": "x"}]}, "s": "str", "n": null, "num": 1.50}';
for (const k of ["a", "s", "n", "num", "missing"]) {
  op("->", ["jsonb", J], tx(k));
  op("->>", ["jsonb", J], tx(k));
}
op("->", ["jsonb", J], un("a"));
for (const k of ["0", "1", "-1", "5"]) {
  op("->", ["jsonb", "[1, \"two\", [3]]"], i4(k));
  op("->>", ["jsonb", "[1, \"two\", [3]]"], i4(k));
}
op("->", ["jsonb", '"scalar"'], i4("0"));
for (const p of ["{a,b,1}", "{a,b,-1,c}", "{a,b,x}", "{s}", "{}", "{n}", "{a,b,2,c}", '{"a"}']) {
  op("#>", ["jsonb", J], ["text[]", p]);
  op("#>>", ["jsonb", J], ["text[]", p]);
}
for (const j of ['{"a":1}', "[1]", '"s"', "1", "true", "null"]) call("jsonb_typeof", ["jsonb", j]);
const JT = '{ "a" : {"b":[10,  20, {"c":"x\\n"}]}, "a2": 1, "dup": 1, "dup": [2 ,3], "s": "q\\"uote", "n": null }';
for (const k of ["a", "a2", "dup", "s", "n", "missing", "0"]) {
  op("->", ["json", JT], tx(k));
  op("->>", ["json", JT], tx(k));
}
for (const k of ["0", "1", "-1", "3"]) {
  op("->", ["json", '[1, "two", {"x": [ 3 ]}]'], i4(k));
  op("->>", ["json", '[1, "two", {"x": [ 3 ]}]'], i4(k));
}
op("->", ["json", "[1]"], tx("0"));
for (const p of ["{a,b,2,c}", "{a,b,1}", "{a}", "{}", "{dup,1}", "{s}", "{n}", "{x}"]) {
  op("#>", ["json", JT], ["text[]", p]);
  op("#>>", ["json", JT], ["text[]", p]);
}

// ---- resolution errors ---------------------------------------------------------------------
call("nosuchfunction", i4("1"));
call("length", i4("1"));
call("substr", tx("x"));
op("-", tx("a"));
op("+", un("1"), un("2"));
call("abs", un("1"));
call("mod", un("7"), un("2"));
call("round", un("2.5"));
call("sqrt", un("4"));
call("date_part", un("year"), un("2024-01-02"));
call("date_trunc", un("month"), ["date", "2024-01-02"]);
op("-", un("5"));
op("=", un("a"), un("b"));
op("<", i4("1"), f8("1.5"));
op("=", ["varchar", "a"], ["bpchar", "a  "]);
op("||", ["jsonb", "[1]"], tx("x"));

// ---- run -----------------------------------------------------------------------------------
function argSql([type, text]: Arg): string {
  if (type === "null") return "NULL";
  if (type === "unknown") return lit(text!);
  return text === null ? `NULL::${type}` : `${lit(text)}::${type}`;
}

function exprSql(c: Case): string {
  const args = c.args.map(argSql);
  if (c.k === "fn") return `"${c.name}"(${args.join(", ")})`;
  return args.length === 1 ? `(${c.name} ${args[0]})` : `(${args[0]} ${c.name} ${args[1]})`;
}

const setup = [
  "SET client_min_messages = error",
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, MDY'",
  "SET extra_float_digits = 1",
  "SET bytea_output = 'hex'",
  "SET standard_conforming_strings = on",
  `CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $f$
   DECLARE r text; st text; msg text;
   BEGIN
     EXECUTE q INTO r;
     RETURN json_build_object('out', r)::text;
   EXCEPTION WHEN others THEN
     GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
     RETURN json_build_object('err', st, 'msg', msg)::text;
   END $f$`,
];
const queries = cases.map((c) => {
  const e = exprSql(c);
  return `SELECT json_build_array(CASE WHEN e IS NULL THEN NULL ELSE format('%s', e) END, pg_typeof(e)::text)::text FROM (SELECT ${e} AS e) s`;
});
const script = [...setup.map((s) => s + ";"), ...queries.map((q) => `SELECT pg_temp.try(${lit(q)});`)].join("\n");
const output = execFileSync("psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], { input: script, encoding: "utf8", maxBuffer: 1 << 28 });
const lines = output.split("\n").filter((l) => l.startsWith("{"));
if (lines.length !== cases.length) throw new Error(`expected ${cases.length} results, got ${lines.length}`);
const version = execFileSync("psql", ["-X", "-A", "-t", "-c", "SHOW server_version"], { encoding: "utf8" }).trim();
process.stdout.write(JSON.stringify({ k: "meta", server_version: version, generated_by: "generate-golden.ts" }) + "\n");
cases.forEach((c, i) => {
  const res = JSON.parse(lines[i]!) as { out?: string | null; err?: string; msg?: string };
  if (res.err !== undefined) {
    process.stdout.write(JSON.stringify({ ...c, err: res.err, msg: res.msg ?? "" }) + "\n");
  } else {
    const [out, type] = JSON.parse(res.out!) as [string | null, string];
    process.stdout.write(JSON.stringify({ ...c, out, type }) + "\n");
  }
});
