/**
 * DDL statements, executed against the catalog inside the session's transaction: the AST is
 * turned into the catalog's specs (expressions printed back to SQL text, names normalised) and
 * the catalog does the rest (locking, validation, index builds).
 */
import type * as pg from "pgsql-ast-parser";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Catalog, CatalogNotice, CheckSpec, Column, ColumnSpec, CreateIndexSpec, DdlResult, KeyColumnSpec, SequenceType } from "../catalog/index.js";
import { quoteIdent } from "../functions/strings.js";
import { isVolatile, type ScalarExpr } from "../plan/expr.js";
import { typeOfAst } from "../analyzer/expr.js";
import { AnalyzerContext, ParamTypes } from "../analyzer/context.js";
import { defaultExpr, exprToSql, parseStoredExpr as parseExprText, validateTableExprs } from "../analyzer/table-exprs.js";
import type {
  AlterColumnSetType,
  AlterRoleStatement,
  AlterViewStatement,
  CreateRoleStatement,
  CreateTableStatement,
  CreateViewStatement,
  DropRoleStatement,
  DropViewStatement,
  Expr,
  Statement,
  StorageParameter,
} from "../parser/index.js";
import { isSerialTypeName, type SqlValue } from "../types/index.js";
import type { SessionNotice } from "./api.js";
import { alterRole, createRole, dropRoles } from "./roles.js";
import { alterColumnTypes, type AlterTypeHost } from "./alter-column-type.js";
import { alterView, createView, dropViews, toSessionNotices } from "./views.js";

export interface DdlOutcome {
  readonly tag: string;
  readonly notices: SessionNotice[];
}

function noticeOf<T>(r: DdlResult<T>, notices: SessionNotice[]): void {
  if (!r.done) notices.push({ severity: "NOTICE", sqlstate: "00000", message: r.notice.message });
}

/** Column names an expression mentions (for CheckSpec.columns). */
function referencedColumns(e: Expr): string[] {
  const names = new Set<string>();
  const walk = (x: unknown) => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (typeof x !== "object" || x === null) return;
    const n = x as Record<string, unknown>;
    if (n.type === "ref" && typeof n.name === "string" && n.name !== "*") names.add(n.name);
    Object.values(n).forEach(walk);
  };
  walk(e);
  return [...names];
}

function columnSpec(c: pg.CreateColumnDef): { spec: ColumnSpec; primary: boolean; unique: boolean; checks: CheckSpec[] } {
  const typeName = (c.dataType as pg.BasicDataTypeDef).name ?? "";
  const serial = c.dataType.kind !== "array" && isSerialTypeName(typeName);
  const type = typeOfAst(c.dataType as pg.DataTypeDef);
  let notNull = false;
  let primary = false;
  let unique = false;
  let def: string | undefined;
  const checks: CheckSpec[] = [];
  for (const k of c.constraints ?? []) {
    switch (k.type) {
      case "not null":
        notNull = true;
        break;
      case "null":
        break;
      case "primary key":
        primary = true;
        notNull = true;
        break;
      case "unique":
        unique = true;
        break;
      case "default":
        def = exprToSql(k.default as Expr);
        break;
      case "check":
        checks.push({ expr: exprToSql(k.expr as Expr), columns: referencedColumns(k.expr as Expr), ...(k.constraintName && { name: k.constraintName.name }) });
        break;
      case "reference":
        throw new SqlStateError("foreign keys are not supported", "0A000");
      default:
        throw new SqlStateError(`column constraint ${(k as { type: string }).type} is not supported`, "0A000");
    }
  }
  return { spec: { name: c.name.name, type, ...(notNull && { notNull }), ...(def !== undefined && { default: def }), ...(serial && { serial: true }) }, primary, unique, checks };
}

/**
 * Storage parameters of CREATE TABLE ... WITH (...): checked as PostgreSQL checks them (names,
 * fillfactor's range), then ignored, since they tune heap pages and autovacuum, which an LSM
 * tree does not have.
 */
function checkStorageParameters(parameters: readonly StorageParameter[]): void {
  for (const p of parameters) {
    const name = p.name.toLowerCase();
    if (!STORAGE_PARAMETERS.has(name)) throw new SqlStateError(`unrecognized parameter "${p.name}"`, "22023");
    if (name === "fillfactor") {
      const v = p.value === undefined ? NaN : Number(p.value);
      if (!Number.isInteger(v)) throw new SqlStateError(`invalid value for integer option "fillfactor": ${p.value ?? "true"}`, "22023");
      if (v < 10 || v > 100) throw new SqlStateError(`value ${v} out of bounds for option "fillfactor"`, "22023", { detail: 'Valid values are between "10" and "100".' });
    }
  }
}

const AUTOVACUUM_PARAMETERS = [
  ...["enabled", "vacuum_threshold", "vacuum_insert_threshold", "analyze_threshold", "vacuum_scale_factor", "vacuum_insert_scale_factor", "analyze_scale_factor"],
  ...["vacuum_cost_delay", "vacuum_cost_limit", "freeze_min_age", "freeze_max_age", "freeze_table_age"],
  ...["multixact_freeze_min_age", "multixact_freeze_max_age", "multixact_freeze_table_age"],
].map((n) => `autovacuum_${n}`);
const VACUUM_PARAMETERS = ["vacuum_index_cleanup", "vacuum_truncate", "log_autovacuum_min_duration", ...AUTOVACUUM_PARAMETERS];

/** The table storage parameters of PostgreSQL 15 (reloptions.c), toast.* included. */
const STORAGE_PARAMETERS = new Set(["fillfactor", "toast_tuple_target", "parallel_workers", "user_catalog_table", ...VACUUM_PARAMETERS, ...VACUUM_PARAMETERS.map((n) => `toast.${n}`)]);

/**
 * The schema a new object is created in: public is the only one. PostgreSQL's errors for the
 * others, so that `CREATE TABLE s.t` is not quietly made as public.t.
 */
function checkCreationSchema(name: pg.QName): void {
  if (!name.schema || name.schema === "public") return;
  if (name.schema === "pg_catalog" || name.schema === "information_schema") {
    throw new SqlStateError(`permission denied to create "${name.schema}.${name.name}"`, "42501", { detail: "System catalog modifications are currently disallowed." });
  }
  throw new SqlStateError(`schema "${name.schema}" does not exist`, "3F000");
}

/**
 * Temporary objects are private to a session and dropped with it; made as ordinary ones they
 * would be shared and outlive it, so they are refused.
 */
function refuseTemporary(temporary: boolean | undefined, what: string): void {
  if (temporary) throw new SqlStateError(`temporary ${what} are not supported`, "0A000");
}

export async function createTable(s: CreateTableStatement, catalog: Catalog): Promise<DdlOutcome> {
  const notices: SessionNotice[] = [];
  checkCreationSchema(s.name);
  refuseTemporary(s.temporary, "tables");
  if ((s as { inherits?: unknown }).inherits) throw new SqlStateError("table inheritance is not supported", "0A000");
  if (s.storageParameters) checkStorageParameters(s.storageParameters);
  const columns: ColumnSpec[] = [];
  const checks: CheckSpec[] = [];
  const uniques: { columns: string[]; name?: string }[] = [];
  let primaryKey: (string | KeyColumnSpec)[] | undefined;
  for (const c of s.columns) {
    if (c.kind !== "column") throw new SqlStateError("CREATE TABLE ... LIKE is not supported", "0A000");
    const r = columnSpec(c);
    columns.push(r.spec);
    checks.push(...r.checks);
    if (r.primary) {
      if (primaryKey) throw new SqlStateError(`multiple primary keys for table "${s.name.name}" are not allowed`, "42P16");
      primaryKey = [c.name.name];
    }
    if (r.unique) uniques.push({ columns: [c.name.name] });
  }
  for (const k of s.constraints ?? []) {
    switch (k.type) {
      case "primary key":
        if (primaryKey) throw new SqlStateError(`multiple primary keys for table "${s.name.name}" are not allowed`, "42P16");
        primaryKey = k.columns.map((n) => ((n as { descending?: boolean }).descending ? { column: n.name, direction: "desc" as const } : n.name));
        break;
      case "unique":
        uniques.push({ columns: k.columns.map((n) => n.name), ...(k.constraintName && { name: k.constraintName.name }) });
        break;
      case "check":
        checks.push({ expr: exprToSql(k.expr as Expr), columns: referencedColumns(k.expr as Expr), ...(k.constraintName && { name: k.constraintName.name }) });
        break;
      default:
        throw new SqlStateError(`table constraint ${k.type} is not supported`, "0A000");
    }
  }
  for (const u of uniques) {
    const missing = u.columns.find((n) => !columns.some((c) => c.name === n));
    if (missing !== undefined) throw new SqlStateError(`column "${missing}" named in key does not exist`, "42703");
  }
  if (!s.ifNotExists || !(await catalog.relation(s.name.name))) await validateTableExprs(s.name.name, columns, checks, new AnalyzerContext(catalog, new ParamTypes()));
  // Primary key columns are NOT NULL.
  const withPk = columns.map((c) => (primaryKey?.some((k) => (typeof k === "string" ? k : k.column) === c.name) ? { ...c, notNull: true } : c));
  const r = await catalog.createTable({ name: s.name.name, columns: withPk, ...(primaryKey && { primaryKey }), checks, ...(s.ifNotExists && { ifNotExists: true }) });
  noticeOf(r, notices);
  if (r.done) {
    for (const u of uniques) await catalog.createIndex({ table: s.name.name, columns: u.columns, unique: true, constraint: true, ...(u.name && { name: u.name }) });
  }
  return { tag: "CREATE TABLE", notices };
}

export async function createIndex(s: pg.CreateIndexStatement, catalog: Catalog): Promise<DdlOutcome> {
  const notices: SessionNotice[] = [];
  // The index goes in its table's schema; only public exists.
  if (s.table.schema && s.table.schema !== "public") throw new SqlStateError(`schema "${s.table.schema}" does not exist`, "3F000");
  const method = (s.using?.name ?? "btree").toLowerCase();
  if (method !== "btree" && method !== "hnsw") throw new SqlStateError(`access method "${method}" does not exist`, "42704");
  const columns: KeyColumnSpec[] = [];
  const options: Record<string, string | number> = {};
  for (const e of s.expressions) {
    const ref = e.expression as pg.ExprRef;
    if (ref.type !== "ref") throw new SqlStateError("indexes on expressions are not supported", "0A000");
    columns.push({ column: ref.name, ...(e.order === "desc" && { direction: "desc" as const }) });
    if (e.opclass) options.opclass = e.opclass.name;
  }
  for (const w of s.with ?? []) options[w.parameter.toLowerCase()] = /^\d+$/.test(w.value) ? Number(w.value) : w.value;
  if ((s as { where?: unknown }).where) throw new SqlStateError("partial indexes are not supported", "0A000");
  const spec: CreateIndexSpec = {
    table: s.table.name,
    columns,
    ...(s.indexName && { name: s.indexName.name }),
    ...(s.unique && { unique: true }),
    method: method as "btree" | "hnsw",
    ...(Object.keys(options).length && { options }),
    ...(s.ifNotExists && { ifNotExists: true }),
  };
  noticeOf(await catalog.createIndex(spec), notices);
  return { tag: "CREATE INDEX", notices };
}

export async function dropStatement(s: pg.DropStatement, catalog: Catalog): Promise<DdlOutcome> {
  const notices: SessionNotice[] = [];
  const cascaded: CatalogNotice[] = [];
  const options = { ...(s.ifExists && { ifExists: true }), ...(s.cascade === "cascade" && { cascade: true }), notices: cascaded };
  for (const n of s.names) {
    if (n.schema && n.schema !== "public") throw new SqlStateError(`schema "${n.schema}" does not exist`, "3F000");
    if (s.type === "drop table") noticeOf(await catalog.dropTable(n.name, options), notices);
    else if (s.type === "drop index") noticeOf(await catalog.dropIndex(n.name, options), notices);
    else if (s.type === "drop sequence") noticeOf(await catalog.dropSequence(n.name, options), notices);
    else throw new SqlStateError(`${s.type.toUpperCase()} is not supported`, "0A000");
    toSessionNotices(cascaded.splice(0), notices);
  }
  return { tag: s.type.toUpperCase(), notices };
}

/**
 * What DDL needs of the executor, inside the statement's transaction: a constant expression's
 * value (ADD COLUMN's default for the rows already there), whether a query finds a row (a
 * new CHECK constraint against those rows) and an expression over a table's rows (ALTER COLUMN
 * TYPE's conversion).
 */
export interface DdlHost extends AlterTypeHost {
  evaluate(e: ScalarExpr): Promise<SqlValue>;
  anyRow(sql: string): Promise<boolean>;
}

export async function alterTable(s: pg.AlterTableStatement, catalog: Catalog, host?: DdlHost): Promise<DdlOutcome> {
  const notices: SessionNotice[] = [];
  const name = s.table.name;
  const ifExists = !!(s as { ifExists?: boolean }).ifExists;
  let typeChangesDone = false;
  for (const ch of s.changes) {
    switch (ch.type) {
      case "add column": {
        const r = columnSpec(ch.column);
        if (r.primary) throw new SqlStateError("adding a primary key column is not supported", "0A000");
        const spec = host ? await withMissingValue(r.spec, catalog, host) : r.spec;
        noticeOf(await catalog.alterTableAddColumn(name, spec, { ifExists, ...(ch.ifNotExists && { ifNotExists: true }) }), notices);
        if (r.unique) await catalog.createIndex({ table: name, columns: [ch.column.name.name], unique: true, constraint: true });
        for (const check of r.checks) await addCheck(name, check, catalog, host, ifExists, notices);
        break;
      }
      case "alter column": {
        const a = ch.alter;
        const column = ch.column.name;
        switch (a.type) {
          case "set default": {
            const def = exprToSql(a.default as Expr);
            const table = await catalog.getTable(name);
            const target = table?.columns.find((c) => c.name === column);
            if (target) await defaultExpr({ ...target, default: def, serial: undefined } as Column, new AnalyzerContext(catalog, new ParamTypes()));
            noticeOf(await catalog.alterColumn(name, column, { default: def }, { ifExists }), notices);
            break;
          }
          case "drop default":
            noticeOf(await catalog.alterColumn(name, column, { default: null }, { ifExists }), notices);
            break;
          case "set not null":
          case "drop not null":
            noticeOf(await catalog.alterColumn(name, column, { notNull: a.type === "set not null" }, { ifExists }), notices);
            break;
          case "set type": {
            // All of the statement's type changes run as one rewrite, at the first of them.
            if (typeChangesDone) break;
            typeChangesDone = true;
            const all = s.changes.flatMap((c) => (c.type === "alter column" && c.alter.type === "set type" ? [{ ...(c.alter as AlterColumnSetType), column: c.column.name }] : []));
            noticeOf(await alterColumnTypes(name, all, catalog, host, ifExists), notices);
            break;
          }
          default:
            throw new SqlStateError(`ALTER TABLE ALTER COLUMN ${a.type.toUpperCase()} is not supported`, "0A000");
        }
        break;
      }
      case "drop constraint": {
        const d = ch as { constraint: pg.Name; ifExists?: boolean };
        noticeOf(await catalog.dropConstraint(name, d.constraint.name, { ...(d.ifExists && { ifExists: true }) }), notices);
        break;
      }
      case "drop column": {
        const cascaded: CatalogNotice[] = [];
        const options = { ...(ch.ifExists && { ifExists: true }), ...((ch as { behaviour?: string }).behaviour === "cascade" && { cascade: true }), notices: cascaded };
        noticeOf(await catalog.alterTableDropColumn(name, ch.column.name, options), notices);
        toSessionNotices(cascaded, notices);
        break;
      }
      case "rename":
        // ALTER TABLE ... RENAME TO works on views as well, as in PostgreSQL.
        if ((await catalog.relation(name))?.kind === "view") noticeOf(await catalog.renameView(name, ch.to.name, { ifExists }), notices);
        else noticeOf(await catalog.renameTable(name, ch.to.name, { ifExists }), notices);
        break;
      case "rename column":
        noticeOf(await catalog.renameColumn(name, ch.column.name, ch.to.name, { ifExists, rewriteExpression: renameInExpression }), notices);
        break;
      case "add constraint": {
        const k = ch.constraint;
        if (k.type === "primary key") {
          noticeOf(await catalog.alterTableAddPrimaryKey(name, k.columns.map((c) => c.name), { ifExists }), notices);
          break;
        }
        if (k.type === "check") {
          const expr = k.expr as Expr;
          await addCheck(name, { expr: exprToSql(expr), columns: referencedColumns(expr), ...(k.constraintName && { name: k.constraintName.name }) }, catalog, host, ifExists, notices);
          break;
        }
        if (k.type !== "unique") throw new SqlStateError(`ALTER TABLE ADD CONSTRAINT ${k.type} is not supported`, "0A000");
        await catalog.createIndex({ table: name, columns: k.columns.map((c) => c.name), unique: true, constraint: true, ...(k.constraintName && { name: k.constraintName.name }) });
        break;
      }
      default:
        throw new SqlStateError(`ALTER TABLE ${ch.type.toUpperCase()} is not supported`, "0A000");
    }
  }
  return { tag: "ALTER TABLE", notices };
}

/**
 * ADD COLUMN with a default: the rows already there read the default's value (the catalog's
 * `missing`), computed once, which is right only for a default that gives the same value each
 * time; a volatile one (random(), nextval() other than serial's) would need every row rewritten.
 */
async function withMissingValue(spec: ColumnSpec, catalog: Catalog, host: DdlHost): Promise<ColumnSpec> {
  if (spec.default === undefined || spec.serial) return spec;
  const e = await defaultExpr({ name: spec.name, type: spec.type, default: spec.default } as Column, new AnalyzerContext(catalog, new ParamTypes()));
  if (isVolatile(e)) throw new SqlStateError(`adding column "${spec.name}" with a volatile default is not supported`, "0A000");
  return { ...spec, missing: await host.evaluate(e) };
}

/** ADD CONSTRAINT ... CHECK: bound like CREATE TABLE's, then every existing row must pass it. */
async function addCheck(table: string, spec: CheckSpec, catalog: Catalog, host: DdlHost | undefined, ifExists: boolean, notices: SessionNotice[]): Promise<void> {
  const r = await catalog.addCheck(table, spec, { ifExists });
  noticeOf(r, notices);
  if (!r.done) return;
  const { table: t, check } = r.value;
  await validateTableExprs(t.name, t.columns.map((c) => ({ name: c.name, type: c.type })), [check], new AnalyzerContext(catalog, new ParamTypes()));
  if (host && (await host.anyRow(`SELECT 1 FROM ${quoteIdent(t.name)} WHERE (${check.expr}) IS FALSE LIMIT 1`))) {
    throw new SqlStateError(`check constraint "${check.name}" of relation "${t.name}" is violated by some row`, "23514");
  }
}

/** RENAME COLUMN inside a stored CHECK/DEFAULT: reparse, rename references, print again. */
function renameInExpression(expr: string, oldName: string, newName: string): string {
  // Stored expressions are printed by exprToSql, so they parse back; names appear as refs.
  const rename = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(rename);
    if (typeof x !== "object" || x === null) return x;
    const n = { ...(x as Record<string, unknown>) };
    if (n.type === "ref" && n.name === oldName && !n.table) n.name = newName;
    for (const [k, v] of Object.entries(n)) if (k !== "name") n[k] = rename(v);
    return n;
  };
  return exprToSql(rename(parseExprText(expr)) as Expr);
}


export async function createSequence(s: pg.CreateSequenceStatement, catalog: Catalog): Promise<DdlOutcome> {
  const notices: SessionNotice[] = [];
  checkCreationSchema(s.name);
  refuseTemporary(s.temp, "sequences");
  const o = s.options;
  const big = (v: number | undefined | "no minvalue" | "no maxvalue" | null) => (typeof v === "number" ? BigInt(v) : undefined);
  // PostgreSQL's grammar takes no array type here; the library's does, and must not make it bigint.
  if (o.as?.kind === "array") throw new SqlStateError('syntax error at or near "["', "42601");
  const asName = (o.as as pg.BasicDataTypeDef | undefined)?.name?.toLowerCase();
  const type = asName ? ({ smallint: "int2", int2: "int2", integer: "int4", int: "int4", int4: "int4", bigint: "int8", int8: "int8" } as Record<string, SequenceType>)[asName] : undefined;
  if (asName && !type) throw new SqlStateError("sequence type must be smallint, integer, or bigint", "22023");
  const start = big(o.startWith);
  const increment = big(o.incrementBy);
  const min = big(o.minValue as number | undefined);
  const max = big(o.maxValue as number | undefined);
  noticeOf(
    await catalog.createSequence({
      name: s.name.name,
      ...(type && { type }),
      ...(start !== undefined && { start }),
      ...(increment !== undefined && { increment }),
      ...(min !== undefined && { min }),
      ...(max !== undefined && { max }),
      ...(o.cycle === "cycle" && { cycle: true }),
      ...(typeof o.cache === "number" && { cache: o.cache }),
      ...(s.ifNotExists && { ifNotExists: true }),
    }),
    notices,
  );
  return { tag: "CREATE SEQUENCE", notices };
}

/**
 * TRUNCATE: each table gets a fresh, empty key space (see Catalog.truncateTable); RESTART
 * IDENTITY also restarts the sequences its serial columns own. CASCADE changes nothing: no
 * foreign key can refer to a table.
 */
export async function truncateTables(s: pg.TruncateTableStatement, catalog: Catalog): Promise<DdlOutcome> {
  const names = s.tables.map((t) => {
    if (t.schema && t.schema !== "public") throw new SqlStateError(`relation "${t.schema}.${t.name}" does not exist`, "42P01");
    return t.name;
  });
  for (const name of new Set(names)) {
    const table = await catalog.truncateTable(name);
    if (s.identity !== "restart") continue;
    for (const c of table.columns) {
      const seq = c.serial === undefined ? undefined : await catalog.getSequence(c.serial);
      if (seq) await catalog.setval(seq.name, seq.start, false);
    }
  }
  return { tag: "TRUNCATE TABLE", notices: [] };
}

export function isDdl(s: Statement): boolean {
  return ["create table", "create index", "drop table", "drop index", "drop sequence", "alter table", "create sequence", "truncate table", "create role", "alter role", "drop role", "create view", "drop view", "alter view"].includes(s.type);
}

/** `sessionUser`: the role the session logged in as (DROP ROLE refuses it). */
export async function runDdl(s: Statement, catalog: Catalog, sessionUser = "", host?: DdlHost): Promise<DdlOutcome> {
  switch (s.type) {
    case "create table":
      return createTable(s as CreateTableStatement, catalog);
    case "truncate table":
      return truncateTables(s as pg.TruncateTableStatement, catalog);
    case "create role":
      return createRole(s as CreateRoleStatement, catalog);
    case "alter role":
      return alterRole(s as AlterRoleStatement, catalog);
    case "drop role":
      return dropRoles(s as DropRoleStatement, catalog, sessionUser);
    case "create index":
      return createIndex(s as pg.CreateIndexStatement, catalog);
    case "drop table":
    case "drop index":
    case "drop sequence":
      return dropStatement(s as pg.DropStatement, catalog);
    case "alter table":
      return alterTable(s as pg.AlterTableStatement, catalog, host);
    case "create sequence":
      return createSequence(s as pg.CreateSequenceStatement, catalog);
    case "create view":
      return createView(s as CreateViewStatement, catalog);
    case "drop view":
      return dropViews(s as DropViewStatement, catalog);
    case "alter view":
      return alterView(s as AlterViewStatement, catalog);
    default:
      throw new SqlStateError(`${s.type.toUpperCase()} is not supported`, "0A000");
  }
}
