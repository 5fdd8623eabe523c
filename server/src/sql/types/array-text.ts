/**
 * Text forms of one-dimensional arrays, as PostgreSQL's array_in / array_out write and read them:
 * `{1,2,NULL,"a b","x\"y"}`. Elements are quoted when empty, when they hold a brace, comma, quote,
 * backslash or white space, or spell NULL. int2vector and oidvector print space-separated.
 * Multidimensional arrays are refused (0A000): Alopex arrays have one dimension.
 */
import { SqlTypeError } from "./errors.js";
import type { SqlArray, SqlScalar, SqlValue } from "./value.js";

type ParseElement = (text: string) => SqlScalar;
type FormatElement = (v: SqlScalar) => string;

function malformed(text: string, detail: string): SqlTypeError {
  return new SqlTypeError(`malformed array literal: "${text}"`, "22P02", detail);
}

/** array_isspace: the ASCII white space PostgreSQL skips around elements. */
function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\v" || c === "\f";
}

/**
 * array_in for a one-dimensional array. The literal's structure is checked first, as PostgreSQL
 * does (so a malformed multidimensional literal is 22P02 with PostgreSQL's detail, and only a
 * well-formed one is refused as unsupported), then the elements are read.
 */
export function parseArrayText(text: string, parseElement: ParseElement): SqlArray {
  let i = 0;
  const given: number[] = [];
  let lowerBound = 1;
  for (;;) {
    while (isSpace(text[i])) i++;
    if (text[i] !== "[") break;
    i++;
    if (given.length >= MAXDIM) throw tooManyDimensions(given.length + 1);
    let q = skipBound(text, i);
    if (q === i) throw malformed(text, '"[" must introduce explicitly-specified array dimensions.');
    let lower = 1;
    if (text[q] === ":") {
      lower = atoi(text.slice(i, q));
      i = q + 1;
      q = skipBound(text, i);
      if (q === i) throw malformed(text, "Missing array dimension value.");
    }
    if (text[q] !== "]") throw malformed(text, 'Missing "]" after array dimensions.');
    const upper = atoi(text.slice(i, q));
    i = q + 1;
    if (upper < lower) throw new SqlTypeError("upper bound cannot be less than lower bound", "2202E");
    if (given.length === 0) lowerBound = lower;
    given.push(upper - lower + 1);
  }
  let dims: number[];
  if (given.length === 0) {
    if (text[i] !== "{") throw malformed(text, 'Array value must start with "{" or dimension information.');
    dims = arrayCount(text, i);
  } else {
    if (text[i] !== "=") throw malformed(text, 'Missing "=" after array dimensions.');
    i++;
    while (isSpace(text[i])) i++;
    if (text[i] !== "{") throw malformed(text, 'Array contents must start with "{".');
    dims = arrayCount(text, i);
    if (dims.length !== given.length || dims.some((d, k) => d !== given[k])) throw malformed(text, "Specified array dimensions do not match array contents.");
  }
  if (dims.length > 1) throw new SqlTypeError("multidimensional arrays are not supported", "0A000");
  if (dims.length === 1 && lowerBound !== 1) throw new SqlTypeError("arrays with a lower bound other than 1 are not supported", "0A000");
  return dims.length === 0 ? [] : readElements(text, i + 1, parseElement);
}

/** MAXDIM in PostgreSQL's array.h. */
const MAXDIM = 6;

function tooManyDimensions(n: number): SqlTypeError {
  return new SqlTypeError(`number of array dimensions (${n}) exceeds the maximum allowed (${MAXDIM})`, "54000");
}

/** The digits and signs PostgreSQL's dimension scanner accepts before handing them to atoi. */
function skipBound(text: string, i: number): number {
  while (i < text.length && /[0-9+-]/.test(text[i]!)) i++;
  return i;
}

/** C atoi: an optional sign and the digits after it, whatever follows them (wrapping as int32). */
function atoi(s: string): number {
  const m = /^([+-]?)(\d*)/.exec(s)!;
  const digits = m[2] === "" ? 0 : Number(BigInt.asIntN(32, BigInt(m[2]!)));
  return m[1] === "-" ? -digits | 0 : digits;
}

const enum ParseState {
  NoLevel,
  LevelStarted,
  ElemStarted,
  QuotedElemStarted,
  QuotedElemCompleted,
  ElemDelimited,
  LevelCompleted,
  LevelDelimited,
}

/**
 * PostgreSQL 15's ArrayCount (less its ELEM_COMPLETED state, which nothing enters): walks the braces from `start` (a "{"), raising its errors with its
 * details, and returns the length of each dimension ([] for an empty array).
 */
function arrayCount(str: string, start: number): number[] {
  let nestLevel = 0;
  let ndim = 1;
  const temp = new Array<number>(MAXDIM).fill(0);
  const nelems = new Array<number>(MAXDIM).fill(1);
  const nelemsLast = new Array<number>(MAXDIM).fill(0);
  let inQuotes = false;
  let eoArray = false;
  let emptyArray = true;
  let state = ParseState.NoLevel;
  const unexpected = (c: string) => malformed(str, `Unexpected "${c}" character.`);
  let p = start;
  while (!eoArray) {
    let itemDone = false;
    while (!itemDone) {
      if (state === ParseState.ElemStarted || state === ParseState.QuotedElemStarted) emptyArray = false;
      if (p >= str.length) throw malformed(str, "Unexpected end of input.");
      const c = str[p]!;
      if (c === "\\") {
        if (state !== ParseState.LevelStarted && state !== ParseState.ElemStarted && state !== ParseState.QuotedElemStarted && state !== ParseState.ElemDelimited) throw unexpected("\\");
        if (state !== ParseState.QuotedElemStarted) state = ParseState.ElemStarted;
        if (p + 1 >= str.length) throw malformed(str, "Unexpected end of input.");
        p++;
      } else if (c === '"') {
        if (state !== ParseState.LevelStarted && state !== ParseState.QuotedElemStarted && state !== ParseState.ElemDelimited) throw malformed(str, "Unexpected array element.");
        inQuotes = !inQuotes;
        state = inQuotes ? ParseState.QuotedElemStarted : ParseState.QuotedElemCompleted;
      } else if (inQuotes) {
        // Anything else inside quotes is element text.
      } else if (c === "{") {
        if (state !== ParseState.NoLevel && state !== ParseState.LevelStarted && state !== ParseState.LevelDelimited) throw unexpected("{");
        state = ParseState.LevelStarted;
        if (nestLevel >= MAXDIM) throw tooManyDimensions(nestLevel + 1);
        temp[nestLevel] = 0;
        nestLevel++;
        if (ndim < nestLevel) ndim = nestLevel;
      } else if (c === "}") {
        if (
          state !== ParseState.ElemStarted &&
          state !== ParseState.QuotedElemCompleted &&
          state !== ParseState.LevelCompleted &&
          !(nestLevel === 1 && state === ParseState.LevelStarted)
        )
          throw unexpected("}");
        state = ParseState.LevelCompleted;
        if (nestLevel === 0) throw malformed(str, 'Unmatched "}" character.');
        nestLevel--;
        if (nelemsLast[nestLevel] !== 0 && nelems[nestLevel] !== nelemsLast[nestLevel]) throw malformed(str, "Multidimensional arrays must have sub-arrays with matching dimensions.");
        nelemsLast[nestLevel] = nelems[nestLevel]!;
        nelems[nestLevel] = 1;
        if (nestLevel === 0) eoArray = itemDone = true;
        else temp[nestLevel - 1]!++;
      } else if (c === ",") {
        if (state !== ParseState.ElemStarted && state !== ParseState.QuotedElemCompleted && state !== ParseState.LevelCompleted) throw unexpected(",");
        state = state === ParseState.LevelCompleted ? ParseState.LevelDelimited : ParseState.ElemDelimited;
        itemDone = true;
        nelems[nestLevel - 1]!++;
      } else if (!isSpace(c)) {
        if (state !== ParseState.LevelStarted && state !== ParseState.ElemStarted && state !== ParseState.ElemDelimited) throw malformed(str, "Unexpected array element.");
        state = ParseState.ElemStarted;
      }
      if (!itemDone) p++;
    }
    temp[ndim - 1]!++;
    p++;
  }
  for (; p < str.length; p++) if (!isSpace(str[p])) throw malformed(str, "Junk after closing right brace.");
  return emptyArray ? [] : temp.slice(0, ndim);
}

/**
 * ReadArrayStr for a literal arrayCount accepted as one-dimensional and non-empty: `i` is just
 * past its "{". Unquoted elements lose surrounding white space (not escaped white space), and
 * only an unquoted, unescaped NULL is SQL NULL.
 */
function readElements(text: string, i: number, parseElement: ParseElement): SqlArray {
  const out: SqlValue[] = [];
  for (;;) {
    let value = "";
    let pending = "";
    let quoted = false;
    let escaped = false;
    let inQuotes = false;
    let c = text[i]!;
    while (inQuotes || (c !== "," && c !== "}")) {
      if (c === "\\") {
        i++;
        value += pending + text[i]!;
        pending = "";
        escaped = true;
      } else if (c === '"') {
        inQuotes = !inQuotes;
        quoted = true;
      } else if (inQuotes) {
        value += c;
      } else if (isSpace(c)) {
        if (value !== "" || escaped || quoted) pending += c;
      } else {
        value += pending + c;
        pending = "";
      }
      i++;
      c = text[i]!;
    }
    out.push(!quoted && !escaped && value.toUpperCase() === "NULL" ? null : parseElement(value));
    i++;
    if (c === "}") return out;
  }
}

export function formatArrayText(v: SqlArray, formatElement: FormatElement): string {
  const parts = v.map((e) => (e === null ? "NULL" : quoteElement(formatElement(e))));
  return `{${parts.join(",")}}`;
}

function quoteElement(s: string): string {
  if (s !== "" && s.toUpperCase() !== "NULL" && !/[{}",\\ \t\n\r\v\f]/.test(s)) return s;
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** int2vector / oidvector: integers separated by spaces. */
export function parseVectorText(text: string, parseElement: ParseElement): SqlArray {
  const trimmed = text.trim();
  return trimmed === "" ? [] : trimmed.split(/\s+/).map(parseElement);
}

export function formatVectorText(v: SqlArray, formatElement: FormatElement): string {
  return v.map((e) => (e === null ? "0" : formatElement(e))).join(" ");
}
