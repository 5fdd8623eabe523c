/**
 * Type coercion of bound expressions: PostgreSQL's coerce_type. Unknown literals are typed by
 * reading their text with the target type's input function (at analysis time, so a bad literal
 * fails before any row is touched); parameters without a declared type take the type the
 * context asks for; everything else goes through the cast table in the given context.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { ScalarExpr } from "../plan/expr.js";
import { type CastContext, canCast, castValue, commonType, type CommonTypeContext, defaultOfKind, formatType, parseText, type SqlType, typeModifier, typesEqual, TEXT, withoutModifiers } from "../types/index.js";
import type { ParamTypes } from "./context.js";

export function isUnknownType(t: SqlType): boolean {
  return t.kind === "unknown" || t.kind === "null";
}

/** Coerces `e` to `target`; throws 42804 (datatype mismatch) naming `what` when no cast applies. */
export function coerce(e: ScalarExpr, target: SqlType, context: CastContext, params: ParamTypes, what?: string): ScalarExpr {
  if (typesEqual(e.type, target)) return e;
  if (target.kind === "unknown" || target.kind === "null") return e;
  if (e.kind === "const" && isUnknownType(e.type)) {
    if (e.value === null) return { kind: "const", value: null, type: target };
    if (context === "explicit") {
      // 'abcdef'::varchar(3): read as the plain type, then the explicit length coercion cuts it, as in PostgreSQL.
      // An interval keeps its field range, which decides how the text is read.
      // An array is read as its element type (so int2vector keeps its space-separated form).
      const plain = target.kind === "interval" ? target : target.kind === "array" ? withoutModifiers(target) : defaultOfKind(target.kind);
      return { kind: "const", value: castValue(parseText(String(e.value), plain), plain, target, context), type: target };
    }
    const value = parseText(String(e.value), target);
    return { kind: "const", value: target.kind !== e.type.kind ? castValue(value, target, target, context) : value, type: target };
  }
  if (e.kind === "param" && isUnknownType(e.type)) {
    params.set(e.index, target);
    return { ...e, type: target };
  }
  // Arrays of different element types share a kind but are different types.
  if (e.type.kind === target.kind && e.type.kind !== "array" && context !== "explicit" && !needsTypmod(e.type, target)) return e;
  if (!canCast(e.type, target, context)) {
    if (context === "explicit") throw new SqlStateError(`cannot cast type ${formatType(e.type)} to ${formatType(target)}`, "42846");
    throw new SqlStateError(
      what
        ? `${what} is of type ${formatType(target)} but expression is of type ${formatType(e.type)}`
        : `argument of type ${formatType(e.type)} cannot be used as ${formatType(target)}`,
      "42804",
      what ? { hint: "You will need to rewrite or cast the expression." } : undefined,
    );
  }
  if (e.kind === "const") {
    return { kind: "const", value: castValue(e.value, e.type, target, context), type: target };
  }
  return { kind: "cast", input: e, type: target, explicit: context === "explicit" };
}

/** Whether moving a value of `from` into `to` (same kind) must apply a length/precision modifier. */
function needsTypmod(from: SqlType, to: SqlType): boolean {
  switch (to.kind) {
    case "varchar":
    case "char":
      return to.length !== undefined && (from as { length?: number }).length !== to.length;
    case "numeric":
      return to.precision !== undefined && ((from as { precision?: number }).precision !== to.precision || (from as { scale?: number }).scale !== to.scale);
    case "timestamp":
    case "timestamptz":
      return to.precision !== undefined && (from as { precision?: number }).precision !== to.precision;
    case "vector":
      return to.dims !== undefined && (from as { dims?: number }).dims !== to.dims;
    case "interval":
      return (to.fields !== undefined || to.precision !== undefined) && typeModifier(from) !== typeModifier(to);
    default:
      return false;
  }
}

/** The common type of a CASE/COALESCE/UNION/... (unknowns alone resolve to text), and the coerced inputs. */
export function unify(exprs: readonly ScalarExpr[], construct: CommonTypeContext, params: ParamTypes): { type: SqlType; exprs: ScalarExpr[] } {
  const known = exprs.map((e) => e.type).filter((t) => !isUnknownType(t));
  const type = known.length === 0 ? TEXT : commonType(known, construct);
  return { type, exprs: exprs.map((e) => coerce(e, type, "implicit", params)) };
}
