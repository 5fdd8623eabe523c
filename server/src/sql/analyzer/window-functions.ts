/**
 * The window-only functions (row_number, rank, lag, ...) and their signatures, as pg_proc has
 * them: counts are integer (an int2, int4 or untyped argument), value functions are polymorphic
 * (lag and lead over anycompatible, so the value and the default share a type).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { commonType, FLOAT8, formatType, INT4, INT8, type SqlType } from "../types/index.js";

const RANKING = new Set(["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile"]);
const VALUE = new Set(["lag", "lead", "first_value", "last_value", "nth_value"]);
/** Also ordered-set aggregates (rank(x) WITHIN GROUP (ORDER BY ...)), so arguments mean that. */
const HYPOTHETICAL = new Set(["rank", "dense_rank", "percent_rank", "cume_dist"]);

export function isWindowFunctionName(name: string): boolean {
  return RANKING.has(name) || VALUE.has(name);
}

const isUntyped = (t: SqlType) => t.kind === "unknown" || t.kind === "null";

export function resolveWindowFunction(name: string, argTypes: readonly SqlType[]): { argTypes: SqlType[]; returnType: SqlType } {
  const bad = () =>
    new SqlStateError(`function ${name}(${argTypes.map(formatType).join(", ")}) does not exist`, "42883", {
      hint: "No function matches the given name and argument types. You might need to add explicit type casts.",
    });
  const count = (i: number) => {
    const t = argTypes[i]!;
    if (!isUntyped(t) && t.kind !== "int2" && t.kind !== "int4") throw bad();
  };
  const arity = (min: number, max = min) => {
    if (argTypes.length < min || argTypes.length > max) throw bad();
  };
  switch (name) {
    case "row_number":
    case "rank":
    case "dense_rank":
    case "percent_rank":
    case "cume_dist":
      if (argTypes.length > 0 && HYPOTHETICAL.has(name)) throw new SqlStateError(`WITHIN GROUP is required for ordered-set aggregate ${name}`, "42809");
      arity(0);
      return { argTypes: [], returnType: name === "percent_rank" || name === "cume_dist" ? FLOAT8 : INT8 };
    case "ntile":
      arity(1);
      count(0);
      return { argTypes: [INT4], returnType: INT4 };
    case "first_value":
    case "last_value":
    case "nth_value": {
      arity(name === "nth_value" ? 2 : 1);
      if (name === "nth_value") count(1);
      const value = polymorphic([argTypes[0]!], bad);
      return { argTypes: [value, INT4].slice(0, argTypes.length), returnType: value };
    }
    case "lag":
    case "lead": {
      arity(1, 3);
      if (argTypes.length > 1) count(1);
      const value = polymorphic(argTypes.length > 2 ? [argTypes[0]!, argTypes[2]!] : [argTypes[0]!], bad);
      return { argTypes: [value, INT4, value].slice(0, argTypes.length), returnType: value };
    }
    default:
      throw bad();
  }
}

/** The type an anyelement/anycompatible parameter takes from its arguments; `mismatch` when they share none. */
function polymorphic(types: readonly SqlType[], mismatch: () => SqlStateError): SqlType {
  if (types.every(isUntyped)) throw new SqlStateError("could not determine polymorphic type because input has type unknown", "42804");
  try {
    return commonType(types, "CASE");
  } catch {
    throw mismatch();
  }
}
