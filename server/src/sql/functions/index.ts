/**
 * The scalar function and operator library the executor calls: `lookupFunction` and
 * `lookupOperator` resolve a name and argument types to an implementation with PostgreSQL's
 * overload rules (see registry.ts) and errors (42883 with its hint, 42725 when ambiguous).
 *
 * Special forms the parser or executor handle themselves, not here: greatest/least, coalesce,
 * nullif, CASE, AND/OR/NOT, IS [NOT] DISTINCT FROM, casts. `substring(x FROM a FOR b)` maps onto
 * the substring overloads through `substringArgs`, `extract(f FROM x)` onto `extract(text, x)`.
 */
import type { SqlType } from "../types/index.js";
import { DATETIME_FUNCTIONS } from "./datetime.js";
import { INTERVAL_FUNCTIONS } from "./interval.js";
import { JSON_FUNCTIONS, VECTOR_FUNCTIONS } from "./json-vector.js";
import { JSON_EXTRA_FUNCTIONS } from "./json.js";
import { MATH_FUNCTIONS } from "./math.js";
import { argTypeName, FunctionLookupError, Registry, type ResolvedFunction } from "./registry.js";
import { STRING_FUNCTIONS } from "./strings.js";
import { ARRAY_FUNCTIONS } from "./arrays.js";
import { SYSTEM_FUNCTIONS } from "./system.js";

export { FunctionLookupError, type EvalContext, type ResolvedFunction } from "./registry.js";
export { quoteIdent, quoteLiteral } from "./strings.js";
export type { SystemAccess } from "./system-access.js";
export { formatTypeWithModifier, REG_IN, REG_OUT, regNotFound } from "./system.js";
export { isSetReturningName, lookupSetReturning, type SetReturningFunction } from "./set-returning.js";

const registry = new Registry().add(MATH_FUNCTIONS).add(STRING_FUNCTIONS).add(DATETIME_FUNCTIONS).add(INTERVAL_FUNCTIONS).add(JSON_FUNCTIONS).add(JSON_EXTRA_FUNCTIONS).add(VECTOR_FUNCTIONS).add(ARRAY_FUNCTIONS).add(SYSTEM_FUNCTIONS);

/** Names of the scalar functions (not operators or internal helpers), sorted: what pg_proc lists. */
export function functionNames(): string[] {
  return registry
    .names()
    .filter((n) => /^[a-z_][a-z0-9_]*$/.test(n))
    .sort();
}

/** Names PostgreSQL's grammar maps onto the same operator. */
const OPERATOR_ALIASES: Readonly<Record<string, string>> = {
  "!=": "<>",
  LIKE: "~~",
  "NOT LIKE": "!~~",
  ILIKE: "~~*",
  "NOT ILIKE": "!~~*",
};

/** The function `name(argTypes...)`; throws 42883 when none matches, 42725 when ambiguous. */
export function lookupFunction(name: string, argTypes: readonly SqlType[]): ResolvedFunction {
  const lower = name.toLowerCase();
  const signature = `${lower}(${argTypes.map(argTypeName).join(", ")})`;
  const found = registry.resolve(
    lower,
    argTypes,
    () => new FunctionLookupError(`function ${signature} is not unique`, "42725", "Could not choose a best candidate function. You might need to add explicit type casts."),
  );
  if (found) return found;
  throw new FunctionLookupError(`function ${signature} does not exist`, "42883", "No function matches the given name and argument types. You might need to add explicit type casts.");
}

/**
 * The operator `left op right`, or the prefix operator `op right` when `left` is undefined.
 * LIKE / NOT LIKE / ILIKE / NOT ILIKE may be passed in words; `x LIKE p ESCAPE e` is
 * `x LIKE like_escape(p, e)`, as in PostgreSQL.
 */
export function lookupOperator(op: string, left: SqlType | undefined, right: SqlType): ResolvedFunction {
  const upper = op.toUpperCase().replace(/\s+/g, " ");
  const name = OPERATOR_ALIASES[upper] ?? op;
  const types = left === undefined ? [right] : [left, right];
  const shown = left === undefined ? `${op} ${argTypeName(right)}` : `${argTypeName(left)} ${op} ${argTypeName(right)}`;
  const found = registry.resolve(
    name,
    types,
    () => new FunctionLookupError(`operator is not unique: ${shown}`, "42725", "Could not choose a best candidate operator. You might need to add explicit type casts."),
    left !== undefined,
  );
  if (found) return found;
  throw new FunctionLookupError(`operator does not exist: ${shown}`, "42883", "No operator matches the given name and argument types. You might need to add explicit type casts.");
}

/**
 * The argument list of `substring(x FROM a FOR b)` as PostgreSQL rewrites it: FROM only is
 * substring(x, a), FOR only is substring(x, 1, b).
 */
export function substringArgs<T>(value: T, from: T | undefined, forCount: T | undefined, one: T): T[] {
  if (forCount === undefined) return from === undefined ? [value] : [value, from];
  return [value, from ?? one, forCount];
}
