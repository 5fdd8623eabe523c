/** Which statements become plans, and the analyzer's entry point for them. */
import type * as pg from "pgsql-ast-parser";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Statement, WithQueryStatement } from "../parser/index.js";
import type { LogicalPlan } from "../plan/logical.js";
import type { AnalyzerContext } from "./context.js";
import { analyzeDelete, analyzeInsert, analyzeUpdate } from "./dml.js";
import { namedRegOutputs } from "./reg-types.js";
import { analyzeQuery, analyzeWith } from "./select.js";

const QUERIES = new Set(["select", "values", "union", "union all", "intersect", "intersect all", "except", "except all", "with"]);

export function isPlannable(s: Statement): boolean {
  return QUERIES.has(s.type) || s.type === "insert" || s.type === "update" || s.type === "delete" || s.type === "explain";
}

/** The statement a WITH wraps, or the statement itself: what decides its command tag. */
export function innermostStatement(s: Statement): Statement {
  return s.type === "with" ? innermostStatement((s as WithQueryStatement).in) : s;
}

export async function analyzeStatement(s: Statement, ctx: AnalyzerContext): Promise<LogicalPlan> {
  if (s.type === "with" && innermostStatement(s) !== s && !QUERIES.has(innermostStatement(s).type)) {
    return analyzeWith(s as WithQueryStatement, ctx, undefined, (body) => analyzeStatement(body, ctx));
  }
  // A query's result: OID alias columns (regclass...) print names, as PostgreSQL's output does.
  if (QUERIES.has(s.type)) return namedRegOutputs(await analyzeQuery(s, ctx), ctx);
  switch (s.type) {
    case "insert":
      return analyzeInsert(s as pg.InsertStatement, ctx);
    case "update":
      return analyzeUpdate(s as pg.UpdateStatement, ctx);
    case "delete":
      return analyzeDelete(s as pg.DeleteStatement, ctx);
    default:
      throw new SqlStateError(`${s.type.toUpperCase()} cannot be planned`, "0A000");
  }
}
