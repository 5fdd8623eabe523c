/**
 * The system catalog: pg_catalog and information_schema as virtual tables computed from the SQL
 * catalog when a statement reads them, and what the system information functions read.
 *
 * - `lookupSystemTable(schema, name)`: what the analyzer's FROM resolution consults. pg_catalog
 *   is searched before public for unqualified names (as PostgreSQL's implicit search path does);
 *   information_schema must be named.
 * - `SystemSnapshot.load(catalog, session)`: one statement's view of the catalog (relations
 *   with their OIDs, constraints, roles), from which the tables' rows come; it also implements
 *   the functions' SystemAccess.
 * - `systemTableOf(table)`: the definition behind a plan's table descriptor (the executor's way
 *   to tell a system table from a stored one).
 */
import type { Catalog } from "../catalog/index.js";
import { INFORMATION_SCHEMA_TABLES } from "./information-schema.js";
import { PG_CATALOG_TABLES } from "./pg-catalog.js";
import { type SessionInfo, SystemSnapshot } from "./snapshot.js";
import type { SystemTable } from "./system-table.js";

export { type SessionInfo, SystemSnapshot, splitQualifiedName, withoutOuterParens } from "./snapshot.js";
export { systemTableOf, type SystemTable } from "./system-table.js";
export * from "./oids.js";

const ALL_TABLES: readonly SystemTable[] = [...PG_CATALOG_TABLES, ...INFORMATION_SCHEMA_TABLES];
const PG_CATALOG = new Map(PG_CATALOG_TABLES.map((t) => [t.name, t]));
const INFORMATION_SCHEMA = new Map(INFORMATION_SCHEMA_TABLES.map((t) => [t.name, t]));

/** Schemas whose relations are all system tables. */
export function isSystemSchema(schema: string): boolean {
  return schema === "pg_catalog" || schema === "information_schema";
}

/** The system table `schema.name` (or an unqualified pg_catalog name) stands for, if any. */
export function lookupSystemTable(schema: string | undefined, name: string): SystemTable | undefined {
  if (schema === undefined || schema === "pg_catalog") return PG_CATALOG.get(name);
  if (schema === "information_schema") return INFORMATION_SCHEMA.get(name);
  return undefined;
}

/** The system catalog's view of `catalog` for one statement. */
export function loadSystemSnapshot(catalog: Catalog, session: SessionInfo): Promise<SystemSnapshot> {
  return SystemSnapshot.load(catalog, session, ALL_TABLES);
}
