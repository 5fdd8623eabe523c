/**
 * Array functions over one-dimensional arrays (lower bound 1): array_to_string, array_position,
 * array_upper / array_lower / array_length / array_ndims, cardinality. A dimension other than 1
 * does not exist, so asking for it gives NULL, as PostgreSQL does for a dimension past ndims.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { castValue, compareValues, formatText, INT4, type SqlArray, type SqlType, type SqlValue, equalValues, TEXT } from "../types/index.js";
import { COMPARISONS, fn } from "./common.js";
import type { Overload } from "./registry.js";

const arr = (v: SqlValue | undefined): SqlArray => v as SqlArray;
const TEXT_ARRAY: SqlType = { kind: "array", element: TEXT };
const elementOf = (t: SqlType): SqlType => (t.kind === "array" ? t.element : t);
/** An anycompatible argument of type `from` as an element of the array's type (NULL stays NULL). */
const asElement = (x: SqlValue | undefined, from: SqlType, element: SqlType): SqlValue => (x === null || x === undefined ? null : castValue(x, from, element, "implicit"));

function arrayToString(v: SqlArray, element: SqlType, delimiter: string, nullString: string | null): string {
  const parts: string[] = [];
  for (const e of v) {
    if (e === null) {
      if (nullString !== null) parts.push(nullString);
    } else {
      parts.push(formatText(e, element));
    }
  }
  return parts.join(delimiter);
}

/** array_position: the first position holding `x` (IS NOT DISTINCT FROM, so NULL finds NULL). */
function arrayPosition(v: SqlArray, x: SqlValue, element: SqlType, start = 1): number | null {
  for (let i = Math.max(start, 1) - 1; i < v.length; i++) {
    const e = v[i]!;
    if (e === null ? x === null : x !== null && equalValues(e, x, element)) return i + 1;
  }
  return null;
}

/** Whether `b`'s elements all appear in `a` (array @>): by "=", so a NULL element matches nothing. */
function containsAll(a: SqlArray, b: SqlArray, element: SqlType): boolean {
  return b.every((x) => x !== null && a.some((e) => e !== null && equalValues(e, x, element)));
}

/** array && array: some element in common (NULLs never match). */
function overlaps(a: SqlArray, b: SqlArray, element: SqlType): boolean {
  return a.some((e) => e !== null && b.some((x) => x !== null && equalValues(e, x, element)));
}

/** IS NOT DISTINCT FROM, as array_remove and array_replace compare. */
function sameElement(e: SqlValue, x: SqlValue, element: SqlType): boolean {
  return e === null ? x === null : x !== null && equalValues(e, x, element);
}

/**
 * string_to_array(s, delimiter [, null_string]): the fields between delimiters; a NULL
 * delimiter splits into characters, an empty one keeps the string whole; an empty string is {}.
 */
function stringToArray(s: string, delimiter: string | null, nullString: string | null): SqlArray {
  if (s === "") return [];
  const fields = delimiter === null ? [...s] : delimiter === "" ? [s] : s.split(delimiter);
  return nullString === null ? fields : fields.map((f) => (f === nullString ? null : f));
}

export const ARRAY_FUNCTIONS: readonly Overload[] = [
  fn("string_to_array", ["text", "text"], TEXT_ARRAY, ([x, d]) => (x === null ? null : stringToArray(x as string, d as string | null, null)), { strict: false }),
  fn("string_to_array", ["text", "text", "text"], TEXT_ARRAY, ([x, d, n]) => (x === null ? null : stringToArray(x as string, d as string | null, n as string | null)), { strict: false }),
  fn(
    "array_remove",
    ["anycompatiblearray", "anycompatible"],
    "text",
    ([a, x], _c, t) => {
      if (a === null) return null;
      const element = elementOf(t[0]!);
      const v = asElement(x, t[1]!, element);
      return arr(a).filter((e) => !sameElement(e, v, element));
    },
    { strict: false, returnsArg: 0 },
  ),
  fn(
    "array_replace",
    ["anycompatiblearray", "anycompatible", "anycompatible"],
    "text",
    ([a, x, y], _c, t) => {
      if (a === null) return null;
      const element = elementOf(t[0]!);
      const from = asElement(x, t[1]!, element);
      const to = asElement(y, t[2]!, element);
      return arr(a).map((e) => (sameElement(e, from, element) ? to : e));
    },
    { strict: false, returnsArg: 0 },
  ),
  fn(
    "array_positions",
    ["anycompatiblearray", "anycompatible"],
    { kind: "array", element: INT4 },
    ([a, x], _c, t) => {
      if (a === null) return null;
      const element = elementOf(t[0]!);
      const v = asElement(x, t[1]!, element);
      const out: number[] = [];
      arr(a).forEach((e, i) => {
        if (sameElement(e, v, element)) out.push(i + 1);
      });
      return out;
    },
    { strict: false },
  ),
  fn(
    "trim_array",
    ["anyarray", "int4"],
    "text",
    ([a, n]) => {
      const v = arr(a);
      const k = n as number;
      if (k < 0 || k > v.length) throw new SqlStateError(`number of elements to trim must be between 0 and ${v.length}`, "2202E");
      return v.slice(0, v.length - k);
    },
    { returnsArg: 0 },
  ),
  fn("array_dims", ["anyarray"], "text", ([a]) => (arr(a).length > 0 ? `[1:${arr(a).length}]` : null)),
  fn("@>", ["anyarray", "anyarray"], "bool", ([a, b], _c, t) => containsAll(arr(a), arr(b), elementOf(t[0]!))),
  fn("<@", ["anyarray", "anyarray"], "bool", ([a, b], _c, t) => containsAll(arr(b), arr(a), elementOf(t[0]!))),
  fn("&&", ["anyarray", "anyarray"], "bool", ([a, b], _c, t) => overlaps(arr(a), arr(b), elementOf(t[0]!))),
  fn("array_to_string", ["anyarray", "text"], "text", ([a, d], _c, t) => arrayToString(arr(a), elementOf(t[0]!), d as string, null)),
  fn("array_to_string", ["anyarray", "text", "text"], "text", ([a, d, n], _c, t) => (a === null || d === null ? null : arrayToString(arr(a), elementOf(t[0]!), d as string, n as string | null)), { strict: false }),
  fn(
    "array_position",
    ["anycompatiblearray", "anycompatible"],
    "int4",
    ([a, x], _c, t) => {
      if (a === null) return null;
      const element = elementOf(t[0]!);
      return arrayPosition(arr(a), asElement(x, t[1]!, element), element);
    },
    { strict: false },
  ),
  fn("array_upper", ["anyarray", "int4"], "int4", ([a, d]) => (d === 1 && arr(a).length > 0 ? arr(a).length : null)),
  fn("array_lower", ["anyarray", "int4"], "int4", ([a, d]) => (d === 1 && arr(a).length > 0 ? 1 : null)),
  fn("array_length", ["anyarray", "int4"], "int4", ([a, d]) => (d === 1 && arr(a).length > 0 ? arr(a).length : null)),
  fn("array_ndims", ["anyarray"], "int4", ([a]) => (arr(a).length > 0 ? 1 : null)),
  fn("cardinality", ["anyarray"], "int4", ([a]) => arr(a).length),
  // Arrays compare element by element, then by length (array_cmp).
  ...COMPARISONS.map(([op, test]) => fn(op, ["anyarray", "anyarray"], "bool", ([a, b], _c, t) => test(compareValues(arr(a), arr(b), t[0]!)))),
  // Concatenation, over the arguments' common element type (PostgreSQL's anycompatiblearray).
  ...(["||", "array_cat"] as const).map((name) =>
    fn(name, ["anycompatiblearray", "anycompatiblearray"], "text", ([a = null, b = null], _c, t) => (a === null ? b : b === null ? a : [...arr(a), ...castAll(arr(b), t[1]!, t[0]!)]), { strict: false, returnsArg: 0 }),
  ),
  ...(["||", "array_append"] as const).map((name) =>
    fn(name, ["anycompatiblearray", "anycompatible"], "text", ([a, x], _c, t) => [...(a === null ? [] : arr(a)), asElement(x, t[1]!, elementOf(t[0]!))], { strict: false, returnsArg: 0 }),
  ),
  ...(["||", "array_prepend"] as const).map((name) =>
    fn(name, ["anycompatible", "anycompatiblearray"], "text", ([x, a], _c, t) => [asElement(x, t[0]!, elementOf(t[1]!)), ...(a === null ? [] : arr(a))], { strict: false, returnsArg: 1 }),
  ),
];

function castAll(values: SqlArray, from: SqlType, to: SqlType): SqlArray {
  return from.kind === "array" && to.kind === "array" && from.element.kind !== to.element.kind ? values.map((v) => (v === null ? null : castValue(v, from.element, to.element, "implicit"))) : values;
}
