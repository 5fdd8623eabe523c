/**
 * Operators under test without a database: an ExecContext with only what operators that do not
 * read tables need, plan nodes over made-up columns, and input operators that generate rows
 * lazily (so an input can be far bigger than memory) and record how they were used.
 */
import { SqlStateError } from "../../../common/sqlstate-error.js";
import type { ColumnId, ScalarExpr } from "../../plan/expr.js";
import type { OutputColumn } from "../../plan/logical.js";
import type { PhysicalPlan } from "../../plan/physical.js";
import type { SqlType } from "../../types/index.js";
import type { ExecContext } from "../context.js";
import { BATCH_SIZE, type Operator, type Row } from "../operator.js";
import type { SpillFileSystem } from "../spill/spill-files.js";

export interface TestContextOptions {
  readonly workMemBytes?: number;
  readonly spillFiles?: SpillFileSystem;
  /** checkCancel throws 57014 on this call (1-based), as a cancelled statement does. */
  readonly cancelAtCheck?: number;
}

/** NB: tx and catalog are absent; operators that read tables or plan subqueries cannot run under it. */
export function testContext(o: TestContextOptions = {}): ExecContext & { checks: number } {
  const ctx = {
    params: [],
    outer: new Map(),
    ctes: new Map(),
    evalContext: { now: 0 },
    settings: { efSearch: 40, workMemBytes: o.workMemBytes ?? 4 * 1024 * 1024, tempDir: "" },
    ...(o.spillFiles && { spillFiles: o.spillFiles }),
    checks: 0,
    checkCancel() {
      ctx.checks++;
      if (o.cancelAtCheck !== undefined && ctx.checks >= o.cancelAtCheck) throw new SqlStateError("canceling statement due to user request", "57014");
    },
    planSubquery() {
      throw new Error("no subqueries in operator tests");
    },
  };
  return ctx as unknown as ExecContext & { checks: number };
}

let nextId = 1_000_000;

export function column(type: SqlType, name = "c"): OutputColumn {
  return { id: nextId++ as ColumnId, name, type, tableOid: 0, columnNumber: 0 };
}

export function ref(c: OutputColumn): ScalarExpr {
  return { kind: "column", id: c.id, type: c.type, name: c.name };
}

const NO_ESTIMATE = { rows: 0, startup: 0, cost: 0 } as PhysicalPlan["est"];

/** A plan node that only describes columns (the operator under test gets its input directly). */
export function inputPlan(columns: readonly OutputColumn[]): PhysicalPlan {
  return { kind: "values", rows: [], columns, est: NO_ESTIMATE };
}

export function withEstimate<T extends object>(node: T): T & { est: PhysicalPlan["est"] } {
  return { ...node, est: NO_ESTIMATE };
}

/** Rows made on demand: `count` rows, row i being make(i). Counts opens, closes and rows read. */
export class GeneratedRows implements Operator {
  opens = 0;
  closes = 0;
  produced = 0;
  private at = 0;

  constructor(
    private readonly count: number,
    private readonly make: (i: number) => Row,
  ) {}

  static of(rows: readonly Row[]): GeneratedRows {
    return new GeneratedRows(rows.length, (i) => rows[i]!);
  }

  get isOpen(): boolean {
    return this.opens > this.closes;
  }

  async open(): Promise<void> {
    this.opens++;
    this.at = 0;
  }

  async next(): Promise<Row[] | null> {
    if (this.at >= this.count) return null;
    const n = Math.min(BATCH_SIZE, this.count - this.at);
    const out: Row[] = [];
    for (let i = 0; i < n; i++) out.push(this.make(this.at + i));
    this.at += n;
    this.produced += n;
    return out;
  }

  async close(): Promise<void> {
    this.closes++;
  }
}
