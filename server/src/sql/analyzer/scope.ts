/**
 * Name resolution: which columns a name can mean at a point of a query.
 *
 * A scope holds the relations of one FROM clause (each with its alias and columns) and links to
 * the enclosing query's scope, so a subquery can read its outer query's columns (a correlated
 * reference). Lookups follow PostgreSQL: the innermost scope that has the name wins; two matches
 * in one scope are ambiguous (42702); none anywhere is 42703 / 42P01.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { OutputColumn } from "../plan/logical.js";

export interface ScopeRelation {
  /** The alias, or the table name when none was given; undefined for an unnamed subquery join. */
  readonly name: string | undefined;
  readonly columns: readonly OutputColumn[];
  /** Columns hidden from `*` and unqualified lookup (USING/NATURAL merged duplicates). */
  readonly hidden?: ReadonlySet<number>;
  /** The table's own name when an alias hides it (only the alias may qualify its columns). */
  readonly tableName?: string;
}

export interface ResolvedColumn {
  readonly column: OutputColumn;
  /** 0 for this scope, 1 for the enclosing query, ... */
  readonly depth: number;
}

export class Scope {
  readonly relations: ScopeRelation[] = [];
  /** Columns merged by JOIN USING / NATURAL, found by their bare name before the relations'. */
  readonly merged = new Map<string, OutputColumn>();

  constructor(readonly parent?: Scope) {}

  add(relation: ScopeRelation): void {
    if (relation.name !== undefined && this.relations.some((r) => r.name === relation.name)) {
      throw new SqlStateError(`table name "${relation.name}" specified more than once`, "42712");
    }
    this.relations.push(relation);
  }

  /** Every column of the scope, for `*` (hidden ones skipped, merged ones first as PostgreSQL does). */
  star(): OutputColumn[] {
    const out: OutputColumn[] = [...this.merged.values()];
    for (const r of this.relations) for (const c of r.columns) if (!r.hidden?.has(c.id)) out.push(c);
    return out;
  }

  /** This scope and its ancestors, innermost first. */
  private *chain(): Generator<Scope> {
    yield this;
    if (this.parent) yield* this.parent.chain();
  }

  /** `rel.*`. */
  starOf(relation: string): OutputColumn[] {
    for (const s of this.chain()) {
      const r = s.relations.find((x) => x.name === relation);
      if (r) return [...r.columns];
    }
    throw this.missingRelation(relation);
  }

  /** 42P01 for a qualifier no relation in scope is named by, saying so when an alias hides the table. */
  private missingRelation(relation: string): SqlStateError {
    for (const s of this.chain()) {
      const r = s.relations.find((x) => x.tableName === relation);
      if (r) {
        return new SqlStateError(`invalid reference to FROM-clause entry for table "${relation}"`, "42P01", {
          hint: `Perhaps you meant to reference the table alias "${r.name}".`,
        });
      }
    }
    return new SqlStateError(`missing FROM-clause entry for table "${relation}"`, "42P01");
  }

  /** Resolves `name` or `relation.name`. */
  resolve(name: string, relation?: string): ResolvedColumn {
    let depth = 0;
    for (const s of this.chain()) {
      const found = s.lookupHere(name, relation);
      if (found) return { column: found, depth };
      depth++;
    }
    if (relation !== undefined) {
      const known = this.hasRelation(relation);
      if (!known) throw this.missingRelation(relation);
      throw new SqlStateError(`column ${relation}.${name} does not exist`, "42703");
    }
    throw new SqlStateError(`column "${name}" does not exist`, "42703");
  }

  hasRelation(relation: string): boolean {
    for (const s of this.chain()) if (s.relations.some((r) => r.name === relation)) return true;
    return false;
  }

  private lookupHere(name: string, relation: string | undefined): OutputColumn | undefined {
    if (relation === undefined) {
      const m = this.merged.get(name);
      if (m) return m;
      let hit: OutputColumn | undefined;
      for (const r of this.relations) {
        for (const c of r.columns) {
          if (c.name !== name || r.hidden?.has(c.id)) continue;
          if (hit) throw new SqlStateError(`column reference "${name}" is ambiguous`, "42702");
          hit = c;
        }
      }
      return hit;
    }
    const r = this.relations.find((x) => x.name === relation);
    if (!r) return undefined;
    const cols = r.columns.filter((c) => c.name === name);
    if (cols.length > 1) throw new SqlStateError(`column reference "${name}" is ambiguous`, "42702");
    return cols[0];
  }
}
