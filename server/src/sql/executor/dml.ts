/**
 * INSERT, UPDATE and DELETE operators. Each consumes its input, writes through a RowWriter and
 * yields RETURNING rows (if any); `affected` is the count for the command tag.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Index } from "../catalog/index.js";
import type { ScalarExpr } from "../plan/expr.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { sameStoredValue, type SqlValue } from "../types/index.js";
import { evalAll } from "./basic.js";
import { compileExpr, compilePredicate, type Evaluator, type Layout, layoutOf } from "./compile.js";
import { checkViolation } from "./constraints.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";
import { RowWriter } from "./row-writer.js";

export interface WriteOperator extends Operator {
  readonly affected: number;
}

type Check = { name: string; test: (row: Row) => boolean | Promise<boolean> };

function compileChecks(checks: readonly { name: string; expr: ScalarExpr }[], layout: Layout, ctx: ExecContext): Check[] {
  // A CHECK passes unless it is false (NULL passes), unlike WHERE.
  return checks.map((c) => {
    const e = compileExpr(c.expr, layout, ctx);
    return { name: c.name, test: e.async ? async (r: Row) => (await e.eval(r)) !== false : (r: Row) => e.eval(r) !== false };
  });
}

async function runChecks(checks: Check[], table: RowWriter["table"], row: Row): Promise<void> {
  for (const c of checks) {
    const ok = c.test(row);
    if (!(ok === true || (ok !== false && (await ok)))) throw checkViolation(table, c.name, row);
  }
}

/** The hidden row id a scan appends, if it reaches here unprojected (filters, sorts and limits pass rows through). */
export function findRowId(p: PhysicalPlan): { id: number } | undefined {
  if (p.kind === "scan") return p.rowId;
  if (p.kind === "filter" || p.kind === "limit" || p.kind === "sort") return findRowId(p.input);
  return undefined;
}

/** Shared shape: pull all input, write, buffer RETURNING rows. */
abstract class WriteBase implements WriteOperator {
  affected = 0;
  private out: Row[] = [];
  private at = 0;
  constructor(protected readonly input: Operator) {}
  protected abstract write(row: Row): Promise<Row | undefined>;
  /** Forgets the last execution's targets and takes the context's transaction (a tree is run again by later executions). */
  protected abstract reset(): void;
  async open(): Promise<void> {
    this.affected = 0;
    this.out = [];
    this.at = 0;
    this.reset();
    await this.input.open();
    try {
      for (let b = await this.input.next(); b; b = await this.input.next()) {
        for (const r of b) {
          const ret = await this.write(r);
          if (ret) this.out.push(ret);
        }
      }
    } finally {
      await this.input.close();
    }
  }
  async next(): Promise<Row[] | null> {
    if (this.at >= this.out.length) return null;
    const b = this.out.slice(this.at, this.at + BATCH_SIZE);
    this.at += b.length;
    return b;
  }
  async close(): Promise<void> {
    this.out = [];
  }
}

export class InsertOperator extends WriteBase {
  private readonly writer: RowWriter;
  private readonly checks: Check[];
  private readonly returning: Evaluator[] | undefined;
  private readonly conflictSets: { position: number; expr: Evaluator }[] | undefined;
  private readonly conflictWhere: ((row: Row) => boolean | Promise<boolean>) | undefined;
  /** The constraint ON CONFLICT (cols) names; a conflict on any other is an error, as usual. */
  private readonly arbiter: Index | "primary" | undefined;
  /** Keys of the rows this statement inserted or updated (DO UPDATE may not touch one twice). */
  private readonly touched = new Set<string>();

  constructor(
    input: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "insert" }>,
    private readonly ctx: ExecContext,
  ) {
    super(input);
    this.writer = new RowWriter(ctx.tx, ctx.catalog, plan.table, plan.indexes);
    this.arbiter = arbiterOf(plan);
    const layout = layoutOf(plan.rowColumns);
    this.checks = compileChecks(plan.checks, layout, ctx);
    this.returning = plan.returning?.map((e) => compileExpr(e, layout, ctx));
    const oc = plan.onConflict;
    if (oc?.action === "update") {
      const both = layoutOf([...oc.existingColumns!, ...oc.excludedColumns!]);
      this.conflictSets = oc.assignments!.map((a) => ({ position: plan.table.columns.findIndex((c) => c.id === a.columnId), expr: compileExpr(a.expr, both, ctx) }));
      this.conflictWhere = compilePredicate(oc.where, both, ctx);
    }
  }

  protected reset(): void {
    this.writer.rebind(this.ctx.tx, this.ctx.catalog);
    if (this.touched.size > 0) this.touched.clear();
  }

  protected async write(source: Row): Promise<Row | undefined> {
    this.ctx.checkCancel();
    const row = source.slice(0, this.plan.table.columns.length) as SqlValue[];
    await runChecks(this.checks, this.plan.table, row);
    const oc = this.plan.onConflict;
    if (oc) {
      const key = this.writer.hasPrimaryKey ? this.writer.keyOf(row) : undefined;
      const conflict = await this.writer.findConflict(row, key, undefined, this.arbiter);
      if (conflict) {
        if (oc.action === "nothing") return undefined;
        if (this.touched.has(Buffer.from(conflict.rowKey).toString("hex"))) {
          throw new SqlStateError("ON CONFLICT DO UPDATE command cannot affect row a second time", "21000", {
            hint: "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
          });
        }
        const existing = await this.writer.readRow(conflict.rowKey);
        if (!existing) return undefined;
        const both = [...existing, ...row];
        if (this.conflictWhere) {
          const ok = this.conflictWhere(both);
          if (!(ok === true || (ok !== false && (await ok)))) return undefined;
        }
        const updated = existing.slice();
        for (const s of this.conflictSets!) updated[s.position] = await s.expr.eval(both);
        await runChecks(this.checks, this.plan.table, updated);
        await this.writer.update(conflict.rowKey, existing, updated, undefined);
        this.touched.add((this.writer.hasPrimaryKey ? this.writer.keyOf(updated) : Buffer.from(conflict.rowKey)).toString("hex"));
        this.affected++;
        return this.returning ? evalAll(this.returning, updated) : undefined;
      }
    }
    const key = await this.writer.insert(row);
    if (oc?.action === "update") this.touched.add(key.toString("hex"));
    this.affected++;
    return this.returning ? evalAll(this.returning, row) : undefined;
  }
}

/** The unique constraint an ON CONFLICT (columns) clause names: the primary key or a unique index. */
function arbiterOf(plan: Extract<PhysicalPlan, { kind: "insert" }>): Index | "primary" | undefined {
  const target = plan.onConflict?.target ?? [];
  if (target.length === 0) return undefined;
  const sameSet = (ids: readonly number[]) => ids.length === target.length && ids.every((id) => target.includes(id));
  if (sameSet(plan.table.primaryKey)) return "primary";
  return plan.indexes.find((i) => i.unique && i.method === "btree" && sameSet(i.columns.map((c) => c.columnId)));
}

/**
 * The conditions a row of a single-table UPDATE/DELETE had to meet (the scan's filter and any
 * filters above it), for checking a newer version of the row; undefined when the input is not
 * a plain filtered scan (a join), or when an index range chose the rows (its columns are
 * checked by `indexColumns` instead).
 */
function recheckOf(p: PhysicalPlan): { predicates: ScalarExpr[]; indexColumns: readonly number[] } | undefined {
  const predicates: ScalarExpr[] = [];
  let q = p;
  for (;;) {
    if (q.kind === "filter") {
      predicates.push(q.predicate);
      q = q.input;
    } else if (q.kind === "limit" || q.kind === "sort" || q.kind === "project") {
      q = q.input;
    } else {
      break;
    }
  }
  if (q.kind !== "scan") return undefined;
  if (q.filter) predicates.push(q.filter);
  return { predicates, indexColumns: q.index ? q.index.columns.map((c) => c.columnId) : [] };
}

/** What UPDATE and DELETE share: locating the old row and its key in the input row. */
abstract class RowChangeBase extends WriteBase {
  protected readonly writer: RowWriter;
  protected readonly inputLayout: Layout;
  private readonly oldPositions: number[];
  private readonly rowIdPosition: number | undefined;
  private readonly seen = new Set<string>();
  private readonly recheck: { test: ((row: Row) => boolean | Promise<boolean>)[]; indexPositions: number[] } | undefined;

  constructor(input: Operator, plan: Extract<PhysicalPlan, { kind: "update" | "delete" }>, protected readonly ctx: ExecContext) {
    super(input);
    this.writer = new RowWriter(ctx.tx, ctx.catalog, plan.table, plan.indexes);
    const rowIdCol = findRowId(plan.input);
    this.inputLayout = layoutOf(plan.input.columns, rowIdCol);
    this.oldPositions = plan.tableColumns.map((c) => this.inputLayout.get(c.id)!);
    this.rowIdPosition = rowIdCol ? this.inputLayout.get(rowIdCol.id) : undefined;
    const r = recheckOf(plan.input);
    this.recheck = r && {
      test: r.predicates.map((e) => compilePredicate(e, this.inputLayout, ctx)!),
      indexPositions: r.indexColumns.map((id) => plan.table.columns.findIndex((c) => c.id === id)),
    };
  }

  protected reset(): void {
    this.writer.rebind(this.ctx.tx, this.ctx.catalog);
    if (this.seen.size > 0) this.seen.clear();
  }

  /**
   * Read Committed: the target row locked and as it is now, as PostgreSQL's EvalPlanQual sees
   * it. The scan read the row as of the statement's start; a transaction that changed it and
   * committed since (the lock waits for it) must not be overwritten with values computed from
   * the old version (a lost update). So: lock, read the newest version, and if it changed,
   * continue with it when it still meets the statement's conditions, skip it when it no longer
   * does or was deleted. Where the conditions cannot be checked again (a join feeds the change)
   * a changed row fails with 40001, as it would at Repeatable Read. Other levels return the row
   * as it is (their writes fail with 40001 on a row changed after their snapshot).
   */
  protected async current(t: { old: SqlValue[]; key: Buffer }, input: Row): Promise<Row | undefined> {
    const tx = this.ctx.tx;
    if (tx.isolation !== "read-committed") return input;
    await tx.lockKey(t.key, "exclusive");
    tx.beginStatement();
    const now = await this.writer.readRow(t.key);
    if (now === undefined) return undefined;
    const table = this.writer.table;
    if (now.every((v, i) => sameStoredValue(v, t.old[i]!, table.columns[i]!.type))) return input;
    const changedIndexColumn = this.recheck?.indexPositions.some((p) => !sameStoredValue(now[p]!, t.old[p]!, table.columns[p]!.type));
    if (!this.recheck || changedIndexColumn) throw new SqlStateError("could not serialize access due to concurrent update", "40001");
    const next = input.slice();
    this.oldPositions.forEach((p, i) => (next[p] = now[i]!));
    for (const test of this.recheck.test) {
      const ok = test(next);
      if (!(ok === true || (ok !== false && (await ok)))) return undefined;
    }
    t.old = now;
    return next;
  }

  /** The old row, its row id and key; undefined when this target row was already handled (UPDATE ... FROM can repeat it). */
  protected target(input: Row): { old: SqlValue[]; rowId: bigint | undefined; key: Buffer } | undefined {
    const old = this.oldPositions.map((p) => input[p]!);
    const rowId = this.rowIdPosition !== undefined ? (input[this.rowIdPosition] as bigint) : undefined;
    const key = this.writer.keyOf(old, rowId);
    const k = key.toString("hex");
    if (this.seen.has(k)) return undefined;
    this.seen.add(k);
    return { old, rowId, key };
  }
}

export class UpdateOperator extends RowChangeBase {
  private readonly checks: Check[];
  private readonly returning: Evaluator[] | undefined;
  private readonly sets: { position: number; expr: Evaluator }[];

  constructor(
    input: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "update" }>,
    ctx: ExecContext,
  ) {
    super(input, plan, ctx);
    this.sets = plan.assignments.map((a) => ({ position: plan.table.columns.findIndex((c) => c.id === a.columnId), expr: compileExpr(a.expr, this.inputLayout, ctx) }));
    const layout = layoutOf(plan.rowColumns);
    this.checks = compileChecks(plan.checks, layout, ctx);
    // RETURNING sees the new row, then the input row (the FROM item's columns of UPDATE ... FROM).
    const both = new Map(layout);
    for (const [id, pos] of this.inputLayout) if (!both.has(id)) both.set(id, plan.rowColumns.length + pos);
    this.returning = plan.returning?.map((e) => compileExpr(e, both, ctx));
  }

  protected async write(scanned: Row): Promise<Row | undefined> {
    this.ctx.checkCancel();
    const t = this.target(scanned);
    if (!t) return undefined;
    const input = await this.current(t, scanned);
    if (!input) return undefined;
    const updated = t.old.slice();
    for (const s of this.sets) updated[s.position] = s.expr.async ? await s.expr.eval(input) : s.expr.eval(input);
    await runChecks(this.checks, this.plan.table, updated);
    await this.writer.update(t.key, t.old, updated, t.rowId);
    this.affected++;
    return this.returning ? evalAll(this.returning, [...updated, ...input]) : undefined;
  }
}

export class DeleteOperator extends RowChangeBase {
  private readonly returning: Evaluator[] | undefined;

  constructor(input: Operator, plan: Extract<PhysicalPlan, { kind: "delete" }>, ctx: ExecContext) {
    super(input, plan, ctx);
    this.returning = plan.returning?.map((e) => compileExpr(e, layoutOf(plan.tableColumns), ctx));
  }

  protected async write(scanned: Row): Promise<Row | undefined> {
    this.ctx.checkCancel();
    const t = this.target(scanned);
    if (!t) return undefined;
    if (!(await this.current(t, scanned))) return undefined;
    await this.writer.delete(t.key, t.old, t.rowId);
    this.affected++;
    return this.returning ? evalAll(this.returning, t.old) : undefined;
  }
}
