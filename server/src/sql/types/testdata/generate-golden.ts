/**
 * Generates golden.jsonl: what PostgreSQL 15 answers for the type system's cases. Tests read the
 * committed file and never need PostgreSQL. Regenerate against a throwaway server (local socket
 * or 127.0.0.1 only) with:
 *
 *   cd server && PGHOST=/tmp/sock PGPORT=54873 PGUSER=postgres node --import tsx \
 *     src/sql/types/testdata/generate-golden.ts > src/sql/types/testdata/golden.jsonl
 *
 * Each line is one JSON record; `k` names the kind of case:
 *   io       input text through a column of the type (assignment, as INSERT or COPY) →
 *            output text and the binary send format in hex, or the error
 *   cast     value of one type cast to another, explicitly or on assignment
 *   castable whether a cast from one type to another exists in each context
 *   common   the result type of `SELECT a UNION ALL SELECT b ...`
 *   order    the rank of each value under ORDER BY (ties share a rank)
 *   typename format_type of a column declared with a type name
 */
import { execFileSync } from "node:child_process";
import { mulberry32 as rng } from "../../../common/mulberry32.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const SEND: Record<string, string> = {
  bool: "boolsend",
  int2: "int2send",
  int4: "int4send",
  int8: "int8send",
  float4: "float4send",
  float8: "float8send",
  numeric: "numeric_send",
  text: "textsend",
  varchar: "varcharsend",
  bpchar: "bpcharsend",
  bytea: "byteasend",
  date: "date_send",
  timestamp: "timestamp_send",
  timestamptz: "timestamptz_send",
  uuid: "uuid_send",
  json: "json_send",
  jsonb: "jsonb_send",
};

/** The base type name (pg_type.typname) of a type name with modifiers. */
function baseName(typeName: string): string {
  const n = typeName.replace(/\(.*\)/, "").trim();
  return n === "char" ? "bpchar" : n;
}

const tables = new Map<string, string>();
function tableFor(typeName: string): string {
  let t = tables.get(typeName);
  if (t === undefined) {
    t = `t${tables.size}`;
    tables.set(typeName, t);
  }
  return t;
}

interface Query {
  record: { [k: string]: Json };
  sql: string;
}
const queries: Query[] = [];

// ---- io: input and output per type --------------------------------------------------------

const IO: Record<string, string[]> = {
  bool: ["t", "f", "true", "FALSE", " yes ", "no", "on", "off", "of", "o", "1", "0", "y", "n", "tr", "tru", "fa", "2", "", "  TRUE  ", "truex", "\ttrue\n"],
  int2: ["0", "32767", "-32768", "32768", "-32769", " 42 ", "+7", "-0", "1.5", "abc", "", " ", "1e3", "0x10", "1_000", "007", "- 1"],
  int4: ["0", "2147483647", "-2147483648", "2147483648", "99999999999", "  42 ", "+42", "abc", "1.5", "", "\t-17\n", "00000000000000000000042", "4 2"],
  int8: ["0", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", " 123 ", "1e3", "abc", "99999999999999999999999"],
  float4: [
    "0", "-0", "1", "0.1", "1.5", "3.4028235e38", "3.4028236e38", "1e39", "1e-45", "1e-46", "1.17549435e-38", "NaN", "nan", "Infinity", "-Infinity", "inf", "-inf", "+inf",
    "  1.5  ", "1e", "abc", "", "123456", "1234567", "0.0001", "0.00001", "1e6", "100000", "16777217", "0x10", "3.14159265358979", "1.", ".5", "+.5e1", "-1.5E+3",
  ],
  float8: [
    "0", "-0", "1", "0.1", "0.5", "1e100", "1e+100", "1.7976931348623157e308", "1.8e308", "4.9e-324", "2e-324", "1e-400", "1e400", "NaN", "-nan", "Infinity", "-Infinity", "inf", "INFINITY",
    "  -1.5  ", "1e", "abc", "", "1e15", "1e14", "123456789012345678", "0.0001", "0.00001", "1.5e-5", "0x10", "0x1p3", "0x1.8p1", "-0x10", "1_0", "1.", ".", "3.141592653589793", "1/3",
  ],
  numeric: [
    "0", "-0", "1.50", "-1.50", "0.000100", "1e3", "1.5e-3", "1E+2", ".5", "5.", "+.5", "  12.340  ", "NaN", "nan", "Infinity", "-Infinity", "inf", "-inf", "+inf", "+nan", "abc", "",
    "1 e3", "1e", ".", "-", "1_000", "0x10", "123456789012345678901234567890.123456789012345678901234567890", "1e-20", "-0.00", "1e131072", "1e-16384", "1e131071", "99999999999999999999e-5",
  ],
  "numeric(5,2)": ["3.14159", "999.994", "999.995", "-999.995", "0.005", "-0.005", "1e2", "NaN", "Infinity", "12", "1234"],
  "numeric(3)": ["1.5", "2.5", "-2.5", "999.4", "999.5", "0.4"],
  "numeric(5,-2)": ["123456", "12345", "1234567", "49", "50", "-50"],
  "numeric(3,5)": ["0.001", "0.00999", "0.01", "0.009995"],
  text: ["", "abc", "  spaced  ", "é漢字😀", "tab\there", "line\nbreak", "back\\slash", "quote'", "\u0000"],
  varchar: ["abc", "", "é漢字😀"],
  "varchar(3)": ["abc", "ab", "abcd", "abc   ", "ab  c", "😀😀😀", "😀😀😀😀", "😀😀😀 "],
  "char(3)": ["a", "abc", "abc  ", "abcd", "", "é", "😀😀😀"],
  char: ["a", "ab", "a ", ""],
  bpchar: ["abc  ", "a"],
  bytea: ["\\x", "\\x4142", "\\X4142", "\\x 41 42", "\\x41\n42", "\\x414", "\\xg1", "\\x4g", "abc", "a\\\\b", "\\001\\377", "\\400", "\\8", "a\\", "é", "\\x00ff7F80", ""],
  date: [
    "2024-01-02", "  2024-01-02  ", "2024-1-2", "2024-02-29", "2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "0001-01-01", "0001-12-31 BC", "0044-03-15 BC", "4713-11-24 BC", "4713-11-23 BC",
    "5874897-12-31", "5874898-01-01", "294276-12-31", "10000-01-01", "infinity", "-infinity", "+infinity", "epoch", "20240102", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "foo", "",
    "2024-01-02 foo", "0000-01-01", "1970-01-01", "1969-12-31", "2000-01-01", "1582-10-10", "24-01-02", "2024-01-02 bc", "2024-01-02 AD",
  ],
  timestamp: [
    "2024-01-02 03:04:05", "2024-01-02 03:04:05.123456", "2024-01-02 03:04:05.1", "2024-01-02 03:04:05.120", "2024-01-02T03:04:05", "2024-01-02", "2024-01-02 03:04", "2024-01-02 3:4:5",
    "2024-01-02 03:04:05+05", "2024-01-02 03:04:05Z", "2024-01-02 24:00", "2024-01-02 24:00:01", "2024-01-02 25:00", "2024-01-02 03:60", "2024-12-31 23:59:60", "2024-01-02 03:04:05.1234565",
    "2024-01-02 03:04:05.1234575", "2024-01-02 03:04:05.9999995", "infinity", "-infinity", "epoch", "0001-01-01 00:00:00", "0001-12-31 23:59:59.5 BC", "4713-11-24 00:00:00 BC", "4713-11-23 23:59:59 BC",
    "294276-12-31 23:59:59", "294277-01-01 00:00:00", "9999-12-31 23:59:59", "9999-12-31 23:59:59.999", "1684-06-24 00:00:00.000001", "2255-06-04 23:59:59.999999", "1900-01-01 00:00:00.5",
    "1999-12-31 23:59:59.999999", "1970-01-01 00:00:00.000001", "1969-12-31 23:59:59.999999", "foo", "2024-01-02 03:04:05 foo", "", "2024-01-02T03:04:05.5+01:00", "2024-01-02 03:04:05.",
  ],
  "timestamp(0)": ["2024-01-02 03:04:05.5", "2024-01-02 03:04:05.4999", "1999-12-31 23:59:59.5", "1969-12-31 23:59:59.5", "1960-01-01 00:00:00.5"],
  "timestamp(3)": ["2024-01-02 03:04:05.1235", "2024-01-02 03:04:05.1234", "1990-01-01 00:00:00.0005", "infinity"],
  timestamptz: [
    "2024-01-02 03:04:05", "2024-01-02 03:04:05+00", "2024-01-02 03:04:05+05", "2024-01-02 03:04:05-05", "2024-01-02 03:04:05+05:30", "2024-01-02 03:04:05 +0530", "2024-01-02 03:04:05-05:30:15",
    "2024-01-02 03:04:05+16", "2024-01-02 03:04:05+15:59", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123z", "2024-01-02 03:04:05 UTC", "2024-01-02 03:04:05 GMT", "2024-01-02",
    "2024-01-02 03:04:05+05 BC", "infinity", "-infinity", "epoch", "2024-01-02 03:04:05 foo", "2024-01-02 03:04:05 +05:00",
  ],
  "timestamptz(2)": ["2024-01-02 03:04:05.125+00", "2024-01-02 03:04:05.135"],
  uuid: [
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
    "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
    " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ", "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x",
    "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
  ],
  json: [
    '{"a":1}', ' { "b" : [1, 2.50, "x"] , "a" : null } ', "[]", "{}", "1", "-0", "1.5e3", '"str"', "true", "null", '{"a":1,"a":2}', '"\\u00e9\\n"', '"\\u0000"', '"\\ud83d\\ude00"',
    '"\\ud83d"', '"\\ude00"', '"\\ud83d\\ud83d"', '{"a":1', '{"a" 1}', "[1,]", "01", "1.", ".5", "-", "+1", "1e", "tru", "True", "nul", '"a\tb"', '"\\x"', '"\\u12"', '"\\uzzzz"',
    "[1 2]", '{"a":1,}', "", "   ", '{"a":1} x', "NaN", "Infinity", "1e400", '"é漢字😀"', "[[[[[]]]]]",
  ],
  jsonb: [
    '{"a":1}', ' { "b" : [1, 2.50, "x"] , "a" : null } ', "[]", "{}", "1", "-0", "-0.0", "1.5e3", "1E+2", "1e-3", "1.0", "100e-2", '"str"', "true", "false", "null",
    '{"a":1,"a":2}', '{"b":1,"aa":2,"a":3,"é":4,"z":5}', '{"aaa":1,"bb":2,"c":3}', '"\\u00e9\\n\\t\\b\\f\\r\\"\\\\\\/"', '"\\u0000"', '"\\u0001\\u001f\\u007f"', '"\\ud83d\\ude00"',
    '"\\ud83d"', '{"a":1', "[1,]", "01", "1.", "tru", '"a\tb"', '"\\x"', "", '{"a":1} x', "[1, [2, [3, {\"k\": [true, false, null]}]]]", "1e400", "123456789012345678901234567890",
    '{"x": {"b": 1, "a": 2}, "y": [{"d": 1, "c": 2}]}', '"é漢字😀"', '{"😀":1,"é":2,"ab":3}', "0.000000000000000000001", "-1.50E-5",
  ],
};

const r = rng(20240601);
for (let i = 0; i < 1500; i++) {
  // Random doubles over the whole exponent range, and random float32 bit patterns.
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  u32[0] = Math.floor(r() * 2 ** 32);
  u32[1] = Math.floor(r() * 2 ** 32);
  if (Number.isFinite(f64[0]!)) IO.float8!.push(f64[0]!.toPrecision(17));
  const f32 = new Float32Array(1);
  new Uint32Array(f32.buffer)[0] = Math.floor(r() * 2 ** 32);
  if (Number.isFinite(f32[0]!)) IO.float4!.push(f32[0]!.toPrecision(17));
}
for (let i = 0; i < 300; i++) {
  // Short decimals are where shortest-digit output and notation thresholds matter.
  const digits = Math.floor(r() * 1e6);
  const exp = Math.floor(r() * 50) - 25;
  IO.float8!.push(`${digits}e${exp}`);
  IO.float4!.push(`${digits % 100000}e${Math.floor(exp / 2)}`);
}
for (let i = 0; i < 300; i++) {
  // Timestamps within the microsecond-exact range, and dates over the whole range.
  const us = Math.floor((r() - 0.5) * 2 * 2 ** 53);
  const d = new Date(Math.floor(us / 1000));
  const iso = d.toISOString();
  if (/^\d{4}-/.test(iso)) IO.timestamp!.push(`${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(((us % 1e6) + 1e6) % 1e6).padStart(6, "0")}`);
  const year = 1 + Math.floor(r() * 9998);
  IO.date!.push(`${String(year).padStart(4, "0")}-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}${r() < 0.2 ? " BC" : ""}`);
}
for (let i = 0; i < 200; i++) {
  const intDigits = Math.floor(r() * 30);
  const fracDigits = Math.floor(r() * 30);
  let s = r() < 0.3 ? "-" : "";
  for (let k = 0; k < intDigits; k++) s += Math.floor(r() * 10);
  if (fracDigits > 0) s += ".";
  for (let k = 0; k < fracDigits; k++) s += Math.floor(r() * 10);
  if (/\d/.test(s)) IO.numeric!.push(s);
}

for (const [typeName, inputs] of Object.entries(IO)) {
  const table = tableFor(typeName);
  const send = SEND[baseName(typeName)];
  for (const input of inputs) {
    // NUL cannot travel in a PostgreSQL string literal; the test expects the UTF-8 error.
    if (input.includes("\u0000")) continue;
    const bin = send === undefined ? "NULL" : `encode(${send}(c), 'hex')`;
    queries.push({
      record: { k: "io", type: typeName, in: input },
      sql: `INSERT INTO ${table} VALUES (${lit(input)}) RETURNING json_build_array(format('%s', c), ${bin})::text`,
    });
  }
}

// ---- cast: values converted between types -------------------------------------------------

const SOURCES: [string, string[]][] = [
  ["int2", ["0", "-1", "32767", "-32768"]],
  ["int4", ["1", "100000", "2147483647", "-2147483648", "0"]],
  ["int8", ["123", "2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808", "1"]],
  ["float4", ["1.5", "2.5", "-2.5", "0.1", "3.4e38", "1e-40", "NaN", "Infinity", "-0", "123456789", "32767.5", "2147483520"]],
  ["float8", ["0.5", "1.5", "2.5", "-2.5", "-0.5", "0.1", "1e308", "1e-308", "NaN", "-Infinity", "2147483647.5", "2147483647.4", "-2147483648.5", "9.3e18", "9.2e18", "123.456", "1e-5", "1e20", "-0", "1.0000000000000002"]],
  ["numeric", ["1.5", "2.5", "-2.5", "-0.5", "0.49999", "NaN", "Infinity", "-Infinity", "123.456", "99999999999999999999", "1e-50", "1.23456789012345678901", "32767.5", "-32768.5", "3.4028236e38", "1e400", "0.1", "1.50", "12345.678"]],
  ["bool", ["t", "f"]],
  ["text", ["42", " 42 ", "abc", "2024-01-02", "t", '{"b":1,"a":2}', "[1,2]", "abcdef", "abc   ", "1.5", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "\\x41"]],
  ["varchar(5)", ["abc", "abcde"]],
  ["char(5)", ["ab", "abcde"]],
  ["bytea", ["\\x00ff", "\\x"]],
  ["date", ["2024-01-02", "infinity", "-infinity", "0044-03-15 BC"]],
  ["timestamp", ["2024-01-02 03:04:05.678", "infinity", "1999-12-31 23:59:59.5"]],
  ["timestamptz", ["2024-01-02 03:04:05.678+00", "-infinity"]],
  ["uuid", ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]],
  ["json", ['{"b":1,"a":2}', "[1,2]", "1.5", '"x"', "true", "null", "12"]],
  ["jsonb", ['{"a":1}', "[1,2]", "1.5", '"x"', "true", "null", "12", "2147483648", "1.50e2"]],
];
const TARGETS = [
  "bool", "int2", "int4", "int8", "float4", "float8", "numeric", "numeric(5,2)", "numeric(3,-1)", "text", "varchar", "varchar(3)", "char(3)", "bpchar", "bytea", "date", "timestamp",
  "timestamp(0)", "timestamptz", "timestamptz(2)", "uuid", "json", "jsonb",
];
for (const [from, values] of SOURCES) {
  for (const v of values) {
    for (const to of TARGETS) {
      const table = tableFor(to);
      queries.push({ record: { k: "cast", from, in: v, to, ctx: "explicit" }, sql: `SELECT format('%s', (${lit(v)}::${from})::${to})` });
      queries.push({
        record: { k: "cast", from, in: v, to, ctx: "assignment" },
        sql: `INSERT INTO ${table} SELECT ${lit(v)}::${from} RETURNING format('%s', c)`,
      });
    }
  }
}

// ---- castable: which casts exist in which context -----------------------------------------

const MATRIX = ["bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bpchar", "bytea", "date", "timestamp", "timestamptz", "uuid", "json", "jsonb"];
for (const from of MATRIX) {
  for (const to of MATRIX) {
    queries.push({ record: { k: "castable", from, to, ctx: "explicit" }, sql: `SELECT (NULL::${from})::${to}::text` });
    queries.push({ record: { k: "castable", from, to, ctx: "assignment" }, sql: `INSERT INTO ${tableFor(to)} SELECT NULL::${from} RETURNING 'x'` });
    queries.push({ record: { k: "castable", from, to, ctx: "implicit" }, sql: `SELECT pg_temp.f_${to}(NULL::${from})` });
  }
}

// ---- common: UNION result types -----------------------------------------------------------

const COMMON_INPUTS = [...MATRIX, "unknown", "null", "varchar(3)", "varchar(5)", "numeric(5,2)", "numeric(6,2)", "char(2)", "timestamp(3)"];
const expr = (t: string): string => (t === "unknown" ? "'1'" : t === "null" ? "NULL" : `NULL::${t}`);
for (const a of COMMON_INPUTS) {
  for (const b of COMMON_INPUTS) {
    queries.push({ record: { k: "common", types: [a, b] }, sql: `SELECT pg_temp.result_type(${lit(`SELECT ${expr(a)} UNION ALL SELECT ${expr(b)}`)})` });
  }
}
const TRIPLES = [
  ["int2", "int8", "int4"], ["int4", "numeric", "float4"], ["unknown", "int4", "unknown"], ["null", "null", "null"], ["unknown", "unknown"], ["text", "varchar", "bpchar"], ["bpchar", "varchar"],
  ["date", "timestamp", "timestamptz"], ["float4", "numeric"], ["numeric", "float4", "int8"], ["varchar(3)", "varchar(3)", "unknown"], ["int4", "text"], ["null", "int4", "int8"], ["jsonb", "json"],
  ["uuid", "text"], ["unknown", "bool"], ["int4", "unknown", "bool"],
];
for (const types of TRIPLES) {
  queries.push({ record: { k: "common", types }, sql: `SELECT pg_temp.result_type(${lit(types.map((t) => `SELECT ${expr(t)}`).join(" UNION ALL "))})` });
}

// ---- order: ORDER BY ranks ----------------------------------------------------------------

const ORDER: Record<string, string[]> = {
  bool: ["t", "f", "true"],
  int4: ["3", "-1", "0", "2147483647", "-2147483648", "3"],
  int8: ["9223372036854775807", "-9223372036854775808", "0", "-1", "1"],
  float4: ["NaN", "Infinity", "-Infinity", "0", "-0", "1.5", "-1.5", "1e-45", "3.4e38", "NaN"],
  float8: ["NaN", "Infinity", "-Infinity", "0", "-0", "1.5", "-1.5", "5e-324", "1.7976931348623157e308", "-NaN", "0.1", "0.30000000000000004"],
  numeric: ["NaN", "Infinity", "-Infinity", "0", "-0.00", "1.5", "1.50", "-1.5", "1e-50", "-1e-50", "99999999999999999999", "1e20", "100000000000000000000.000", "0.1"],
  text: ["b", "a", "B", "", "a ", "ab", "é", "z", "😀", "\uffff", "漢", "A", "a\t"],
  varchar: ["b", "a", "a ", "ab"],
  "char(3)": ["a", "a  ", "ab", "b", "", "a\t"],
  bytea: ["\\x", "\\x00", "\\x0000", "\\x01", "\\xff", "\\x00ff", "\\xff00"],
  date: ["2024-01-02", "infinity", "-infinity", "0044-03-15 BC", "1970-01-01", "2024-01-01"],
  timestamp: ["2024-01-02 03:04:05", "infinity", "-infinity", "2024-01-02 03:04:05.000001", "1969-12-31 23:59:59.999999", "1970-01-01"],
  timestamptz: ["2024-01-02 03:04:05+00", "2024-01-02 03:04:05+01", "infinity"],
  uuid: ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12", "80000000-0000-0000-0000-000000000000"],
  jsonb: [
    "null", "[]", "{}", "1", "1.0", "2", "-1", '"a"', '"b"', '""', '"ab"', "true", "false", "[1]", "[[]]", "[1, 2]", '["a"]', "[null]", "[true]", '{"a": 1}', '{"b": 1}', '{"aa": 1}',
    '{"a": 1, "b": 2}', '{"a": null}', '{"a": [1]}', '{"a": {"b": 1}}', "[1, [2]]", "[1, {}]", '[{"a": 1}]', "[[1, 2]]", "[[3]]", '{"b": 1, "aa": 2}', '{"c": 1, "aa": 2}', '{"a": "x"}',
    '{"a": 1.5}', "[{}]", "[[]]", '[""]', "1e2", "100",
  ],
};
for (const [typeName, values] of Object.entries(ORDER)) {
  const rows = values.map((v, i) => `(${i}, ${lit(v)}::${typeName})`).join(", ");
  queries.push({
    record: { k: "order", type: typeName, values },
    sql: `SELECT json_agg(rk ORDER BY i)::text FROM (SELECT i, dense_rank() OVER (ORDER BY v) AS rk FROM (VALUES ${rows}) AS s(i, v)) AS q`,
  });
}

// ---- typename: names as PostgreSQL spells them --------------------------------------------

const TYPENAMES = [
  "integer", "int", "int4", "bigint", "int8", "smallint", "int2", "real", "float4", "double precision", "float8", "float", "float(1)", "float(24)", "float(25)", "float(53)", "float(0)", "float(54)",
  "boolean", "bool", "text", "character varying", "character varying(10)", "varchar", "varchar(255)", "varchar(0)", "char", "character", "character(5)", "char(5)", "bpchar", "bpchar(3)",
  "char varying(4)", "varchar(10485761)", "numeric", "numeric(10)", "numeric(10,2)", "numeric(10, -2)", "numeric(1001)", "numeric(5,1001)", "numeric(0)", "decimal", "decimal(10,2)", "dec(4,1)",
  "bytea", "date", "timestamp", "timestamp without time zone", "timestamp(3) without time zone", "timestamp(0)", "timestamp(7)", "timestamp with time zone", "timestamptz", "timestamptz(3)",
  "timestamp(6) with time zone", "uuid", "json", "jsonb", "serial", "bigserial", "smallserial", "serial4", "serial8", "int4(3)", "text(5)", "foo", "INTEGER", "Double Precision",
];
for (const name of TYPENAMES) {
  queries.push({ record: { k: "typename", name }, sql: `SELECT pg_temp.declared_type(${lit(name)})` });
}

// ---- run ---------------------------------------------------------------------------------

const setup: string[] = [
  "SET client_min_messages = error",
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, MDY'",
  "SET extra_float_digits = 1",
  "SET bytea_output = 'hex'",
  `CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $f$
   DECLARE r text; st text; msg text; det text;
   BEGIN
     EXECUTE q INTO r;
     RETURN json_build_object('out', r)::text;
   EXCEPTION WHEN others THEN
     GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
     RETURN json_build_object('err', st, 'msg', msg, 'detail', nullif(det, ''))::text;
   END $f$`,
  `CREATE FUNCTION pg_temp.result_type(q text) RETURNS text LANGUAGE plpgsql AS $f$
   DECLARE r text;
   BEGIN
     EXECUTE 'DROP VIEW IF EXISTS pg_temp.rv';
     EXECUTE 'CREATE TEMP VIEW rv AS ' || q;
     SELECT format_type(atttypid, atttypmod) INTO r FROM pg_attribute WHERE attrelid = 'pg_temp.rv'::regclass AND attnum = 1;
     RETURN r;
   END $f$`,
  `CREATE FUNCTION pg_temp.declared_type(n text) RETURNS text LANGUAGE plpgsql AS $f$
   DECLARE r text;
   BEGIN
     EXECUTE 'DROP TABLE IF EXISTS pg_temp.dt';
     EXECUTE 'CREATE TEMP TABLE dt (c ' || n || ')';
     SELECT format_type(atttypid, atttypmod) INTO r FROM pg_attribute WHERE attrelid = 'pg_temp.dt'::regclass AND attnum = 1;
     RETURN r;
   END $f$`,
  ...MATRIX.map((t) => `CREATE FUNCTION pg_temp.f_${t}(x ${t}) RETURNS text LANGUAGE sql AS $f$ SELECT 'x' $f$`),
  ...[...tables.entries()].map(([typeName, table]) => `CREATE TEMP TABLE ${table} (c ${typeName})`),
];

const script = [...setup.map((s) => s + ";"), ...queries.map((q) => `SELECT pg_temp.try(${lit(q.sql)});`)].join("\n");
const output = execFileSync("psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], { input: script, encoding: "utf8", maxBuffer: 1 << 28 });
const lines = output.split("\n").filter((l) => l.startsWith("{"));
if (lines.length !== queries.length) throw new Error(`expected ${queries.length} results, got ${lines.length}`);
const version = execFileSync("psql", ["-X", "-A", "-t", "-c", "SHOW server_version"], { encoding: "utf8" }).trim();
process.stdout.write(JSON.stringify({ k: "meta", server_version: version, generated_by: "generate-golden.ts" }) + "\n");
queries.forEach((q, i) => {
  const res = JSON.parse(lines[i]!) as { out?: string | null; err?: string; msg?: string; detail?: string | null };
  const rec: { [k: string]: Json } = { ...q.record };
  if (res.err !== undefined) {
    rec.err = res.err;
    rec.msg = res.msg ?? "";
    if (res.detail) rec.detail = res.detail;
  } else if (q.record.k === "io") {
    const [text, bin] = JSON.parse(res.out!) as [string, string | null];
    rec.out = text;
    if (bin !== null) rec.bin = bin;
  } else if (q.record.k === "order") {
    rec.ranks = JSON.parse(res.out!) as Json;
  } else {
    rec.out = res.out ?? null;
  }
  process.stdout.write(JSON.stringify(rec) + "\n");
});
