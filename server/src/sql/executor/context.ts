/** What operators and compiled expressions share while one statement runs. */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { KvTransaction } from "../../kv/kv.js";
import type { Catalog } from "../catalog/index.js";
import type { EvalContext } from "../functions/index.js";
import type { ColumnId } from "../plan/expr.js";
import type { LogicalPlan } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import type { SessionInfo } from "../system/index.js";
import type { SqlValue } from "../types/index.js";
import type { RowBuffer } from "./spill/row-buffer.js";
import type { SpillFileSystem } from "./spill/spill-files.js";

export interface ExecSettings {
  /** HNSW candidate list size for vector searches (SET hnsw.ef_search). */
  readonly efSearch: number;
  /** Bytes a sort or hash table may hold before it spills to disk (work_mem). */
  readonly workMemBytes: number;
  /** Directory for spill files; empty: a per-process directory under the OS temp dir. */
  readonly tempDir: string;
}

/**
 * The per-execution fields (tx, catalog, params, clock, settings, session, checkCancel) are mutable so that a
 * cached operator tree of a read-only plan can run again with new ones (from another session too:
 * the statement cache is shared): operators read them when they run, never when they are built
 * (DML operators, which bind the transaction when built, are not reused).
 */
export interface ExecContext {
  tx: KvTransaction;
  catalog: Catalog;
  params: readonly SqlValue[];
  evalContext: EvalContext;
  settings: ExecSettings;
  /** Changes with every execution, so caches inside compiled expressions (uncorrelated subqueries) start over. */
  execution: number;
  /**
   * Values of columns produced outside the operator being evaluated: a correlated subquery's
   * enclosing row, and the outer row of an index nested loop join.
   */
  readonly outer: Map<ColumnId, SqlValue>;
  /** Materialised WITH queries (and recursive worktables) by CTE id. */
  readonly ctes: Map<number, RowBuffer>;
  /**
   * Plans a subquery (expressions hold logical plans; they are planned when compiled).
   * `existence`: only whether it returns a row matters (EXISTS), not its columns' values.
   */
  planSubquery(plan: LogicalPlan, existence?: boolean): PhysicalPlan;
  /** Throws 57014 if the statement was cancelled or ran out of time. */
  checkCancel(): void;
  /**
   * A pause for the event loop when the statement has computed without one for a while (a
   * promise to await), else undefined. Reads of cached data never wait on I/O, so without it a
   * long statement would hold the process: no cancel request, timeout or other client would run.
   */
  yieldIfDue(): Promise<void> | undefined;
  /** Where operators past work_mem put temporary files (absent: files under settings.tempDir). */
  readonly spillFiles?: SpillFileSystem;
  /** The session, for system tables and functions (current_user, pg_settings...); absent: defaults. */
  session?: SessionInfo;
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
