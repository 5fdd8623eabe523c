/**
 * Text input and output of the integer and floating-point types, following PostgreSQL 15's
 * pg_strtoint*, float4in/float8in (strtod syntax) and float4out/float8out (shortest round-trip
 * digits, PostgreSQL's notation thresholds).
 */
import { floatOutOfRange, invalidSyntax, valueOutOfRange } from "./errors.js";

/** C's isspace in the "C" locale, which PostgreSQL's input functions skip. */
export function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** The string without leading and trailing C whitespace. */
export function trimCSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isCSpace(s.charCodeAt(a))) a++;
  while (b > a && isCSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const INT_SYNTAX = /^[+-]?[0-9]+$/;

/** int2/int4 input; `typeName` as PostgreSQL names the type in messages ("smallint", "integer"). */
export function parseIntNumber(text: string, min: number, max: number, typeName: string): number {
  const t = trimCSpace(text);
  if (!INT_SYNTAX.test(t)) throw invalidSyntax(typeName, text);
  // Up to 15 digits a double is exact; longer strings are out of range anyway (leading zeros aside).
  const v = t.length <= 16 ? Number(t) : Number(BigInt(t));
  if (!(v >= min && v <= max)) throw valueOutOfRange(typeName, text);
  return v === 0 ? 0 : v;
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

export function parseInt8(text: string): bigint {
  const t = trimCSpace(text);
  if (!INT_SYNTAX.test(t)) throw invalidSyntax("bigint", text);
  const v = BigInt(t);
  if (v < INT8_MIN || v > INT8_MAX) throw valueOutOfRange("bigint", text);
  return v;
}

const DECIMAL_FLOAT = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?/;
const HEX_FLOAT = /^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?[0-9]+)?/;
const SPECIAL_FLOAT = /^[+-]?(infinity|inf|nan)/i;

/**
 * Length of the longest prefix of `s` (from `pos`) that C's strtod accepts, 0 if none: decimal
 * and hexadecimal floats, inf, infinity and nan, with an optional sign.
 */
export function scanFloat(s: string, pos = 0): number {
  const rest = pos === 0 ? s : s.slice(pos);
  const m = HEX_FLOAT.exec(rest) ?? DECIMAL_FLOAT.exec(rest) ?? SPECIAL_FLOAT.exec(rest);
  return m === null ? 0 : m[0].length;
}

/** Whether a decimal or hex mantissa has a non-zero digit (for telling underflow from zero). */
function hasNonZeroDigit(token: string): boolean {
  const mantissa = /^[+-]?0[xX]/.test(token) ? token.replace(/^[+-]?0[xX]/, "").split(/[pP]/)[0]! : token.split(/[eE]/)[0]!;
  return /[1-9a-fA-F]/.test(mantissa);
}

/** The double nearest a token accepted by `scanFloat`. */
export function floatTokenValue(token: string): number {
  const special = /^([+-]?)(infinity|inf|nan)$/i.exec(token);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  if (/^[+-]?0[xX]/.test(token)) return hexFloatValue(token);
  return Number(token);
}

function hexFloatValue(token: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?[0-9]+))?$/.exec(token)!;
  const digits = (m[2]! + m[3]!).replace(/^0+/, "");
  const exp = Number(m[4] ?? "0") - 4 * m[3]!.length;
  if (digits === "") return m[1] === "-" ? -0 : 0;
  // Keep 60 bits of the mantissa (BigInt, exact), fold the rest into a sticky bit, then let one
  // multiplication by a power of two round (exact unless the result is subnormal).
  let mant = BigInt("0x" + digits);
  let e = exp;
  const bits = mant.toString(2).length;
  if (bits > 60) {
    const drop = BigInt(bits - 60);
    const sticky = mant & ((1n << drop) - 1n) ? 1n : 0n;
    mant = (mant >> drop) | sticky;
    e += bits - 60;
  }
  let v = Number(mant);
  while (e > 1000) {
    v *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    v *= 2 ** -1000;
    e += 1000;
  }
  v *= 2 ** e;
  return m[1] === "-" ? -v : v;
}

/** float8in: strtod syntax surrounded by optional whitespace; overflow and underflow are errors. */
export function parseFloat8(text: string): number {
  return parseFloatText(text, "double precision", (x) => x);
}

/** float4in: like float8in, rounded to single precision. */
export function parseFloat4(text: string): number {
  return parseFloatText(text, "real", Math.fround);
}

function parseFloatText(text: string, typeName: string, round: (x: number) => number): number {
  const t = trimCSpace(text);
  const n = scanFloat(t);
  if (n === 0 || n !== t.length) throw invalidSyntax(typeName, text);
  const v = round(floatTokenValue(t));
  if (!Number.isFinite(v) && !Number.isNaN(v) && !/inf/i.test(t)) throw floatOutOfRange(typeName, text);
  if (v === 0 && hasNonZeroDigit(t)) throw floatOutOfRange(typeName, text);
  return v;
}

/** Shortest digits and decimal exponent of a finite non-zero double (d.ddd × 10^exp). */
function shortestDouble(x: number): { digits: string; exp: number } {
  // toExponential without an argument gives the shortest digits that round-trip (like Ryu).
  const s = Math.abs(x).toExponential();
  const e = s.indexOf("e");
  return { digits: s.slice(0, e).replace(".", ""), exp: Number(s.slice(e + 1)) };
}

/** Shortest digits that round-trip through float32, the closest to x among them (as Ryu's f2s). */
function shortestFloat(x: number): { digits: string; exp: number } {
  const a = Math.abs(x);
  for (let p = 1; p <= 9; p++) {
    const s = a.toExponential(p - 1);
    if (Math.fround(Number(s)) === a) return splitExponential(s);
    // The nearest p-digit decimal can fall just outside a float's rounding interval (which is
    // lopsided at powers of two) while its neighbour on the wide side is inside.
    const { digits, exp } = splitExponential(s);
    for (const delta of [1n, -1n]) {
      const d = BigInt(digits) + delta;
      if (d <= 0n) continue;
      const cand = `${d}e${exp - p + 1}`;
      if (Math.fround(Number(cand)) === a) return normaliseDigits(d.toString(), exp - p + 1);
    }
  }
  return shortestDouble(a);
}

function splitExponential(s: string): { digits: string; exp: number } {
  const e = s.indexOf("e");
  const digits = s.slice(0, e).replace(".", "").replace(/0+$/, "");
  return { digits: digits === "" ? "0" : digits, exp: Number(s.slice(e + 1)) };
}

/** Digits and exponent from an integer mantissa times 10^e10. */
function normaliseDigits(mantissa: string, e10: number): { digits: string; exp: number } {
  const exp = e10 + mantissa.length - 1;
  return { digits: mantissa.replace(/0+$/, ""), exp };
}

/**
 * PostgreSQL's notation for shortest digits: positional when -4 <= exp < fixedLimit (15 for float8,
 * 6 for float4), otherwise d.ddde±XX with at least two exponent digits.
 */
function layout(negative: boolean, digits: string, exp: number, fixedLimit: number): string {
  let body: string;
  if (exp >= -4 && exp < fixedLimit) {
    if (exp < 0) body = "0." + "0".repeat(-exp - 1) + digits;
    else if (digits.length <= exp + 1) body = digits + "0".repeat(exp + 1 - digits.length);
    else body = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  } else {
    const mantissa = digits.length === 1 ? digits : digits[0] + "." + digits.slice(1);
    const ae = Math.abs(exp);
    body = `${mantissa}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  return negative ? "-" + body : body;
}

function specialFloat(x: number): string | undefined {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  return undefined;
}

/** float8out with extra_float_digits = 1 (the default since PostgreSQL 12). */
export function formatFloat8(x: number): string {
  const special = specialFloat(x);
  if (special !== undefined) return special;
  const { digits, exp } = shortestDouble(x);
  return layout(x < 0, digits, exp, 15);
}

/** float4out with extra_float_digits = 1; also pgvector's element format. */
export function formatFloat4(x: number): string {
  const special = specialFloat(x);
  if (special !== undefined) return special;
  const { digits, exp } = shortestFloat(x);
  return layout(x < 0, digits, exp, 6);
}
