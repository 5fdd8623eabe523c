/**
 * Named windows: a SELECT's WINDOW clause and the OVER clauses that refer to its entries, resolved
 * into plain window specifications with PostgreSQL's rules (transformWindowDefinitions): a window
 * naming another copies its PARTITION BY (and may not write its own), takes its ORDER BY unless it
 * has one (and may not replace one), and may not copy a window that has a frame clause, except
 * through `OVER w` without parentheses, which uses the window as it is.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Expr, NamedWindow, WindowSpec } from "../parser/index.js";

export type WindowDefinitions = ReadonlyMap<string, WindowSpec>;

function windowingError(message: string, hint?: string): SqlStateError {
  return new SqlStateError(message, "42P20", hint === undefined ? undefined : { hint });
}

function lookup(name: string, windows: WindowDefinitions): WindowSpec {
  const w = windows.get(name);
  if (!w) throw new SqlStateError(`window "${name}" does not exist`, "42704");
  return w;
}

/** The WINDOW clause's entries, each resolved against the entries before it. */
export function resolveWindowClause(entries: readonly NamedWindow[]): WindowDefinitions {
  const out = new Map<string, WindowSpec>();
  for (const e of entries) {
    if (out.has(e.name)) throw windowingError(`window "${e.name}" is already defined`);
    out.set(e.name, resolveSpec(e.spec, out, true));
  }
  return out;
}

/** An OVER clause as a window specification without references. */
export function resolveOver(over: WindowSpec, windows: WindowDefinitions): WindowSpec {
  if (over.ref?.bare) return lookup(over.ref.name, windows);
  return resolveSpec(over, windows, false);
}

function resolveSpec(spec: WindowSpec, windows: WindowDefinitions, inWindowClause: boolean): WindowSpec {
  const ref = spec.ref;
  if (!ref) return spec;
  const base = lookup(ref.name, windows);
  if (ref.partitionBy || (spec.partitionBy?.length ?? 0) > 0) throw windowingError(`cannot override PARTITION BY clause of window "${ref.name}"`);
  const ownOrder = (spec.orderBy?.length ?? 0) > 0;
  if (ownOrder && (base.orderBy?.length ?? 0) > 0) throw windowingError(`cannot override ORDER BY clause of window "${ref.name}"`);
  if (base.frame) {
    const message = `cannot copy window "${ref.name}" because it has a frame clause`;
    if (inWindowClause || ownOrder || spec.frame) throw windowingError(message);
    throw windowingError(message, "Omit the parentheses in this OVER clause.");
  }
  const out: WindowSpec = {};
  if (base.partitionBy) out.partitionBy = base.partitionBy;
  const orderBy = ownOrder ? spec.orderBy : base.orderBy;
  if (orderBy) out.orderBy = orderBy;
  if (spec.frame) out.frame = spec.frame;
  return out;
}

/**
 * The PARTITION BY and ORDER BY expressions of the WINDOW clause's entries that nothing refers to
 * (neither an OVER clause, whose names are `used`, nor another entry): PostgreSQL analyses every
 * entry, so a bad column there is an error even when the window goes unused.
 */
export function unreferencedWindowExprs(entries: readonly NamedWindow[], used: ReadonlySet<string>): Expr[] {
  const referenced = new Set(used);
  for (const e of entries) if (e.spec.ref) referenced.add(e.spec.ref.name);
  return entries
    .filter((e) => !referenced.has(e.name))
    .flatMap((e) => [...((e.spec.partitionBy ?? []) as Expr[]), ...(e.spec.orderBy ?? []).map((o) => o.by as Expr)]);
}
