/**
 * information_schema (SQL standard): schemata, tables, columns, table_constraints,
 * key_column_usage and views, as PostgreSQL 15 fills them, from a catalog snapshot. Its domain
 * types (sql_identifier, character_data, cardinal_number, yes_or_no) are text and int4 here.
 */
import { formatType, type SqlType, type SqlValue, withoutModifiers } from "../types/index.js";
import { INFORMATION_SCHEMA_NAMESPACE } from "./oids.js";
import { type SystemSnapshot, viewDefinitionText, withoutOuterParens } from "./snapshot.js";
import { systemTable, type SystemTable } from "./system-table.js";

const NS = INFORMATION_SCHEMA_NAMESPACE;

/** data_type as the standard spells it; arrays are ARRAY and types outside the standard USER-DEFINED. */
function dataType(t: SqlType): string {
  switch (t.kind) {
    case "array":
      return "ARRAY";
    case "vector":
      return "USER-DEFINED";
    case "char":
      return "character";
    default:
      return formatType(withoutModifiers(t));
  }
}

/** udt_name: PostgreSQL's internal type name. */
function udtName(t: SqlType): string {
  const names: Partial<Record<SqlType["kind"], string>> = { char: "bpchar", array: "_" };
  if (t.kind === "array") return `_${udtName(t.element)}`;
  if (t.kind === "oid") return t.reg ?? "oid";
  return names[t.kind] ?? t.kind;
}

function numericFacts(t: SqlType): { precision: number | null; radix: number | null; scale: number | null } {
  switch (t.kind) {
    case "int2":
      return { precision: 16, radix: 2, scale: 0 };
    case "int4":
      return { precision: 32, radix: 2, scale: 0 };
    case "int8":
      return { precision: 64, radix: 2, scale: 0 };
    case "float4":
      return { precision: 24, radix: 2, scale: null };
    case "float8":
      return { precision: 53, radix: 2, scale: null };
    case "numeric":
      return { precision: t.precision ?? null, radix: 10, scale: t.precision === undefined ? null : (t.scale ?? 0) };
    default:
      return { precision: null, radix: null, scale: null };
  }
}

function datetimePrecision(t: SqlType): number | null {
  if (t.kind === "date") return 0;
  if (t.kind === "timestamp" || t.kind === "timestamptz") return t.precision ?? 6;
  if (t.kind === "interval") return t.precision ?? 6;
  return null;
}

function* columnRows(s: SystemSnapshot): Iterable<SqlValue[]> {
  for (const r of s.relations) {
    if (r.kind !== "r" && r.kind !== "v") continue;
    const schema = s.namespaceName(r.namespace) ?? "";
    const cols = r.table
      ? r.table.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, default: c.default === undefined ? null : withoutOuterParens(c.default) })) : (r.view?.columns ?? r.system?.columns ?? []).map((c) => ({ name: c.name, type: c.type, notNull: false, default: null }));
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      const t = c.type;
      const length = (t.kind === "varchar" || t.kind === "char") && t.length !== undefined ? t.length : null;
      const n = numericFacts(t);
      yield [
        s.database, schema, r.name, c.name, i + 1, c.default, c.notNull ? "NO" : "YES", dataType(t), length, length === null ? (t.kind === "text" ? 1073741824 : null) : length * 4,
        n.precision, n.radix, n.scale, datetimePrecision(t), null, null, null, null, null, null, null, null, null, null, null,
        s.database, "pg_catalog", udtName(t), null, null, null, null, String(i + 1), "NO", "NO", null, null, null, null, null, "NO", "NEVER", null, r.kind === "r" ? "YES" : "NO",
      ];
    }
  }
}

const COLUMNS_COLUMNS =
  "table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, column_default text, is_nullable text, data_type text, " +
  "character_maximum_length int4, character_octet_length int4, numeric_precision int4, numeric_precision_radix int4, numeric_scale int4, datetime_precision int4, " +
  "interval_type text, interval_precision int4, character_set_catalog name, character_set_schema name, character_set_name name, collation_catalog name, " +
  "collation_schema name, collation_name name, domain_catalog name, domain_schema name, domain_name name, udt_catalog name, udt_schema name, udt_name name, " +
  "scope_catalog name, scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name, is_self_referencing text, is_identity text, " +
  "identity_generation text, identity_start text, identity_increment text, identity_maximum text, identity_minimum text, identity_cycle text, is_generated text, " +
  "generation_expression text, is_updatable text";

const CONSTRAINT_TYPES = { p: "PRIMARY KEY", u: "UNIQUE", c: "CHECK" } as const;

export const INFORMATION_SCHEMA_TABLES: readonly SystemTable[] = [
  systemTable(
    NS,
    "schemata",
    13001,
    "catalog_name name, schema_name name, schema_owner name, default_character_set_catalog name, default_character_set_schema name, default_character_set_name name, sql_path text",
    (s) => s.namespaces.map((n) => [s.database, n.name, s.nameOf("regrole", n.owner) ?? s.user, null, null, null, null]),
    true,
  ),
  systemTable(
    NS,
    "tables",
    13002,
    "table_catalog name, table_schema name, table_name name, table_type text, self_referencing_column_name name, reference_generation text, " +
      "user_defined_type_catalog name, user_defined_type_schema name, user_defined_type_name name, is_insertable_into text, is_typed text, commit_action text",
    function* (s) {
      for (const r of s.relations) {
        if (r.kind !== "r" && r.kind !== "v") continue;
        yield [s.database, s.namespaceName(r.namespace) ?? "", r.name, r.kind === "v" ? "VIEW" : "BASE TABLE", null, null, null, null, null, r.kind === "r" && !r.system ? "YES" : "NO", "NO", null];
      }
    },
    true,
  ),
  systemTable(NS, "columns", 13003, COLUMNS_COLUMNS, columnRows, true),
  systemTable(
    NS,
    "table_constraints",
    13004,
    "constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name, table_name name, constraint_type text, " +
      "is_deferrable text, initially_deferred text, enforced text, nulls_distinct text",
    (s) =>
      s.constraints.map((c) => [s.database, "public", c.name, s.database, "public", c.table.name, CONSTRAINT_TYPES[c.type], "NO", "NO", "YES", c.type === "u" ? "YES" : null]),
    true,
  ),
  systemTable(
    NS,
    "key_column_usage",
    13005,
    "constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name, table_name name, column_name name, " +
      "ordinal_position int4, position_in_unique_constraint int4",
    function* (s) {
      for (const c of s.constraints) {
        if (c.type === "c") continue;
        for (let i = 0; i < c.columns.length; i++) {
          yield [s.database, "public", c.name, s.database, "public", c.table.name, c.table.columns[c.columns[i]! - 1]?.name ?? "", i + 1, null];
        }
      }
    },
    true,
  ),
  systemTable(
    NS,
    "views",
    13006,
    "table_catalog name, table_schema name, table_name name, view_definition text, check_option text, is_updatable text, is_insertable_into text, " +
      "is_trigger_updatable text, is_trigger_deletable text, is_trigger_insertable_into text",
    function* (s) {
      for (const r of s.relations) {
        if (r.view) yield [s.database, s.namespaceName(r.namespace) ?? "", r.name, viewDefinitionText(r.view), "NONE", "NO", "NO", "NO", "NO", "NO"];
      }
    },
    true,
  ),
];
