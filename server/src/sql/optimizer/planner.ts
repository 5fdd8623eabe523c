/**
 * Physical planning: logical plan → physical plan, by estimated cost (cost.ts) from table
 * statistics (stats.ts; selectivity.ts turns predicates into row counts).
 *
 * After predicate pushdown (pushdown.ts) the planner chooses:
 * - access paths: a full scan, a primary key range, point lookups, or a secondary index (each
 *   entry then leads to its row), with what the key ranges do not cover as the scan's filter;
 * - join orders: the relations of every region of inner joins are reordered (join-order.ts:
 *   dynamic programming up to 8 relations, greedy beyond); outer joins stay where they are and
 *   are planned as units, so nothing moves across them;
 * - join algorithms: hash join on equality keys, or merge join on them when the sides come
 *   ordered (algorithms.ts), index nested loop when the inner side is a scan its key ranges can
 *   drive per outer row, nested loop otherwise; sort aggregation over input already grouped;
 * - orders: an ORDER BY that an index or the primary key provides (reading backwards for DESC)
 *   needs no sort, and a LIMIT over such a scan stops the scan early; otherwise a LIMIT makes
 *   the sort a top-n sort.
 *
 * Deterministic: the same plan and statistics give the same physical plan.
 */
import type { Index } from "../catalog/index.js";
import { lookupOperator } from "../functions/index.js";
import { andAll, type ColumnId, columnsOf, conjuncts, hasSubquery, isVolatile, type ScalarExpr } from "../plan/expr.js";
import type { JoinType, LogicalPlan, OutputColumn, SortKey } from "../plan/logical.js";
import { physicalInputs, type Estimate, type PhysicalPlan } from "../plan/physical.js";
import { chooseRanges, type IndexChoice } from "./access-path.js";
import { aggregatePlan, mergeJoinPlan } from "./algorithms.js";
import { ColumnCatalog } from "./column-info.js";
import {
  CPU_ROW_COST,
  hashAggregateCost,
  hashJoinCost,
  indexNestedLoopCost,
  limitCost,
  nestedLoopCost,
  perRowCost,
  SEEK_COST,
  scanCost,
  sortCost,
  topNCost,
} from "./cost.js";

/** Rows a set-returning function is assumed to produce (PostgreSQL's default prorows). */
const FUNCTION_SCAN_ROWS = 1000;
import { bestJoinOrder, fromOrder, type JoinSpace, MAX_RELATIONS, members, type RelSet } from "./join-order.js";
import { keysBelowProject, orderOf, satisfies } from "./ordering.js";
import { pushDownPredicates } from "./pushdown.js";
import { pruneScanReads, type ResultUse } from "./read-columns.js";
import { conjunctionSelectivity, distinctValues, selectivity, type SelectivityContext } from "./selectivity.js";
import { DEFAULT_DISTINCT, NO_STATS, type StatsSource } from "./stats.js";
import { routeVectorSearch } from "./vector-routing.js";

/** Rules whose effect the chosen plan shows, reported through PlannerOptions.trace. */
export type PlannerRule =
  | "FilterIntoScan"
  | "PointLookup"
  | "PrimaryKeyRange"
  | "SecondaryIndex"
  | "ReorderJoins"
  | "HashJoin"
  | "MergeJoin"
  | "IndexNestedLoop"
  | "NestedLoop"
  | "IndexProvidesOrder"
  | "ReverseScan"
  | "LimitIntoScan"
  | "TopNSort"
  | "HashAggregate"
  | "SortAggregate";

export interface PlannerOptions {
  readonly stats?: StatsSource;
  /** Indexes of each table (by table id), so access-path selection can consider them. */
  readonly indexes: (tableId: number) => readonly Index[];
  /** Reorder inner joins (default true); false plans them in FROM order. */
  readonly reorderJoins?: boolean;
  /** Told every rule the chosen plan shows (sorted by name), for tests. */
  readonly trace?: (rule: PlannerRule) => void;
}

/**
 * Plans a statement's logical plan. `result` says what is read of the rows it returns: all
 * their columns, or only whether there is one (an EXISTS subquery), which reads no column.
 */
export function planQuery(plan: LogicalPlan, options: PlannerOptions, result: ResultUse = "rows"): PhysicalPlan {
  const pushed = pushDownPredicates(plan);
  const planner = new Planner(pushed, options);
  const physical = inColumnOrder(planner.plan(pushed), plan.columns);
  if (options.trace) for (const rule of [...planner.rulesOf(physical)].sort()) options.trace(rule);
  return pruneScanReads(physical, result);
}

/** `p` with its columns in `columns`' order (joins may have been reordered beneath it). */
function inColumnOrder(p: PhysicalPlan, columns: readonly OutputColumn[]): PhysicalPlan {
  if (p.columns.length === columns.length && p.columns.every((c, i) => c.id === columns[i]!.id)) return p;
  if (p.kind === "insert" || p.kind === "update" || p.kind === "delete") return p;
  const exprs: ScalarExpr[] = columns.map((c) => ({ kind: "column", id: c.id, type: c.type, name: c.name }));
  return { kind: "project", input: p, exprs, columns, est: perRowCost(p.est, p.est.rows, 0) };
}

type Scan = Extract<LogicalPlan, { kind: "scan" }>;
type PhysicalScan = Extract<PhysicalPlan, { kind: "scan" }>;

/** What a LIMIT above a sort lets the sort (or an ordered scan) stop after. */
interface LimitInfo {
  /** The expression rows can stop after (LIMIT, or LIMIT + OFFSET as constants), if any. */
  readonly stopAfter?: ScalarExpr;
  /** Rows needed from below, for estimates. */
  readonly rowsNeeded: (inputRows: number) => number;
}

/** An order a plan must deliver, and the LIMIT (if any) above it, which makes cheap first rows worth more. */
interface Wanted {
  readonly keys: readonly SortKey[];
  readonly limit?: LimitInfo;
}

/** What a LIMIT reading `rowsNeeded` of a pipelined plan's rows pays for it. */
function costUnderLimit(e: Estimate, limit: LimitInfo | undefined): number {
  return limit ? limitCost(e, limit.rowsNeeded(e.rows), 0).cost : e.cost;
}

/** PostgreSQL assumes a LIMIT it cannot see takes 10% of the rows. */
const UNKNOWN_LIMIT_FRACTION = 0.1;

class Planner {
  private readonly stats: StatsSource;
  private readonly columns: ColumnCatalog;
  private readonly reorder: boolean;
  /** Rules a node of some candidate plan shows that its shape alone does not tell. */
  private readonly notes = new WeakMap<PhysicalPlan, PlannerRule[]>();
  private readonly cteRows = new Map<number, number>();
  private readonly innerScans = new WeakMap<LogicalPlan, Map<string, PhysicalPlan>>();
  private readonly exprIds = new Map<ScalarExpr, number>();

  constructor(
    root: LogicalPlan,
    private readonly options: PlannerOptions,
  ) {
    this.stats = options.stats ?? NO_STATS;
    this.columns = new ColumnCatalog(root, this.stats, options.indexes);
    this.reorder = options.reorderJoins ?? true;
  }

  private note(p: PhysicalPlan, rule: PlannerRule): void {
    const list = this.notes.get(p);
    if (list) list.push(rule);
    else this.notes.set(p, [rule]);
  }

  plan(p: LogicalPlan): PhysicalPlan {
    switch (p.kind) {
      case "scan":
        return this.bestScan(p, []);
      case "filter":
        return p.input.kind === "scan" ? this.bestScan(p.input, conjuncts(p.predicate)) : this.filter(this.plan(p.input), p.predicate);
      case "values":
        return { ...p, est: { rows: p.rows.length, startup: 0, cost: p.rows.length * CPU_ROW_COST } };
      case "project":
        return this.project(this.plan(p.input), p);
      case "join":
        return p.type === "inner" && !p.lateral ? this.innerJoins(p)! : this.outerJoin(p);
      case "aggregate": {
        const input = this.plan(p.input);
        const groups = this.groups(p.groupBy, input.est.rows);
        return aggregatePlan(input, p.groupBy, p.aggregates, p.columns, groups);
      }
      case "window": {
        const input = this.plan(p.input);
        const added = p.columns.slice(p.input.columns.length);
        return { kind: "window", input, windows: p.windows, columns: [...input.columns, ...added], est: sortCost(input.est) };
      }
      case "sort":
        return this.sorted(p, undefined);
      case "limit":
        return this.limited(p);
      case "distinct": {
        const input = this.plan(p.input);
        const rows = this.groups(p.on ?? p.columns.map((c) => ({ kind: "column", id: c.id, type: c.type, name: c.name }) as ScalarExpr), input.est.rows);
        return { kind: "distinct", input, ...(p.on && { on: p.on }), columns: input.columns, est: hashAggregateCost(input.est, rows, 0) };
      }
      case "setop": {
        const left = this.plan(p.left);
        const right = this.plan(p.right);
        const rows = p.op === "union" ? left.est.rows + right.est.rows : left.est.rows;
        const blocking = !(p.op === "union" && p.all);
        const cost = left.est.cost + right.est.cost + (left.est.rows + right.est.rows) * CPU_ROW_COST;
        return { kind: "setop", op: p.op, all: p.all, left, right, columns: p.columns, est: { rows, startup: blocking ? cost : (left.est.startup ?? 0), cost } };
      }
      case "cte scan":
      case "worktable scan": {
        const rows = this.cteRows.get(p.cteId) ?? 100;
        return { ...p, est: { rows, startup: 0, cost: rows * CPU_ROW_COST } };
      }
      case "function scan":
        // PostgreSQL's default estimate for a set-returning function (prorows).
        return { ...p, est: { rows: FUNCTION_SCAN_ROWS, startup: 0, cost: FUNCTION_SCAN_ROWS * CPU_ROW_COST } };
      case "with": {
        const ctes = p.ctes.map((c) => {
          const plan = this.plan(c.plan);
          this.cteRows.set(c.id, plan.est.rows);
          return { id: c.id, name: c.name, plan, ...(c.recursive && { recursive: { term: this.plan(c.recursive.term), all: c.recursive.all } }), columns: c.columns };
        });
        const body = this.plan(p.body);
        const cteCost = ctes.reduce((s, c) => s + c.plan.est.cost + (c.recursive?.term.est.cost ?? 0), 0);
        return { kind: "with", ctes, body, columns: body.columns, est: { rows: body.est.rows, startup: cteCost + (body.est.startup ?? 0), cost: cteCost + body.est.cost } };
      }
      case "insert": {
        const source = this.plan(p.source);
        return { ...p, source, est: this.writeCost(source.est, p.indexes.length) };
      }
      case "update":
      case "delete": {
        const input = this.plan(p.input);
        return { ...p, input, est: this.writeCost(input.est, p.indexes.length) } as PhysicalPlan;
      }
    }
  }

  private writeCost(input: Estimate, indexes: number): Estimate {
    const cost = input.cost + input.rows * SEEK_COST * (1 + indexes);
    return { rows: input.rows, startup: cost, cost };
  }

  private filter(input: PhysicalPlan, predicate: ScalarExpr): PhysicalPlan {
    const parts = conjuncts(predicate);
    const rows = Math.max(1, input.est.rows * conjunctionSelectivity(parts, this.columns));
    return { kind: "filter", input, predicate, columns: input.columns, est: perRowCost(input.est, rows, parts.length) };
  }

  private project(input: PhysicalPlan, p: Extract<LogicalPlan, { kind: "project" }>): PhysicalPlan {
    const computed = p.exprs.filter((e) => e.kind !== "column").length;
    return { kind: "project", input, exprs: p.exprs, columns: p.columns, est: perRowCost(input.est, input.est.rows, computed) };
  }

  /** Groups (or distinct rows) of `keys` over `rows` input rows. */
  private groups(keys: readonly ScalarExpr[], rows: number): number {
    if (keys.length === 0) return 1;
    let groups = 1;
    for (const k of keys) {
      const info = k.kind === "column" ? this.columns.column(k.id) : undefined;
      groups *= info ? distinctValues({ ...info, rows }) : Math.min(DEFAULT_DISTINCT, rows);
    }
    return Math.max(1, Math.min(rows, groups));
  }

  // ---- scans -------------------------------------------------------------------------------

  /** Every way to read `scan` under the conjuncts: the primary key and each btree index. */
  private scanCandidates(p: Scan, preds: readonly ScalarExpr[]): PhysicalScan[] {
    const scanIds = new Set(p.columns.map((c) => c.id));
    if (p.rowId) scanIds.add(p.rowId.id);
    const columnId = (tableColumnId: number) => {
      const pos = p.table.columns.findIndex((c) => c.id === tableColumnId);
      return pos < 0 ? undefined : p.columns[pos]?.id;
    };
    const total = this.columns.tableRows(p.table);
    const rowsOut = Math.max(1, total * conjunctionSelectivity(preds, this.columns));
    // A full scan is always a candidate: for a small table it beats any number of seeks.
    const fullScan: IndexChoice = { ranges: [], used: new Set(), eqColumns: 0, hasRange: false, point: false };
    const choices: IndexChoice[] = [fullScan, chooseRanges(p.table, undefined, preds, columnId, scanIds)];
    for (const ix of this.options.indexes(p.table.id)) if (ix.method === "btree") choices.push(chooseRanges(p.table, ix, preds, columnId, scanIds));
    return choices.map((choice) => {
      const residual = preds.filter((c) => !choice.used.has(c));
      const filter = andAll(residual);
      return {
        kind: "scan",
        table: p.table,
        alias: p.alias,
        ...(choice.index && { index: choice.index }),
        ...(choice.ranges.length > 0 && { ranges: choice.ranges }),
        point: choice.point,
        reverse: false,
        ...(filter && { filter }),
        columns: p.columns,
        ...(p.rowId && { rowId: p.rowId }),
        ...(p.lock && { lock: p.lock }),
        ...(p.lockWait && { lockWait: p.lockWait }),
        est: this.scanEstimate(choice, total, rowsOut, residual.length),
      };
    });
  }

  private scanEstimate(choice: IndexChoice, total: number, rowsOut: number, filterConditions: number): Estimate {
    const ranges = choice.ranges.length;
    const unique = choice.point || (choice.index?.unique === true && !choice.hasRange && choice.eqColumns === choice.index.columns.length);
    let entries = total;
    if (ranges > 0) entries = unique ? ranges : Math.max(1, Math.min(total, total * conjunctionSelectivity([...choice.used, ...(choice.narrowing ?? [])], this.columns)));
    return scanCost({ seeks: ranges, entriesRead: entries, rowLookups: choice.index !== undefined, filterConditions, rowsOut });
  }

  private bestScan(p: Scan, preds: readonly ScalarExpr[]): PhysicalPlan {
    return cheapest(this.scanCandidates(p, preds))!;
  }

  /** The best scan of a relation under its own filters and join conditions (memoised: join enumeration asks often). */
  private innerScan(relation: LogicalPlan, joinConditions: readonly ScalarExpr[]): PhysicalPlan {
    let byConditions = this.innerScans.get(relation);
    if (!byConditions) this.innerScans.set(relation, (byConditions = new Map()));
    const key = joinConditions.map((c) => this.exprId(c)).join(",");
    let plan = byConditions.get(key);
    if (!plan) byConditions.set(key, (plan = this.bestScan(scanUnder(relation)!, [...filterConjuncts(relation), ...joinConditions])));
    return plan;
  }

  private exprId(e: ScalarExpr): number {
    let id = this.exprIds.get(e);
    if (id === undefined) this.exprIds.set(e, (id = this.exprIds.size + 1));
    return id;
  }

  /** The cheapest scan (under the LIMIT) whose rows come in the wanted order, forwards or backwards, if any. */
  private orderedScan(p: Scan, preds: readonly ScalarExpr[], want: Wanted): PhysicalPlan | undefined {
    let best: PhysicalPlan | undefined;
    for (const c of this.scanCandidates(p, preds)) {
      for (const reverse of [false, true]) {
        const s: PhysicalScan = reverse ? { ...c, reverse } : c;
        if (satisfies(orderOf(s), want.keys) && (!best || costUnderLimit(s.est, want.limit) < costUnderLimit(best.est, want.limit))) best = s;
      }
    }
    return best;
  }

  // ---- joins -------------------------------------------------------------------------------

  /** A left, right, full, semi or anti join: its sides are planned on their own, nothing moves across it. */
  private outerJoin(p: Extract<LogicalPlan, { kind: "join" }>): PhysicalPlan {
    const left = this.plan(p.left);
    return this.joinWithLeft(p, left, false)!;
  }

  /** `p` (not an inner join) over an already planned left side; `ordered`: keep the left side's order. */
  private joinWithLeft(p: Extract<LogicalPlan, { kind: "join" }>, left: PhysicalPlan, ordered: boolean): PhysicalPlan | undefined {
    const right = this.plan(p.right);
    const preds = conjuncts(p.on);
    const [leftIds, rightIds] = [idsOf(p.left), idsOf(p.right)];
    const ctx = this.columns.withRows((id) => (leftIds.has(id) ? left.est.rows : rightIds.has(id) ? right.est.rows : undefined));
    const inner = left.est.rows * right.est.rows * conjunctionSelectivity(preds, ctx);
    const rows = Math.max(1, joinRows(p.type, inner, left.est.rows, right.est.rows));
    return this.joinPair(p.type, left, leftIds, { logical: p.right, plan: right, ids: rightIds }, preds, rows, ordered);
  }

  /**
   * The cheapest join of a planned left side with a right side. `right.logical`, when the right
   * side is one relation, lets an index nested loop plan it again with the join conditions.
   */
  private joinPair(
    type: JoinType,
    left: PhysicalPlan,
    leftIds: ReadonlySet<ColumnId>,
    right: { logical?: LogicalPlan; plan: PhysicalPlan; ids: ReadonlySet<ColumnId> },
    preds: readonly ScalarExpr[],
    rows: number,
    ordered: boolean,
    limit?: LimitInfo,
  ): PhysicalPlan | undefined {
    if (ordered && !(type === "inner" || type === "left" || type === "semi" || type === "anti")) return undefined;
    const columns = type === "semi" || type === "anti" ? left.columns : [...left.columns, ...right.plan.columns];
    const options: PhysicalPlan[] = [];
    const equi = preds.map((c) => equiKey(c, leftIds, right.ids)).filter((k): k is EquiKey => k !== undefined);
    if (equi.length > 0) {
      const residual = andAll(preds.filter((c) => !equi.some((k) => k.conjunct === c)));
      const est = hashJoinCost(left.est, right.plan.est, rows, preds.length - equi.length);
      options.push({ kind: "hash join", type, left, right: right.plan, leftKeys: equi.map((k) => k.left), rightKeys: equi.map((k) => k.right), ...(residual && { residual }), columns, est });
      // A merge join's output is not in the left side's order when it sorts that side.
      if (!ordered) options.push(mergeJoinPlan({ type, left, right: right.plan, leftKeys: equi.map((k) => k.left), rightKeys: equi.map((k) => k.right), ...(residual && { residual }), residualConditions: preds.length - equi.length, columns, rows }));
    }
    // Index nested loop: the join conditions become key ranges (or filters) of the inner scan, per outer row.
    if ((type === "inner" || type === "left" || type === "semi" || type === "anti") && right.logical && scanUnder(right.logical)) {
      const pushable = preds.filter((c) => !hasSubquery(c) && !isVolatile(c));
      const inner = this.innerScan(right.logical, pushable);
      if (inner.kind === "scan" && inner.ranges && readsAny(inner, leftIds)) {
        const on = andAll(preds.filter((c) => !pushable.includes(c)));
        const est = indexNestedLoopCost(left.est, inner.est, rows, preds.length - pushable.length);
        options.push({ kind: "nested loop join", type, left, right: inner, ...(on && { on }), columns, est });
      }
    }
    const on = andAll(preds);
    options.push({ kind: "nested loop join", type, left, right: right.plan, ...(on && { on }), columns, est: nestedLoopCost(left.est, right.plan.est, rows, preds.length) });
    return cheapest(options, limit);
  }

  /** A region of inner joins: its relations joined in the best order (or FROM order). */
  private innerJoins(p: Extract<LogicalPlan, { kind: "join" }>, want?: Wanted): PhysicalPlan | undefined {
    const region = JoinRegion.of(p);
    if (!region) return want ? undefined : this.joinTreeInOrder(p);
    const space = this.joinSpace(region, want);
    let first: number | undefined;
    if (want) {
      first = region.relationOf(want.keys);
      if (first === undefined) return undefined;
    }
    const options = first === undefined ? {} : { first };
    const best = this.reorder ? bestJoinOrder(space, options) : fromOrder(space, options);
    if (best && this.reorder) {
      const order = space.orderOf(best);
      if (order.some((r, i) => r !== i)) this.note(best, "ReorderJoins");
    }
    return best;
  }

  /** A join tree that cannot be reordered (volatile conditions, too many relations), as written. */
  private joinTreeInOrder(p: Extract<LogicalPlan, { kind: "join" }>): PhysicalPlan {
    return this.joinWithLeft(p, this.plan(p.left), false)!;
  }

  /**
   * The join space of a region. With `want`, the plans that deliver its order under its LIMIT
   * are compared by what the LIMIT pays for them (their cost in full otherwise).
   */
  private joinSpace(region: JoinRegion, want: Wanted | undefined): JoinSpace<PhysicalPlan> & { orderOf(p: PhysicalPlan): number[] } {
    const leafPlans = region.leaves.map((l) => this.plan(l));
    const leafRows = leafPlans.map((l) => l.est.rows);
    const ctx: SelectivityContext = this.columns.withRows((id) => {
      const r = region.relationOfColumn(id);
      return r === undefined ? undefined : leafRows[r];
    });
    const predSel = region.preds.map((c) => selectivity(c, ctx));
    const rowsMemo = new Map<RelSet, number>();
    const rowsOf = (s: RelSet): number => {
      let r = rowsMemo.get(s);
      if (r === undefined) {
        r = members(s).reduce((acc, i) => acc * leafRows[i]!, 1);
        region.masks.forEach((m, j) => {
          if ((m & s) === m) r! *= predSel[j]!;
        });
        r = Math.max(1, r);
        rowsMemo.set(s, r);
      }
      return r;
    };
    const sequence = new WeakMap<PhysicalPlan, number[]>();
    const space = {
      size: region.leaves.length,
      leaf: (i: number, ordered: boolean): PhysicalPlan | undefined => {
        const plan = ordered ? this.planOrdered(region.leaves[i]!, want!) : leafPlans[i];
        if (plan) sequence.set(plan, [i]);
        return plan;
      },
      join: (l: PhysicalPlan, ls: RelSet, r: PhysicalPlan, rs: RelSet, ordered: boolean): PhysicalPlan | undefined => {
        const s = ls | rs;
        const preds = region.preds.filter((_, j) => {
          const m = region.masks[j]!;
          return (m & s) === m && (m & ls) !== m && (m & rs) !== m;
        });
        const single = members(rs).length === 1 ? region.leaves[members(rs)[0]!] : undefined;
        const joined = this.joinPair("inner", l, region.idsOf(ls), { ...(single && { logical: single }), plan: r, ids: region.idsOf(rs) }, preds, rowsOf(s), ordered, ordered ? want?.limit : undefined);
        if (joined) sequence.set(joined, [...(sequence.get(l) ?? []), ...(sequence.get(r) ?? [])]);
        return joined;
      },
      cost: (p: PhysicalPlan) => costUnderLimit(p.est, want?.limit),
      connected: (a: RelSet, b: RelSet) => region.masks.some((m) => (m & (a | b)) === m && (m & a) !== 0 && (m & b) !== 0),
      orderOf: (p: PhysicalPlan) => sequence.get(p) ?? [],
    };
    return space;
  }

  // ---- orders ------------------------------------------------------------------------------

  /** A plan of `p` whose rows come in the order of `keys` (over p's columns), if one can be made without sorting. */
  private planOrdered(p: LogicalPlan, want: Wanted): PhysicalPlan | undefined {
    switch (p.kind) {
      case "scan":
        return this.orderedScan(p, [], want);
      case "filter": {
        if (p.input.kind === "scan") return this.orderedScan(p.input, conjuncts(p.predicate), want);
        const input = this.planOrdered(p.input, want);
        return input && this.filter(input, p.predicate);
      }
      case "project": {
        const below = keysBelowProject(want.keys, p.exprs, p.columns.map((c) => c.id));
        const input = below && this.planOrdered(p.input, { ...want, keys: below });
        return input && this.project(input, p);
      }
      case "join": {
        if (p.type === "inner" && !p.lateral) return this.innerJoins(p, want);
        if (p.type === "right" || p.type === "full") return undefined;
        const leftIds = idsOf(p.left);
        if (!want.keys.every((k) => k.expr.kind === "column" && leftIds.has(k.expr.id))) return undefined;
        const left = this.planOrdered(p.left, want);
        return left && this.joinWithLeft(p, left, true);
      }
      default:
        return undefined;
    }
  }

  /**
   * ORDER BY: the input as planned if its order already fits, else sorted (top-n under a
   * LIMIT), or a plan of the input made to deliver the order (an index or primary key read in
   * order, kept through joins), whichever is cheapest under the LIMIT.
   */
  private sorted(p: Extract<LogicalPlan, { kind: "sort" }>, limit: LimitInfo | undefined): PhysicalPlan {
    const input = this.plan(p.input);
    const candidates = [satisfies(orderOf(input), p.keys) ? input : this.sortNode(input, p.keys, limit)];
    const ordered = this.planOrdered(p.input, { keys: p.keys, ...(limit && { limit }) });
    if (ordered && satisfies(orderOf(ordered), p.keys)) candidates.push(ordered);
    const best = cheapest(candidates, limit)!;
    if (best.kind !== "sort") this.note(best, "IndexProvidesOrder");
    return best;
  }

  private sortNode(input: PhysicalPlan, keys: readonly SortKey[], limit: LimitInfo | undefined): PhysicalPlan {
    if (limit?.stopAfter) return { kind: "sort", input, keys, columns: input.columns, limit: limit.stopAfter, est: topNCost(input.est, limit.rowsNeeded(input.est.rows)) };
    return { kind: "sort", input, keys, columns: input.columns, est: sortCost(input.est) };
  }

  private limited(p: Extract<LogicalPlan, { kind: "limit" }>): PhysicalPlan {
    const n = constantCount(p.limit);
    const offset = p.offset ? constantCount(p.offset) : 0;
    const rowsNeeded = (rows: number) => (n === undefined || offset === undefined ? Math.max(1, rows * UNKNOWN_LIMIT_FRACTION) : Math.min(rows, n + offset));
    const stopAfter = stopAfterOf(p);
    const info: LimitInfo = { ...(stopAfter && { stopAfter }), rowsNeeded };
    let input = p.input.kind === "sort" ? this.sorted(p.input, info) : this.plan(p.input);
    if (input.kind !== "sort" && stopAfter) {
      const limitedScan = withScanLimit(input, stopAfter);
      if (limitedScan !== input) for (const rule of this.notes.get(input) ?? []) this.note(limitedScan, rule);
      input = limitedScan;
    }
    const offsetRows = offset ?? 0;
    const rows = Math.max(1, Math.min(input.est.rows - offsetRows, n ?? input.est.rows));
    const planned: PhysicalPlan = { kind: "limit", input, ...(p.limit && { limit: p.limit }), ...(p.offset && { offset: p.offset }), columns: input.columns, est: limitCost(input.est, rowsNeeded(input.est.rows), rows) };
    return routeVectorSearch(p, planned, { indexes: this.options.indexes, stats: this.stats });
  }

  // ---- tracing -----------------------------------------------------------------------------

  /** The rules the plan shows. */
  rulesOf(p: PhysicalPlan, into: Set<PlannerRule> = new Set()): Set<PlannerRule> {
    for (const rule of this.notes.get(p) ?? []) into.add(rule);
    switch (p.kind) {
      case "scan":
        if (p.point) into.add("PointLookup");
        else if (p.index) into.add("SecondaryIndex");
        else if (p.ranges) into.add("PrimaryKeyRange");
        if (p.filter || p.ranges) into.add("FilterIntoScan");
        if (p.reverse) into.add("ReverseScan");
        if (p.limit) into.add("LimitIntoScan");
        break;
      case "hash join":
        into.add("HashJoin");
        break;
      case "merge join":
        into.add("MergeJoin");
        break;
      case "nested loop join":
        into.add(p.right.kind === "scan" && readsAny(p.right, new Set(p.left.columns.map((c) => c.id))) ? "IndexNestedLoop" : "NestedLoop");
        break;
      case "sort":
        if (p.limit) into.add("TopNSort");
        break;
      case "hash aggregate":
        into.add("HashAggregate");
        break;
      case "sort aggregate":
        into.add("SortAggregate");
        break;
      default:
        break;
    }
    for (const c of physicalInputs(p)) this.rulesOf(c, into);
    return into;
  }
}


/** The cheapest plan (under the LIMIT, if any); the first of equals. */
function cheapest(plans: readonly PhysicalPlan[], limit?: LimitInfo): PhysicalPlan | undefined {
  let best: PhysicalPlan | undefined;
  for (const p of plans) if (!best || costUnderLimit(p.est, limit) < costUnderLimit(best.est, limit)) best = p;
  return best;
}

/** A non-negative constant count (LIMIT / OFFSET), undefined when not a constant. */
function constantCount(e: ScalarExpr | undefined): number | undefined {
  if (!e) return undefined;
  if (e.kind !== "const") return undefined;
  return e.value === null ? Infinity : Math.max(0, Number(e.value));
}

/** The row count a scan or sort may stop after for LIMIT [OFFSET], as an expression. */
function stopAfterOf(p: Extract<LogicalPlan, { kind: "limit" }>): ScalarExpr | undefined {
  const l = p.limit;
  if (!l || (l.kind !== "const" && l.kind !== "param")) return undefined;
  if (!p.offset) return l;
  const o = p.offset;
  if (l.kind !== "const" || o.kind !== "const" || l.value === null || o.value === null) return undefined;
  return { kind: "const", type: l.type, value: BigInt(Number(l.value) + Number(o.value)) };
}

/** Stops the scan under projections after `n` rows (a LIMIT pushed into the scan). */
function withScanLimit(p: PhysicalPlan, n: ScalarExpr): PhysicalPlan {
  if (p.kind === "scan") return p.limit ? p : { ...p, limit: n };
  if (p.kind === "project") {
    const input = withScanLimit(p.input, n);
    return input === p.input ? p : { ...p, input };
  }
  return p;
}

function joinRows(type: JoinType, inner: number, left: number, right: number): number {
  switch (type) {
    case "inner":
      return inner;
    case "left":
      return Math.max(inner, left);
    case "right":
      return Math.max(inner, right);
    case "full":
      return Math.max(inner, left + right);
    case "semi":
      return Math.min(left, inner);
    case "anti":
      return Math.max(1, left - Math.min(left, inner));
  }
}

function idsOf(p: LogicalPlan): Set<ColumnId> {
  const s = new Set(p.columns.map((c) => c.id));
  if (p.kind === "scan" && p.rowId) s.add(p.rowId.id);
  return s;
}

/** The scan under a relation that is a scan with filters on it (what an index nested loop can drive). */
function scanUnder(p: LogicalPlan): Scan | undefined {
  if (p.kind === "scan") return p;
  if (p.kind === "filter") return scanUnder(p.input);
  return undefined;
}

function filterConjuncts(p: LogicalPlan): ScalarExpr[] {
  return p.kind === "filter" ? [...conjuncts(p.predicate), ...filterConjuncts(p.input)] : [];
}

/** Whether a scan's ranges or filter read any of `ids` (columns of an outer row). */
function readsAny(scan: PhysicalScan, ids: ReadonlySet<ColumnId>): boolean {
  const exprs: ScalarExpr[] = [...(scan.filter ? [scan.filter] : [])];
  for (const r of scan.ranges ?? []) exprs.push(...r.eq, ...(r.lower ? [r.lower.expr] : []), ...(r.upper ? [r.upper.expr] : []));
  return exprs.some((e) => [...columnsOf(e)].some((id) => ids.has(id)));
}

/**
 * The relations of a region of inner joins (its leaves, in FROM order) and its join conditions,
 * each with the set of relations it reads. Conditions on one relation go into that relation's
 * plan; those reading none of them (only outer references) apply at the top.
 */
class JoinRegion {
  private readonly relationByColumn = new Map<ColumnId, number>();

  private constructor(
    readonly leaves: readonly LogicalPlan[],
    readonly preds: readonly ScalarExpr[],
    readonly masks: readonly RelSet[],
  ) {
    leaves.forEach((l, i) => {
      for (const id of idsOf(l)) this.relationByColumn.set(id, i);
    });
  }

  /** The region rooted at an inner join, or undefined when it must keep its written shape. */
  static of(root: Extract<LogicalPlan, { kind: "join" }>): JoinRegion | undefined {
    const leaves: LogicalPlan[] = [];
    const preds: ScalarExpr[] = [];
    const flatten = (p: LogicalPlan) => {
      if (p.kind === "join" && p.type === "inner" && !p.lateral) {
        flatten(p.left);
        flatten(p.right);
        preds.push(...conjuncts(p.on));
      } else {
        leaves.push(p);
      }
    };
    flatten(root);
    // A volatile condition runs once per row pair where it was written; moving it changes results.
    if (leaves.length > MAX_RELATIONS || preds.some(isVolatile)) return undefined;
    const relationOf = new Map<ColumnId, number>();
    leaves.forEach((l, i) => {
      for (const id of idsOf(l)) relationOf.set(id, i);
    });
    const full = 2 ** leaves.length - 1;
    const local: ScalarExpr[][] = leaves.map(() => []);
    const joinPreds: ScalarExpr[] = [];
    const masks: RelSet[] = [];
    for (const c of preds) {
      let mask = 0;
      for (const id of columnsOf(c)) {
        const r = relationOf.get(id);
        if (r !== undefined) mask |= 2 ** r;
      }
      if (mask !== 0 && (mask & (mask - 1)) === 0) {
        local[31 - Math.clz32(mask)]!.push(c);
        continue;
      }
      joinPreds.push(c);
      masks.push(mask === 0 ? full : mask);
    }
    const withLocal = leaves.map((l, i) => {
      const extra = local[i]!;
      if (extra.length === 0) return l;
      const input = l.kind === "filter" ? l.input : l;
      const predicate = andAll([...(l.kind === "filter" ? conjuncts(l.predicate) : []), ...extra])!;
      return { kind: "filter", input, predicate, columns: input.columns } as LogicalPlan;
    });
    return new JoinRegion(withLocal, joinPreds, masks);
  }

  relationOfColumn(id: ColumnId): number | undefined {
    return this.relationByColumn.get(id);
  }

  /** The one relation every sort key reads, if there is one. */
  relationOf(keys: readonly SortKey[]): number | undefined {
    let r: number | undefined;
    for (const k of keys) {
      if (k.expr.kind !== "column") return undefined;
      const at = this.relationByColumn.get(k.expr.id);
      if (at === undefined || (r !== undefined && at !== r)) return undefined;
      r = at;
    }
    return r;
  }

  private readonly idsBySet = new Map<RelSet, Set<ColumnId>>();

  idsOf(s: RelSet): ReadonlySet<ColumnId> {
    let out = this.idsBySet.get(s);
    if (!out) {
      out = new Set<ColumnId>();
      for (const i of members(s)) for (const id of idsOf(this.leaves[i]!)) out.add(id);
      this.idsBySet.set(s, out);
    }
    return out;
  }
}

const equalityByKind = new Map<string, boolean>();

/** Whether `=` exists between two values of the type (json has none). */
function hasEquality(t: ScalarExpr["type"]): boolean {
  let known = equalityByKind.get(t.kind);
  if (known === undefined) {
    try {
      lookupOperator("=", t, t);
      known = true;
    } catch {
      known = false;
    }
    equalityByKind.set(t.kind, known);
  }
  return known;
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
  if (pa.kind !== pb.kind || !hasEquality(pa)) return undefined;
  const cast = (e: ScalarExpr, t: ScalarExpr["type"]): ScalarExpr => (e.type.kind === t.kind ? e : { kind: "cast", input: e, type: t, explicit: false });
  if (sa === "left" && sb === "right") return { conjunct: c, left: cast(a, pa), right: cast(b, pb) };
  if (sa === "right" && sb === "left") return { conjunct: c, left: cast(b, pb), right: cast(a, pa) };
  return undefined;
}
