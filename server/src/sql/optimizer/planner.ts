/**
 * Physical planning: logical plan → physical plan, choosing access paths (primary key, secondary
 * index, point lookup, full scan), join algorithms (hash join on equality keys, index nested
 * loop when the inner side is a keyed scan, plain nested loop otherwise) and aggregation, each
 * by estimated cost. Predicates are pushed down first (pushdown.ts).
 */
import type { Index } from "../catalog/index.js";
import { lookupOperator } from "../functions/index.js";
import { andAll, type ColumnId, columnsOf, conjuncts, hasSubquery, isVolatile, type ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan } from "../plan/logical.js";
import type { Estimate, PhysicalPlan } from "../plan/physical.js";
import { chooseRanges, type IndexChoice } from "./access-path.js";
import { pushDownPredicates } from "./pushdown.js";
import { routeVectorSearch } from "./vector-routing.js";
import { DEFAULT_EQ_SELECTIVITY, DEFAULT_RANGE_SELECTIVITY, DEFAULT_ROW_COUNT, NO_STATS, type StatsSource } from "./stats.js";

export interface PlannerOptions {
  readonly stats?: StatsSource;
  /** Indexes of each table (by table id), so access-path selection can consider them. */
  readonly indexes: (tableId: number) => readonly Index[];
}

/** Plans a statement's logical plan. */
export function planQuery(plan: LogicalPlan, options: PlannerOptions): PhysicalPlan {
  return new Planner(options).plan(pushDownPredicates(plan));
}

const CPU_PER_ROW = 0.01;
const RANDOM_READ = 4;

class Planner {
  private readonly stats: StatsSource;

  constructor(private readonly options: PlannerOptions) {
    this.stats = options.stats ?? NO_STATS;
  }

  plan(p: LogicalPlan, outerIds: ReadonlySet<ColumnId> = new Set()): PhysicalPlan {
    switch (p.kind) {
      case "scan":
        return this.scan(p, []);
      case "filter":
        if (p.input.kind === "scan") return this.scan(p.input, conjuncts(p.predicate));
        {
          const input = this.plan(p.input, outerIds);
          return { kind: "filter", input, predicate: p.predicate, columns: p.columns, est: { rows: input.est.rows * selectivity(p.predicate), cost: input.est.cost + input.est.rows * CPU_PER_ROW } };
        }
      case "values":
        return { ...p, est: { rows: p.rows.length, cost: p.rows.length * CPU_PER_ROW } };
      case "project": {
        const input = this.plan(p.input, outerIds);
        return { kind: "project", input, exprs: p.exprs, columns: p.columns, est: { rows: input.est.rows, cost: input.est.cost + input.est.rows * CPU_PER_ROW } };
      }
      case "join":
        return this.join(p, outerIds);
      case "aggregate": {
        const input = this.plan(p.input, outerIds);
        const rows = p.groupBy.length === 0 ? 1 : Math.max(1, Math.min(input.est.rows, input.est.rows ** 0.7));
        return { kind: "hash aggregate", input, groupBy: p.groupBy, aggregates: p.aggregates, columns: p.columns, est: { rows, cost: input.est.cost + input.est.rows * CPU_PER_ROW * (1 + p.aggregates.length) } };
      }
      case "window": {
        const input = this.plan(p.input, outerIds);
        return { kind: "window", input, windows: p.windows, columns: p.columns, est: { rows: input.est.rows, cost: input.est.cost + sortCost(input.est.rows) } };
      }
      case "sort": {
        // ORDER BY ... LIMIT n: a top-n sort keeps n rows.
        const input = this.plan(p.input, outerIds);
        return { kind: "sort", input, keys: p.keys, columns: p.columns, est: { rows: input.est.rows, cost: input.est.cost + sortCost(input.est.rows) } };
      }
      case "limit": {
        const input = this.plan(p.input, outerIds);
        const n = p.limit?.kind === "const" && p.limit.value !== null ? Number(p.limit.value) : input.est.rows;
        const off = p.offset?.kind === "const" && p.offset.value !== null ? Number(p.offset.value) : 0;
        const rows = Math.max(0, Math.min(input.est.rows - off, n));
        const frac = input.est.rows > 0 ? Math.min(1, (rows + off) / input.est.rows) : 1;
        let inner = input;
        if (input.kind === "sort" && p.limit && !p.offset && (p.limit.kind === "const" || p.limit.kind === "param")) {
          inner = { ...input, limit: p.limit };
        } else if (input.kind === "sort" && p.limit && p.offset && p.limit.kind === "const" && p.offset.kind === "const") {
          inner = { ...input, limit: { kind: "const", type: p.limit.type, value: BigInt(Number(p.limit.value ?? 0) + Number(p.offset.value ?? 0)) } };
        }
        const pipelined = inner.kind !== "sort" && inner.kind !== "hash aggregate";
        const planned: PhysicalPlan = { kind: "limit", input: inner, ...(p.limit && { limit: p.limit }), ...(p.offset && { offset: p.offset }), columns: p.columns, est: { rows, cost: pipelined ? inner.est.cost * frac : inner.est.cost } };
        return routeVectorSearch(p, planned, { indexes: this.options.indexes, stats: this.stats });
      }
      case "distinct": {
        const input = this.plan(p.input, outerIds);
        return { kind: "distinct", input, ...(p.on && { on: p.on }), columns: p.columns, est: { rows: Math.max(1, input.est.rows ** 0.8), cost: input.est.cost + input.est.rows * CPU_PER_ROW } };
      }
      case "setop": {
        const left = this.plan(p.left, outerIds);
        const right = this.plan(p.right, outerIds);
        return { kind: "setop", op: p.op, all: p.all, left, right, columns: p.columns, est: { rows: left.est.rows + (p.op === "union" ? right.est.rows : 0), cost: left.est.cost + right.est.cost } };
      }
      case "cte scan":
      case "worktable scan":
        return { ...p, est: { rows: 100, cost: 100 * CPU_PER_ROW } };
      case "with": {
        const ctes = p.ctes.map((c) => ({
          id: c.id,
          name: c.name,
          plan: this.plan(c.plan, outerIds),
          ...(c.recursive && { recursive: { term: this.plan(c.recursive.term, outerIds), all: c.recursive.all } }),
          columns: c.columns,
        }));
        const body = this.plan(p.body, outerIds);
        return { kind: "with", ctes, body, columns: p.columns, est: { rows: body.est.rows, cost: body.est.cost + ctes.reduce((s, c) => s + c.plan.est.cost, 0) } };
      }
      case "insert": {
        const source = this.plan(p.source, outerIds);
        return { ...p, source, est: { rows: source.est.rows, cost: source.est.cost + source.est.rows * RANDOM_READ * (1 + p.indexes.length) } };
      }
      case "update":
      case "delete": {
        const input = this.plan(p.input, outerIds);
        return { ...p, input, est: { rows: input.est.rows, cost: input.est.cost + input.est.rows * RANDOM_READ * (1 + p.indexes.length) } } as PhysicalPlan;
      }
    }
  }

  private tableRows(p: Extract<LogicalPlan, { kind: "scan" }>): number {
    return this.stats.tableStats(p.table)?.rowCount ?? DEFAULT_ROW_COUNT;
  }

  /** The cheapest way to read `scan` under the conjuncts. */
  private scan(p: Extract<LogicalPlan, { kind: "scan" }>, preds: readonly ScalarExpr[]): PhysicalPlan {
    const total = Math.max(1, this.tableRows(p));
    const scanIds = new Set(p.columns.map((c) => c.id));
    if (p.rowId) scanIds.add(p.rowId.id);
    const columnId = (tableColumnId: number) => {
      const pos = p.table.columns.findIndex((c) => c.id === tableColumnId);
      return pos < 0 ? undefined : p.columns[pos]?.id;
    };
    const candidates: IndexChoice[] = [chooseRanges(p.table, undefined, preds, columnId, scanIds)];
    for (const ix of this.options.indexes(p.table.id)) if (ix.method === "btree") candidates.push(chooseRanges(p.table, ix, preds, columnId, scanIds));
    let best: { choice: IndexChoice; est: Estimate } | undefined;
    for (const choice of candidates) {
      const est = this.rangeEstimate(choice, total, p.table.primaryKey.length, preds);
      if (!best || est.cost < best.est.cost) best = { choice, est };
    }
    const { choice, est } = best!;
    const residual = andAll(preds.filter((c) => !choice.used.has(c)));
    return {
      kind: "scan",
      table: p.table,
      alias: p.alias,
      ...(choice.index && { index: choice.index }),
      ...(choice.ranges.length > 0 && { ranges: choice.ranges }),
      point: choice.point,
      reverse: false,
      ...(residual && { filter: residual }),
      columns: p.columns,
      ...(p.rowId && { rowId: p.rowId }),
      ...(p.lock && { lock: p.lock }),
      est,
    };
  }

  private rangeEstimate(choice: IndexChoice, total: number, pkLength: number, preds: readonly ScalarExpr[]): Estimate {
    const unique = choice.point || (choice.index?.unique === true && choice.eqColumns === choice.index.columns.length);
    let sel = 1;
    if (choice.ranges.length > 0) {
      sel = unique ? 1 / total : DEFAULT_EQ_SELECTIVITY ** Math.min(choice.eqColumns, 2) * (choice.hasRange ? DEFAULT_RANGE_SELECTIVITY : 1);
      if (choice.eqColumns === 0 && !choice.hasRange) sel = 1;
      sel *= choice.ranges.length;
    }
    const read = Math.max(1, Math.min(total, total * sel));
    const residualSel = preds.filter((c) => !choice.used.has(c)).reduce((s, c) => s * selectivity(c), 1);
    const seek = choice.ranges.length > 0 ? choice.ranges.length * RANDOM_READ : 0;
    const perRow = choice.index ? 1 + RANDOM_READ : 1;
    void pkLength;
    return { rows: Math.max(1, read * residualSel), cost: seek + read * perRow + read * CPU_PER_ROW };
  }

  private join(p: Extract<LogicalPlan, { kind: "join" }>, outerIds: ReadonlySet<ColumnId>): PhysicalPlan {
    const left = this.plan(p.left, outerIds);
    const leftIds = idsOf(p.left);
    const rightIds = idsOf(p.right);
    const on = conjuncts(p.on);
    const equi = on.map((c) => equiKey(c, leftIds, rightIds)).filter((k): k is EquiKey => k !== undefined);
    const residual = andAll(on.filter((c) => !equi.some((k) => k.conjunct === c)));
    const rightPlain = this.plan(p.right, outerIds);
    const options: PhysicalPlan[] = [];
    const rows = Math.max(1, joinRows(left.est.rows, rightPlain.est.rows, equi.length, p.type));
    // Index nested loop: the join condition becomes key ranges of the inner scan, per outer row.
    if ((p.type === "inner" || p.type === "left" || p.type === "semi" || p.type === "anti") && innerScan(p.right)) {
      const inner = this.plan(withJoinConditions(p.right, on.filter((c) => !hasSubquery(c))), new Set([...outerIds, ...leftIds]));
      if (inner.kind === "scan" && inner.ranges) {
        const innerOn = andAll(on.filter((c) => hasSubquery(c)));
        options.push({ kind: "nested loop join", type: p.type, left, right: inner, ...(innerOn && { on: innerOn }), columns: p.columns, est: { rows, cost: left.est.cost + left.est.rows * (inner.est.cost + RANDOM_READ) } });
      }
    }
    if (equi.length > 0) {
      const leftKeys = equi.map((k) => k.left);
      const rightKeys = equi.map((k) => k.right);
      options.push({ kind: "hash join", type: p.type, left, right: rightPlain, leftKeys, rightKeys, ...(residual && { residual }), columns: p.columns, est: { rows, cost: left.est.cost + rightPlain.est.cost + (left.est.rows + rightPlain.est.rows * 2) * CPU_PER_ROW * 4 } });
    }
    options.push({ kind: "nested loop join", type: p.type, left, right: rightPlain, ...(p.on && { on: p.on }), columns: p.columns, est: { rows, cost: left.est.cost + rightPlain.est.cost + left.est.rows * rightPlain.est.rows * CPU_PER_ROW } });
    return options.reduce((a, b) => (b.est.cost < a.est.cost ? b : a));
  }
}

function idsOf(p: LogicalPlan): Set<ColumnId> {
  const s = new Set(p.columns.map((c) => c.id));
  if (p.kind === "scan" && p.rowId) s.add(p.rowId.id);
  return s;
}

/** The inner side of an index nested loop: a scan, possibly under pushed-down filters. */
function innerScan(p: LogicalPlan): boolean {
  return p.kind === "scan" || (p.kind === "filter" && innerScan(p.input));
}

function withJoinConditions(p: LogicalPlan, on: readonly ScalarExpr[]): LogicalPlan {
  const predicate = andAll([...on, ...(p.kind === "filter" ? conjuncts(p.predicate) : [])]);
  const scan = p.kind === "filter" ? p.input : p;
  return predicate ? { kind: "filter", input: scan, predicate, columns: scan.columns } : scan;
}

interface EquiKey {
  readonly conjunct: ScalarExpr;
  readonly left: ScalarExpr;
  readonly right: ScalarExpr;
}

/** `l = r` with l over the left side and r over the right (either way round), compared in one type. */
function equiKey(c: ScalarExpr, leftIds: ReadonlySet<ColumnId>, rightIds: ReadonlySet<ColumnId>): EquiKey | undefined {
  if (c.kind !== "call" || !c.operator || c.name !== "=" || c.args.length !== 2 || isVolatile(c) || hasSubquery(c)) return undefined;
  const [a, b] = c.args as [ScalarExpr, ScalarExpr];
  const side = (e: ScalarExpr) => {
    const cols = [...columnsOf(e)];
    if (cols.length === 0) return undefined;
    if (cols.every((id) => leftIds.has(id))) return "left";
    if (cols.every((id) => rightIds.has(id))) return "right";
    return undefined;
  };
  const [sa, sb] = [side(a), side(b)];
  const [pa, pb] = c.fn.paramTypes as [ScalarExpr["type"], ScalarExpr["type"]];
  // Hashing needs both keys in the type the operator compares in.
  if (pa.kind !== pb.kind) return undefined;
  try {
    lookupOperator("=", pa, pb);
  } catch {
    return undefined;
  }
  const cast = (e: ScalarExpr, t: ScalarExpr["type"]): ScalarExpr => (e.type.kind === t.kind ? e : { kind: "cast", input: e, type: t, explicit: false });
  if (sa === "left" && sb === "right") return { conjunct: c, left: cast(a, pa), right: cast(b, pb) };
  if (sa === "right" && sb === "left") return { conjunct: c, left: cast(b, pb), right: cast(a, pa) };
  return undefined;
}

function joinRows(l: number, r: number, equiKeys: number, type: string): number {
  if (type === "semi" || type === "anti") return l * 0.5;
  const inner = equiKeys > 0 ? Math.max(l, r) : l * r * DEFAULT_RANGE_SELECTIVITY;
  return type === "left" ? Math.max(inner, l) : type === "right" ? Math.max(inner, r) : type === "full" ? Math.max(inner, l + r) : inner;
}

function sortCost(rows: number): number {
  return rows * Math.log2(Math.max(2, rows)) * CPU_PER_ROW * 2;
}

function selectivity(e: ScalarExpr): number {
  if (e.kind === "and") return e.args.reduce((s, a) => s * selectivity(a), 1);
  if (e.kind === "or") return Math.min(1, e.args.reduce((s, a) => s + selectivity(a), 0));
  if (e.kind === "call" && e.operator && e.name === "=") return DEFAULT_EQ_SELECTIVITY;
  if (e.kind === "is") return e.test === "null" ? DEFAULT_EQ_SELECTIVITY : 0.9;
  return DEFAULT_RANGE_SELECTIVITY;
}
