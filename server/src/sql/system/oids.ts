/**
 * The OIDs the system catalog reports. Tables, indexes and sequences report their catalog id
 * (16384 and up, never reused). Objects the catalog has no id for get OIDs computed from their
 * owner, in ranges no catalog id reaches (ids grow by one per object created, so the counter
 * would need two billion objects to get there):
 *
 *   0x80000000 + (tableId - 16384) * 256 + slot   per-table objects:
 *       slot 0         the primary key's index (`<table>_pkey`)
 *       slot 1         the primary key constraint
 *       slots 2..129   check constraint i (table.checks order; a table has at most 128)
 *       slots 130..255 the constraint behind unique index i (in index order)
 *   0x60000000 + hash(name) % 2^28                 roles (the catalog keys them by name only)
 *   0x70000000 + (tableId - 16384) * 1600 + attnum column defaults (pg_attrdef; 1600 columns at most, as in PostgreSQL)
 *
 * Fixed OIDs are PostgreSQL's where it has one (namespaces, access methods, collations, the
 * system tables themselves).
 */
import { FIRST_OBJECT_ID } from "../catalog/index.js";

export const PG_CATALOG_NAMESPACE = 11;
export const PUBLIC_NAMESPACE = 2200;
export const PG_TOAST_NAMESPACE = 99;
/** PostgreSQL gives information_schema an OID at initdb (13xxx in 15); any fixed one below 16384 does. */
export const INFORMATION_SCHEMA_NAMESPACE = 13000;

/** The one database a server holds; PostgreSQL's "postgres" database has OID 5. */
export const DATABASE_OID = 5;
export const DEFAULT_TABLESPACE = 1663;
export const GLOBAL_TABLESPACE = 1664;

export const HEAP_AM = 2;
export const BTREE_AM = 403;
export const HASH_AM = 405;
/** Like the vector type's OID, from the range PostgreSQL reserves for development. */
export const HNSW_AM = 8001;

export const DEFAULT_COLLATION = 100;
export const C_COLLATION = 950;
export const POSIX_COLLATION = 951;

/** pg_class's own OID, the classoid of relations (pg_description and the like). */
export const PG_CLASS_OID = 1259;

const SYNTHETIC_BASE = 0x80000000;
const SLOTS_PER_TABLE = 256;
const MAX_CHECKS = 128;
const UNIQUE_BASE = 2 + MAX_CHECKS;

function tableSlot(tableId: number, slot: number): number {
  return SYNTHETIC_BASE + (tableId - FIRST_OBJECT_ID) * SLOTS_PER_TABLE + slot;
}

export const primaryKeyIndexOid = (tableId: number): number => tableSlot(tableId, 0);
export const primaryKeyConstraintOid = (tableId: number): number => tableSlot(tableId, 1);
export const checkConstraintOid = (tableId: number, i: number): number => tableSlot(tableId, 2 + Math.min(i, MAX_CHECKS - 1));
export const uniqueConstraintOid = (tableId: number, i: number): number => tableSlot(tableId, UNIQUE_BASE + Math.min(i, SLOTS_PER_TABLE - UNIQUE_BASE - 1));

export const attrdefOid = (tableId: number, attnum: number): number => 0x70000000 + (tableId - FIRST_OBJECT_ID) * 1600 + attnum;

/** What a synthetic OID stands for, or undefined for one outside the per-table range. */
export function decodeSyntheticOid(oid: number): { tableId: number; kind: "pkey index" | "pkey constraint" | "check" | "unique"; index: number } | undefined {
  if (oid < SYNTHETIC_BASE) return undefined;
  const rel = oid - SYNTHETIC_BASE;
  const tableId = Math.floor(rel / SLOTS_PER_TABLE) + FIRST_OBJECT_ID;
  const slot = rel % SLOTS_PER_TABLE;
  if (slot === 0) return { tableId, kind: "pkey index", index: 0 };
  if (slot === 1) return { tableId, kind: "pkey constraint", index: 0 };
  if (slot < UNIQUE_BASE) return { tableId, kind: "check", index: slot - 2 };
  return { tableId, kind: "unique", index: slot - UNIQUE_BASE };
}

/** A role's OID: FNV-1a of its name in a range of its own. */
export function roleOid(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 0x60000000 + (h % 0x10000000);
}
