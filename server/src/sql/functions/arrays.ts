/**
 * Array functions over one-dimensional arrays (lower bound 1): array_to_string, array_position,
 * array_upper / array_lower / array_length / array_ndims, cardinality. A dimension other than 1
 * does not exist, so asking for it gives NULL, as PostgreSQL does for a dimension past ndims.
 */
import { castValue, compareValues, formatText, type SqlArray, type SqlType, type SqlValue, equalValues } from "../types/index.js";
import { COMPARISONS, fn } from "./common.js";
import type { Overload } from "./registry.js";

const arr = (v: SqlValue | undefined): SqlArray => v as SqlArray;
const elementOf = (t: SqlType): SqlType => (t.kind === "array" ? t.element : t);

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

export const ARRAY_FUNCTIONS: readonly Overload[] = [
  fn("array_to_string", ["anyarray", "text"], "text", ([a, d], _c, t) => arrayToString(arr(a), elementOf(t[0]!), d as string, null)),
  fn("array_to_string", ["anyarray", "text", "text"], "text", ([a, d, n], _c, t) => (a === null || d === null ? null : arrayToString(arr(a), elementOf(t[0]!), d as string, n as string | null)), { strict: false }),
  fn(
    "array_position",
    ["anycompatiblearray", "anycompatible"],
    "int4",
    ([a, x], _c, t) => {
      if (a === null) return null;
      const element = elementOf(t[0]!);
      return arrayPosition(arr(a), x === null ? null : castValue(x!, t[1]!, element, "implicit"), element);
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
    fn(name, ["anycompatiblearray", "anycompatible"], "text", ([a, x], _c, t) => [...(a === null ? [] : arr(a)), x === null ? null : castValue(x!, t[1]!, elementOf(t[0]!), "implicit")], { strict: false, returnsArg: 0 }),
  ),
  ...(["||", "array_prepend"] as const).map((name) =>
    fn(name, ["anycompatible", "anycompatiblearray"], "text", ([x, a], _c, t) => [x === null ? null : castValue(x!, t[0]!, elementOf(t[1]!), "implicit"), ...(a === null ? [] : arr(a))], { strict: false, returnsArg: 1 }),
  ),
];

function castAll(values: SqlArray, from: SqlType, to: SqlType): SqlArray {
  return from.kind === "array" && to.kind === "array" && from.element.kind !== to.element.kind ? values.map((v) => (v === null ? null : castValue(v, from.element, to.element, "implicit"))) : values;
}
