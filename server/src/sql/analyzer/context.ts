/** State shared by the analysis of one statement: the catalog, parameter types, ids, WITH names. */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { TableLockMode } from "../../kv/kv.js";
import type { Catalog, Table, View } from "../catalog/index.js";
import type { OutputColumn } from "../plan/logical.js";
import { type SqlType, TEXT } from "../types/index.js";

/** Types of `$1..$n`: declared by the client, or inferred from where a parameter is used. */
export class ParamTypes {
  private readonly types: (SqlType | undefined)[];

  constructor(declared: readonly (SqlType | undefined)[] = []) {
    this.types = [...declared];
  }

  get(index: number): SqlType | undefined {
    return this.types[index];
  }

  set(index: number, t: SqlType): void {
    const had = this.types[index];
    if (had && had.kind !== t.kind && had.kind !== "unknown") {
      throw new SqlStateError(`inconsistent types deduced for parameter $${index + 1}`, "42P08", { detail: `${had.kind} versus ${t.kind}` });
    }
    while (this.types.length <= index) this.types.push(undefined);
    this.types[index] = t;
  }

  /** Mentioned parameters are at least as many as the highest `$n`. */
  touch(index: number): void {
    while (this.types.length <= index) this.types.push(undefined);
  }

  /** Final types: a parameter nothing constrained is text, as PostgreSQL resolves unknown. */
  resolved(): SqlType[] {
    return this.types.map((t) => (t === undefined || t.kind === "unknown" ? TEXT : t));
  }
}

/** A WITH query visible by name. */
export interface CteBinding {
  readonly id: number;
  readonly name: string;
  readonly columns: readonly OutputColumn[];
  /** While analysing a recursive CTE's recursive term, references read the worktable. */
  readonly worktable: boolean;
}

/** A table the statement uses: what a cached plan must lock again and re-check before it runs. */
export interface TableUse {
  readonly name: string;
  readonly mode: TableLockMode;
  readonly id: number;
  readonly version: number;
}

/** A view the statement reads: a cached plan is stale once the view is replaced or dropped. */
export interface ViewUse {
  readonly name: string;
  readonly id: number;
  readonly version: number;
}

/**
 * A relation a CREATE VIEW query names itself (not through another view): what the view
 * depends on. `columns` maps the scan's column ids to the table's column ids.
 */
export interface DirectRelation {
  readonly kind: "table" | "view";
  readonly id: number;
  readonly columns?: ReadonlyMap<number, number>;
  readonly columnLimit?: number;
}

export class AnalyzerContext {
  private nextColumn = 1;
  /** Tables locked and read while analysing, in order. */
  readonly tableUses: TableUse[] = [];
  private nextCte = 1;
  /** Innermost WITH last. */
  readonly ctes: Map<string, CteBinding>[] = [];
  /** Views expanded while analysing, in order. */
  readonly viewUses: ViewUse[] = [];
  /** The views being expanded, outermost first (a view that reaches itself is an error). */
  readonly expandingViews: number[] = [];
  /**
   * While a view's definition is analysed: per table id, the first column id the view does not
   * know (added after it was defined), and per view id, how many columns that view had then;
   * later columns are hidden from the definition's `*` and names.
   */
  viewColumnLimits: ReadonlyMap<number, number> | undefined;
  /** Set by CREATE VIEW: receives the relations its query names directly. */
  directRelations: DirectRelation[] | undefined;

  constructor(
    readonly catalog: Catalog,
    readonly params: ParamTypes,
  ) {}

  /** Locks and reads a table (recording the use, so a cached plan can repeat it). */
  async useTable(name: string, mode: TableLockMode): Promise<Table> {
    const table = await this.catalog.useTable(name, mode);
    this.tableUses.push({ name, mode, id: table.id, version: table.version });
    return table;
  }

  /** The view a name stands for, or undefined (a table, something else, or nothing). */
  async lookupView(name: string): Promise<View | undefined> {
    const ref = await this.catalog.relation(name);
    return ref?.kind === "view" ? this.catalog.viewById(ref.id) : undefined;
  }

  /** The view a name stands for, locked for reading (see Catalog.useView), or undefined. */
  useView(name: string): Promise<View | undefined> {
    return this.catalog.useView(name);
  }

  newColumnId(): number {
    return this.nextColumn++;
  }

  newCteId(): number {
    return this.nextCte++;
  }

  lookupCte(name: string): CteBinding | undefined {
    for (let i = this.ctes.length - 1; i >= 0; i--) {
      const b = this.ctes[i]!.get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** A fresh output column (new id) with the given name and type, not tied to a table column. */
  column(name: string, type: SqlType): OutputColumn {
    return { id: this.newColumnId(), name, type, tableOid: 0, columnNumber: 0 };
  }
}
