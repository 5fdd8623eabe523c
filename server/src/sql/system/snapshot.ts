/**
 * The catalog as the system catalog shows it, read once per statement execution: every
 * relation (user tables, their indexes including the primary key's, sequences, and the system
 * tables and views themselves) with the OID, namespace and kind PostgreSQL would give it, plus
 * roles and functions. It also answers the system information functions (SystemAccess).
 */
import type { Catalog, Index, Role, Sequence, Table, View } from "../catalog/index.js";
import { aggregateNames } from "../functions/aggregates.js";
import { functionNames, type SystemAccess } from "../functions/index.js";
import { arrayOf, formatType, type RegType, typeFromName, typeFromOid, typeOid } from "../types/index.js";
import {
  checkConstraintOid,
  decodeSyntheticOid,
  INFORMATION_SCHEMA_NAMESPACE,
  PG_CATALOG_NAMESPACE,
  PG_TOAST_NAMESPACE,
  primaryKeyConstraintOid,
  primaryKeyIndexOid,
  PUBLIC_NAMESPACE,
  roleOid,
  uniqueConstraintOid,
} from "./oids.js";
import type { SystemTable } from "./system-table.js";

/** What the session tells the system catalog about itself. */
export interface SessionInfo {
  readonly user: string;
  readonly database: string;
  readonly backendPid: number;
  /** When the session started, in microseconds since the Unix epoch. */
  readonly startedAtUs: number;
  /** A run-time parameter's value; undefined when there is no such parameter. */
  setting(name: string): string | undefined;
  /** Sets a run-time parameter as SET does (throws as SET would); returns the new value. */
  setSetting(name: string, value: string, isLocal: boolean): string;
  /** Every parameter with its value (pg_settings). */
  settings(): readonly (readonly [string, string])[];
}

export interface Namespace {
  readonly oid: number;
  readonly name: string;
  /** A role OID; PostgreSQL 15's public schema belongs to pg_database_owner. */
  readonly owner: number;
}

export type RelationKind = "r" | "i" | "S" | "v";

/** One pg_class row's worth of facts. */
export interface Relation {
  readonly oid: number;
  readonly name: string;
  readonly namespace: number;
  readonly kind: RelationKind;
  readonly table?: Table;
  /** For an index: the catalog's index, or "primary key" for the one a primary key stands for. */
  readonly index?: Index | "primary key";
  readonly sequence?: Sequence;
  readonly view?: View;
  readonly system?: SystemTable;
}

/** A pg_constraint row's worth. */
export interface Constraint {
  readonly oid: number;
  readonly name: string;
  readonly type: "p" | "u" | "c";
  readonly table: Table;
  /** The index that enforces it (primary key, unique). */
  readonly indexOid: number;
  /** Column numbers (1-based positions in table.columns). */
  readonly columns: readonly number[];
  /** CHECK: the expression as SQL text. */
  readonly expr?: string;
}

/** PostgreSQL 15's built-in role that owns the public schema. */
export const PG_DATABASE_OWNER = { oid: 6171, name: "pg_database_owner" };

export const PROC_OID_BASE = 0x40000000;

function quoteIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Splits `a.b` / `"A"."b"` as PostgreSQL's name input does: unquoted parts fold to lower case. */
export function splitQualifiedName(text: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  for (;;) {
    if (s[i] === '"') {
      let name = "";
      i++;
      for (;;) {
        if (i >= s.length) return undefined;
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += s[i++];
      }
      parts.push(name);
    } else {
      const m = /^[^."\s]+/.exec(s.slice(i));
      if (!m) return undefined;
      parts.push(m[0].toLowerCase());
      i += m[0].length;
    }
    if (i >= s.length) return parts;
    if (s[i] !== ".") return undefined;
    i++;
  }
}

/**
 * Stored expressions are printed fully parenthesised; PostgreSQL's deparser leaves off the
 * outermost pair, and so does this.
 */
export function withoutOuterParens(expr: string): string {
  const s = expr.trim();
  if (!s.startsWith("(") || !s.endsWith(")")) return s;
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      // The first paren closes before the end: the pair does not enclose the whole.
      if (depth === 0 && i < s.length - 1) return s;
    }
  }
  return s.slice(1, -1).trim();
}

/**
 * A view's definition as pg_get_viewdef and pg_views show it: the query as it was written
 * (PostgreSQL prints its parse tree again instead), in PostgreSQL's frame of a leading space
 * and a closing semicolon.
 */
export function viewDefinitionText(view: View): string {
  return ` ${view.definition};`;
}

type Procedure = { readonly oid: number; readonly name: string; readonly aggregate: boolean };
let procedureList: readonly Procedure[] | undefined;

/** The functions pg_proc lists, numbered once (the registry does not change while running). */
function procedures(): readonly Procedure[] {
  if (!procedureList) {
    const aggregates = new Set(aggregateNames());
    const names = [...new Set([...functionNames(), ...aggregates])].sort();
    procedureList = Object.freeze(names.map((name, i) => Object.freeze({ oid: PROC_OID_BASE + i, name, aggregate: aggregates.has(name) })));
  }
  return procedureList;
}

export class SystemSnapshot implements SystemAccess {
  readonly namespaces: readonly Namespace[];
  readonly relations: readonly Relation[];
  readonly byOid = new Map<number, Relation>();
  readonly indexesByTable = new Map<number, readonly Index[]>();
  readonly constraints: readonly Constraint[];
  readonly roles: readonly Role[];
  /** Functions as pg_proc lists them: name, aggregate or not, OID. */
  readonly procs: readonly Procedure[];

  private constructor(
    readonly session: SessionInfo,
    readonly tables: readonly Table[],
    indexes: ReadonlyMap<number, readonly Index[]>,
    readonly sequences: readonly Sequence[],
    readonly views: readonly View[],
    roles: readonly Role[],
    systemTables: readonly SystemTable[],
  ) {
    const owner = roleOid(session.user);
    this.namespaces = [
      { oid: PG_CATALOG_NAMESPACE, name: "pg_catalog", owner },
      { oid: PG_TOAST_NAMESPACE, name: "pg_toast", owner },
      { oid: PUBLIC_NAMESPACE, name: "public", owner: PG_DATABASE_OWNER.oid },
      { oid: INFORMATION_SCHEMA_NAMESPACE, name: "information_schema", owner },
    ];
    const relations: Relation[] = [];
    for (const t of systemTables) relations.push({ oid: t.oid, name: t.name, namespace: t.namespace, kind: t.view ? "v" : "r", system: t });
    const constraints: Constraint[] = [];
    for (const table of tables) {
      relations.push({ oid: table.id, name: table.name, namespace: PUBLIC_NAMESPACE, kind: "r", table });
      const position = (id: number) => table.columns.findIndex((c) => c.id === id) + 1;
      if (table.primaryKey.length > 0) {
        const indexOid = primaryKeyIndexOid(table.id);
        relations.push({ oid: indexOid, name: `${table.name}_pkey`, namespace: PUBLIC_NAMESPACE, kind: "i", table, index: "primary key" });
        constraints.push({ oid: primaryKeyConstraintOid(table.id), name: `${table.name}_pkey`, type: "p", table, indexOid, columns: table.primaryKey.map(position) });
      }
      const own = indexes.get(table.id) ?? [];
      this.indexesByTable.set(table.id, own);
      own.forEach((ix, i) => {
        relations.push({ oid: ix.id, name: ix.name, namespace: PUBLIC_NAMESPACE, kind: "i", table, index: ix });
        if (ix.constraint) constraints.push({ oid: uniqueConstraintOid(table.id, i), name: ix.name, type: "u", table, indexOid: ix.id, columns: ix.columns.map((c) => position(c.columnId)) });
      });
      table.checks.forEach((c, i) => {
        constraints.push({ oid: checkConstraintOid(table.id, i), name: c.name, type: "c", table, indexOid: 0, columns: (c.columnIds ?? []).map(position), expr: c.expr });
      });
    }
    for (const seq of sequences) relations.push({ oid: seq.id, name: seq.name, namespace: PUBLIC_NAMESPACE, kind: "S", sequence: seq });
    for (const view of views) relations.push({ oid: view.id, name: view.name, namespace: PUBLIC_NAMESPACE, kind: "v", view });
    this.relations = relations;
    for (const r of relations) this.byOid.set(r.oid, r);
    this.constraints = constraints;
    const known = new Set(roles.map((r) => r.name));
    // A user that trust authentication let in may have no catalog role: it still exists for the session.
    this.roles = known.has(session.user) ? roles : [...roles, { name: session.user, login: true, superuser: session.setting("is_superuser") === "on" }];
    this.procs = procedures();
  }

  /** Reads what the system catalog shows of `catalog` (one statement's view of it). */
  static async load(catalog: Catalog, session: SessionInfo, systemTables: readonly SystemTable[]): Promise<SystemSnapshot> {
    const tables = await catalog.listTables();
    const indexes = new Map<number, readonly Index[]>();
    for (const t of tables) indexes.set(t.id, await catalog.indexesOf(t.id));
    return new SystemSnapshot(session, tables, indexes, await catalog.listSequences(), await catalog.listViews(), await catalog.listRoles(), systemTables);
  }

  namespaceName(oid: number): string | undefined {
    return this.namespaces.find((n) => n.oid === oid)?.name;
  }

  // ---- SystemAccess --------------------------------------------------------------------------

  get user(): string {
    return this.session.user;
  }

  get database(): string {
    return this.session.database;
  }

  get backendPid(): number {
    return this.session.backendPid;
  }

  setting(name: string): string | undefined {
    return this.session.setting(name);
  }

  setSetting(name: string, value: string, isLocal: boolean): string {
    return this.session.setSetting(name, value, isLocal);
  }

  searchPath(implicit: boolean): string[] {
    return implicit ? ["pg_catalog", "public"] : ["public"];
  }

  relationVisible(oid: number): boolean {
    const r = this.byOid.get(oid);
    if (!r) return false;
    if (r.namespace === PUBLIC_NAMESPACE) {
      // A user relation named like a pg_catalog one is hidden by it (pg_catalog comes first).
      return !this.relations.some((x) => x.namespace === PG_CATALOG_NAMESPACE && x.name === r.name);
    }
    return r.namespace === PG_CATALOG_NAMESPACE;
  }

  roleOidOf(name: string): number {
    return name === PG_DATABASE_OWNER.name ? PG_DATABASE_OWNER.oid : roleOid(name);
  }

  nameOf(reg: RegType, oid: number): string | undefined {
    switch (reg) {
      case "regclass": {
        const r = this.byOid.get(oid);
        if (!r) return undefined;
        const name = quoteIdentifier(r.name);
        return this.relationVisible(oid) ? name : `${quoteIdentifier(this.namespaceName(r.namespace) ?? "")}.${name}`;
      }
      case "regtype": {
        const t = typeFromOid(oid);
        return t === undefined ? undefined : formatType(t);
      }
      case "regnamespace":
        return this.namespaceName(oid);
      case "regrole":
        if (oid === PG_DATABASE_OWNER.oid) return PG_DATABASE_OWNER.name;
        return this.roles.find((r) => roleOid(r.name) === oid)?.name;
      default:
        if (oid === 0) return "-";
        return this.procs.find((p) => p.oid === oid)?.name;
    }
  }

  oidOf(reg: RegType, text: string): number | undefined {
    if (reg === "regtype") {
      try {
        const t = text.trim();
        return typeOid(t.endsWith("[]") ? arrayOf(typeFromName(t.slice(0, -2))) : typeFromName(t));
      } catch {
        return undefined;
      }
    }
    const parts = splitQualifiedName(text);
    if (!parts || parts.length > 2) return undefined;
    const name = parts[parts.length - 1]!;
    const schema = parts.length === 2 ? parts[0] : undefined;
    switch (reg) {
      case "regclass": {
        const inNamespace = (ns: number) => this.relations.find((r) => r.namespace === ns && r.name === name)?.oid;
        if (schema !== undefined) {
          const ns = this.namespaces.find((n) => n.name === schema);
          return ns === undefined ? undefined : inNamespace(ns.oid);
        }
        return inNamespace(PG_CATALOG_NAMESPACE) ?? inNamespace(PUBLIC_NAMESPACE);
      }
      case "regnamespace":
        return schema === undefined ? this.namespaces.find((n) => n.name === name)?.oid : undefined;
      case "regrole":
        if (schema !== undefined) return undefined;
        if (name === PG_DATABASE_OWNER.name) return PG_DATABASE_OWNER.oid;
        return this.roles.some((r) => r.name === name) ? roleOid(name) : undefined;
      default:
        if (schema !== undefined && schema !== "pg_catalog") return undefined;
        return this.procs.find((p) => p.name === name)?.oid;
    }
  }

  indexDefinition(oid: number, column: number, pretty: boolean): string | undefined {
    const r = this.byOid.get(oid);
    if (!r || r.kind !== "i" || !r.table || !r.index) return undefined;
    const table = r.table;
    const keys = r.index === "primary key"
      ? table.primaryKey.map((id, i) => ({ id, desc: table.primaryKeyDirections[i] === "desc", opclass: undefined as string | undefined }))
      : r.index.columns.map((c) => ({ id: c.columnId, desc: c.direction === "desc", opclass: r.index !== "primary key" && r.index!.method === "hnsw" ? String(r.index!.options.opclass) : undefined }));
    const names = keys.map((k) => quoteIdentifier(table.columns.find((c) => c.id === k.id)?.name ?? "?"));
    if (column > 0) return names[column - 1] ?? "";
    const unique = r.index === "primary key" || r.index.unique;
    const method = r.index === "primary key" ? "btree" : r.index.method;
    const cols = keys.map((k, i) => `${names[i]}${k.opclass ? ` ${k.opclass}` : ""}${k.desc ? " DESC" : ""}`).join(", ");
    let options = "";
    if (r.index !== "primary key" && r.index.method === "hnsw") {
      const o = r.index.options;
      options = ` WITH (m='${o.m}', ef_construction='${o.ef_construction}')`;
    }
    const on = pretty && this.relationVisible(table.id) ? quoteIdentifier(table.name) : `public.${quoteIdentifier(table.name)}`;
    return `CREATE ${unique ? "UNIQUE " : ""}INDEX ${quoteIdentifier(r.name)} ON ${on} USING ${method} (${cols})${options}`;
  }

  viewDefinition(oid: number): string | undefined {
    const view = this.byOid.get(oid)?.view;
    return view === undefined ? undefined : viewDefinitionText(view);
  }

  constraintDefinition(oid: number): string | undefined {
    const c = this.constraintByOid(oid);
    if (!c) return undefined;
    const names = c.columns.map((n) => quoteIdentifier(c.table.columns[n - 1]?.name ?? "?")).join(", ");
    switch (c.type) {
      case "p":
        return `PRIMARY KEY (${names})`;
      case "u":
        return `UNIQUE (${names})`;
      case "c":
        return `CHECK (${withoutOuterParens(c.expr ?? "")})`;
    }
  }

  constraintByOid(oid: number): Constraint | undefined {
    if (decodeSyntheticOid(oid) === undefined) return undefined;
    return this.constraints.find((c) => c.oid === oid);
  }

  serialSequence(tableText: string, column: string): string | undefined {
    const oid = this.oidOf("regclass", tableText);
    const table = oid === undefined ? undefined : this.byOid.get(oid)?.table;
    const serial = table?.columns.find((c) => c.name === column)?.serial;
    return serial === undefined ? undefined : `public.${quoteIdentifier(serial)}`;
  }
}
