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
  canCast,
  castValue,
  defaultOfKind,
  isPreferredType,
  type SqlType,
  type SqlValue,
  type TypeKind,
  typeCategory,
  typeNameForMessages,
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
 * A parameter type: a concrete type kind, "any" (PostgreSQL's "any" / anynonarray: no coercion)
 * or "anyarray" (any array type, passed as it is).
 */
export type ParamType = TypeKind | "any" | "anyarray";

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
  if (p === "anyarray") return t.kind === "array";
  // An "array" parameter is text[] (defaultOfKind), not any array.
  if (p === "array") return t.kind === "array" && !t.vector && t.element.kind === "text";
  return p !== "any" && p === t.kind;
}

function coercible(t: SqlType, p: ParamType): boolean {
  if (p === "anyarray") return t.kind === "array" || t.kind === "null";
  return p === "any" || canCast(t, defaultOfKind(p), "implicit");
}

function categoryOf(p: ParamType): string {
  // Pseudo-types form their own category, as "any" and anynonarray do in pg_type.
  return p === "any" || p === "anyarray" ? "P" : typeCategory(defaultOfKind(p));
}

function preferred(p: ParamType): boolean {
  return p !== "any" && p !== "anyarray" && isPreferredType(defaultOfKind(p));
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

function bind(o: Overload, argTypes: readonly SqlType[]): ResolvedFunction {
  // anyarray parameters share one type: an untyped argument takes the other's (oid[] = '{0}').
  const arrayType = argTypes.find((t, i) => paramAt(o, i) === "anyarray" && t.kind === "array");
  const paramTypes = argTypes.map((t, i) => {
    const p = paramAt(o, i);
    if (p === "anyarray") return t.kind === "array" ? t : (arrayType ?? t);
    return p === "any" ? t : defaultOfKind(p);
  });
  const convert = argTypes.map((t, i) => t.kind !== paramTypes[i]!.kind);
  const strict = o.strict ?? true;
  const fn = (args: readonly SqlValue[], ctx?: EvalContext): SqlValue => {
    if (strict && args.some((a) => a === null)) return null;
    const values = args.map((a, i) => (convert[i] ? castValue(a, argTypes[i]!, paramTypes[i]!, "implicit") : a));
    return o.impl(values, ctx ?? { now: Date.now() * 1000 }, paramTypes);
  };
  const returnType = o.returnsArg === undefined ? o.returns : paramTypes[o.returnsArg]!;
  return { fn, returnType, strict, paramTypes, ...(o.volatile && { volatile: true }), ...(o.system && { system: true }) };
}

/** How PostgreSQL names types in lookup errors: the NULL literal is "unknown". */
export function argTypeName(t: SqlType): string {
  return t.kind === "null" ? "unknown" : typeNameForMessages(t);
}
