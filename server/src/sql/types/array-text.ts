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

export function parseArrayText(text: string, parseElement: ParseElement): SqlArray {
  let i = 0;
  const n = text.length;
  while (isSpace(text[i])) i++;
  if (text[i] === "[") {
    // Dimension decoration: only [1:n]= for one dimension (other lower bounds are not kept).
    const m = /^\[\s*(-?\d+)\s*:\s*(-?\d+)\s*\]\s*=/.exec(text.slice(i));
    if (!m) throw malformed(text, 'Missing "=" after array dimensions.');
    if (m[1] !== "1") throw new SqlTypeError("arrays with a lower bound other than 1 are not supported", "0A000");
    i += m[0].length;
    while (isSpace(text[i])) i++;
  }
  if (text[i] !== "{") throw malformed(text, 'Array value must start with "{" or dimension information.');
  i++;
  const out: SqlValue[] = [];
  while (isSpace(text[i])) i++;
  if (text[i] === "}") {
    i++;
  } else {
    for (;;) {
      while (isSpace(text[i])) i++;
      if (i >= n) throw malformed(text, "Unexpected end of input.");
      if (text[i] === "{") throw new SqlTypeError("multidimensional arrays are not supported", "0A000");
      let value = "";
      let quoted = false;
      let sawEscape = false;
      if (text[i] === '"') {
        quoted = true;
        i++;
        for (;;) {
          if (i >= n) throw malformed(text, "Unexpected end of input.");
          const c = text[i]!;
          if (c === "\\") {
            i++;
            if (i >= n) throw malformed(text, "Unexpected end of input.");
            value += text[i];
            i++;
          } else if (c === '"') {
            i++;
            break;
          } else {
            value += c;
            i++;
          }
        }
        while (isSpace(text[i])) i++;
      } else {
        let trailingSpace = "";
        while (i < n && text[i] !== "," && text[i] !== "}") {
          const c = text[i]!;
          if (c === '"' || c === "{") throw malformed(text, "Unexpected array element.");
          if (c === "\\") {
            i++;
            if (i >= n) throw malformed(text, "Unexpected end of input.");
            value += trailingSpace + text[i];
            trailingSpace = "";
            sawEscape = true;
          } else if (isSpace(c)) {
            trailingSpace += c;
          } else {
            value += trailingSpace + c;
            trailingSpace = "";
          }
          i++;
        }
      }
      if (i >= n) throw malformed(text, "Unexpected end of input.");
      if (!quoted && value === "") throw malformed(text, "Unexpected array element.");
      out.push(!quoted && !sawEscape && value.toUpperCase() === "NULL" ? null : parseElement(value));
      if (text[i] === ",") {
        i++;
        continue;
      }
      i++;
      break;
    }
  }
  while (isSpace(text[i])) i++;
  if (i < n) throw malformed(text, "Junk after closing right brace.");
  return out;
}

export function formatArrayText(v: SqlArray, formatElement: FormatElement): string {
  const parts = v.map((e) => (e === null ? "NULL" : quoteElement(formatElement(e))));
  return `{${parts.join(",")}}`;
}

function quoteElement(s: string): string {
  if (s !== "" && s.toUpperCase() !== "NULL" && !/[{}",\\\s]/.test(s)) return s;
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
