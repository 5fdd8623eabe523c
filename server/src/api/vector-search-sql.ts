/**
 * Vector search for REST and gRPC is a SQL statement, `SELECT ... ORDER BY col <-> $1 LIMIT k`,
 * so it goes through the planner like any query and uses whatever index the column has (HNSW,
 * or an exact scan). Names are taken exactly as given (as quoted identifiers); values are
 * parameters, never spliced into the text.
 */
import { SqlStateError } from "../common/sqlstate-error.js";

export type VectorMetricName = "l2" | "cosine" | "inner";

export interface VectorSearchRequest {
  readonly table: string;
  readonly column: string;
  readonly vector: readonly number[];
  readonly k: number;
  /** column = value for each entry (IS NULL for null), ANDed. */
  readonly filter?: Readonly<Record<string, unknown>>;
  /** Default l2 (`<->`); cosine is `<=>`, inner is `<#>` (negative inner product), as pgvector. */
  readonly metric?: VectorMetricName;
  /** Columns to return (default all); the distance comes last as `_distance`. */
  readonly columns?: readonly string[];
}

/** Upper bound of k: results are held in memory by the top-k operator and the reply. */
export const VECTOR_SEARCH_K_MAX = 10_000;

const OPERATORS: Readonly<Record<VectorMetricName, string>> = { l2: "<->", cosine: "<=>", inner: "<#>" };

export function quoteIdent(name: string): string {
  if (name === "" || name.includes("\0")) throw new SqlStateError(`invalid identifier "${name}"`, "42602");
  return `"${name.replace(/"/g, '""')}"`;
}

/** The statement and its parameters ($1 is the query vector, then the filter values in order). */
export function vectorSearchSql(req: VectorSearchRequest): { sql: string; params: unknown[] } {
  if (!Number.isInteger(req.k) || req.k < 1 || req.k > VECTOR_SEARCH_K_MAX) throw new SqlStateError(`k must be an integer from 1 to ${VECTOR_SEARCH_K_MAX}, got ${req.k}`, "22023");
  if (req.vector.length === 0) throw new SqlStateError("vector must have at least 1 dimension", "22000");
  const op = OPERATORS[req.metric ?? "l2"];
  if (op === undefined) throw new SqlStateError(`unknown metric "${String(req.metric)}" (l2, cosine or inner)`, "22023");
  const column = quoteIdent(req.column);
  const distance = `${column} ${op} $1`;
  const params: unknown[] = [req.vector];
  const where = Object.entries(req.filter ?? {}).map(([name, value]) => {
    if (value === null) return `${quoteIdent(name)} IS NULL`;
    params.push(value);
    return `${quoteIdent(name)} = $${params.length}`;
  });
  const select = req.columns === undefined || req.columns.length === 0 ? "*" : req.columns.map(quoteIdent).join(", ");
  const sql = `SELECT ${select}, ${distance} AS "_distance" FROM ${quoteIdent(req.table)}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${distance} LIMIT ${req.k}`;
  return { sql, params };
}
