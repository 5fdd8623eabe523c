/**
 * pg_catalog: the PostgreSQL 15 system catalogs and views that clients read (psql's \d family,
 * drivers' type and schema lookups, pgbench), with the columns PostgreSQL has, computed from a
 * catalog snapshot. Catalogs for features Alopex does not have (triggers, policies, inheritance,
 * publications, extended statistics...) exist with their columns and no rows, so the queries
 * clients send about them run and find nothing.
 */
import type { Column, Index, Table } from "../catalog/index.js";
import {
  arrayOf,
  isPreferredType,
  parseText,
  REG_OIDS,
  type SqlType,
  type SqlValue,
  TIMESTAMPTZ,
  TYPE_OIDS,
  typeCategory,
  typeLength,
  typeModifier,
  typeOid,
} from "../types/index.js";
import {
  attrdefOid,
  BTREE_AM,
  C_COLLATION,
  DATABASE_OID,
  DEFAULT_COLLATION,
  DEFAULT_TABLESPACE,
  GLOBAL_TABLESPACE,
  HASH_AM,
  HEAP_AM,
  HNSW_AM,
  PG_CATALOG_NAMESPACE,
  POSIX_COLLATION,
  PUBLIC_NAMESPACE,
  roleOid,
} from "./oids.js";
import { PG_DATABASE_OWNER, type Relation, type SystemSnapshot, viewDefinitionText, withoutOuterParens } from "./snapshot.js";
import { systemTable, type SystemTable } from "./system-table.js";

const NS = PG_CATALOG_NAMESPACE;

function isStringType(t: SqlType): boolean {
  return t.kind === "text" || t.kind === "varchar" || t.kind === "char";
}

function collationOf(t: SqlType): number {
  return isStringType(t) ? DEFAULT_COLLATION : 0;
}

/** typbyval and typalign as PostgreSQL has them for the type. */
function storageOf(t: SqlType): { byval: boolean; align: string; storage: string } {
  const len = typeLength(t);
  if (len === 1) return { byval: true, align: "c", storage: "p" };
  if (len === 2) return { byval: true, align: "s", storage: "p" };
  if (len === 4) return { byval: true, align: "i", storage: "p" };
  if (len === 8) return { byval: true, align: "d", storage: "p" };
  if (len === 16) return { byval: false, align: t.kind === "interval" ? "d" : "c", storage: "p" };
  return { byval: false, align: "i", storage: "x" };
}

/** The columns a relation shows in pg_attribute: a table's columns, an index's key columns. */
function attributesOf(r: Relation): { name: string; type: SqlType; notNull: boolean; column?: Column }[] {
  if (r.system) return r.system.columns.map((c) => ({ name: c.name, type: c.type, notNull: false }));
  if (r.table && r.kind === "r") return r.table.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, column: c }));
  if (r.view) return r.view.columns.map((c) => ({ name: c.name, type: c.type, notNull: false }));
  if (r.table && r.kind === "i" && r.index) {
    const table = r.table;
    const ids = r.index === "primary key" ? table.primaryKey : r.index.columns.map((c) => c.columnId);
    return ids.map((id) => {
      const c = table.columns.find((x) => x.id === id)!;
      return { name: c.name, type: c.type, notNull: false };
    });
  }
  return [];
}

function indexKeyIds(table: Table, index: Index | "primary key"): { ids: readonly number[]; desc: readonly boolean[] } {
  if (index === "primary key") return { ids: table.primaryKey, desc: table.primaryKeyDirections.map((d) => d === "desc") };
  return { ids: index.columns.map((c) => c.columnId), desc: index.columns.map((c) => c.direction === "desc") };
}

function amOf(r: Relation): number {
  if (r.kind === "r") return HEAP_AM;
  if (r.kind === "i" && r.index) return r.index !== "primary key" && r.index.method === "hnsw" ? HNSW_AM : BTREE_AM;
  return 0;
}

function hasIndexes(s: SystemSnapshot, table: Table): boolean {
  return table.primaryKey.length > 0 || (s.indexesByTable.get(table.id)?.length ?? 0) > 0;
}

/** PostgreSQL's names for the types Alopex has. */
const TYPE_NAMES: readonly (readonly [SqlType, string])[] = [
  [{ kind: "bool" }, "bool"],
  [{ kind: "bytea" }, "bytea"],
  [{ kind: "int8" }, "int8"],
  [{ kind: "int2" }, "int2"],
  [{ kind: "int4" }, "int4"],
  [{ kind: "text" }, "text"],
  [{ kind: "json" }, "json"],
  [{ kind: "float4" }, "float4"],
  [{ kind: "float8" }, "float8"],
  [{ kind: "unknown" }, "unknown"],
  [{ kind: "char" }, "bpchar"],
  [{ kind: "varchar" }, "varchar"],
  [{ kind: "date" }, "date"],
  [{ kind: "timestamp" }, "timestamp"],
  [{ kind: "timestamptz" }, "timestamptz"],
  [{ kind: "interval" }, "interval"],
  [{ kind: "numeric" }, "numeric"],
  [{ kind: "uuid" }, "uuid"],
  [{ kind: "jsonb" }, "jsonb"],
  [{ kind: "vector", metric: "l2" }, "vector"],
  [{ kind: "oid" }, "oid"],
  ...Object.keys(REG_OIDS).map((reg) => [{ kind: "oid", reg } as SqlType, reg] as const),
];

function* typeRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  const owner = roleOid(s.user);
  const row = (oid: number, name: string, t: SqlType, elem: number, array: number, category: string): SqlValue[] => {
    const st = storageOf(t);
    return [
      oid, name, NS, owner, typeLength(t), st.byval, "b", category, isPreferredType(t), true, ",", 0, 0, elem, array,
      0, 0, 0, 0, 0, 0, 0, st.align, st.storage, false, 0, -1, 0, collationOf(t), null, null, null,
    ];
  };
  for (const [t, name] of TYPE_NAMES) {
    const oid = typeOid(t);
    const arrayType = arrayOf(t);
    const arrayOid = typeOid(arrayType);
    const hasArray = arrayOid !== TYPE_OIDS.array && t.kind !== "unknown";
    yield row(oid, name, t, 0, hasArray ? arrayOid : 0, t.kind === "vector" ? "U" : typeCategory(t));
    if (hasArray) yield row(arrayOid, `_${name}`, arrayType, oid, 0, "A");
  }
  yield row(22, "int2vector", { kind: "array", element: { kind: "int2" }, vector: true }, 21, 1006, "A");
  yield row(30, "oidvector", { kind: "array", element: { kind: "oid" }, vector: true }, 26, 1013, "A");
}

const TYPE_COLUMNS =
  "oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, typtype char, typcategory char, typispreferred bool, typisdefined bool, " +
  "typdelim char, typrelid oid, typsubscript regproc, typelem oid, typarray oid, typinput regproc, typoutput regproc, typreceive regproc, typsend regproc, " +
  "typmodin regproc, typmodout regproc, typanalyze regproc, typalign char, typstorage char, typnotnull bool, typbasetype oid, typtypmod int4, typndims int4, " +
  "typcollation oid, typdefaultbin pg_node_tree, typdefault text, typacl aclitem[]";

function* classRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  const owner = roleOid(s.user);
  for (const r of s.relations) {
    const attrs = attributesOf(r);
    const table = r.kind === "r" ? r.table : undefined;
    const hasIndex = table ? hasIndexes(s, table) : false;
    const storage = r.system === undefined && r.kind !== "v" ? r.oid : 0;
    yield [
      r.oid, r.name, r.namespace, 0, 0, owner, amOf(r), storage, 0, 0, -1, 0, 0, hasIndex, false, "p", r.kind, attrs.length, table?.checks.length ?? 0,
      r.view !== undefined, false, false, false, false, true, r.kind === "r" && !r.system ? "d" : "n", false, 0, 0n, 0n, null, null, null,
    ];
  }
}

const CLASS_COLUMNS =
  "oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid, relfilenode oid, reltablespace oid, relpages int4, " +
  "reltuples float4, relallvisible int4, reltoastrelid oid, relhasindex bool, relisshared bool, relpersistence char, relkind char, relnatts int2, relchecks int2, " +
  "relhasrules bool, relhastriggers bool, relhassubclass bool, relrowsecurity bool, relforcerowsecurity bool, relispopulated bool, relreplident char, " +
  "relispartition bool, relrewrite oid, relfrozenxid xid, relminmxid xid, relacl aclitem[], reloptions text[], relpartbound pg_node_tree";

function* attributeRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const r of s.relations) {
    const attrs = attributesOf(r);
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      const st = storageOf(a.type);
      const hasDefault = a.column?.default !== undefined;
      const hasMissing = a.column?.missing !== undefined;
      yield [
        r.oid, a.name, typeOid(a.type), -1, typeLength(a.type), i + 1, a.type.kind === "array" ? 1 : 0, -1, typeModifier(a.type), st.byval, st.align, st.storage, "",
        a.notNull, hasDefault, hasMissing, "", "", false, true, 0, collationOf(a.type), null, null, null, null,
      ];
    }
  }
}

const ATTRIBUTE_COLUMNS =
  "attrelid oid, attname name, atttypid oid, attstattarget int4, attlen int2, attnum int2, attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, " +
  "attalign char, attstorage char, attcompression char, attnotnull bool, atthasdef bool, atthasmissing bool, attidentity char, attgenerated char, " +
  "attisdropped bool, attislocal bool, attinhcount int4, attcollation oid, attacl aclitem[], attoptions text[], attfdwoptions text[], attmissingval text";

function* indexRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const r of s.relations) {
    if (r.kind !== "i" || !r.table || !r.index) continue;
    const table = r.table;
    const { ids, desc } = indexKeyIds(table, r.index);
    const positions = ids.map((id) => table.columns.findIndex((c) => c.id === id) + 1);
    const collations = ids.map((id) => collationOf(table.columns.find((c) => c.id === id)!.type));
    const index = r.index;
    const primary = index === "primary key";
    const unique = index === "primary key" || index.unique;
    yield [
      r.oid, table.id, ids.length, ids.length, unique, false, primary, false, true, false, true, false, true, true, false,
      positions, collations, ids.map(() => 0), desc.map((d) => (d ? 3 : 0)), null, null,
    ];
  }
}

const INDEX_COLUMNS =
  "indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool, indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, " +
  "indimmediate bool, indisclustered bool, indisvalid bool, indcheckxmin bool, indisready bool, indislive bool, indisreplident bool, indkey int2vector, " +
  "indcollation oidvector, indclass oidvector, indoption int2vector, indexprs pg_node_tree, indpred pg_node_tree";

function* constraintRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const c of s.constraints) {
    yield [
      c.oid, c.name, PUBLIC_NAMESPACE, c.type, false, false, true, c.table.id, 0, c.indexOid, 0, 0, " ", " ", " ", true, 0, false,
      c.columns, null, null, null, null, null, null, c.expr === undefined ? null : withoutOuterParens(c.expr),
    ];
  }
}

const CONSTRAINT_COLUMNS =
  "oid oid, conname name, connamespace oid, contype char, condeferrable bool, condeferred bool, convalidated bool, conrelid oid, contypid oid, conindid oid, " +
  "conparentid oid, confrelid oid, confupdtype char, confdeltype char, confmatchtype char, conislocal bool, coninhcount int4, connoinherit bool, conkey int2[], " +
  "confkey int2[], conpfeqop oid[], conppeqop oid[], conffeqop oid[], confdelsetcols int2[], conexclop oid[], conbin pg_node_tree";

function* attrdefRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const t of s.tables) {
    for (let i = 0; i < t.columns.length; i++) {
      const d = t.columns[i]!.default;
      if (d !== undefined) yield [attrdefOid(t.id, i + 1), t.id, i + 1, withoutOuterParens(d)];
    }
  }
}

function roleRow(s: SystemSnapshot, name: string): { oid: number; super: boolean; login: boolean; inherit: boolean; createrole: boolean; createdb: boolean; replication: boolean; bypassrls: boolean; connlimit: number; password: string | null; validUntil: SqlValue } {
  const r = s.roles.find((x) => x.name === name)!;
  let validUntil: SqlValue = null;
  if (r.validUntil !== undefined) {
    try {
      validUntil = parseText(r.validUntil, TIMESTAMPTZ);
    } catch {
      validUntil = null;
    }
  }
  return {
    oid: roleOid(r.name),
    super: r.superuser,
    login: r.login,
    inherit: r.inherit ?? true,
    createrole: r.createrole ?? false,
    createdb: r.createdb ?? false,
    replication: r.replication ?? false,
    bypassrls: r.bypassrls ?? false,
    connlimit: r.connectionLimit ?? -1,
    password: r.passwordScram ?? null,
    validUntil,
  };
}

function* authidRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  yield [PG_DATABASE_OWNER.oid, PG_DATABASE_OWNER.name, false, true, false, false, false, false, false, -1, null, null];
  for (const { name } of s.roles) {
    const r = roleRow(s, name);
    yield [r.oid, name, r.super, r.inherit, r.createrole, r.createdb, r.login, r.replication, r.bypassrls, r.connlimit, r.password, r.validUntil];
  }
}

function* rolesView(s: SystemSnapshot): Iterable<SqlValue[]> {
  yield [PG_DATABASE_OWNER.name, false, true, false, false, false, false, -1, "********", null, false, null, PG_DATABASE_OWNER.oid];
  for (const { name } of s.roles) {
    const r = roleRow(s, name);
    yield [name, r.super, r.inherit, r.createrole, r.createdb, r.login, r.replication, r.connlimit, "********", r.validUntil, r.bypassrls, null, r.oid];
  }
}

function* userView(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const { name } of s.roles) {
    const r = roleRow(s, name);
    if (!r.login) continue;
    yield [name, r.oid, r.createdb, r.super, r.replication, r.bypassrls, "********", r.validUntil, null];
  }
}

const none = (): Iterable<SqlValue[]> => [];

function* procRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  const owner = roleOid(s.user);
  for (const p of s.procs) {
    yield [p.oid, p.name, NS, owner, 12, 1, 0, 0, 0, p.aggregate ? "a" : "f", false, false, true, false, "v", "s", 0, 0, 0, [], null, null, null, null, null, p.name, null, null, null, null];
  }
}

const PROC_COLUMNS =
  "oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, prorows float4, provariadic oid, prosupport regproc, prokind char, " +
  "prosecdef bool, proleakproof bool, proisstrict bool, proretset bool, provolatile char, proparallel char, pronargs int2, pronargdefaults int2, prorettype oid, " +
  "proargtypes oidvector, proallargtypes oid[], proargmodes char[], proargnames text[], proargdefaults pg_node_tree, protrftypes oid[], prosrc text, probin text, " +
  "prosqlbody pg_node_tree, proconfig text[], proacl aclitem[]";

function* settingRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const [name, value] of s.session.settings()) {
    yield [name, value, null, "Alopex", "", null, "user", "string", "default", null, null, null, value, value, null, null, false];
  }
}

function* tablesView(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const r of s.relations) {
    if (r.kind !== "r") continue;
    yield [s.namespaceName(r.namespace) ?? "", r.name, s.user, null, r.table ? hasIndexes(s, r.table) : false, false, false, false];
  }
}

/** User views only: the system views' definitions are not SQL Alopex has. */
function* viewsView(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const r of s.relations) if (r.view) yield [s.namespaceName(r.namespace) ?? "", r.name, s.user, viewDefinitionText(r.view)];
}

function* indexesView(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const r of s.relations) {
    if (r.kind !== "i" || !r.table) continue;
    yield ["public", r.table.name, r.name, null, s.indexDefinition(r.oid, 0, false) ?? ""];
  }
}

function* sequenceRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const q of s.sequences) yield [q.id, TYPE_OIDS[q.type], q.start, q.increment, q.max, q.min, BigInt(q.cache), q.cycle];
}

function* sequencesView(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const q of s.sequences) yield ["public", q.name, s.user, TYPE_OIDS[q.type], q.start, q.min, q.max, q.increment, q.cycle, BigInt(q.cache), null];
}

function* activityRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  yield [
      DATABASE_OID, s.database, s.backendPid, null, roleOid(s.user), s.user, s.setting("application_name") ?? "", null, null, null, s.session.startedAtUs,
      null, null, null, null, null, "active", null, null, null, null, "client backend",
  ];
}

export const PG_CATALOG_TABLES: readonly SystemTable[] = [
  systemTable(NS, "pg_class", 1259, CLASS_COLUMNS, classRows),
  systemTable(NS, "pg_namespace", 2615, "oid oid, nspname name, nspowner oid, nspacl aclitem[]", (s) => s.namespaces.map((n) => [n.oid, n.name, n.owner, null])),
  systemTable(NS, "pg_attribute", 1249, ATTRIBUTE_COLUMNS, attributeRows),
  systemTable(NS, "pg_type", 1247, TYPE_COLUMNS, typeRows),
  systemTable(NS, "pg_index", 2610, INDEX_COLUMNS, indexRows),
  systemTable(NS, "pg_am", 2601, "oid oid, amname name, amhandler regproc, amtype char", () => [
    [HEAP_AM, "heap", 0, "t"],
    [BTREE_AM, "btree", 0, "i"],
    [HASH_AM, "hash", 0, "i"],
    [HNSW_AM, "hnsw", 0, "i"],
  ]),
  systemTable(
    NS,
    "pg_database",
    1262,
    "oid oid, datname name, datdba oid, encoding int4, datlocprovider char, datistemplate bool, datallowconn bool, datconnlimit int4, datfrozenxid xid, " +
      "datminmxid xid, dattablespace oid, datcollate text, datctype text, daticulocale text, datcollversion text, datacl aclitem[]",
    (s) => [[DATABASE_OID, s.database, roleOid(s.user), 6, "c", false, true, -1, 0n, 0n, DEFAULT_TABLESPACE, "C", "C", null, null, null]],
  ),
  systemTable(
    NS,
    "pg_authid",
    1260,
    "oid oid, rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool, rolbypassrls bool, " +
      "rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz",
    authidRows,
  ),
  systemTable(
    NS,
    "pg_roles",
    12001,
    "rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool, rolconnlimit int4, " +
      "rolpassword text, rolvaliduntil timestamptz, rolbypassrls bool, rolconfig text[], oid oid",
    rolesView,
    true,
  ),
  systemTable(NS, "pg_user", 12002, "usename name, usesysid oid, usecreatedb bool, usesuper bool, userepl bool, usebypassrls bool, passwd text, valuntil timestamptz, useconfig text[]", userView, true),
  systemTable(NS, "pg_auth_members", 1261, "oid oid, roleid oid, member oid, grantor oid, admin_option bool", none),
  systemTable(
    NS,
    "pg_settings",
    12003,
    "name text, setting text, unit text, category text, short_desc text, extra_desc text, context text, vartype text, source text, min_val text, max_val text, " +
      "enumvals text[], boot_val text, reset_val text, sourcefile text, sourceline int4, pending_restart bool",
    settingRows,
    true,
  ),
  systemTable(NS, "pg_description", 2609, "objoid oid, classoid oid, objsubid int4, description text", none),
  systemTable(NS, "pg_shdescription", 2396, "objoid oid, classoid oid, description text", none),
  systemTable(NS, "pg_constraint", 2606, CONSTRAINT_COLUMNS, constraintRows),
  systemTable(NS, "pg_attrdef", 2604, "oid oid, adrelid oid, adnum int2, adbin pg_node_tree", attrdefRows),
  systemTable(NS, "pg_proc", 1255, PROC_COLUMNS, procRows),
  systemTable(NS, "pg_tables", 12004, "schemaname name, tablename name, tableowner name, tablespace name, hasindexes bool, hasrules bool, hastriggers bool, rowsecurity bool", tablesView, true),
  systemTable(NS, "pg_indexes", 12005, "schemaname name, tablename name, indexname name, tablespace name, indexdef text", indexesView, true),
  systemTable(NS, "pg_views", 12006, "schemaname name, viewname name, viewowner name, definition text", viewsView, true),
  systemTable(NS, "pg_matviews", 12007, "schemaname name, matviewname name, matviewowner name, tablespace name, hasindexes bool, ispopulated bool, definition text", none, true),
  systemTable(NS, "pg_sequence", 2224, "seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool", sequenceRows),
  systemTable(
    NS,
    "pg_sequences",
    12008,
    "schemaname name, sequencename name, sequenceowner name, data_type regtype, start_value int8, min_value int8, max_value int8, increment_by int8, cycle bool, cache_size int8, last_value int8",
    sequencesView,
    true,
  ),
  systemTable(
    NS,
    "pg_stat_activity",
    12009,
    "datid oid, datname name, pid int4, leader_pid int4, usesysid oid, usename name, application_name text, client_addr text, client_hostname text, client_port int4, " +
      "backend_start timestamptz, xact_start timestamptz, query_start timestamptz, state_change timestamptz, wait_event_type text, wait_event text, state text, " +
      "backend_xid xid, backend_xmin xid, query_id int8, query text, backend_type text",
    activityRows,
    true,
  ),
  systemTable(
    NS,
    "pg_collation",
    3456,
    "oid oid, collname name, collnamespace oid, collowner oid, collprovider char, collisdeterministic bool, collencoding int4, collcollate text, collctype text, colliculocale text, collversion text",
    (s) => [
      [DEFAULT_COLLATION, "default", NS, roleOid(s.user), "d", true, -1, null, null, null, null],
      [C_COLLATION, "C", NS, roleOid(s.user), "c", true, -1, "C", "C", null, null],
      [POSIX_COLLATION, "POSIX", NS, roleOid(s.user), "c", true, -1, "POSIX", "POSIX", null, null],
    ],
  ),
  systemTable(NS, "pg_tablespace", 1213, "oid oid, spcname name, spcowner oid, spcacl aclitem[], spcoptions text[]", (s) => [
    [DEFAULT_TABLESPACE, "pg_default", roleOid(s.user), null, null],
    [GLOBAL_TABLESPACE, "pg_global", roleOid(s.user), null, null],
  ]),
  systemTable(NS, "pg_language", 2612, "oid oid, lanname name, lanowner oid, lanispl bool, lanpltrusted bool, lanplcallfoid oid, laninline oid, lanvalidator oid, lanacl aclitem[]", (s) => [
    [12, "internal", roleOid(s.user), false, false, 0, 0, 0, null],
    [13, "c", roleOid(s.user), false, false, 0, 0, 0, null],
    [14, "sql", roleOid(s.user), false, true, 0, 0, 0, null],
  ]),
  systemTable(NS, "pg_inherits", 2611, "inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool", none),
  systemTable(
    NS,
    "pg_partitioned_table",
    3350,
    "partrelid oid, partstrat char, partnatts int2, partdefid oid, partattrs int2vector, partclass oidvector, partcollation oidvector, partexprs pg_node_tree",
    none,
  ),
  systemTable(NS, "pg_policy", 3256, "oid oid, polname name, polrelid oid, polcmd char, polpermissive bool, polroles oid[], polqual pg_node_tree, polwithcheck pg_node_tree", none),
  systemTable(
    NS,
    "pg_statistic_ext",
    3381,
    "oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys int2vector, stxkind char[], stxexprs pg_node_tree",
    none,
  ),
  systemTable(NS, "pg_publication", 6104, "oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool, pubtruncate bool, pubviaroot bool", none),
  systemTable(NS, "pg_publication_rel", 6106, "oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2vector", none),
  systemTable(NS, "pg_publication_namespace", 6237, "oid oid, pnpubid oid, pnnspid oid", none),
  systemTable(
    NS,
    "pg_trigger",
    2620,
    "oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype int2, tgenabled char, tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, " +
      "tgconstraint oid, tgdeferrable bool, tginitdeferred bool, tgnargs int2, tgattr int2vector, tgargs bytea, tgqual pg_node_tree, tgoldtable name, tgnewtable name",
    none,
  ),
  systemTable(NS, "pg_extension", 3079, "oid oid, extname name, extowner oid, extnamespace oid, extrelocatable bool, extversion text, extconfig oid[], extcondition text[]", none),
  systemTable(NS, "pg_depend", 2608, "classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, refobjsubid int4, deptype char", none),
  systemTable(NS, "pg_enum", 3501, "oid oid, enumtypid oid, enumsortorder float4, enumlabel name", none),
  systemTable(NS, "pg_range", 3541, "rngtypid oid, rngsubtype oid, rngmultitypid oid, rngcollation oid, rngsubopc oid, rngcanonical regproc, rngsubdiff regproc", none),
  systemTable(NS, "pg_rewrite", 2618, "oid oid, rulename name, ev_class oid, ev_type char, ev_enabled char, is_instead bool, ev_qual pg_node_tree, ev_action pg_node_tree", none),
  systemTable(NS, "pg_foreign_table", 3118, "ftrelid oid, ftserver oid, ftoptions text[]", none),
];
