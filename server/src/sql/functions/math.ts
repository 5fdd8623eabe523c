/**
 * Arithmetic operators and math functions over int2/int4/int8, float4/float8 and numeric, with
 * PostgreSQL's overflow, division and rounding rules (int4pl, float8div, numeric_div, ...).
 *
 * numeric exp/ln/log/power choose their result scales as PostgreSQL 15's numeric.c does (at least
 * 16 significant digits, never fewer places than the inputs), from the same estimates.
 */
import { Dec, Numeric, type SqlValue, INT2_MAX, INT2_MIN, INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN, compareValues, type TypeKind, SqlTypeError } from "../types/index.js";
import { checkedNumeric, roundToScale } from "../types/numeric.js";
import { COMPARISONS, divisionByZero, err, fn } from "./common.js";
import type { Overload } from "./registry.js";

type IntKind = "int2" | "int4";
const INT_NAME: Record<IntKind | "int8", string> = { int2: "smallint", int4: "integer", int8: "bigint" };

function intOverflow(k: IntKind | "int8"): SqlTypeError {
  return new SqlTypeError(`${INT_NAME[k]} out of range`, "22003");
}

function checkInt(k: IntKind, v: number): number {
  const [min, max] = k === "int2" ? [INT2_MIN, INT2_MAX] : [INT4_MIN, INT4_MAX];
  if (v < min || v > max) throw intOverflow(k);
  // -0 is not an integer value SQL can show; keep results canonical.
  return v === 0 ? 0 : v;
}

function checkInt8(v: bigint): bigint {
  if (v < INT8_MIN || v > INT8_MAX) throw intOverflow("int8");
  return v;
}

const n = (v: SqlValue | undefined): number => v as number;
const b = (v: SqlValue | undefined): bigint => v as bigint;
const num = (v: SqlValue | undefined): Numeric => v as Numeric;

function intOps(k: IntKind): Overload[] {
  const p = [k, k] as const;
  return [
    fn("+", p, k, ([x, y]) => checkInt(k, n(x) + n(y))),
    fn("-", p, k, ([x, y]) => checkInt(k, n(x) - n(y))),
    // Products below 2^31 are exact in a double, so the range check sees the true value.
    fn("*", p, k, ([x, y]) => checkInt(k, n(x) * n(y))),
    fn("/", p, k, ([x, y]) => {
      if (n(y) === 0) throw divisionByZero();
      return checkInt(k, Math.trunc(n(x) / n(y)));
    }),
    fn("%", p, k, ([x, y]) => {
      if (n(y) === 0) throw divisionByZero();
      return checkInt(k, n(x) % n(y));
    }),
    fn("mod", p, k, ([x, y]) => {
      if (n(y) === 0) throw divisionByZero();
      return checkInt(k, n(x) % n(y));
    }),
    fn("-", [k], k, ([x]) => checkInt(k, -n(x))),
    fn("+", [k], k, ([x]) => x!),
    fn("@", [k], k, ([x]) => checkInt(k, Math.abs(n(x)))),
    fn("abs", [k], k, ([x]) => checkInt(k, Math.abs(n(x)))),
    ...bitOps(k),
    ...(k === "int4" ? gcdLcm("int4") : []),
  ];
}

/**
 * Bitwise operators on integers (int4and, int4shl, ...): & | # (xor), prefix ~, and shifts by
 * an int4 count, which C takes modulo the width, as PostgreSQL's do. int2 and int4 results wrap
 * to their width (a shift can move bits out), as C's do.
 */
function bitOps(k: IntKind | "int8"): Overload[] {
  if (k === "int8") {
    const wrap = (v: bigint) => BigInt.asIntN(64, v);
    return [
      fn("&", [k, k], k, ([x, y]) => b(x) & b(y)),
      fn("|", [k, k], k, ([x, y]) => b(x) | b(y)),
      fn("#", [k, k], k, ([x, y]) => b(x) ^ b(y)),
      fn("~", [k], k, ([x]) => ~b(x)),
      fn("<<", [k, "int4"], k, ([x, y]) => wrap(b(x) << BigInt(n(y) & 63))),
      fn(">>", [k, "int4"], k, ([x, y]) => b(x) >> BigInt(n(y) & 63)),
    ];
  }
  const wrap = k === "int2" ? (v: number) => (v << 16) >> 16 : (v: number) => v | 0;
  return [
    fn("&", [k, k], k, ([x, y]) => n(x) & n(y)),
    fn("|", [k, k], k, ([x, y]) => n(x) | n(y)),
    fn("#", [k, k], k, ([x, y]) => n(x) ^ n(y)),
    fn("~", [k], k, ([x]) => wrap(~n(x))),
    fn("<<", [k, "int4"], k, ([x, y]) => wrap(n(x) << (n(y) & 31))),
    fn(">>", [k, "int4"], k, ([x, y]) => wrap(n(x) >> (n(y) & 31))),
  ];
}

/** gcd and lcm (int4gcd, int8lcm): results that do not fit the type are out of range, as in PostgreSQL. */
function gcdLcm(k: "int4" | "int8"): Overload[] {
  const big = (v: SqlValue | undefined) => (k === "int8" ? b(v) : BigInt(n(v)));
  const out = (v: bigint): SqlValue => {
    if (k === "int8") return checkInt8(v);
    if (v < BigInt(INT4_MIN) || v > BigInt(INT4_MAX)) throw intOverflow(k);
    return Number(v);
  };
  const gcd = (x: bigint, y: bigint): bigint => {
    let [a, c] = [x < 0n ? -x : x, y < 0n ? -y : y];
    while (c !== 0n) [a, c] = [c, a % c];
    return a;
  };
  return [
    fn("gcd", [k, k], k, ([x, y]) => out(gcd(big(x), big(y)))),
    fn("lcm", [k, k], k, ([x, y]) => {
      const [a, c] = [big(x), big(y)];
      if (a === 0n || c === 0n) return out(0n);
      const l = (a / gcd(a, c)) * c;
      return out(l < 0n ? -l : l);
    }),
  ];
}

function int8Ops(): Overload[] {
  const p = ["int8", "int8"] as const;
  const div = (x: bigint, y: bigint, mod: boolean): bigint => {
    if (y === 0n) throw divisionByZero();
    // BigInt division truncates toward zero and % takes the dividend's sign, as C does.
    return mod ? x % y : checkInt8(x / y);
  };
  return [
    fn("+", p, "int8", ([x, y]) => checkInt8(b(x) + b(y))),
    fn("-", p, "int8", ([x, y]) => checkInt8(b(x) - b(y))),
    fn("*", p, "int8", ([x, y]) => checkInt8(b(x) * b(y))),
    fn("/", p, "int8", ([x, y]) => div(b(x), b(y), false)),
    fn("%", p, "int8", ([x, y]) => div(b(x), b(y), true)),
    fn("mod", p, "int8", ([x, y]) => div(b(x), b(y), true)),
    fn("-", ["int8"], "int8", ([x]) => checkInt8(-b(x))),
    fn("+", ["int8"], "int8", ([x]) => x!),
    fn("@", ["int8"], "int8", ([x]) => checkInt8(b(x) < 0n ? -b(x) : b(x))),
    fn("abs", ["int8"], "int8", ([x]) => checkInt8(b(x) < 0n ? -b(x) : b(x))),
    ...bitOps("int8"),
    ...gcdLcm("int8"),
  ];
}

// ---- floats ----------------------------------------------------------------------------------

function overflow(): SqlTypeError {
  return new SqlTypeError("value out of range: overflow", "22003");
}
function underflow(): SqlTypeError {
  return new SqlTypeError("value out of range: underflow", "22003");
}

/** float8pl/mi: an infinite result from finite inputs overflowed. */
function checkSum(r: number, x: number, y: number): number {
  if (!Number.isFinite(r) && !Number.isNaN(r) && Number.isFinite(x) && Number.isFinite(y)) throw overflow();
  return r;
}

function checkProduct(r: number, x: number, y: number): number {
  checkSum(r, x, y);
  if (r === 0 && x !== 0 && y !== 0) throw underflow();
  return r;
}

function floatDiv(x: number, y: number, round: (v: number) => number): number {
  if (y === 0 && !Number.isNaN(x)) throw divisionByZero();
  const r = round(x / y);
  if (!Number.isFinite(r) && !Number.isNaN(r) && Number.isFinite(x)) throw overflow();
  if (r === 0 && x !== 0 && Number.isFinite(y)) throw underflow();
  return r;
}

function floatOps(k: "float4" | "float8"): Overload[] {
  // float4 arithmetic rounds the exact double result once, as C's float arithmetic does.
  const r = k === "float4" ? Math.fround : (v: number) => v;
  const p = [k, k] as const;
  return [
    fn("+", p, k, ([x, y]) => checkSum(r(n(x) + n(y)), n(x), n(y))),
    fn("-", p, k, ([x, y]) => checkSum(r(n(x) - n(y)), n(x), n(y))),
    fn("*", p, k, ([x, y]) => checkProduct(r(n(x) * n(y)), n(x), n(y))),
    fn("/", p, k, ([x, y]) => floatDiv(n(x), n(y), r)),
    fn("-", [k], k, ([x]) => -n(x)),
    fn("+", [k], k, ([x]) => x!),
    fn("@", [k], k, ([x]) => Math.abs(n(x))),
    fn("abs", [k], k, ([x]) => Math.abs(n(x))),
  ];
}

/** rint: halves to even. */
function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  // Keep the sign of zero as C's rint does (round(-0.4) is -0).
  return r === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : r;
}

function dpow(x: number, y: number): number {
  // C's pow (and PostgreSQL's checks around it) differ from Math.pow on these.
  if (Number.isNaN(x)) return y === 0 ? 1 : NaN;
  if (Number.isNaN(y)) return x === 1 ? 1 : NaN;
  if (x === 0 && y < 0) throw err("zero raised to a negative power is undefined", "2201F");
  if (x < 0 && Number.isFinite(y) && !Number.isInteger(y) && Number.isFinite(x)) {
    throw err("a negative number raised to a non-integer power yields a complex result", "2201F");
  }
  if (Math.abs(x) === 1 && !Number.isFinite(y)) return 1;
  const r = Math.pow(x, y);
  if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) throw overflow();
  if (r === 0 && x !== 0 && Number.isFinite(x) && Number.isFinite(y)) throw underflow();
  return r;
}

/** Math.cbrt is off by an ulp at times where C's cbrt is not; one Newton step settles it. */
function cbrt(x: number): number {
  const r = Math.cbrt(x);
  if (!Number.isFinite(r) || r === 0) return r;
  const better = r - (r * r * r - x) / (3 * r * r);
  return Math.abs(better * better * better - x) < Math.abs(r * r * r - x) ? better : r;
}

function logCheck(x: number): void {
  if (x === 0) throw err("cannot take logarithm of zero", "2201E");
  if (x < 0) throw err("cannot take logarithm of a negative number", "2201E");
}

function dexp(x: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x)) return Math.exp(x);
  const r = Math.exp(x);
  if (!Number.isFinite(r)) throw overflow();
  if (r === 0) throw underflow();
  return r;
}

function float8Functions(): Overload[] {
  const f = (name: string, impl: (x: number) => number) => fn(name, ["float8"], "float8", ([x]) => impl(n(x)));
  return [
    f("ceil", Math.ceil),
    f("ceiling", Math.ceil),
    f("floor", Math.floor),
    f("round", rint),
    f("trunc", Math.trunc),
    f("sign", (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
    f("sqrt", (x) => {
      if (x < 0) throw err("cannot take square root of a negative number", "2201F");
      return Math.sqrt(x);
    }),
    f("cbrt", cbrt),
    f("exp", dexp),
    f("ln", (x) => {
      logCheck(x);
      return Math.log(x);
    }),
    f("log", (x) => {
      logCheck(x);
      return Math.log10(x);
    }),
    f("log10", (x) => {
      logCheck(x);
      return Math.log10(x);
    }),
    fn("power", ["float8", "float8"], "float8", ([x, y]) => dpow(n(x), n(y))),
    fn("pow", ["float8", "float8"], "float8", ([x, y]) => dpow(n(x), n(y))),
    fn("^", ["float8", "float8"], "float8", ([x, y]) => dpow(n(x), n(y))),
    fn("pi", [], "float8", () => Math.PI),
    fn("random", [], "float8", (_a, ctx) => (ctx.random ?? Math.random)(), { volatile: true }),
    f("degrees", (x) => x * (180 / Math.PI)),
    ...(
      [
        ["sin", Math.sin, false],
        ["cos", Math.cos, false],
        ["tan", Math.tan, false],
        ["asin", Math.asin, true],
        ["acos", Math.acos, true],
        ["atan", Math.atan, false],
      ] as const
    ).map(([name, g, bounded]) =>
      f(name, (x) => {
        if (Number.isNaN(x)) return NaN;
        // dsin and friends reject infinities; asin/acos also anything outside [-1, 1].
        if ((!bounded && !Number.isFinite(x) && name !== "atan") || (bounded && (x < -1 || x > 1))) throw err("input is out of range", "22003");
        return g(x);
      }),
    ),
    fn("atan2", ["float8", "float8"], "float8", ([y, x]) => Math.atan2(n(y), n(x))),
    f("radians", (x) => x * (Math.PI / 180)),
  ];
}

// ---- numeric ---------------------------------------------------------------------------------

/** Inexact operations compute with a private precision instead of numerics' huge default. */
const Work = Dec.clone({ rounding: Dec.ROUND_DOWN });

const NUMERIC_MIN_SIG_DIGITS = 16;
const NUMERIC_MAX_DISPLAY_SCALE = 1000;

/** Weight (base-10000 digit position) and first base-10000 digit, as PostgreSQL's NumericVar has them. */
function base10000(d: Dec): { weight: number; first: number } {
  if (d.isZero()) return { weight: 0, first: 0 };
  const weight = Math.floor(d.e / 4);
  const first = d.abs().times(new Dec(10).pow(-weight * 4)).floor().toNumber();
  return { weight, first };
}

function clampScale(s: number): number {
  return Math.min(Math.max(s, 0), NUMERIC_MAX_DISPLAY_SCALE);
}

/** select_div_scale. */
function divScale(x: Numeric, y: Numeric): number {
  const a = base10000(x.value);
  const c = base10000(y.value);
  let qweight = a.weight - c.weight;
  if (a.first <= c.first) qweight--;
  return clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - qweight * 4, x.scale, y.scale));
}

/** Rounds an exact-enough truncated value half away from zero: truncating first never crosses a half. */
function roundedQuotient(x: Dec, y: Dec, scale: number): Dec {
  const intDigits = Math.max(x.e - y.e + 2, 1);
  Work.set({ precision: intDigits + scale + 5 });
  const q = new Work(x).div(new Work(y));
  return new Dec(q).toDecimalPlaces(scale, Dec.ROUND_HALF_UP);
}

function numericSpecial(x: Numeric, y: Numeric): Numeric | undefined {
  return x.isNaN() || y.isNaN() ? Numeric.NaN : undefined;
}

function fromDec(d: Dec, scale: number): Numeric {
  if (!d.isFinite()) return Numeric.of(d);
  return checkedNumeric(d, scale);
}

export function numericDiv(x: Numeric, y: Numeric, truncate: boolean): Numeric {
  const special = numericSpecial(x, y);
  if (special) return special;
  if (!x.isFinite()) {
    if (!y.isFinite()) return Numeric.NaN;
    if (y.value.isZero()) throw divisionByZero();
    return x.value.isNegative() !== y.value.isNegative() ? Numeric.NEGATIVE_INFINITY : Numeric.POSITIVE_INFINITY;
  }
  if (!y.isFinite()) return Numeric.ZERO;
  if (y.value.isZero()) throw divisionByZero();
  if (truncate) return fromDec(x.value.div(y.value).trunc(), 0);
  const scale = divScale(x, y);
  return fromDec(roundedQuotient(x.value, y.value, scale), scale);
}

function numericMod(x: Numeric, y: Numeric): Numeric {
  const special = numericSpecial(x, y);
  if (special) return special;
  if (y.isFinite() && y.value.isZero()) throw divisionByZero();
  if (!x.isFinite()) return Numeric.NaN;
  if (!y.isFinite()) return x;
  const q = x.value.div(y.value).trunc();
  return fromDec(x.value.minus(q.times(y.value)), Math.max(x.scale, y.scale));
}

function numericSqrt(x: Numeric): Numeric {
  if (x.isNaN()) return x;
  if (x.value.isNegative()) throw err("cannot take square root of a negative number", "2201F");
  if (!x.isFinite()) return x;
  const { weight } = base10000(x.value);
  const sweight = Math.trunc(((weight + 1) * 4) / 2) - 1;
  const scale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - sweight, x.scale));
  Work.set({ precision: Math.max(sweight + 2, 1) + scale + 5 });
  return fromDec(new Dec(new Work(x.value).sqrt()).toDecimalPlaces(scale, Dec.ROUND_HALF_UP), scale);
}

function numericRound(x: Numeric, s: number, truncate: boolean): Numeric {
  if (!x.isFinite()) return x;
  // PostgreSQL clamps the requested scale to what a numeric can hold.
  const scale = Math.min(Math.max(s, -NUMERIC_MAX_DISPLAY_SCALE * 2), NUMERIC_MAX_DISPLAY_SCALE);
  const d = truncate
    ? scale >= 0
      ? x.value.toDecimalPlaces(scale, Dec.ROUND_DOWN)
      : x.value.toNearest(new Dec(10).pow(-scale), Dec.ROUND_DOWN)
    : roundToScale(x.value, scale);
  return fromDec(d, Math.max(scale, 0));
}

const TEN = Numeric.fromInteger(10);
const NUMERIC_MAX_RESULT_SCALE = 2000;
const GUARD = 10;

/**
 * A transcendental result to `scale` places: decimal.js rounds these correctly in every mode, so
 * the value truncated a few digits past `scale` and then rounded half up is exactly PostgreSQL's
 * correctly rounded result. `weight` estimates the result's decimal exponent.
 */
function transcendental(weight: number, scale: number, compute: (W: typeof Work) => Dec): Numeric {
  Work.set({ precision: Math.max(weight + 1, 1) + scale + GUARD });
  const d = new Dec(compute(Work)).toDecimalPlaces(scale, Dec.ROUND_HALF_UP);
  return fromDec(d, scale);
}

/** estimate_ln_dweight: the decimal weight of ln(x), for choosing result scales. */
function lnWeight(x: Dec): number {
  if (!x.isPositive() || x.isZero()) return 0;
  if (x.gte("0.9") && x.lte("1.1")) {
    const d = x.minus(1);
    return d.isZero() ? 0 : d.e;
  }
  const { weight } = base10000(x);
  const digits = x.times(new Dec(10).pow(-(weight - 1) * 4)).floor().toNumber();
  const ln = Math.log(digits) + (weight - 1) * 4 * Math.LN10;
  return Math.trunc(Math.log10(Math.abs(ln)));
}

function lnArgumentCheck(x: Numeric): void {
  if (x.value.isZero()) throw err("cannot take logarithm of zero", "2201E");
  if (x.value.isNegative()) throw err("cannot take logarithm of a negative number", "2201E");
}

function numericLn(x: Numeric): Numeric {
  if (x.isNaN()) return x;
  lnArgumentCheck(x);
  if (!x.isFinite()) return x;
  const scale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - lnWeight(x.value), x.scale));
  return transcendental(Math.abs(lnWeight(x.value)), scale, (W) => new W(x.value).ln());
}

function numericLog(b: Numeric, x: Numeric): Numeric {
  if (b.isNaN() || x.isNaN()) return Numeric.NaN;
  lnArgumentCheck(b);
  lnArgumentCheck(x);
  if (!b.isFinite() || !x.isFinite()) {
    if (!b.isFinite() && !x.isFinite()) return Numeric.NaN;
    return x.isFinite() ? Numeric.ZERO : Numeric.POSITIVE_INFINITY;
  }
  if (b.value.eq(1)) throw divisionByZero();
  const weight = lnWeight(x.value) - lnWeight(b.value);
  const scale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - weight, b.scale, x.scale));
  return fromDec(transcendentalRaw(Math.abs(weight) + 4, scale, (W) => new W(x.value).ln().div(new W(b.value).ln())), scale);
}

/** Like transcendental, for quotients of transcendental values (not exactly truncated: extra guard digits instead). */
function transcendentalRaw(weight: number, scale: number, compute: (W: typeof Work) => Dec): Dec {
  Work.set({ precision: Math.max(weight + 1, 1) + scale + 3 * GUARD });
  return new Dec(compute(Work)).toDecimalPlaces(scale, Dec.ROUND_HALF_UP);
}

function numericExp(x: Numeric): Numeric {
  if (x.isNaN()) return x;
  if (!x.isFinite()) return x.value.isNegative() ? Numeric.ZERO : x;
  const val = Math.min(Math.max(x.value.toNumber() * 0.434294481903252, -NUMERIC_MAX_RESULT_SCALE), NUMERIC_MAX_RESULT_SCALE);
  const scale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - Math.trunc(val), x.scale));
  if (Math.abs(x.value.toNumber()) >= NUMERIC_MAX_RESULT_SCALE * 3) {
    if (x.value.isPositive()) throw err("value overflows numeric format", "22003");
    return Numeric.of(0, scale);
  }
  return transcendental(Math.ceil(val), scale, (W) => new W(x.value).exp());
}

function isIntegral(x: Numeric): boolean {
  return x.isFinite() && x.value.isInteger();
}

function numericPower(x: Numeric, y: Numeric): Numeric {
  // POSIX pow: NaN ^ 0 = 1 and 1 ^ NaN = 1, every other NaN input gives NaN.
  if (x.isNaN()) return y.isFinite() && y.value.isZero() ? Numeric.fromInteger(1) : Numeric.NaN;
  if (y.isNaN()) return x.isFinite() && x.value.eq(1) ? Numeric.fromInteger(1) : Numeric.NaN;
  if (x.value.isZero() && y.value.isNegative()) throw err("zero raised to a negative power is undefined", "2201F");
  if (x.value.isNegative() && !isIntegral(y) && y.isFinite()) throw err("a negative number raised to a non-integer power yields a complex result", "2201F");
  if (!x.isFinite() || !y.isFinite()) {
    const r = Math.pow(x.value.toNumber(), y.value.toNumber());
    return Number.isNaN(r) ? Numeric.NaN : r === Infinity ? Numeric.POSITIVE_INFINITY : r === -Infinity ? Numeric.NEGATIVE_INFINITY : Numeric.fromInteger(r === 1 ? 1 : 0);
  }
  if (isIntegral(y) && y.value.abs().lte(2147483647)) {
    const n = y.value.toNumber();
    const scale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS, x.scale));
    if (n === 0) return Numeric.of(1, scale);
    if (x.value.isZero()) return Numeric.of(0, scale);
    const weight = n * Math.log10(x.value.abs().toNumber());
    if (weight > 131072) throw err("value overflows numeric format", "22003");
    if (weight < -(scale + 1)) return Numeric.of(0, scale);
    if (n > 0) {
      Work.set({ precision: Math.ceil(Math.max(weight, 0)) + scale + GUARD + 1 });
      // Integer powers of an exact decimal are exact given enough digits; decimal.js rounds them correctly.
      return fromDec(new Dec(new Work(x.value).pow(n)).toDecimalPlaces(scale, Dec.ROUND_HALF_UP), scale);
    }
    return transcendental(Math.ceil(Math.max(weight, 0)), scale, (W) => new W(x.value).pow(n));
  }
  if (x.value.isZero()) return Numeric.of(0, NUMERIC_MIN_SIG_DIGITS);
  const lnx = Math.log(x.value.toNumber()) * y.value.toNumber();
  if (Math.abs(lnx) > NUMERIC_MAX_RESULT_SCALE * 3.01) {
    if (lnx > 0) throw err("value overflows numeric format", "22003");
    return Numeric.of(0, NUMERIC_MAX_DISPLAY_SCALE);
  }
  const val = lnx * 0.434294481903252;
  const scale = clampScale(Math.max(NUMERIC_MIN_SIG_DIGITS - Math.trunc(val), x.scale, y.scale));
  return transcendental(Math.ceil(Math.max(val, 0)), scale, (W) => new W(x.value).pow(new W(y.value)));
}

function numericOps(): Overload[] {
  const p = ["numeric", "numeric"] as const;
  const add = (x: Numeric, y: Numeric, sub: boolean): Numeric =>
    numericSpecial(x, y) ?? fromDec(sub ? x.value.minus(y.value) : x.value.plus(y.value), Math.max(x.scale, y.scale));
  const sign = (x: Numeric): Numeric => (x.isNaN() ? x! : Numeric.fromInteger(x.value.isZero() ? 0 : x.value.isNegative() ? -1 : 1));
  const ceilFloor = (x: Numeric, up: boolean): Numeric => (x.isFinite() ? fromDec(up ? x.value.ceil() : x.value.floor(), 0) : x);
  return [
    fn("+", p, "numeric", ([x, y]) => add(num(x), num(y), false)),
    fn("-", p, "numeric", ([x, y]) => add(num(x), num(y), true)),
    fn("*", p, "numeric", ([x, y]) => numericSpecial(num(x), num(y)) ?? fromDec(num(x).value.times(num(y).value), clampScale(num(x).scale + num(y).scale))),
    fn("/", p, "numeric", ([x, y]) => numericDiv(num(x), num(y), false)),
    fn("div", p, "numeric", ([x, y]) => numericDiv(num(x), num(y), true)),
    fn("%", p, "numeric", ([x, y]) => numericMod(num(x), num(y))),
    fn("mod", p, "numeric", ([x, y]) => numericMod(num(x), num(y))),
    fn("-", ["numeric"], "numeric", ([x]) => (num(x).isNaN() ? x! : Numeric.of(num(x).value.neg(), num(x).scale))),
    fn("+", ["numeric"], "numeric", ([x]) => x!),
    fn("@", ["numeric"], "numeric", ([x]) => (num(x).isNaN() ? x! : Numeric.of(num(x).value.abs(), num(x).scale))),
    fn("abs", ["numeric"], "numeric", ([x]) => (num(x).isNaN() ? x! : Numeric.of(num(x).value.abs(), num(x).scale))),
    fn("sign", ["numeric"], "numeric", ([x]) => sign(num(x))),
    fn("ceil", ["numeric"], "numeric", ([x]) => ceilFloor(num(x), true)),
    fn("ceiling", ["numeric"], "numeric", ([x]) => ceilFloor(num(x), true)),
    fn("floor", ["numeric"], "numeric", ([x]) => ceilFloor(num(x), false)),
    fn("round", ["numeric"], "numeric", ([x]) => numericRound(num(x), 0, false)),
    fn("round", ["numeric", "int4"], "numeric", ([x, s]) => numericRound(num(x), n(s), false)),
    fn("trunc", ["numeric"], "numeric", ([x]) => numericRound(num(x), 0, true)),
    fn("trunc", ["numeric", "int4"], "numeric", ([x, s]) => numericRound(num(x), n(s), true)),
    fn("sqrt", ["numeric"], "numeric", ([x]) => numericSqrt(num(x))),
    fn("exp", ["numeric"], "numeric", ([x]) => numericExp(num(x))),
    fn("ln", ["numeric"], "numeric", ([x]) => numericLn(num(x))),
    // log(x) and log10(x) are log(10, x), as PostgreSQL defines them.
    fn("log", ["numeric"], "numeric", ([x]) => numericLog(TEN, num(x))),
    fn("log10", ["numeric"], "numeric", ([x]) => numericLog(TEN, num(x))),
    fn("log", p, "numeric", ([b, x]) => numericLog(num(b), num(x))),
    fn("power", p, "numeric", ([x, y]) => numericPower(num(x), num(y))),
    fn("pow", p, "numeric", ([x, y]) => numericPower(num(x), num(y))),
    fn("^", p, "numeric", ([x, y]) => numericPower(num(x), num(y))),
  ];
}

// ---- comparison ------------------------------------------------------------------------------

const COMPARABLE: readonly TypeKind[] = [
  "bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "char", "bytea", "date", "timestamp", "timestamptz", "interval", "uuid", "jsonb", "vector", "oid",
];

/** Comparison operators per type; mixed-type comparisons resolve through implicit casts. */
function comparisonOps(): Overload[] {
  const out: Overload[] = [];
  for (const k of COMPARABLE) {
    for (const [op, test] of COMPARISONS) {
      out.push(fn(op, [k, k], "bool", ([x, y], _ctx, types) => test(compareValues(x!, y!, types[0]!))));
    }
  }
  return out;
}

/** factorial(n) as numeric: exact, however large. */
function factorial(v: bigint): Numeric {
  if (v < 0n) throw err("factorial of a negative number is undefined", "22003");
  // PostgreSQL's numeric holds at most 131072 digits before the point: 32177! has 131070.
  if (v > 32177n) throw err("value overflows numeric format", "22003");
  let r = 1n;
  for (let k = 2n; k <= v; k++) r *= k;
  return Numeric.fromInteger(r);
}

/**
 * width_bucket(x, low, high, count): the bucket of x among `count` equal-width buckets spanning
 * [low, high) (or (high, low] when high < low), 0 below the range and count + 1 above it.
 */
function widthBucket(x: number, low: number, high: number, count: number): number {
  if (count <= 0) throw err("count must be greater than zero", "2201G");
  if (Number.isNaN(x) || Number.isNaN(low) || Number.isNaN(high)) throw err("operand, lower bound, and upper bound cannot be NaN", "2201G");
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw err("lower and upper bounds must be finite", "2201G");
  if (low === high) throw err("lower bound cannot equal upper bound", "2201G");
  if (low < high) {
    if (x < low) return 0;
    if (x >= high) return count + 1;
    return Math.floor(((x - low) / (high - low)) * count) + 1;
  }
  if (x > low) return 0;
  if (x <= high) return count + 1;
  return Math.floor(((low - x) / (low - high)) * count) + 1;
}

export const MATH_FUNCTIONS: readonly Overload[] = [
  fn("factorial", ["int8"], "numeric", ([x]) => factorial(x as bigint)),
  fn("width_bucket", ["float8", "float8", "float8", "int4"], "int4", ([x, lo, hi, c]) => widthBucket(n(x), n(lo), n(hi), n(c))),
  fn("width_bucket", ["numeric", "numeric", "numeric", "int4"], "int4", ([x, lo, hi, c]) =>
    widthBucket(Number((x as Numeric).toString()), Number((lo as Numeric).toString()), Number((hi as Numeric).toString()), n(c)),
  ),
  fn("num_nulls", ["any"], "int4", (args) => args.filter((v) => v === null).length, { variadic: "any", strict: false }),
  fn("num_nonnulls", ["any"], "int4", (args) => args.filter((v) => v !== null).length, { variadic: "any", strict: false }),
  ...intOps("int2"),
  ...intOps("int4"),
  ...int8Ops(),
  ...floatOps("float4"),
  ...floatOps("float8"),
  ...float8Functions(),
  ...numericOps(),
  ...comparisonOps(),
];
