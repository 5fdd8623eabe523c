/**
 * What the cost model knows about the columns of one plan: for each column id a table column
 * stands behind (read by a scan, or passed through projections unchanged), that table's row
 * count, the column's statistics and whether it is unique or NOT NULL.
 */
import type { Column, Index, Table } from "../catalog/index.js";
import type { ColumnId } from "../plan/expr.js";
import { inputsOf, type LogicalPlan } from "../plan/logical.js";
import type { ColumnInfo, SelectivityContext } from "./selectivity.js";
import { tableRowCount, type StatsSource } from "./stats.js";

interface Origin {
  readonly table: Table;
  readonly column: Column;
}

export class ColumnCatalog implements SelectivityContext {
  private readonly origins = new Map<ColumnId, Origin>();
  /** Output id of a projection → the input column it passes through. */
  private readonly aliases = new Map<ColumnId, ColumnId>();
  private readonly cache = new Map<ColumnId, ColumnInfo | undefined>();
  private readonly rows = new Map<number, number>();

  constructor(
    plan: LogicalPlan,
    private readonly stats: StatsSource,
    private readonly indexes: (tableId: number) => readonly Index[],
  ) {
    this.visit(plan);
  }

  private visit(p: LogicalPlan): void {
    if (p.kind === "scan") p.columns.forEach((c, i) => this.origins.set(c.id, { table: p.table, column: p.table.columns[i]! }));
    if (p.kind === "project") {
      p.exprs.forEach((e, i) => {
        if (e.kind === "column" && e.id !== p.columns[i]!.id) this.aliases.set(p.columns[i]!.id, e.id);
      });
    }
    for (const i of inputsOf(p)) this.visit(i);
  }

  /** Rows of a table (tableRowCount: ANALYZE's count, else the storage estimate or the default); asked once per table and plan. */
  tableRows(table: Table): number {
    let n = this.rows.get(table.id);
    if (n === undefined) {
      n = tableRowCount(this.stats, table);
      this.rows.set(table.id, n);
    }
    return n;
  }

  /** Whether a table has statistics. */
  analysed(table: Table): boolean {
    return this.stats.tableStats(table) !== undefined;
  }

  private origin(id: ColumnId): Origin | undefined {
    let at = id;
    for (let hops = 0; hops < 64; hops++) {
      const o = this.origins.get(at);
      if (o) return o;
      const next = this.aliases.get(at);
      if (next === undefined) return undefined;
      at = next;
    }
    return undefined;
  }

  column(id: ColumnId): ColumnInfo | undefined {
    if (this.cache.has(id)) return this.cache.get(id);
    const o = this.origin(id);
    let info: ColumnInfo | undefined;
    if (o) {
      const { table, column } = o;
      const s = this.stats.tableStats(table)?.columns.get(column.id);
      const pk = table.primaryKey;
      const unique = (pk.length === 1 && pk[0] === column.id) || this.indexes(table.id).some((ix) => ix.unique && ix.method === "btree" && ix.columns.length === 1 && ix.columns[0]!.columnId === column.id);
      info = {
        type: column.type,
        ...(s && s.type.kind === column.type.kind && { stats: s }),
        tableRows: this.tableRows(table),
        unique,
        notNull: column.notNull || pk.includes(column.id),
      };
    }
    this.cache.set(id, info);
    return info;
  }

  /** A view in which distinct counts are clamped to the estimated rows of each column's relation. */
  withRows(rowsOf: (id: ColumnId) => number | undefined): SelectivityContext {
    return {
      column: (id) => {
        const info = this.column(id);
        const rows = rowsOf(id);
        return info && rows !== undefined ? { ...info, rows } : info;
      },
    };
  }
}
