/** What operators and compiled expressions share while one statement runs. */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { KvTransaction } from "../../kv/kv.js";
import type { Catalog } from "../catalog/index.js";
import type { EvalContext } from "../functions/index.js";
import type { ColumnId } from "../plan/expr.js";
import type { LogicalPlan } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import type { SqlValue } from "../types/index.js";
import type { Row } from "./operator.js";
import type { SpillFileSystem } from "./spill/spill-files.js";

export interface ExecSettings {
  /** HNSW candidate list size for vector searches (SET hnsw.ef_search). */
  readonly efSearch: number;
  /** Bytes a sort or hash table may hold before it spills to disk (work_mem). */
  readonly workMemBytes: number;
  /** Directory for spill files; empty: a per-process directory under the OS temp dir. */
  readonly tempDir: string;
}

export interface ExecContext {
  readonly tx: KvTransaction;
  readonly catalog: Catalog;
  readonly params: readonly SqlValue[];
  readonly evalContext: EvalContext;
  readonly settings: ExecSettings;
  /**
   * Values of columns produced outside the operator being evaluated: a correlated subquery's
   * enclosing row, and the outer row of an index nested loop join.
   */
  readonly outer: Map<ColumnId, SqlValue>;
  /** Materialised WITH queries (and recursive worktables) by CTE id. */
  readonly ctes: Map<number, Row[]>;
  /** Plans a subquery (expressions hold logical plans; they are planned when compiled). */
  planSubquery(plan: LogicalPlan): PhysicalPlan;
  /** Throws 57014 if the statement was cancelled or ran out of time. */
  checkCancel(): void;
  /** Where operators past work_mem put temporary files (absent: files under settings.tempDir). */
  readonly spillFiles?: SpillFileSystem;
  /** Per-node counters for EXPLAIN ANALYZE (absent otherwise). */
  readonly analyze?: Map<PhysicalPlan, NodeStats>;
}

export interface NodeStats {
  rows: number;
  loops: number;
  timeMs: number;
}

export function missingColumn(id: ColumnId): SqlStateError {
  return new SqlStateError(`internal error: column #${id} is not available here`, "XX000");
}
