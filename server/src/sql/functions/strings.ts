/**
 * String functions and operators: lengths, case, substrings, padding, trimming, concatenation,
 * format(), LIKE / ILIKE and POSIX regular expressions. Positions and lengths count characters
 * (code points), as PostgreSQL's UTF-8 databases do, never UTF-16 units.
 *
 * Case mapping is per code point (JS's mapping, but a character whose mapping would change its
 * length, such as ß → SS, stays as it is), approximating glibc's towupper/towlower in a UTF-8
 * locale.
 *
 * Regular expressions: PostgreSQL's are Spencer's AREs, run here by translating to JS RegExp
 * (flags u and s: `.` matches newline, as in an ARE without the n option). Translated: POSIX
 * bracket classes ([[:alpha:]] ...), \m \M \y \Y word boundaries, \Z, and the (?i) (?x) ... option
 * prefixes are not supported (2201B). Differences that remain: ARE's leftmost-longest matching of
 * alternations (JS takes the first alternative that matches, which only matters for what a match
 * covers, not whether one exists) and ARE-only escapes such as \< (rejected by JS as invalid).
 */
import { createHash } from "node:crypto";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { castValue, type SqlType, type SqlValue, formatText, TEXT } from "../types/index.js";
import { err, fn } from "./common.js";
import type { Overload } from "./registry.js";

const s = (v: SqlValue | undefined): string => v as string;
const i = (v: SqlValue | undefined): number => v as number;

/** Code points of a string (PostgreSQL characters). */
function chars(x: string): string[] {
  return Array.from(x);
}

function mapCase(x: string, upper: boolean): string {
  let out = "";
  for (const c of x) {
    const m = upper ? c.toUpperCase() : c.toLowerCase();
    out += Array.from(m).length === 1 ? m : c;
  }
  return out;
}

const ALNUM = /[\p{L}\p{N}]/u;

function initcap(x: string): string {
  let out = "";
  let inWord = false;
  for (const c of x) {
    out += inWord ? mapCase(c, false) : mapCase(c, true);
    inWord = ALNUM.test(c);
  }
  return out;
}

const MAX_ALLOC = 0x3fffffff;

function checkLength(n: number): void {
  if (n > MAX_ALLOC) throw err("requested length too large", "54000");
}

/** substr(s, start [, count]): the characters at positions start .. start+count-1 that exist. */
function substr(x: string, start: number, count?: number): string {
  if (count !== undefined && count < 0) throw err("negative substring length not allowed", "22011");
  const cs = chars(x);
  const from = Math.max(start, 1);
  const end = count === undefined ? cs.length + 1 : start + count;
  if (end <= from) return "";
  return cs.slice(from - 1, end - 1).join("");
}

function strpos(x: string, sub: string): number {
  const at = x.indexOf(sub);
  return at < 0 ? 0 : chars(x.slice(0, at)).length + 1;
}

function trim(x: string, set: string, left: boolean, right: boolean): string {
  const cs = chars(x);
  const drop = new Set(chars(set));
  let a = 0;
  let z = cs.length;
  if (left) while (a < z && drop.has(cs[a]!)) a++;
  if (right) while (z > a && drop.has(cs[z - 1]!)) z--;
  return cs.slice(a, z).join("");
}

function pad(x: string, len: number, fill: string, left: boolean): string {
  checkLength(len);
  const cs = chars(x);
  const target = Math.max(len, 0);
  if (cs.length >= target) return cs.slice(0, target).join("");
  const f = chars(fill);
  if (f.length === 0) return x;
  let padding = "";
  for (let k = 0; k < target - cs.length; k++) padding += f[k % f.length];
  return left ? padding + x : x + padding;
}

function leftRight(x: string, count: number, fromLeft: boolean): string {
  const cs = chars(x);
  const keep = count >= 0 ? Math.min(count, cs.length) : Math.max(cs.length + count, 0);
  return fromLeft ? cs.slice(0, keep).join("") : cs.slice(cs.length - keep).join("");
}

function splitPart(x: string, delim: string, field: number): string {
  if (field === 0) throw err("field position must not be zero", "22023");
  if (x === "") return "";
  const parts = delim === "" ? [x] : x.split(delim);
  const idx = field > 0 ? field - 1 : parts.length + field;
  return parts[idx] ?? "";
}

function toHex(v: number | bigint, bits: 32 | 64): string {
  return BigInt.asUintN(bits, BigInt(v)).toString(16);
}

function chr(code: number): string {
  if (code < 0) throw err("character number must be positive", "22023");
  if (code === 0) throw err("null character not permitted", "54000");
  if (code > 0x10ffff) throw err(`requested character too large for encoding: ${code}`, "54000");
  if (code >= 0xd800 && code <= 0xdfff) throw err(`requested character not valid for encoding: ${code}`, "54000");
  return String.fromCodePoint(code);
}

/** The output function's text of any value (concat, format, text || anynonarray). */
function outText(v: SqlValue | undefined, t: SqlType): string {
  return formatText(v!, t);
}

/** textanycat's `$2::text`: a cast, so booleans spell true/false and bpchar loses its padding. */
function asText(v: SqlValue | undefined, t: SqlType): string {
  return castValue(v!, t, TEXT, "explicit") as string;
}

/** quote_ident: identifiers that would not read back as themselves get double quotes. */
export function quoteIdent(x: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(x) && !RESERVED_WORDS.has(x)) return x;
  return `"${x.replace(/"/g, '""')}"`;
}

/** quote_literal: E'' form when backslashes are present, as PostgreSQL writes it. */
export function quoteLiteral(x: string): string {
  const body = x.replace(/'/g, "''");
  return x.includes("\\") ? `E'${body.replace(/\\/g, "\\\\")}'` : `'${body}'`;
}

// Keywords quote_ident quotes: PostgreSQL quotes every keyword that is not unreserved.
const RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    "all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast char character check coalesce collate collation column " +
    "concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user dec decimal default deferrable desc " +
    "distinct do else end except exists extract false fetch float for foreign freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect " +
    "interval into is isnull join lateral leading least left like limit localtime localtimestamp national natural nchar none normalize not notnull null nullif numeric offset on only or " +
    "order out outer overlaps overlay placing position precision primary real references returning right row select session_user setof similar smallint some substring symmetric " +
    "system_user table tablesample then time timestamp to trailing treat trim true union unique user using values varchar variadic verbose when where window with xmlattributes " +
    "xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable"
  ).split(" "),
);

/** format(): %s, %I, %L, %%, with optional n$ argument positions; widths and flags are not supported. */
/**
 * format(fmt, ...): %[n$][-][width]{s,I,L}, the width a number, `*` (the next argument) or `*n$`,
 * padding with spaces to the right (left with `-` or a negative width), as PostgreSQL's.
 */
function format(args: readonly SqlValue[], types: readonly SqlType[]): SqlValue {
  const f = args[0];
  if (f === null || f === undefined) return null;
  const spec = /%(?:(\d+)\$)?(-?)(\d+|\*(?:\d+\$)?)?([^])?/g;
  let next = 1;
  const argument = (pos: string | undefined): number => {
    let k: number;
    if (pos !== undefined) {
      k = Number(pos);
      if (k === 0) throw err("format specifies argument 0, but arguments are numbered from 1", "22023");
      next = k + 1;
    } else {
      k = next++;
    }
    if (k >= args.length) throw err("too few arguments for format()", "22023");
    return k;
  };
  return s(f).replace(spec, (_m, pos: string | undefined, minus: string, width: string | undefined, conv: string | undefined) => {
    if (conv === undefined) throw err("unterminated format() type specifier", "22023");
    if (conv === "%" && pos === undefined && minus === "" && width === undefined) return "%";
    if (conv !== "s" && conv !== "I" && conv !== "L") throw err(`unrecognized format() type specifier "${conv}"`, "22023");
    let w = 0;
    let left = minus === "-";
    if (width !== undefined && width.startsWith("*")) {
      const wv = args[argument(width.length > 1 ? width.slice(1, -1) : undefined)];
      w = wv === null || wv === undefined ? 0 : Number(wv);
      if (w < 0) [w, left] = [-w, true];
    } else if (width !== undefined) {
      w = Number(width);
    }
    const k = argument(pos);
    const v = args[k]!;
    const t = types[k]!;
    let text: string;
    if (conv === "s") text = v === null ? "" : outText(v, t);
    else if (conv === "I") {
      if (v === null) throw err("null values cannot be formatted as an SQL identifier", "22004");
      text = quoteIdent(outText(v, t));
    } else text = v === null ? "NULL" : quoteLiteral(outText(v, t));
    const pad = " ".repeat(Math.max(0, w - chars(text).length));
    return left ? text + pad : pad + text;
  });
}

/**
 * regexp_replace(source, pattern, replacement [, flags]): the first match, or every one with
 * flag g; i ignores case. In the replacement \1..\9 are the groups, \& the whole match and
 * \\ a backslash.
 */
function regexpReplace(source: string, pattern: string, replacement: string, flags: string): string {
  for (const f of flags) if (f !== "g" && f !== "i" && f !== "c") throw err(`invalid regular expression option: "${f}"`, "22023");
  const base = regex(pattern, flags.includes("i"));
  const re = flags.includes("g") ? new RegExp(base.source, base.flags + "g") : base;
  return source.replace(re, (...m: unknown[]) => {
    // (match, group 1, ..., offset, whole string)
    const groups = m.slice(0, -2) as (string | undefined)[];
    return replacement.replace(/\\([0-9&\\])/g, (_x, c: string) => (c === "\\" ? "\\" : c === "&" || c === "0" ? groups[0]! : groups[Number(c)] ?? ""));
  });
}

/** The flags of the regexp_* functions: i ignores case, c respects it; g is for regexp_replace only. */
function regexpFlags(fnName: string, flags: string, global: boolean): boolean {
  for (const f of flags) {
    if (f === "g" && !global) throw err(`${fnName}() does not support the "global" option`, "22023");
    if (f !== "g" && f !== "i" && f !== "c") throw err(`invalid regular expression option: "${f}"`, "22023");
  }
  return flags.lastIndexOf("i") > flags.lastIndexOf("c");
}

/** regexp_match(s, pattern [, flags]): the first match's groups (or the whole match without groups), NULL without a match. */
function regexpMatch(source: string, pattern: string, flags: string): SqlValue {
  const m = regex(pattern, regexpFlags("regexp_match", flags, false)).exec(source);
  if (m === null) return null;
  return m.length > 1 ? m.slice(1).map((g) => g ?? null) : [m[0]];
}

/**
 * regexp_split_to_array(s, pattern [, flags]): the text between matches. As in PostgreSQL, a
 * zero-length match at the start or end of the string, or right after another match, splits
 * nothing, so a pattern matching the empty string splits into characters.
 */
function regexpSplit(source: string, pattern: string, flags: string): string[] {
  const base = regex(pattern, regexpFlags("regexp_split_to_array", flags, false));
  const re = new RegExp(base.source, base.flags + "g");
  const out: string[] = [];
  let start = 0;
  let prevEnd = -1;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      // Step past the empty match by a whole character (the pattern is a unicode one).
      re.lastIndex = m.index + (source.codePointAt(m.index)! > 0xffff ? 2 : 1);
      if (m.index === 0 || m.index >= source.length || m.index === prevEnd) continue;
    }
    out.push(source.slice(start, m.index));
    start = end;
    prevEnd = end;
  }
  out.push(source.slice(start));
  return out;
}

/** encode(bytes, format): base64 (76-character lines, as PostgreSQL writes it), hex or escape. */
function encodeBytes(b: Uint8Array, format: string): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  switch (format.toLowerCase()) {
    case "base64":
      return (buf.toString("base64").match(/.{1,76}/g) ?? []).join("\n");
    case "hex":
      return buf.toString("hex");
    case "escape": {
      let out = "";
      for (const c of buf) out += c === 0x5c ? "\\\\" : c >= 0x80 || c === 0 ? `\\${c.toString(8).padStart(3, "0")}` : String.fromCharCode(c);
      return out;
    }
  }
  throw err(`unrecognized encoding: "${format}"`, "22023");
}

/** decode(text, format): the inverse of encode. */
function decodeBytes(text: string, format: string): Buffer {
  switch (format.toLowerCase()) {
    case "base64": {
      const clean = text.replace(/[\s]/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.replace(/=+$/, "").length % 4 === 1) throw err("invalid base64 end sequence", "22023");
      return Buffer.from(clean, "base64");
    }
    case "hex":
      if (text.length % 2 !== 0) throw err("invalid hexadecimal data: odd number of digits", "22023");
      if (!/^[0-9a-fA-F]*$/.test(text)) throw err(`invalid hexadecimal digit: "${/[^0-9a-fA-F]/.exec(text)![0]}"`, "22023");
      return Buffer.from(text, "hex");
    case "escape": {
      const out: number[] = [];
      for (let k = 0; k < text.length; ) {
        if (text[k] !== "\\") {
          for (const byte of Buffer.from(text[k]!, "utf8")) out.push(byte);
          k++;
        } else if (text[k + 1] === "\\") {
          out.push(0x5c);
          k += 2;
        } else if (/^[0-3][0-7][0-7]$/.test(text.slice(k + 1, k + 4))) {
          out.push(parseInt(text.slice(k + 1, k + 4), 8));
          k += 4;
        } else {
          throw err("invalid input syntax for type bytea", "22P02");
        }
      }
      return Buffer.from(out);
    }
  }
  throw err(`unrecognized encoding: "${format}"`, "22023");
}

/** translate(s, from, to): each character of `from` becomes the one at its place in `to`, or goes if `to` is shorter. */
function translate(x: string, from: string, to: string): string {
  const f = chars(from);
  const t = chars(to);
  let out = "";
  for (const c of x) {
    const i = f.indexOf(c);
    if (i < 0) out += c;
    else if (i < t.length) out += t[i];
  }
  return out;
}

/** overlay(s PLACING r FROM start [FOR count]): s with count characters from start replaced by r. */
function overlay(x: string, r: string, start: number, count?: number): string {
  if (start < 1) throw err("negative substring length not allowed", "22011");
  const cs = chars(x);
  const n = count ?? chars(r).length;
  if (n < 0) throw err("negative substring length not allowed", "22011");
  return cs.slice(0, start - 1).join("") + r + cs.slice(start - 1 + n).join("");
}

// ---- LIKE and regular expressions -------------------------------------------------------------

const regexCache = new Map<string, RegExp>();

function cached(key: string, build: () => RegExp): RegExp {
  let re = regexCache.get(key);
  if (re === undefined) {
    re = build();
    if (regexCache.size > 256) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

const TRUE = 1;
const FALSE = 0;
const ABORT = -1;

/**
 * PostgreSQL's MatchText (like_match.c) over code points, backslash as the escape: ported rather
 * than translated to a RegExp so that errors come exactly when PostgreSQL's come (a trailing
 * escape only fails if matching reaches it) and the cost stays linear-ish on %-heavy patterns.
 */
function matchText(t: readonly string[], ti: number, p: readonly string[], pi: number): number {
  if (p.length - pi === 1 && p[pi] === "%") return TRUE;
  while (ti < t.length && pi < p.length) {
    const pc = p[pi]!;
    if (pc === "\\") {
      pi++;
      if (pi >= p.length) throw err("LIKE pattern must not end with escape character", "22025");
      if (p[pi] !== t[ti]) return FALSE;
    } else if (pc === "%") {
      pi++;
      while (pi < p.length) {
        if (p[pi] === "%") pi++;
        else if (p[pi] === "_") {
          if (ti >= t.length) return ABORT;
          ti++;
          pi++;
        } else break;
      }
      if (pi >= p.length) return TRUE;
      let first: string;
      if (p[pi] === "\\") {
        if (pi + 1 >= p.length) throw err("LIKE pattern must not end with escape character", "22025");
        first = p[pi + 1]!;
      } else first = p[pi]!;
      for (; ti < t.length; ti++) {
        if (t[ti] === first) {
          const m = matchText(t, ti, p, pi);
          if (m !== FALSE) return m;
        }
      }
      return ABORT;
    } else if (pc === "_") {
      ti++;
      pi++;
      continue;
    } else if (pc !== t[ti]) {
      return FALSE;
    }
    ti++;
    pi++;
  }
  if (ti < t.length) return FALSE;
  while (pi < p.length && p[pi] === "%") pi++;
  return pi >= p.length ? TRUE : ABORT;
}

function like(x: string, pattern: string, insensitive: boolean): boolean {
  // ILIKE lowercases both sides, as PostgreSQL does outside the C locale.
  const t = chars(insensitive ? mapCase(x, false) : x);
  const p = chars(insensitive ? mapCase(pattern, false) : pattern);
  return matchText(t, 0, p, 0) === TRUE;
}

/**
 * similar_to_escape(pattern [, escape]): a SIMILAR TO pattern as the POSIX regular expression
 * `~` matches with (PostgreSQL's similar_escape_internal): anchored, % and _ as .* and ., the
 * regex metacharacters SQL does not have escaped, and escape-double-quote separators marking
 * the part substring() returns.
 */
function similarToEscape(pattern: string, escape: string): string {
  const e = chars(escape);
  if (e.length > 1) throw new SqlStateError("invalid escape string", "22025", { hint: "Escape string must be empty or one character." });
  let out = "^(?:";
  let afterEscape = false;
  let inClass = false;
  let quotes = 0;
  for (const c of pattern) {
    if (afterEscape) {
      if (c === '"' && !inClass) {
        if (quotes === 0) out += "){1,1}?(";
        else if (quotes === 1) out += "){1,1}(?:";
        else throw err("SQL regular expression may not contain more than two escape-double-quote separators", "2200C");
        quotes++;
      } else {
        out += `\\${c}`;
      }
      afterEscape = false;
    } else if (e.length === 1 && c === e[0]) {
      afterEscape = true;
    } else if (inClass) {
      if (c === "\\") out += "\\";
      out += c;
      if (c === "]") inClass = false;
    } else if (c === "[") {
      out += c;
      inClass = true;
    } else if (c === "%") {
      out += ".*";
    } else if (c === "_") {
      out += ".";
    } else if (c === "(") {
      out += "(?:";
    } else if (c === "\\" || c === "." || c === "^" || c === "$") {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  return `${out})$`;
}

/** like_escape(pattern, escape): rewrites the pattern to use backslash, as LIKE ... ESCAPE does. */
function likeEscape(pattern: string, escape: string): string {
  const e = chars(escape);
  if (e.length === 0) return pattern.replace(/\\/g, "\\\\");
  if (e.length > 1) throw err("invalid escape string", "22025");
  if (e[0] === "\\") return pattern;
  let out = "";
  let afterEscape = false;
  for (const c of pattern) {
    if (c === e[0] && !afterEscape) {
      out += "\\";
      afterEscape = true;
    } else if (c === "\\") {
      out += afterEscape ? "\\" : "\\\\";
      afterEscape = false;
    } else {
      out += c;
      afterEscape = false;
    }
  }
  return out;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: "\\p{L}",
  digit: "0-9",
  alnum: "\\p{L}\\p{N}",
  upper: "\\p{Lu}",
  lower: "\\p{Ll}",
  space: "\\s",
  blank: " \\t",
  punct: "\\p{P}\\p{S}",
  xdigit: "0-9A-Fa-f",
  word: "\\w",
  cntrl: "\\p{Cc}",
  print: "^\\p{C}",
  graph: "^\\p{C}\\s",
};

const JS_REGEX_SYNTAX = new Set("^$\\.*+?()[]{}|/");

function translateRegex(pattern: string): string {
  let out = "";
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === "\\") {
      const d = pattern[k + 1];
      k++;
      if (d === "m") out += "\\b(?=\\w)";
      else if (d === "M") out += "\\b(?<=\\w)";
      else if (d === "y") out += "\\b";
      else if (d === "Y") out += "\\B";
      else if (d === "Z") out += "$";
      else if (d === "A") out += "^";
      else if (d === undefined) throw err("invalid regular expression: invalid escape \\ sequence", "2201B");
      // An ARE escapes any non-alphanumeric character; JS's u mode accepts that only for its own syntax characters.
      else if (!/[\p{L}\p{N}]/u.test(d) && !JS_REGEX_SYNTAX.has(d)) out += d;
      else out += "\\" + d;
    } else if (c === "[") {
      // A bracket expression: copy it, translating [:class:] members.
      let k2 = k + 1;
      let body = "";
      if (pattern[k2] === "^") body += pattern[k2++];
      if (pattern[k2] === "]") body += "\\" + pattern[k2++];
      while (k2 < pattern.length && pattern[k2] !== "]") {
        const m = /^\[:([a-z]+):\]/.exec(pattern.slice(k2));
        if (m) {
          const cls = POSIX_CLASSES[m[1]!];
          if (cls === undefined || cls.startsWith("^")) throw err(`invalid regular expression: invalid character class`, "2201B");
          body += cls;
          k2 += m[0].length;
        } else {
          const ch = pattern[k2]!;
          body += ch === "\\" ? "\\" + (pattern[++k2] ?? "") : ch === "[" ? "\\[" : ch;
          k2++;
        }
      }
      if (k2 >= pattern.length) throw err("invalid regular expression: brackets [] not balanced", "2201B");
      out += `[${body}]`;
      k = k2;
    } else if (c === "(" && pattern[k + 1] === "?" && /^\(\?[a-z]+\)/.test(pattern.slice(k))) {
      throw err("invalid regular expression: embedded options are not supported", "2201B");
    } else {
      out += c;
    }
  }
  return out;
}

/** PostgreSQL's wording (regerror) for the syntax errors both engines detect. */
function regexMessage(js: string): string {
  if (/Unterminated group|Unmatched '\)'/.test(js)) return "parentheses () not balanced";
  if (/Unterminated character class/.test(js)) return "brackets [] not balanced";
  if (/Nothing to repeat/.test(js)) return "quantifier operand invalid";
  if (/Incomplete quantifier|numbers out of order/.test(js)) return "invalid repetition count(s)";
  return js;
}

function regex(pattern: string, insensitive: boolean): RegExp {
  return cached(`R${insensitive ? "i" : ""}\u0000${pattern}`, () => {
    const src = translateRegex(pattern);
    try {
      return new RegExp(src, insensitive ? "isu" : "su");
    } catch (e) {
      throw err(`invalid regular expression: ${regexMessage((e as Error).message)}`, "2201B");
    }
  });
}

function octets(v: SqlValue | undefined): number {
  return typeof v === "string" ? Buffer.byteLength(v, "utf8") : (v as Uint8Array).byteLength;
}

function md5(v: SqlValue | undefined): string {
  return createHash("md5")
    .update(typeof v === "string" ? Buffer.from(v, "utf8") : (v as Uint8Array))
    .digest("hex");
}

function bpcharLength(x: string): number {
  return chars(x.replace(/ +$/, "")).length;
}

const TEXT2 = ["text", "text"] as const;
const TEXT_ARRAY: SqlType = { kind: "array", element: TEXT };

export const STRING_FUNCTIONS: readonly Overload[] = [
  ...["length", "char_length", "character_length"].flatMap((name) => [
    fn(name, ["text"], "int4", ([x]) => chars(s(x)).length),
    // bpchar's trailing spaces are padding, not characters.
    fn(name, ["char"], "int4", ([x]) => bpcharLength(s(x))),
  ]),
  fn("length", ["bytea"], "int4", ([x]) => octets(x)),
  fn("octet_length", ["text"], "int4", ([x]) => octets(x)),
  fn("octet_length", ["char"], "int4", ([x]) => octets(x)),
  fn("octet_length", ["bytea"], "int4", ([x]) => octets(x)),
  fn("lower", ["text"], "text", ([x]) => mapCase(s(x), false)),
  fn("upper", ["text"], "text", ([x]) => mapCase(s(x), true)),
  fn("initcap", ["text"], "text", ([x]) => initcap(s(x))),
  fn("substring", ["text", "int4"], "text", ([x, a]) => substr(s(x), i(a))),
  fn("substring", ["text", "int4", "int4"], "text", ([x, a, c]) => substr(s(x), i(a), i(c))),
  // substring(s FROM pattern): the first parenthesised subexpression's match, else the whole match.
  fn("substring", TEXT2, "text", ([x, p]) => {
    const m = regex(s(p), false).exec(s(x));
    if (m === null) return null;
    return m.length > 1 ? (m[1] ?? null) : m[0];
  }),
  fn("substr", ["text", "int4"], "text", ([x, a]) => substr(s(x), i(a))),
  fn("substr", ["text", "int4", "int4"], "text", ([x, a, c]) => substr(s(x), i(a), i(c))),
  fn("position", TEXT2, "int4", ([x, sub]) => strpos(s(x), s(sub))),
  fn("strpos", TEXT2, "int4", ([x, sub]) => strpos(s(x), s(sub))),
  fn("replace", ["text", "text", "text"], "text", ([x, from, to]) => (s(from) === "" ? s(x) : s(x).split(s(from)).join(s(to)))),
  fn("btrim", ["text"], "text", ([x]) => trim(s(x), " ", true, true)),
  fn("btrim", TEXT2, "text", ([x, set]) => trim(s(x), s(set), true, true)),
  fn("ltrim", ["text"], "text", ([x]) => trim(s(x), " ", true, false)),
  fn("ltrim", TEXT2, "text", ([x, set]) => trim(s(x), s(set), true, false)),
  fn("rtrim", ["text"], "text", ([x]) => trim(s(x), " ", false, true)),
  fn("rtrim", TEXT2, "text", ([x, set]) => trim(s(x), s(set), false, true)),
  fn("lpad", ["text", "int4"], "text", ([x, n]) => pad(s(x), i(n), " ", true)),
  fn("lpad", ["text", "int4", "text"], "text", ([x, n, f]) => pad(s(x), i(n), s(f), true)),
  fn("rpad", ["text", "int4"], "text", ([x, n]) => pad(s(x), i(n), " ", false)),
  fn("rpad", ["text", "int4", "text"], "text", ([x, n, f]) => pad(s(x), i(n), s(f), false)),
  fn("left", ["text", "int4"], "text", ([x, n]) => leftRight(s(x), i(n), true)),
  fn("right", ["text", "int4"], "text", ([x, n]) => leftRight(s(x), i(n), false)),
  fn("repeat", ["text", "int4"], "text", ([x, n]) => {
    const count = Math.max(i(n), 0);
    checkLength(s(x).length * count);
    return s(x).repeat(count);
  }),
  fn("reverse", ["text"], "text", ([x]) => chars(s(x)).reverse().join("")),
  fn("split_part", ["text", "text", "int4"], "text", ([x, d, f]) => splitPart(s(x), s(d), i(f))),
  fn("starts_with", TEXT2, "bool", ([x, p]) => s(x).startsWith(s(p))),
  fn("md5", ["text"], "text", ([x]) => md5(x)),
  fn("md5", ["bytea"], "text", ([x]) => md5(x)),
  fn("to_hex", ["int4"], "text", ([x]) => toHex(i(x), 32)),
  fn("to_hex", ["int8"], "text", ([x]) => toHex(x as bigint, 64)),
  fn("ascii", ["text"], "int4", ([x]) => s(x).codePointAt(0) ?? 0),
  fn("chr", ["int4"], "text", ([x]) => chr(i(x))),
  fn("quote_ident", ["text"], "text", ([x]) => quoteIdent(s(x))),
  fn("quote_literal", ["text"], "text", ([x]) => quoteLiteral(s(x))),
  fn("concat", ["any"], "text", (args, _c, types) => args.map((v, k) => (v === null ? "" : outText(v, types[k]!))).join(""), { variadic: "any", strict: false }),
  fn(
    "concat_ws",
    ["text"],
    "text",
    ([sep, ...rest], _c, types) => (sep === null ? null : rest.flatMap((v, k) => (v === null ? [] : [outText(v, types[k + 1]!)])).join(s(sep!))),
    { variadic: "any", strict: false },
  ),
  fn("format", ["text"], "text", (args, _c, types) => format(args, types), { variadic: "any", strict: false }),
  fn("||", TEXT2, "text", ([x, y]) => s(x) + s(y)),
  // textanycat / anytextcat: the non-text side goes through its output function.
  fn("||", ["text", "any"], "text", ([x, y], _c, t) => s(x) + asText(y, t[1]!)),
  fn("||", ["any", "text"], "text", ([x, y], _c, t) => asText(x, t[0]!) + s(y)),
  fn("||", ["bytea", "bytea"], "bytea", ([x, y]) => Buffer.concat([x as Uint8Array, y as Uint8Array])),
  fn("~~", TEXT2, "bool", ([x, p]) => like(s(x), s(p), false)),
  // bpchar LIKE keeps the padding: 'ab  '::char(4) LIKE 'ab' is false.
  fn("~~", ["char", "text"], "bool", ([x, p]) => like(s(x), s(p), false)),
  fn("!~~", ["char", "text"], "bool", ([x, p]) => !like(s(x), s(p), false)),
  fn("~~*", ["char", "text"], "bool", ([x, p]) => like(s(x), s(p), true)),
  fn("!~~*", ["char", "text"], "bool", ([x, p]) => !like(s(x), s(p), true)),
  fn("!~~", TEXT2, "bool", ([x, p]) => !like(s(x), s(p), false)),
  fn("~~*", TEXT2, "bool", ([x, p]) => like(s(x), s(p), true)),
  fn("!~~*", TEXT2, "bool", ([x, p]) => !like(s(x), s(p), true)),
  fn("like_escape", TEXT2, "text", ([p, e]) => likeEscape(s(p), s(e))),
  fn("regexp_replace", ["text", "text", "text"], "text", ([x, p, r]) => regexpReplace(s(x), s(p), s(r), "")),
  fn("regexp_replace", ["text", "text", "text", "text"], "text", ([x, p, r, f]) => regexpReplace(s(x), s(p), s(r), s(f))),
  fn("regexp_match", TEXT2, TEXT_ARRAY, ([x, p]) => regexpMatch(s(x), s(p), "")),
  fn("regexp_match", ["text", "text", "text"], TEXT_ARRAY, ([x, p, f]) => regexpMatch(s(x), s(p), s(f))),
  fn("regexp_split_to_array", TEXT2, TEXT_ARRAY, ([x, p]) => regexpSplit(s(x), s(p), "")),
  fn("regexp_split_to_array", ["text", "text", "text"], TEXT_ARRAY, ([x, p, f]) => regexpSplit(s(x), s(p), s(f))),
  fn("encode", ["bytea", "text"], "text", ([b, f]) => encodeBytes(b as Uint8Array, s(f))),
  fn("decode", TEXT2, "bytea", ([x, f]) => decodeBytes(s(x), s(f))),
  fn("translate", ["text", "text", "text"], "text", ([x, f, t]) => translate(s(x), s(f), s(t))),
  fn("overlay", ["text", "text", "int4"], "text", ([x, r, st]) => overlay(s(x), s(r), i(st))),
  fn("overlay", ["text", "text", "int4", "int4"], "text", ([x, r, st, c]) => overlay(s(x), s(r), i(st), i(c))),
  fn("similar_to_escape", ["text"], "text", ([p]) => similarToEscape(s(p), "\\")),
  fn("similar_to_escape", TEXT2, "text", ([p, e]) => similarToEscape(s(p), s(e))),
  fn("~", TEXT2, "bool", ([x, p]) => regex(s(p), false).test(s(x))),
  fn("!~", TEXT2, "bool", ([x, p]) => !regex(s(p), false).test(s(x))),
  fn("~*", TEXT2, "bool", ([x, p]) => regex(s(p), true).test(s(x))),
  fn("!~*", TEXT2, "bool", ([x, p]) => !regex(s(p), true).test(s(x))),
];
