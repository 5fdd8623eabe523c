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

/** A finite non-zero float as mantissa × 2^exp with the mantissa at full precision (exact). */
interface Binary {
  mant: bigint;
  exp: number;
  /** Whether the gap below is half the gap above (a power of two above the smallest normal). */
  lopsided: boolean;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function binaryOf(x: number, single: boolean): Binary {
  if (single) {
    f32[0] = x;
    const bits = u32[0]! & 0x7fffffff;
    const e = bits >>> 23;
    const frac = bits & 0x7fffff;
    if (e === 0) return { mant: BigInt(frac), exp: -149, lopsided: false };
    return { mant: BigInt(frac | 0x800000), exp: e - 150, lopsided: frac === 0 && e > 1 };
  }
  f64[0] = x;
  const bits = u64[0]! & 0x7fffffffffffffffn;
  const e = Number(bits >> 52n);
  const frac = bits & 0xfffffffffffffn;
  if (e === 0) return { mant: frac, exp: -1074, lopsided: false };
  return { mant: frac | 0x10000000000000n, exp: e - 1075, lopsided: frac === 0n && e > 1 };
}

/** Sign of D·10^F − M·2^E, exactly. */
function compareDecimalBinary(d: bigint, f: number, m: bigint, e: number): number {
  let lhs = d;
  let rhs = m;
  if (f >= 0) lhs *= 10n ** BigInt(f);
  else rhs *= 10n ** BigInt(-f);
  if (e >= 0) rhs <<= BigInt(e);
  else lhs <<= BigInt(-e);
  return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
}

/** Whether D·10^F can be a dyadic rational with few bits, i.e. possibly a rounding boundary. */
function mayBeDyadic(d: bigint, f: number): boolean {
  return f >= 0 || (f >= -60 && d % 5n ** BigInt(-f) === 0n);
}

/**
 * Whether D·10^F lies strictly inside x's rounding interval. PostgreSQL's Ryu is built without
 * STRICTLY_SHORTEST, so a decimal exactly on the boundary (which strtod would round to x by the
 * ties-to-even rule) is not accepted.
 */
function strictlyInside(d: bigint, f: number, x: number, single: boolean): boolean {
  const v = Number(`${d}e${f}`);
  if (!single) {
    if (v !== x) return false;
  } else if (Math.fround(v) !== x) {
    // Double rounding can only mislead when v is exactly halfway between two floats.
    if (!isFloat32Midpoint(v)) return false;
  } else if (!isFloat32Midpoint(v)) {
    return true;
  }
  if (!mayBeDyadic(d, f)) return true;
  const b = binaryOf(x, single);
  const upper = compareDecimalBinary(d, f, 2n * b.mant + 1n, b.exp - 1);
  const lower = b.lopsided ? compareDecimalBinary(d, f, 4n * b.mant - 1n, b.exp - 2) : compareDecimalBinary(d, f, 2n * b.mant - 1n, b.exp - 1);
  return upper < 0 && lower > 0;
}

function isFloat32Midpoint(v: number): boolean {
  const f = Math.fround(v);
  if (f === v || !Number.isFinite(f)) return false;
  f32[0] = f;
  u32[0] = u32[0]! + (Math.abs(v) > Math.abs(f) ? 1 : -1);
  return (f + f32[0]!) / 2 === v;
}

/** Digits (no trailing zeros) and decimal exponent of the leading digit of D·10^F. */
function normalised(d: bigint, f: number): { digits: string; exp: number } {
  const s = d.toString();
  return { digits: s.replace(/0+$/, ""), exp: f + s.length - 1 };
}

/**
 * The shortest decimal strictly inside x's rounding interval, the closest to x among those (ties
 * to an even last digit), as PostgreSQL's Ryu (d2s/f2s) produces it. Fast paths first; the exact
 * search (BigInt comparisons) only runs for the rare values near a boundary or a tie.
 */
export function shortest(x: number, single: boolean): { digits: string; exp: number } {
  const fast = single ? shortestFloat32Fast(x) : shortestDoubleFast(x);
  if (fast !== undefined) return fast;
  if (!single) {
    // JS's digits are still right unless they sit exactly on the boundary.
    const s = x.toExponential();
    const e = s.indexOf("e");
    const digits = s.slice(0, e).replace(".", "");
    const exp = Number(s.slice(e + 1));
    if (strictlyInside(BigInt(digits), exp - digits.length + 1, x, false)) return { digits, exp };
  }
  return shortestExact(x, single);
}

/** JS's own shortest digits, unless they could be a rounding boundary (then undefined). */
function shortestDoubleFast(x: number): { digits: string; exp: number } | undefined {
  const s = x.toExponential();
  const e = s.indexOf("e");
  const digits = s.slice(0, e).replace(".", "");
  const exp = Number(s.slice(e + 1));
  const f = exp - digits.length + 1;
  // A boundary is a dyadic rational: a fraction ending in 5 (trailing zeros are never printed),
  // or an integer, which below 2^53 cannot be since the neighbours' midpoints are not integers.
  if (f < 0 ? digits.endsWith("5") && f >= -60 : x >= 2 ** 53) return undefined;
  return { digits, exp };
}

/**
 * Binary search over the digit count: when the rounding interval is symmetric (x not a power of
 * two), the closest p-digit decimal being inside implies the closest (p+1)-digit one is too.
 */
function shortestFloat32Fast(x: number): { digits: string; exp: number } | undefined {
  f32[0] = x;
  if ((u32[0]! & 0x7fffff) === 0) return undefined;
  let lo = 1;
  let hi = 9;
  let best: { digits: string; exp: number } | undefined;
  while (lo <= hi) {
    const p = (lo + hi) >> 1;
    const r = probeFloat32(x, p);
    if (r === "exact") return undefined;
    if (r === undefined) lo = p + 1;
    else {
      best = r;
      hi = p - 1;
    }
  }
  return best;
}

/** The closest p-digit decimal if it is strictly inside; "exact" when only BigInt arithmetic can tell. */
function probeFloat32(x: number, p: number): { digits: string; exp: number } | "exact" | undefined {
  const s = x.toExponential(p - 1);
  const v = Number(s);
  if (isFloat32Midpoint(v)) return "exact";
  if (Math.fround(v) !== x) return undefined;
  const e = s.indexOf("e");
  const mantissa = s.slice(0, e).replace(".", "");
  const exp = Number(s.slice(e + 1));
  const d0 = Number(mantissa);
  // toExponential rounds a tie up where Ryu picks the even neighbour: possible only if x is
  // (numerically) halfway between d0 - 1 and d0.
  if (d0 % 2 === 1 && Number(`${2 * d0 - 1}e${exp - p + 1}`) === 2 * x) return "exact";
  const digits = mantissa.replace(/0+$/, "");
  return { digits: digits === "" ? "0" : digits, exp };
}

/** The exact search alone (exported so tests can check the fast paths against it). */
export function shortestExact(x: number, single: boolean): { digits: string; exp: number } {
  const maxDigits = single ? 9 : 17;
  for (let p = 1; p <= maxDigits; p++) {
    const s = x.toExponential(p - 1);
    const e = s.indexOf("e");
    const d0 = BigInt(s.slice(0, e).replace(".", ""));
    const f = Number(s.slice(e + 1)) - p + 1;
    if (strictlyInside(d0, f, x, single)) {
      // toExponential rounds ties up; Ryu rounds an exact tie to the even neighbour.
      if (d0 % 2n === 1n && compareDecimalBinary(2n * d0 - 1n, f, ...mantExp(x, single)) === 0 && strictlyInside(d0 - 1n, f, x, single)) {
        return normalised(d0 - 1n, f);
      }
      return normalised(d0, f);
    }
    for (const d of [d0 - 1n, d0 + 1n]) {
      if (d > 0n && strictlyInside(d, f, x, single)) return normalised(d, f);
    }
  }
  throw new Error(`no shortest representation found for ${x}`);
}

/** x as [2·mantissa, exponent] for comparing against doubled decimals. */
function mantExp(x: number, single: boolean): [bigint, number] {
  const b = binaryOf(x, single);
  return [2n * b.mant, b.exp];
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
  const { digits, exp } = shortest(Math.abs(x), false);
  return layout(x < 0, digits, exp, 15);
}

/** float4out with extra_float_digits = 1; also pgvector's element format. */
export function formatFloat4(x: number): string {
  const special = specialFloat(x);
  if (special !== undefined) return special;
  const { digits, exp } = shortest(Math.abs(x), true);
  return layout(x < 0, digits, exp, 6);
}
