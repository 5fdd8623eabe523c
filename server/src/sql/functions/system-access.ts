/**
 * What the system information functions (current_setting, pg_get_indexdef, regclass output...)
 * read: the session and its catalog. The SQL system catalog (sql/system) implements it over a
 * snapshot of the catalog taken for the statement; functions see it as `EvalContext.system`.
 */
import type { RegType } from "../types/index.js";

export interface SystemAccess {
  /** The role the session runs as (current_user, session_user). */
  readonly user: string;
  readonly database: string;
  /** The session's process id (pg_backend_pid), as the wire protocol's BackendKeyData reports it. */
  readonly backendPid: number;
  /** A run-time parameter's value; undefined when there is no such parameter. */
  setting(name: string): string | undefined;
  /** set_config: sets a parameter (as SET does) and returns its new value. */
  setSetting(name: string, value: string, isLocal: boolean): string;
  /** The schemas current_schemas() lists, pg_catalog first when `implicit`. */
  searchPath(implicit: boolean): string[];
  /** The name an OID alias type prints for an OID, or undefined when no object has that OID. */
  nameOf(reg: RegType, oid: number): string | undefined;
  /** The OID a name has under an alias type, or undefined when nothing has that name. */
  oidOf(reg: RegType, name: string): number | undefined;
  /** Whether a relation exists and is found by its unqualified name (pg_table_is_visible). */
  relationVisible(oid: number): boolean;
  /**
   * pg_get_indexdef: the CREATE INDEX statement, or with column > 0 that key column's text.
   * `pretty` leaves the table unqualified when its schema is on the search path.
   */
  indexDefinition(oid: number, column: number, pretty: boolean): string | undefined;
  /** pg_get_viewdef: a view's query, or undefined for anything that is not a view. */
  viewDefinition(oid: number): string | undefined;
  /** pg_get_constraintdef: the constraint as ALTER TABLE ADD CONSTRAINT would write it. */
  constraintDefinition(oid: number): string | undefined;
  /** pg_get_serial_sequence: the sequence a serial column owns, schema-qualified. */
  serialSequence(table: string, column: string): string | undefined;
}
