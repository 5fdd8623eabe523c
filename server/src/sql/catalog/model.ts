/**
 * What the catalog stores: tables, indexes, sequences and roles, and the specs DDL takes.
 *
 * Every object the catalog hands out is immutable (frozen where that is possible), because one
 * decoded object is shared by every reader of the same catalog version.
 */
import type { Direction } from "../../kv/key-encoding.js";
import type { SqlType, SqlValue } from "../types/index.js";

/** The one schema there is for now; names are unique per schema. */
export const DEFAULT_SCHEMA = "public";

export interface Column {
  /** Stable within the table and never reused (rows store values by it, see row-codec.ts). */
  readonly id: number;
  readonly name: string;
  readonly type: SqlType;
  readonly notNull: boolean;
  /** The DEFAULT expression as SQL text; the analyzer parses it when it plans a write. */
  readonly default?: string;
  /**
   * What rows written before the column existed read as: ADD COLUMN with a constant default
   * stores it here instead of rewriting the table (PostgreSQL's attmissingval).
   */
  readonly missing?: SqlValue;
  /** The sequence behind a serial column (its default is `nextval('<name>'::regclass)`). */
  readonly serial?: string;
}

export interface Check {
  readonly name: string;
  /** The CHECK expression as SQL text. */
  readonly expr: string;
  /** Columns the expression refers to, when the analyzer said: dropping one drops the check. */
  readonly columnIds?: readonly number[];
}

export interface Table {
  readonly kind: "table";
  /** Stable, never reused, at least FIRST_OBJECT_ID (so it can be reported as a PostgreSQL OID). */
  readonly id: number;
  readonly name: string;
  /** In definition order; dropped columns are gone from here (their ids are not reused). */
  readonly columns: readonly Column[];
  /** Column ids of the primary key; empty: rows are keyed by a hidden int8 row id. */
  readonly primaryKey: readonly number[];
  /** Direction of each primary key column (same length as primaryKey). */
  readonly primaryKeyDirections: readonly Direction[];
  readonly checks: readonly Check[];
  readonly nextColumnId: number;
  /** Increases with every change to the table or its indexes, so plans can tell they are stale. */
  readonly version: number;
}

export type IndexMethod = "btree" | "hnsw";

export interface IndexColumn {
  readonly columnId: number;
  readonly direction: Direction;
}

export interface Index {
  readonly kind: "index";
  readonly id: number;
  readonly name: string;
  readonly tableId: number;
  readonly columns: readonly IndexColumn[];
  readonly unique: boolean;
  readonly method: IndexMethod;
  /** hnsw: m, ef_construction and opclass (vector_l2_ops, vector_cosine_ops, vector_ip_ops). */
  readonly options: Readonly<Record<string, string | number>>;
  /** Backs a UNIQUE constraint: DROP INDEX refuses it without CASCADE, as PostgreSQL does. */
  readonly constraint: boolean;
}

export type SequenceType = "int2" | "int4" | "int8";

export interface Sequence {
  readonly kind: "sequence";
  readonly id: number;
  readonly name: string;
  readonly type: SequenceType;
  readonly start: bigint;
  readonly increment: bigint;
  readonly min: bigint;
  readonly max: bigint;
  readonly cycle: boolean;
  /** Values reserved per trip to the store (PostgreSQL's CACHE); at least 1. */
  readonly cache: number;
  /** The serial column that owns it: dropping the column or table drops the sequence. */
  readonly ownedBy?: { readonly tableId: number; readonly columnId: number };
}

export interface Role extends RoleAttributes {
  readonly name: string;
  readonly login: boolean;
  readonly superuser: boolean;
  /** SCRAM-SHA-256 verifier as PostgreSQL stores it in pg_authid.rolpassword. */
  readonly passwordScram?: string;
}

/**
 * Role attributes PostgreSQL has that Alopex records and reports (pg_roles, psql's \du) but does
 * not act on: there are no privileges to check yet. Absent means PostgreSQL's default.
 */
export interface RoleAttributes {
  /** Default false. */
  readonly createdb?: boolean;
  readonly createrole?: boolean;
  readonly replication?: boolean;
  readonly bypassrls?: boolean;
  /** Default true. */
  readonly inherit?: boolean;
  /** Default -1 (no limit). */
  readonly connectionLimit?: number;
  /** VALID UNTIL as written (a timestamp's text). */
  readonly validUntil?: string;
}

export const ROLE_ATTRIBUTES = ["createdb", "createrole", "replication", "bypassrls", "inherit", "connectionLimit", "validUntil"] as const;

export interface ViewColumn {
  readonly name: string;
  readonly type: SqlType;
}

/** A relation a view's definition reads. */
export interface ViewDependency {
  readonly kind: "table" | "view";
  /** The relation's id (a table's follows it when the table moves to a new id). */
  readonly id: number;
  /** A table's column ids the definition reads (DROP COLUMN and ALTER COLUMN TYPE check them). */
  readonly columns: readonly number[];
  /**
   * A table's nextColumnId, or a view's column count, when the view was defined: columns added
   * later are not the view's, since PostgreSQL expands a `*` once, at CREATE VIEW.
   */
  readonly columnLimit?: number;
}

export interface View {
  readonly kind: "view";
  readonly id: number;
  readonly name: string;
  /** The query as SQL text; analysed again wherever the view is used. */
  readonly definition: string;
  readonly columns: readonly ViewColumn[];
  readonly dependsOn: readonly ViewDependency[];
  /** Increases with every CREATE OR REPLACE, so plans can tell they are stale. */
  readonly version: number;
}

export type Relation = Table | Index | Sequence | View;
export type RelationKind = Relation["kind"];

// ---- specs ---------------------------------------------------------------------------------

export interface ColumnSpec {
  readonly name: string;
  /** For a serial column: the integer type (int2, int4 or int8) it stands for. */
  readonly type: SqlType;
  readonly notNull?: boolean;
  readonly default?: string;
  /** SERIAL / BIGSERIAL / SMALLSERIAL: creates an owned sequence and the nextval default. */
  readonly serial?: boolean;
  /** ADD COLUMN only: the constant existing rows read as (the default, evaluated once). */
  readonly missing?: SqlValue;
}

export interface KeyColumnSpec {
  readonly column: string;
  readonly direction?: Direction;
}

export interface CheckSpec {
  /** Default: PostgreSQL's choice, `<table>_<column>_check` or `<table>_check`, numbered if taken. */
  readonly name?: string;
  readonly expr: string;
  /** Names of the columns the expression uses (lets DROP COLUMN drop the check with it). */
  readonly columns?: readonly string[];
}

export interface CreateTableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey?: readonly (string | KeyColumnSpec)[];
  readonly checks?: readonly CheckSpec[];
  readonly ifNotExists?: boolean;
}

export interface CreateIndexSpec {
  /** Default: PostgreSQL's choice, `<table>_<columns>_idx` (`_key` for a constraint), numbered if taken. */
  readonly name?: string;
  readonly table: string;
  readonly columns: readonly (string | KeyColumnSpec)[];
  readonly unique?: boolean;
  /** Default btree. */
  readonly method?: IndexMethod;
  readonly options?: Readonly<Record<string, string | number>>;
  /** The index enforces a UNIQUE constraint of the table (created by CREATE/ALTER TABLE). */
  readonly constraint?: boolean;
  readonly ifNotExists?: boolean;
}

export interface CreateSequenceSpec {
  readonly name: string;
  /** AS smallint | integer | bigint; default int8. */
  readonly type?: SequenceType;
  readonly start?: bigint;
  readonly increment?: bigint;
  readonly min?: bigint;
  readonly max?: bigint;
  readonly cycle?: boolean;
  readonly cache?: number;
  readonly ifNotExists?: boolean;
}

export interface CreateViewSpec {
  readonly name: string;
  readonly definition: string;
  readonly columns: readonly ViewColumn[];
  readonly dependsOn: readonly ViewDependency[];
  /** CREATE OR REPLACE: an existing view may be redefined with the same leading columns. */
  readonly orReplace?: boolean;
}

export interface RoleSpec extends RoleAttributes {
  readonly name: string;
  readonly login?: boolean;
  readonly superuser?: boolean;
  readonly passwordScram?: string;
}

export interface AlterRoleSpec extends RoleAttributes {
  readonly login?: boolean;
  readonly superuser?: boolean;
  /** null removes the password. */
  readonly passwordScram?: string | null;
}

export interface DropOptions {
  readonly ifExists?: boolean;
  readonly cascade?: boolean;
  /** Receives the notices of CASCADE (`drop cascades to view v`). */
  readonly notices?: CatalogNotice[];
}

export interface RenameColumnOptions {
  /**
   * Rewrites an expression's text for the new column name (the analyzer knows how to find
   * identifiers). Without it, renaming a column that a CHECK refers to fails, because the check's
   * text would silently stop matching.
   */
  readonly rewriteExpression?: (expr: string, oldName: string, newName: string) => string;
}

// ---- results -------------------------------------------------------------------------------

/** A NOTICE for the client (SQLSTATE 00000), e.g. `relation "t" already exists, skipping`. */
export interface CatalogNotice {
  readonly severity: "NOTICE";
  readonly sqlstate: "00000";
  readonly message: string;
  readonly detail?: string;
}

/** What an IF [NOT] EXISTS statement did: the object it changed, or the notice that it skipped. */
export type DdlResult<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly notice: CatalogNotice };

export function done<T>(value: T): DdlResult<T> {
  return { done: true, value };
}

export function skipped<T>(message: string): DdlResult<T> {
  return { done: false, notice: { severity: "NOTICE", sqlstate: "00000", message } };
}
