/**
 * Which table columns a statement reads, so that table scans decode only those (RowCodec's
 * decodeSome) instead of every column of every row.
 *
 * Column ids are plan-wide, so "what reads column c" is "what mentions c's id": every column
 * reference in any expression of the plan (filters, key ranges, projections, join keys, sort,
 * group and window keys, aggregate arguments, RETURNING, checks, LIMIT), plus every column of a
 * plan a subquery expression carries (planned only when it runs; a correlated one reads its
 * enclosing query's columns). On top of those, some operators consume whole rows by position:
 * the statement's result, DISTINCT, set operations other than UNION ALL, recursive CTEs, and
 * the rows INSERT, UPDATE and DELETE write. Expressions count even when nothing reads the value
 * they compute, because the executor still evaluates them (an error they raise must not depend
 * on what was pruned); only a projected bare column reference, which cannot fail, counts as
 * read just when its output column is (likewise a UNION ALL or CTE output column and the input
 * columns it copies).
 *
 * Scans that must keep whole rows are left alone: UPDATE's and DELETE's target (the old row is
 * compared with the current one and re-encoded whole) and row-locking scans.
 */
import { type ColumnId, type ScalarExpr, walkExpr } from "../plan/expr.js";
import type { AggregateCall, LogicalPlan, OutputColumn, SortKey, WindowCall } from "../plan/logical.js";
import { inputsOf } from "../plan/logical.js";
import { physicalInputs, type PhysicalPlan } from "../plan/physical.js";

/** What the statement's operators read, before following copies. */
class Reads {
  /** Ids read outright. */
  readonly roots = new Set<ColumnId>();
  /** Output column id → the input column ids it copies: read when the output is. */
  readonly copies = new Map<ColumnId, ColumnId[]>();
  /** Columns of UPDATE's and DELETE's old rows: a scan producing one is read whole. */
  readonly wholeRows = new Set<ColumnId>();
  /** Each non-recursive CTE's columns by position (its definition's ids and its plan's). */
  private readonly cteDefinitions = new Map<number, ColumnId[][]>();
  private readonly cteScans: { readonly cteId: number; readonly columns: readonly OutputColumn[] }[] = [];

  copy(to: ColumnId, from: ColumnId): void {
    const list = this.copies.get(to);
    if (list) list.push(from);
    else this.copies.set(to, [from]);
  }

  all(columns: readonly OutputColumn[]): void {
    for (const c of columns) this.roots.add(c.id);
  }

  expr(e: ScalarExpr | undefined): void {
    if (!e) return;
    walkExpr(e, (x) => {
      if (x.kind === "column") {
        this.roots.add(x.id);
      } else if (x.kind === "subquery") {
        for (const id of x.outerRefs) this.roots.add(id);
        this.logical(x.plan);
      }
    });
  }

  private exprs(es: readonly ScalarExpr[] | undefined): void {
    for (const e of es ?? []) this.expr(e);
  }

  private keys(ks: readonly SortKey[] | undefined): void {
    for (const k of ks ?? []) this.expr(k.expr);
  }

  private aggregates(as: readonly AggregateCall[]): void {
    for (const a of as) {
      this.exprs(a.args);
      this.expr(a.filter);
      this.keys(a.orderBy);
    }
  }

  private windows(ws: readonly WindowCall[]): void {
    for (const w of ws) {
      this.exprs(w.args);
      this.expr(w.filter);
      this.exprs(w.partitionBy);
      this.keys(w.orderBy);
      if (w.frame) {
        if ("offset" in w.frame.start) this.expr(w.frame.start.offset);
        if ("offset" in w.frame.end) this.expr(w.frame.end.offset);
      }
    }
  }

  private cte(id: number, positions: readonly (readonly OutputColumn[])[], recursive: boolean): void {
    if (recursive) {
      for (const cols of positions) this.all(cols);
      return;
    }
    const byPosition: ColumnId[][] = [];
    for (const cols of positions) cols.forEach((c, i) => (byPosition[i] ??= []).push(c.id));
    this.cteDefinitions.set(id, byPosition);
  }

  /** Whatever a write node reads besides its input. */
  private write(p: Extract<LogicalPlan | PhysicalPlan, { kind: "insert" | "update" | "delete" }>): void {
    this.exprs(p.returning);
    if (p.kind === "delete") {
      this.all(p.tableColumns);
      for (const c of p.tableColumns) this.wholeRows.add(c.id);
      return;
    }
    for (const c of p.checks) this.expr(c.expr);
    if (p.kind === "update") {
      this.all(p.tableColumns);
      for (const c of p.tableColumns) this.wholeRows.add(c.id);
      for (const a of p.assignments) this.expr(a.expr);
      return;
    }
    this.all(p.source.columns);
    const oc = p.onConflict;
    if (oc) {
      for (const a of oc.assignments ?? []) this.expr(a.expr);
      this.expr(oc.where);
    }
  }

  /**
   * A plan carried in an expression (a subquery): every id it mentions or produces counts as
   * read, and its CTE scans read their CTEs whole. (It is pruned on its own when planned.)
   */
  logical(p: LogicalPlan): void {
    this.all(p.columns);
    switch (p.kind) {
      case "scan":
        if (p.rowId) this.roots.add(p.rowId.id);
        break;
      case "values":
        for (const r of p.rows) this.exprs(r);
        break;
      case "function scan":
        this.exprs(p.args);
        break;
      case "filter":
        this.expr(p.predicate);
        break;
      case "project":
        this.exprs(p.exprs);
        break;
      case "join":
        this.expr(p.on);
        break;
      case "aggregate":
        this.exprs(p.groupBy);
        this.aggregates(p.aggregates);
        break;
      case "window":
        this.windows(p.windows);
        break;
      case "sort":
        this.keys(p.keys);
        break;
      case "limit":
        this.expr(p.limit);
        this.expr(p.offset);
        break;
      case "distinct":
        this.exprs(p.on);
        break;
      case "cte scan":
      case "worktable scan":
        this.cteScans.push(p);
        break;
      case "with":
        for (const c of p.ctes) this.cte(c.id, [c.columns, c.plan.columns, ...(c.recursive ? [c.recursive.term.columns] : [])], c.recursive !== undefined);
        break;
      case "insert":
      case "update":
      case "delete":
        this.write(p);
        break;
      case "setop":
        break;
    }
    for (const input of inputsOf(p)) this.logical(input);
  }

  physical(p: PhysicalPlan): void {
    switch (p.kind) {
      case "scan":
        this.expr(p.filter);
        this.expr(p.limit);
        for (const r of p.ranges ?? []) {
          this.exprs(r.eq);
          this.expr(r.lower?.expr);
          this.expr(r.upper?.expr);
        }
        break;
      case "vector search":
        this.expr(p.query);
        this.expr(p.k);
        this.expr(p.filter);
        break;
      case "values":
        for (const r of p.rows) this.exprs(r);
        break;
      case "function scan":
        this.exprs(p.args);
        break;
      case "filter":
        this.expr(p.predicate);
        break;
      case "project":
        p.exprs.forEach((e, i) => {
          if (e.kind === "column") this.copy(p.columns[i]!.id, e.id);
          else this.expr(e);
        });
        break;
      case "nested loop join":
        this.expr(p.on);
        break;
      case "hash join":
      case "merge join":
        this.exprs(p.leftKeys);
        this.exprs(p.rightKeys);
        this.expr(p.residual);
        break;
      case "hash aggregate":
      case "sort aggregate":
        this.exprs(p.groupBy);
        this.aggregates(p.aggregates);
        break;
      case "window":
        this.windows(p.windows);
        break;
      case "sort":
        this.keys(p.keys);
        this.expr(p.limit);
        break;
      case "limit":
        this.expr(p.limit);
        this.expr(p.offset);
        break;
      case "distinct":
        // DISTINCT compares whole rows; DISTINCT ON only its keys (the rest pass through).
        if (p.on) this.exprs(p.on);
        else this.all(p.columns);
        break;
      case "setop":
        // UNION ALL copies each side's i-th column; the others compare whole rows.
        if (p.op === "union" && p.all) {
          p.columns.forEach((c, i) => {
            const l = p.left.columns[i];
            const r = p.right.columns[i];
            if (l) this.copy(c.id, l.id);
            if (r) this.copy(c.id, r.id);
          });
        } else {
          this.all(p.left.columns);
          this.all(p.right.columns);
        }
        break;
      case "cte scan":
      case "worktable scan":
        this.cteScans.push(p);
        break;
      case "with":
        for (const c of p.ctes) this.cte(c.id, [c.columns, c.plan.columns, ...(c.recursive ? [c.recursive.term.columns] : [])], c.recursive !== undefined);
        break;
      case "insert":
      case "update":
      case "delete":
        this.write(p);
        break;
    }
    for (const input of physicalInputs(p)) this.physical(input);
  }

  /** The ids read, copies followed. */
  closure(): Set<ColumnId> {
    // A CTE scan's i-th column copies the CTE's i-th column; a CTE defined outside this plan (a
    // subquery reading its enclosing statement's WITH) has nothing here to prune.
    for (const s of this.cteScans) {
      const def = this.cteDefinitions.get(s.cteId);
      if (!def) continue;
      s.columns.forEach((c, i) => {
        for (const id of def[i] ?? []) this.copy(c.id, id);
      });
    }
    const out = new Set<ColumnId>();
    const stack = [...this.roots];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (out.has(id)) continue;
      out.add(id);
      for (const from of this.copies.get(id) ?? []) stack.push(from);
    }
    return out;
  }
}

export interface ColumnReads {
  /** Ids of every column some operator of the statement may read. */
  readonly read: ReadonlySet<ColumnId>;
  /** Columns of rows the statement rewrites or deletes: scans producing them read whole rows. */
  readonly wholeRows: ReadonlySet<ColumnId>;
}

/** What reads a plan's result: its rows' values, or only whether there is a row (EXISTS). */
export type ResultUse = "rows" | "existence";

/** The columns a statement's physical plan reads (its result's columns too, unless only their existence counts). */
export function columnReads(plan: PhysicalPlan, result: ResultUse = "rows"): ColumnReads {
  const reads = new Reads();
  if (result === "rows") reads.all(plan.columns);
  reads.physical(plan);
  return { read: reads.closure(), wholeRows: reads.wholeRows };
}

type PhysicalScan = Extract<PhysicalPlan, { kind: "scan" }>;

/** The scan's positions to decode, or undefined when it must read every column. */
export function scanReads(scan: PhysicalScan, reads: ColumnReads): number[] | undefined {
  if (scan.lock || scan.columns.length !== scan.table.columns.length) return undefined;
  if (scan.columns.some((c) => reads.wholeRows.has(c.id))) return undefined;
  const positions: number[] = [];
  scan.columns.forEach((c, i) => {
    if (reads.read.has(c.id)) positions.push(i);
  });
  return positions.length === scan.columns.length ? undefined : positions;
}

/** `plan` with each table scan told which columns to decode (`reads`). */
export function pruneScanReads(plan: PhysicalPlan, result: ResultUse = "rows"): PhysicalPlan {
  return withReads(plan, columnReads(plan, result));
}

function withReads(p: PhysicalPlan, reads: ColumnReads): PhysicalPlan {
  const sub = (q: PhysicalPlan) => withReads(q, reads);
  switch (p.kind) {
    case "scan": {
      const positions = scanReads(p, reads);
      return positions ? { ...p, reads: positions } : p;
    }
    case "vector search":
    case "values":
    case "function scan":
    case "cte scan":
    case "worktable scan":
      return p;
    case "nested loop join":
    case "hash join":
    case "merge join":
    case "setop": {
      const left = sub(p.left);
      const right = sub(p.right);
      return left === p.left && right === p.right ? p : { ...p, left, right };
    }
    case "with": {
      let changed = false;
      const ctes = p.ctes.map((c) => {
        const plan = sub(c.plan);
        const term = c.recursive && sub(c.recursive.term);
        if (plan === c.plan && term === c.recursive?.term) return c;
        changed = true;
        return { ...c, plan, ...(c.recursive && { recursive: { ...c.recursive, term: term! } }) };
      });
      const body = sub(p.body);
      return changed || body !== p.body ? { ...p, ctes, body } : p;
    }
    case "insert": {
      const source = sub(p.source);
      return source === p.source ? p : { ...p, source };
    }
    case "filter":
    case "project":
    case "hash aggregate":
    case "sort aggregate":
    case "window":
    case "sort":
    case "limit":
    case "distinct":
    case "update":
    case "delete": {
      const input = sub(p.input);
      return input === p.input ? p : ({ ...p, input } as PhysicalPlan);
    }
  }
}
