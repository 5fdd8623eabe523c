/** Row-at-a-time operators: VALUES, filter, project, limit, distinct. */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, type SqlType } from "../types/index.js";
import { compileExpr, compilePredicate, type Evaluator, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";

/** Evaluates a list of compiled expressions on a row. */
export async function evalAll(exprs: readonly Evaluator[], row: Row): Promise<Row> {
  const out: Row = new Array(exprs.length);
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i]!;
    out[i] = e.async ? await e.eval(row) : e.eval(row);
  }
  return out;
}

export function evalAllSync(exprs: readonly Evaluator[]): ((row: Row) => Row) | undefined {
  if (exprs.some((e) => e.async)) return undefined;
  const fs = exprs.map((e) => e.eval as (row: Row) => Row[number]);
  return (row) => {
    const out: Row = new Array(fs.length);
    for (let i = 0; i < fs.length; i++) out[i] = fs[i]!(row);
    return out;
  };
}

export class ValuesOperator implements Operator {
  private done = false;
  private readonly rows: Evaluator[][];
  constructor(plan: Extract<PhysicalPlan, { kind: "values" }>, ctx: ExecContext) {
    this.rows = plan.rows.map((r) => r.map((e) => compileExpr(e, new Map(), ctx)));
  }
  async open(): Promise<void> {
    this.done = false;
  }
  async next(): Promise<Row[] | null> {
    if (this.done) return null;
    this.done = true;
    const out: Row[] = [];
    for (const r of this.rows) out.push(await evalAll(r, []));
    return out.length ? out : null;
  }
  async close(): Promise<void> {}
}

export class FilterOperator implements Operator {
  private readonly test: (row: Row) => boolean | Promise<boolean>;
  constructor(
    private readonly input: Operator,
    plan: Extract<PhysicalPlan, { kind: "filter" }>,
    private readonly ctx: ExecContext,
  ) {
    this.test = compilePredicate(plan.predicate, layoutOf(plan.input.columns, rowIdOf(plan.input)), ctx)!;
  }
  open(): Promise<void> {
    return this.input.open();
  }
  async next(): Promise<Row[] | null> {
    for (;;) {
      const batch = await this.input.next();
      if (!batch) return null;
      this.ctx.checkCancel();
      const out: Row[] = [];
      for (const r of batch) {
        const ok = this.test(r);
        if (ok === true || (ok !== false && (await ok))) out.push(r);
      }
      if (out.length) return out;
    }
  }
  close(): Promise<void> {
    return this.input.close();
  }
}

/** The hidden row id column a scan appends (for DML over tables without a primary key). */
export function rowIdOf(p: PhysicalPlan): { id: number } | undefined {
  return p.kind === "scan" || p.kind === "vector search" ? p.rowId : undefined;
}

export class ProjectOperator implements Operator {
  private readonly exprs: Evaluator[];
  private readonly fast: ((row: Row) => Row) | undefined;
  constructor(
    private readonly input: Operator,
    plan: Extract<PhysicalPlan, { kind: "project" }>,
    ctx: ExecContext,
  ) {
    const layout = layoutOf(plan.input.columns, rowIdOf(plan.input));
    this.exprs = plan.exprs.map((e) => compileExpr(e, layout, ctx));
    this.fast = evalAllSync(this.exprs);
  }
  open(): Promise<void> {
    return this.input.open();
  }
  async next(): Promise<Row[] | null> {
    const batch = await this.input.next();
    if (!batch) return null;
    if (this.fast) return batch.map(this.fast);
    const out: Row[] = [];
    for (const r of batch) out.push(await evalAll(this.exprs, r));
    return out;
  }
  close(): Promise<void> {
    return this.input.close();
  }
  readAll(): Promise<Row[]> | undefined {
    const fast = this.fast;
    if (!fast) return undefined;
    return this.input.readAll?.()?.then((rows) => rows.map(fast));
  }
}

export class LimitOperator implements Operator {
  private remaining = Infinity;
  private skip = 0;
  constructor(
    private readonly input: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "limit" }>,
    private readonly ctx: ExecContext,
  ) {}
  async open(): Promise<void> {
    const num = async (e: typeof this.plan.limit, what: string): Promise<number | undefined> => {
      if (!e) return undefined;
      const v = await compileExpr(e, new Map(), this.ctx).eval([]);
      if (v === null) return undefined;
      const n = Number(v);
      if (n < 0) throw new SqlStateError(`${what} must not be negative`, what === "LIMIT" ? "2201W" : "2201X");
      return n;
    };
    this.remaining = (await num(this.plan.limit, "LIMIT")) ?? Infinity;
    this.skip = (await num(this.plan.offset, "OFFSET")) ?? 0;
    if (this.remaining > 0) await this.input.open();
  }
  async next(): Promise<Row[] | null> {
    while (this.remaining > 0) {
      let batch = await this.input.next();
      if (!batch) return null;
      if (this.skip > 0) {
        const n = Math.min(this.skip, batch.length);
        this.skip -= n;
        batch = batch.slice(n);
        if (batch.length === 0) continue;
      }
      if (batch.length > this.remaining) batch = batch.slice(0, this.remaining);
      this.remaining -= batch.length;
      return batch;
    }
    return null;
  }
  async close(): Promise<void> {
    await this.input.close();
  }
}

/** DISTINCT ON: the first row per key of input sorted on the keys (plain DISTINCT is distinct.ts). */
export class DistinctOperator implements Operator {
  private readonly types: SqlType[];
  private readonly on: Evaluator[];
  private last: HashKey | undefined;
  constructor(
    private readonly input: Operator,
    plan: Extract<PhysicalPlan, { kind: "distinct" }>,
    ctx: ExecContext,
  ) {
    if (!plan.on) throw new SqlStateError("internal error: DistinctOperator is for DISTINCT ON", "XX000");
    const layout = layoutOf(plan.input.columns);
    this.on = plan.on.map((e) => compileExpr(e, layout, ctx));
    this.types = plan.on.map((e) => e.type);
  }
  async open(): Promise<void> {
    this.last = undefined;
    await this.input.open();
  }
  async next(): Promise<Row[] | null> {
    for (;;) {
      const batch = await this.input.next();
      if (!batch) return null;
      const out: Row[] = [];
      for (const r of batch) {
        const k = hashKey(await evalAll(this.on, r), this.types);
        if (k === this.last) continue;
        this.last = k;
        out.push(r);
      }
      if (out.length) return out;
    }
  }
  async close(): Promise<void> {
    await this.input.close();
  }
}

export { BATCH_SIZE };
