/**
 * numeric: text input as PostgreSQL 15's numeric_in, type modifiers (precision, scale) as
 * apply_typmod, and conversions to and from the other number types.
 */
import { SqlTypeError, invalidSyntax, numericOverflow, outOfRange, floatOutOfRange } from "./errors.js";
import { trimCSpace } from "./number-text.js";
import { Dec, Numeric } from "./value.js";

/** Most digits before the decimal point (32768 base-10000 digits). */
const MAX_INTEGER_DIGITS = 131072;
/** Most digits after the decimal point (NUMERIC_DSCALE_MAX). */
const MAX_DISPLAY_SCALE = 16383;

const NUMERIC_SYNTAX = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?$/;
const NUMERIC_SPECIAL = /^(?:(nan)|([+-]?)(?:infinity|inf))$/i;

/** numeric_in (without a type modifier). */
export function parseNumeric(text: string, typeName = "numeric"): Numeric {
  const t = trimCSpace(text);
  const special = NUMERIC_SPECIAL.exec(t);
  if (special) {
    if (special[1] !== undefined) return Numeric.NaN;
    return special[2] === "-" ? Numeric.NEGATIVE_INFINITY : Numeric.POSITIVE_INFINITY;
  }
  const m = NUMERIC_SYNTAX.exec(t);
  if (!m) throw invalidSyntax(typeName, text);
  const body = m[2]!;
  const dot = body.indexOf(".");
  const fractionDigits = dot < 0 ? 0 : body.length - dot - 1;
  const exponent = m[3] === undefined ? 0 : Number(m[3]);
  // Beyond this the value or its scale overflows whatever the digits are (or it is zero).
  if (Math.abs(exponent) > 2 * (MAX_INTEGER_DIGITS + MAX_DISPLAY_SCALE) + body.length) throw numericOverflow();
  const scale = Math.max(0, fractionDigits - exponent);
  const value = new Dec(`${m[1]}${body.startsWith(".") ? "0" : ""}${body}e${exponent}`);
  return checkedNumeric(value, scale);
}

/** A numeric after checking PostgreSQL's storage limits. */
export function checkedNumeric(value: Dec, scale: number): Numeric {
  if (scale > MAX_DISPLAY_SCALE) throw numericOverflow();
  if (!value.isZero() && value.e + 1 > MAX_INTEGER_DIGITS) throw numericOverflow();
  return Numeric.of(value, scale);
}

/** Rounds half away from zero to `scale` decimal places, which may be negative (tens, hundreds...). */
export function roundToScale(value: Dec, scale: number): Dec {
  if (scale >= 0) return value.toDecimalPlaces(scale, Dec.ROUND_HALF_UP);
  return value.toNearest(new Dec(10).pow(-scale), Dec.ROUND_HALF_UP);
}

/**
 * apply_typmod: rounds to the scale and checks the digits before the point fit precision - scale
 * (22003 numeric field overflow, with PostgreSQL's detail).
 */
export function applyNumericTypmod(n: Numeric, precision: number | undefined, scale: number | undefined): Numeric {
  if (precision === undefined) return n;
  const s = scale ?? 0;
  if (n.isNaN()) return n;
  if (!n.isFinite()) {
    throw new SqlTypeError("numeric field overflow", "22003", `A field with precision ${precision}, scale ${s} cannot hold an infinite value.`);
  }
  const rounded = roundToScale(n.value, s);
  const maxDigits = precision - s;
  if (!rounded.isZero() && rounded.e + 1 > maxDigits) {
    const bound = maxDigits === 0 ? "1" : `10^${maxDigits}`;
    throw new SqlTypeError("numeric field overflow", "22003", `A field with precision ${precision}, scale ${s} must round to an absolute value less than ${bound}.`);
  }
  return Numeric.of(rounded, Math.max(s, 0));
}

/** numeric → int2/int4/int8: rounds half away from zero; NaN and infinities cannot convert (0A000). */
export function numericToBigInt(n: Numeric, min: bigint, max: bigint, typeName: string): bigint {
  if (n.isNaN()) throw new SqlTypeError(`cannot convert NaN to ${typeName}`, "0A000");
  if (!n.isFinite()) throw new SqlTypeError(`cannot convert infinity to ${typeName}`, "0A000");
  const r = n.value.toDecimalPlaces(0, Dec.ROUND_HALF_UP);
  // Compare before converting so huge values do not build huge bigints.
  if (r.e > 19) throw outOfRange(typeName);
  const v = BigInt(r.toFixed(0));
  if (v < min || v > max) throw outOfRange(typeName);
  return v;
}

/** numeric → float8 (or float4 with `round = Math.fround`), through the text form as PostgreSQL does. */
export function numericToFloat(n: Numeric, typeName: string, round: (x: number) => number): number {
  if (n.isNaN()) return NaN;
  if (!n.isFinite()) return n.value.isNegative() ? -Infinity : Infinity;
  const text = n.toString();
  const v = round(Number(text));
  if (!Number.isFinite(v)) throw floatOutOfRange(typeName, text);
  if (v === 0 && !n.value.isZero()) throw floatOutOfRange(typeName, text);
  return v;
}

/**
 * float8 → numeric keeps 15 significant digits (DBL_DIG), float4 → numeric 6 (FLT_DIG), because
 * PostgreSQL converts through "%.*g": 0.1::float8::numeric is 0.1, not the binary expansion.
 */
export function floatToNumeric(x: number, significantDigits: number): Numeric {
  if (Number.isNaN(x)) return Numeric.NaN;
  if (x === Infinity) return Numeric.POSITIVE_INFINITY;
  if (x === -Infinity) return Numeric.NEGATIVE_INFINITY;
  // %g drops trailing zeros, so the display scale is the decimal places of the normalised value.
  return Numeric.of(new Dec(x.toPrecision(significantDigits)));
}
