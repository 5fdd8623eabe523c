/**
 * Function and operator lookup with PostgreSQL's overload resolution (func_select_candidate and
 * oper_select_candidate in parse_func.c / parse_oper.c), over the implicit casts of the type system.
 *
 * The resolved `fn` takes the argument values as the caller has them (typed as the argument types
 * passed to the lookup) and converts them to the chosen overload's parameter types itself, so the
 * executor never has to know which implicit casts resolution picked.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import {
  arrayOf,
  canCast,
  castValue,
  defaultOfKind,
  isPreferredType,
  type SqlType,
  type SqlValue,
  type TypeKind,
  typeCategory,
  typeNameForMessages,
  TEXT,
} from "../types/index.js";
import type { SystemAccess } from "./system-access.js";

/** What stable and volatile functions read: the statement's clock and a random source. */
export interface EvalContext {
  /** Transaction / statement timestamp in microseconds since the Unix epoch (now(), current_date). */
  readonly now: number;
  /** Uniform in [0, 1); Math.random when absent. */
  readonly random?: () => number;
  /** The session and its catalog, for overloads marked `system` (the executor provides it to those only). */
  readonly system?: SystemAccess;
}

/**
 * A parameter type: a concrete type kind, "any" (PostgreSQL's "any" / anynonarray: no coercion),
 * "anyarray" (any array type, passed as it is), or PostgreSQL's "anycompatiblearray" and
 * "anycompatible": matched as "anyarray" and "any", then all of an overload's compatible
 * arguments take one common type (arrays of it, and it), text when every one is untyped.
 */
export type ParamType = TypeKind | "any" | "anyarray" | "anycompatiblearray" | "anycompatible";

const isArrayParam = (p: ParamType): boolean => p === "anyarray" || p === "anycompatiblearray";
const isPseudoParam = (p: ParamType): boolean => p === "any" || p === "anycompatible" || isArrayParam(p);

/** One overload as the function modules declare it. */
export interface Overload {
  readonly name: string;
  readonly params: readonly ParamType[];
  /** Type of any further arguments (VARIADIC); absent for fixed arity. */
  readonly variadic?: ParamType;
  readonly returns: SqlType;
  /** NULL in, NULL out without calling impl (default true). */
  readonly strict?: boolean;
  readonly volatile?: boolean;
  /** Reads the session or the catalog through `ctx.system` (current_setting, pg_get_indexdef, ...). */
  readonly system?: boolean;
  /** The result has the type of this argument (polymorphic array functions); `returns` is ignored. */
  readonly returnsArg?: number;
  /**
   * The implementation. Arguments arrive converted to the parameter types (for "any" parameters:
   * as given, with their types in `types`); for strict overloads none is NULL.
   */
  readonly impl: (args: readonly SqlValue[], ctx: EvalContext, types: readonly SqlType[]) => SqlValue;
}

/** A resolved function or operator, ready to call on values of the looked-up argument types. */
export interface ResolvedFunction {
  readonly fn: (args: readonly SqlValue[], ctx?: EvalContext) => SqlValue;
  readonly returnType: SqlType;
  readonly strict: boolean;
  readonly volatile?: boolean;
  /** Needs `EvalContext.system` (see Overload.system). */
  readonly system?: boolean;
  /** The chosen overload's parameter types, one per argument (for EXPLAIN and tests). */
  readonly paramTypes: readonly SqlType[];
}

/** 42883 / 42725 lookup failures, with PostgreSQL's HINT line (ErrorResponse field H). */
export class FunctionLookupError extends SqlStateError {
  constructor(
    message: string,
    sqlstate: string,
    hint: string,
  ) {
    super(message, sqlstate, { hint });
  }
}

export class Registry {
  private readonly byName = new Map<string, Overload[]>();

  add(overloads: readonly Overload[]): this {
    for (const o of overloads) {
      const list = this.byName.get(o.name) ?? [];
      list.push(o);
      this.byName.set(o.name, list);
    }
    return this;
  }

  /** The overload `argTypes` resolve to, undefined when none applies; throws 42725 when ambiguous. */
  resolve(name: string, argTypes: readonly SqlType[], ambiguous: () => Error, binaryOperator = false): ResolvedFunction | undefined {
    const all = (this.byName.get(name) ?? []).filter((o) => arityMatches(o, argTypes.length));
    if (all.length === 0) return undefined;
    const exact = all.filter((o) => argTypes.every((t, i) => exactParam(paramAt(o, i), t)));
    if (exact.length >= 1) return bind(exact[0]!, argTypes);
    // binary_oper_exact: `x op 'lit'` first tries the literal as the other operand's type.
    if (binaryOperator && argTypes.length === 2) {
      const [l, r] = argTypes as [SqlType, SqlType];
      const assumed = isUnknown(l) && !isUnknown(r) ? [r, r] : isUnknown(r) && !isUnknown(l) ? [l, l] : undefined;
      if (assumed) {
        const hit = all.find((o) => assumed.every((t, i) => exactParam(paramAt(o, i), t)));
        if (hit) return bind(hit, argTypes);
      }
    }
    const viable = all.filter((o) => argTypes.every((t, i) => coercible(t, paramAt(o, i))));
    if (viable.length === 0) return undefined;
    if (viable.length === 1) return bind(viable[0]!, argTypes);
    const chosen = selectCandidate(viable, argTypes);
    if (chosen === undefined) throw ambiguous();
    return bind(chosen, argTypes);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

function arityMatches(o: Overload, n: number): boolean {
  return o.variadic === undefined ? o.params.length === n : n >= o.params.length;
}

function paramAt(o: Overload, i: number): ParamType {
  return o.params[i] ?? o.variadic ?? "any";
}

function isUnknown(t: SqlType): boolean {
  return t.kind === "unknown" || t.kind === "null";
}

function exactParam(p: ParamType, t: SqlType): boolean {
  if (isArrayParam(p)) return t.kind === "array";
  // An "array" parameter is text[] (defaultOfKind), not any array.
  if (p === "array") return t.kind === "array" && !t.vector && t.element.kind === "text";
  return !isPseudoParam(p) && p === t.kind;
}

function coercible(t: SqlType, p: ParamType): boolean {
  if (isArrayParam(p)) return t.kind === "array" || t.kind === "null";
  return p === "any" || p === "anycompatible" || canCast(t, defaultOfKind(p as TypeKind), "implicit");
}

function categoryOf(p: ParamType): string {
  // Pseudo-types form their own category, as "any" and anynonarray do in pg_type.
  return isPseudoParam(p) ? "P" : typeCategory(defaultOfKind(p as TypeKind));
}

function preferred(p: ParamType): boolean {
  return !isPseudoParam(p) && isPreferredType(defaultOfKind(p as TypeKind));
}

const POLYMORPHIC_UNKNOWN = "could not determine polymorphic type because input has type unknown";

/**
 * The common type of an overload's anycompatible arguments (PostgreSQL's
 * select_common_type over them: the elements of its anycompatiblearray arguments, and its
 * anycompatible ones), text when all are untyped; undefined when two have no common type, and
 * null when the overload has no such parameter.
 */
function commonCompatibleType(o: Overload, argTypes: readonly SqlType[]): SqlType | undefined | null {
  let common: SqlType | undefined;
  let any = false;
  for (let i = 0; i < argTypes.length; i++) {
    const p = paramAt(o, i);
    if (p !== "anycompatible" && p !== "anycompatiblearray") continue;
    any = true;
    const t = argTypes[i]!;
    const candidate = p === "anycompatiblearray" ? (t.kind === "array" ? t.element : undefined) : isUnknown(t) ? undefined : t;
    if (candidate === undefined || common?.kind === candidate.kind) continue;
    if (common === undefined || canCast(common, candidate, "implicit")) common = candidate;
    else if (!canCast(candidate, common, "implicit")) return undefined;
  }
  return !any ? null : (common ?? TEXT);
}

/** The heuristics of func_select_candidate, in PostgreSQL's order; undefined when still ambiguous. */
function selectCandidate(candidates: readonly Overload[], argTypes: readonly SqlType[]): Overload | undefined {
  const keepBest = (list: readonly Overload[], score: (o: Overload) => number): Overload[] => {
    const scores = list.map(score);
    const best = Math.max(...scores);
    return list.filter((_, i) => scores[i] === best);
  };
  // 1. Most exact matches on the known arguments.
  let list = keepBest(candidates, (o) => argTypes.filter((t, i) => !isUnknown(t) && exactParam(paramAt(o, i), t)).length);
  if (list.length === 1) return list[0];
  // 2. Most preferred types where a conversion is needed.
  list = keepBest(list, (o) => argTypes.filter((t, i) => !isUnknown(t) && preferred(paramAt(o, i))).length);
  if (list.length === 1) return list[0];
  // 3. Unknown arguments: the string category wins if anyone takes it, else a category all agree on.
  const unknownAt = argTypes.map((t, i) => (isUnknown(t) ? i : -1)).filter((i) => i >= 0);
  if (unknownAt.length === 0) return undefined;
  let resolved = true;
  const slotCategory: string[] = [];
  const slotPreferred: boolean[] = [];
  for (const i of unknownAt) {
    let cat: string | undefined;
    let pref = false;
    let conflict = false;
    for (const o of list) {
      const p = paramAt(o, i);
      const c = categoryOf(p);
      if (cat === undefined || (c === "S" && cat !== "S")) {
        cat = c;
        pref = preferred(p);
      } else if (c === cat) {
        pref ||= preferred(p);
      } else {
        // A conflict only counts if no candidate offers the string category.
        conflict = true;
      }
    }
    if (conflict && cat !== "S") resolved = false;
    slotCategory[i] = cat!;
    slotPreferred[i] = pref;
  }
  if (resolved) {
    const kept = list.filter((o) => unknownAt.every((i) => categoryOf(paramAt(o, i)) === slotCategory[i] && (!slotPreferred[i] || preferred(paramAt(o, i)))));
    if (kept.length > 0) list = kept;
    if (list.length === 1) return list[0];
  }
  // 4. With unknowns and known arguments all of one type, assume the unknowns are of that type too.
  const known = argTypes.filter((t) => !isUnknown(t));
  if (known.length > 0 && known.every((t) => t.kind === known[0]!.kind)) {
    const k = known[0]!;
    const kept = list.filter((o) => unknownAt.every((i) => coercible(k, paramAt(o, i))));
    if (kept.length === 1) return kept[0];
  }
  return undefined;
}

function bind(o: Overload, argTypes: readonly SqlType[]): ResolvedFunction | undefined {
  // anyarray parameters share one type: an untyped argument takes the other's (oid[] = '{0}').
  const hasAnyArray = argTypes.some((_, i) => paramAt(o, i) === "anyarray");
  const arrayType = argTypes.find((t, i) => paramAt(o, i) === "anyarray" && t.kind === "array");
  if (hasAnyArray && arrayType === undefined) throw new SqlStateError(POLYMORPHIC_UNKNOWN, "42804");
  const common = commonCompatibleType(o, argTypes);
  // No common type: no such function (array_append(integer[], text)).
  if (common === undefined) return undefined;
  const paramTypes = argTypes.map((t, i) => {
    const p = paramAt(o, i);
    if (p === "anyarray") return t.kind === "array" ? t : (arrayType ?? t);
    if (p === "anycompatiblearray") return arrayOf(common!);
    if (p === "anycompatible") return common!;
    return p === "any" ? t : defaultOfKind(p);
  });
  const convert = argTypes.map((t, i) => !sameType(t, paramTypes[i]!));
  const strict = o.strict ?? true;
  const fn = (args: readonly SqlValue[], ctx?: EvalContext): SqlValue => {
    if (strict && args.some((a) => a === null)) return null;
    const values = args.map((a, i) => (convert[i] ? castValue(a, argTypes[i]!, paramTypes[i]!, "implicit") : a));
    return o.impl(values, ctx ?? { now: Date.now() * 1000 }, paramTypes);
  };
  const returnType = o.returnsArg === undefined ? o.returns : paramTypes[o.returnsArg]!;
  return { fn, returnType, strict, paramTypes, ...(o.volatile && { volatile: true }), ...(o.system && { system: true }) };
}

/** Whether a value of type `a` needs no conversion to `b` (arrays: elements of one kind). */
function sameType(a: SqlType, b: SqlType): boolean {
  return a.kind === b.kind && (a.kind !== "array" || b.kind !== "array" || a.element.kind === b.element.kind);
}

/** How PostgreSQL names types in lookup errors: the NULL literal is "unknown". */
export function argTypeName(t: SqlType): string {
  return t.kind === "null" ? "unknown" : typeNameForMessages(t);
}
