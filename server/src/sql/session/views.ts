/**
 * CREATE VIEW, DROP VIEW and ALTER VIEW. A view is stored as its query's text with the columns
 * and types it produced and the relations (and table columns) it reads; every statement that
 * names the view analyses the text again (analyzer/select.ts, expandView).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Catalog, CatalogNotice, ViewColumn, ViewDependency } from "../catalog/index.js";
import { AnalyzerContext, ParamTypes } from "../analyzer/context.js";
import { isUnknownType } from "../analyzer/coerce.js";
import { analyzeQuery } from "../analyzer/select.js";
import { notUpdatableDetail } from "../analyzer/dml.js";
import type { LogicalPlan } from "../plan/logical.js";
import type { AlterViewStatement, CreateViewStatement, DropViewStatement } from "../parser/index.js";
import { TEXT } from "../types/index.js";
import type { SessionNotice } from "./api.js";
import type { DdlOutcome } from "./ddl.js";

/** The view options PostgreSQL 15 knows; they change nothing here (no row security, no leaky-function planning). */
const VIEW_OPTIONS = new Set(["check_option", "security_barrier", "security_invoker"]);

/** Every column id a plan reads anywhere (expressions of every node, subqueries included) or returns. */
function referencedColumnIds(plan: LogicalPlan): Set<number> {
  const out = new Set<number>(plan.columns.map((c) => c.id));
  const seen = new Set<object>();
  const walk = (x: unknown): void => {
    if (typeof x !== "object" || x === null || ArrayBuffer.isView(x) || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) {
      for (const v of x) walk(v);
      return;
    }
    const o = x as Record<string, unknown>;
    if (o.kind === "column" && typeof o.id === "number") out.add(o.id);
    // A scan's table descriptor says nothing about what the query reads.
    for (const [k, v] of Object.entries(o)) if (k !== "table") walk(v);
  };
  walk(plan);
  return out;
}

export function toSessionNotices(from: readonly CatalogNotice[], into: SessionNotice[]): void {
  for (const n of from) into.push({ severity: "NOTICE", sqlstate: "00000", message: n.message, ...(n.detail !== undefined && { detail: n.detail }) });
}

export async function createView(s: CreateViewStatement, catalog: Catalog): Promise<DdlOutcome> {
  if (s.name.schema && s.name.schema !== "public") throw new SqlStateError(`schema "${s.name.schema}" does not exist`, "3F000");
  if (s.temp) throw new SqlStateError("temporary views are not supported", "0A000");
  if (s.recursive) throw new SqlStateError("CREATE RECURSIVE VIEW is not supported", "0A000");
  for (const o of s.options) {
    const name = o.name.toLowerCase();
    if (!VIEW_OPTIONS.has(name)) throw new SqlStateError(`unrecognized parameter "${o.name}"`, "22023");
    if (name === "check_option" && s.checkOption === undefined) {
      const v = (o.value ?? "").toLowerCase();
      if (v !== "local" && v !== "cascaded") throw new SqlStateError(`invalid value for enum option "check_option": ${o.value ?? ""}`, "22023", { detail: 'Valid values are "local" and "cascaded".' });
      throw checkOptionUnsupported(s.queryText);
    }
  }
  if (s.checkOption !== undefined) throw checkOptionUnsupported(s.queryText);
  const params = new ParamTypes();
  const ctx = new AnalyzerContext(catalog, params);
  ctx.directRelations = [];
  const plan = await analyzeQuery(s.query, ctx);
  if (params.resolved().length > 0) throw new SqlStateError("there is no parameter $1", "42P02");
  const names = s.columnNames?.map((n) => n.name) ?? [];
  if (names.length > plan.columns.length) throw new SqlStateError("CREATE VIEW specifies more column names than columns", "42601");
  // An untyped literal column is text, as PostgreSQL (10 and later) makes it.
  const columns: ViewColumn[] = plan.columns.map((c, i) => ({ name: names[i] ?? c.name, type: isUnknownType(c.type) ? TEXT : c.type }));
  const read = referencedColumnIds(plan);
  const deps = new Map<number, { kind: "table" | "view"; columns: Set<number>; columnLimit?: number }>();
  for (const r of ctx.directRelations) {
    let d = deps.get(r.id);
    if (!d) deps.set(r.id, (d = { kind: r.kind, columns: new Set(), ...(r.columnLimit !== undefined && { columnLimit: r.columnLimit }) }));
    for (const [planId, columnId] of r.columns ?? []) if (read.has(planId)) d.columns.add(columnId);
  }
  const dependsOn: ViewDependency[] = [...deps].map(([id, d]) => ({ kind: d.kind, id, columns: [...d.columns].sort((a, b) => a - b), ...(d.columnLimit !== undefined && { columnLimit: d.columnLimit }) }));
  await catalog.createView({ name: s.name.name, definition: s.queryText, columns, dependsOn, ...(s.orReplace && { orReplace: true }) });
  return { tag: "CREATE VIEW", notices: [] };
}

/** Alopex updates through no view, so none takes a CHECK OPTION; the hint says why, as PostgreSQL's does. */
function checkOptionUnsupported(definition: string): SqlStateError {
  return new SqlStateError("WITH CHECK OPTION is supported only on automatically updatable views", "0A000", { hint: notUpdatableDetail(definition) });
}

export async function dropViews(s: DropViewStatement, catalog: Catalog): Promise<DdlOutcome> {
  for (const n of s.names) if (n.schema && n.schema !== "public") throw new SqlStateError(`schema "${n.schema}" does not exist`, "3F000");
  const sink: CatalogNotice[] = [];
  await catalog.dropViews(
    s.names.map((n) => n.name),
    { ...(s.ifExists && { ifExists: true }), ...(s.cascade === "cascade" && { cascade: true }), notices: sink },
  );
  const notices: SessionNotice[] = [];
  toSessionNotices(sink, notices);
  return { tag: "DROP VIEW", notices };
}

export async function alterView(s: AlterViewStatement, catalog: Catalog): Promise<DdlOutcome> {
  if (s.name.schema && s.name.schema !== "public") throw new SqlStateError(`schema "${s.name.schema}" does not exist`, "3F000");
  const notices: SessionNotice[] = [];
  const options = { ...(s.ifExists && { ifExists: true }) };
  const a = s.action;
  let r;
  if (a.kind === "rename") r = await catalog.renameView(s.name.name, a.to.name, options);
  else if (a.kind === "rename column") r = await catalog.renameViewColumn(s.name.name, a.column.name, a.to.name, options);
  else throw new SqlStateError(`ALTER VIEW ... ${a.words.toUpperCase()} is not supported`, "0A000");
  if (!r.done) notices.push({ severity: "NOTICE", sqlstate: "00000", message: r.notice.message });
  return { tag: "ALTER VIEW", notices };
}
