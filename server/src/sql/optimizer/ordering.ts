/**
 * Orders physical plans deliver, and whether one satisfies an ORDER BY, so the planner can drop
 * a sort that an index or the primary key already provides.
 *
 * A scan returns rows in its key order: the index columns (then the primary key, which makes
 * entries unique) or the primary key, each ascending (NULLs last) or descending (NULLs first) as
 * declared, all of it flipped by a reverse scan; several key ranges are read in key order. Key
 * columns pinned by equality in a single range, or by an equality in the scan's filter, are
 * constant and satisfy any position of an ORDER BY. Filters, limits and projections keep their
 * input's order (a projection renames the columns it passes through); nested loop, hash and
 * merge joins of the preserving kinds keep the order of their left (outer, probe) side.
 */
import type { Index, Table } from "../catalog/index.js";
import { type ColumnId, conjuncts, type ScalarExpr } from "../plan/expr.js";
import type { SortKey } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";

export interface OrderKey {
  readonly id: ColumnId;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export interface Ordering {
  readonly keys: readonly OrderKey[];
  /** Columns with one value in every row produced. */
  readonly constants: ReadonlySet<ColumnId>;
}

const NONE: Ordering = { keys: [], constants: new Set() };

/** The key columns of an index (or the primary key) with their directions, by table column id. */
export function keyColumnsOf(table: Table, index: Index | undefined): { columnId: number; desc: boolean }[] {
  const pk = table.primaryKey.map((id, i) => ({ columnId: id, desc: table.primaryKeyDirections[i] === "desc" }));
  if (!index) return pk;
  const cols = index.columns.map((c) => ({ columnId: c.columnId, desc: c.direction === "desc" }));
  return [...cols, ...pk.filter((k) => !cols.some((c) => c.columnId === k.columnId))];
}

/** The order of a scan's rows, given its key columns, ranges and direction. */
function scanOrder(p: Extract<PhysicalPlan, { kind: "scan" }>): Ordering {
  // Tables without a primary key are keyed by a hidden row id, which orders nothing visible.
  if (p.table.primaryKey.length === 0 && !p.index) return NONE;
  const idOf = (tableColumnId: number) => {
    const pos = p.table.columns.findIndex((c) => c.id === tableColumnId);
    return pos < 0 ? undefined : p.columns[pos]?.id;
  };
  const keys: OrderKey[] = [];
  for (const k of keyColumnsOf(p.table, p.index)) {
    const id = idOf(k.columnId);
    if (id === undefined) break;
    const desc = k.desc !== p.reverse;
    keys.push({ id, desc, nullsFirst: desc });
  }
  const constants = new Set<ColumnId>();
  // One point lookup returns at most one row, which is in every order.
  if (p.point && p.ranges?.length === 1) for (const c of p.columns) constants.add(c.id);
  if (p.ranges?.length === 1) for (let i = 0; i < p.ranges[0]!.eq.length && i < keys.length; i++) constants.add(keys[i]!.id);
  for (const c of conjuncts(p.filter)) {
    const id = equalityConstantColumn(c);
    if (id !== undefined) constants.add(id);
  }
  return { keys, constants };
}

/** `col = <something not reading the row>`: the column is constant over the rows that pass. */
function equalityConstantColumn(c: ScalarExpr): ColumnId | undefined {
  if (c.kind !== "call" || !c.operator || c.name !== "=" || c.args.length !== 2) return undefined;
  const [l, r] = c.args as [ScalarExpr, ScalarExpr];
  const fixed = (e: ScalarExpr) => e.kind === "const" || e.kind === "param";
  if (l.kind === "column" && fixed(r) && l.type.kind === r.type.kind) return l.id;
  if (r.kind === "column" && fixed(l) && l.type.kind === r.type.kind) return r.id;
  return undefined;
}

/** The order a physical plan's rows come in (as far as it is known). */
export function orderOf(p: PhysicalPlan): Ordering {
  switch (p.kind) {
    case "scan":
      return scanOrder(p);
    case "filter":
    case "limit":
      return orderOf(p.input);
    case "project":
      return throughProject(orderOf(p.input), p.exprs, p.columns.map((c) => c.id));
    case "nested loop join":
    case "hash join":
    case "merge join":
      return p.type === "inner" || p.type === "left" || p.type === "semi" || p.type === "anti" ? orderOf(p.left) : NONE;
    case "sort": {
      const keys: OrderKey[] = [];
      for (const k of p.keys) {
        if (k.expr.kind !== "column") break;
        keys.push({ id: k.expr.id, desc: k.desc, nullsFirst: k.nullsFirst });
      }
      return { keys, constants: new Set() };
    }
    default:
      return NONE;
  }
}

/** An input order renamed to a projection's output ids (up to the first key it does not pass through). */
function throughProject(input: Ordering, exprs: readonly ScalarExpr[], outIds: readonly ColumnId[]): Ordering {
  const outOf = new Map<ColumnId, ColumnId>();
  exprs.forEach((e, i) => {
    if (e.kind === "column" && !outOf.has(e.id)) outOf.set(e.id, outIds[i]!);
  });
  const keys: OrderKey[] = [];
  for (const k of input.keys) {
    const id = outOf.get(k.id);
    if (id === undefined) {
      // A constant key that is not projected still orders nothing: skip it; otherwise stop.
      if (input.constants.has(k.id)) continue;
      break;
    }
    keys.push({ ...k, id });
  }
  const constants = new Set<ColumnId>();
  for (const id of input.constants) {
    const out = outOf.get(id);
    if (out !== undefined) constants.add(out);
  }
  return { keys, constants };
}

/** Whether rows in `order` are sorted as `required` asks. */
export function satisfies(order: Ordering, required: readonly SortKey[]): boolean {
  let at = 0;
  for (const r of required) {
    if (r.expr.kind !== "column") return false;
    const id = r.expr.id;
    if (order.constants.has(id)) continue;
    while (at < order.keys.length && order.constants.has(order.keys[at]!.id)) at++;
    const k = order.keys[at];
    if (!k || k.id !== id || k.desc !== r.desc || k.nullsFirst !== r.nullsFirst) return false;
    at++;
  }
  return true;
}

/**
 * Sort keys over a projection's output restated over its input, or undefined when a key is not
 * a column the projection passes through unchanged.
 */
export function keysBelowProject(keys: readonly SortKey[], exprs: readonly ScalarExpr[], outIds: readonly ColumnId[]): SortKey[] | undefined {
  const out: SortKey[] = [];
  for (const k of keys) {
    if (k.expr.kind !== "column") return undefined;
    const i = outIds.indexOf(k.expr.id);
    const e = i < 0 ? undefined : exprs[i];
    if (!e || e.kind !== "column") return undefined;
    out.push({ ...k, expr: e });
  }
  return out;
}
