/**
 * A system table or view: its name, OID and columns, and the rows it has for a catalog snapshot.
 * The analyzer scans it like a table: each definition comes with a `Table` descriptor (no
 * primary key, no indexes, no storage) that plans carry, and the executor asks
 * `systemTableOf(plan.table)` for the rows instead of reading the store.
 */
import type { Table } from "../catalog/index.js";
import { arrayOf, INT2VECTOR, OIDVECTOR, REGCLASS, REGPROC, type SqlType, type SqlValue, typeFromName } from "../types/index.js";
import type { SystemSnapshot } from "./snapshot.js";

export interface SystemTable {
  readonly oid: number;
  readonly name: string;
  readonly namespace: number;
  /** A view in PostgreSQL (pg_roles, pg_tables, information_schema.*): relkind 'v'. */
  readonly view: boolean;
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  /** The rows, in the column order, computed from the snapshot. */
  rows(snapshot: SystemSnapshot): Iterable<SqlValue[]>;
  /** The descriptor plans carry. */
  readonly table: Table;
}

const tables = new WeakMap<Table, SystemTable>();

/** The system table a plan's table descriptor stands for, or undefined for a stored table. */
export function systemTableOf(table: Table): SystemTable | undefined {
  return tables.get(table);
}

/**
 * Column types as the definitions spell them: PostgreSQL's names, with those Alopex has no type
 * for mapped onto what holds their values (name and "char" are text, xid is int8, aclitem and
 * pg_node_tree are text).
 */
function columnType(spec: string): SqlType {
  switch (spec) {
    case "name":
    case "char":
    case "pg_node_tree":
    case "aclitem":
      return { kind: "text" };
    case "xid":
      return { kind: "int8" };
    case "int2vector":
      return INT2VECTOR;
    case "oidvector":
      return OIDVECTOR;
    case "regproc":
      return REGPROC;
    case "regclass":
      return REGCLASS;
    default:
      if (spec.endsWith("[]")) return arrayOf(columnType(spec.slice(0, -2)));
      return typeFromName(spec);
  }
}

/**
 * Defines a system table. `columns` is "name type, name type, ..." with PostgreSQL's type names;
 * `rows` yields values in that order.
 */
export function systemTable(namespace: number, name: string, oid: number, columns: string, rows: (s: SystemSnapshot) => Iterable<SqlValue[]>, view = false): SystemTable {
  const cols = columns
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "")
    .map((c) => {
      const at = c.indexOf(" ");
      return { name: c.slice(0, at), type: columnType(c.slice(at + 1).trim()) };
    });
  const table: Table = Object.freeze({
    kind: "table",
    id: oid,
    name,
    columns: Object.freeze(cols.map((c, i) => Object.freeze({ id: i + 1, name: c.name, type: c.type, notNull: false }))),
    primaryKey: Object.freeze([]),
    primaryKeyDirections: Object.freeze([]),
    checks: Object.freeze([]),
    nextColumnId: cols.length + 1,
    version: 1,
  });
  const def: SystemTable = { oid, name, namespace, view, columns: cols, rows, table };
  tables.set(table, def);
  return def;
}
