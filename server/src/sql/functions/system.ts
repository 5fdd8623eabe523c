/**
 * System information functions that clients (psql, drivers, pgbench) call: session values
 * (current_setting, set_config, current_user, current_database, current_schemas,
 * pg_backend_pid, version), catalog lookups (pg_get_userbyid, pg_table_is_visible, format_type,
 * pg_get_indexdef, pg_get_constraintdef, pg_get_expr, to_regclass...), and the ones that have
 * nothing to report here (comments, privileges: Alopex has no COMMENT ON and no privilege
 * system yet, so every privilege check is true, as it is for a superuser).
 *
 * Overloads marked `system` read `EvalContext.system`, which the executor supplies.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { arrayOf, formatType, intervalFromTypmod, type RegType, REGCLASS, type SqlType, type SqlValue, TEXT, typeFromOid } from "../types/index.js";
import { fn } from "./common.js";
import type { EvalContext, Overload } from "./registry.js";
import type { SystemAccess } from "./system-access.js";

const s = (v: SqlValue | undefined): string => v as string;
const n = (v: SqlValue | undefined): number => v as number;

function access(ctx: EvalContext): SystemAccess {
  if (!ctx.system) throw new SqlStateError("internal error: a system function ran without the session", "XX000");
  return ctx.system;
}

const system = { system: true } as const;

/** Internal names (with a dot, so SQL text can never call them) the analyzer uses for OID alias input and output. */
export const REG_OUT = "pg_catalog.regout";
export const REG_IN = "pg_catalog.regin";

/** The error PostgreSQL gives when an alias type's input names nothing. */
export function regNotFound(reg: RegType, name: string): SqlStateError {
  switch (reg) {
    case "regclass":
      return new SqlStateError(`relation "${name}" does not exist`, "42P01");
    case "regtype":
      return new SqlStateError(`type "${name}" does not exist`, "42704");
    case "regnamespace":
      return new SqlStateError(`schema "${name}" does not exist`, "3F000");
    case "regrole":
      return new SqlStateError(`role "${name}" does not exist`, "42704");
    default:
      return new SqlStateError(`function "${name}" does not exist`, "42883");
  }
}

function viewDefinitionByName(system: SystemAccess, name: string): string | null {
  const oid = system.oidOf("regclass", name);
  if (oid === undefined) throw new SqlStateError(`relation "${name}" does not exist`, "42P01");
  return system.viewDefinition(oid) ?? null;
}

function regOf(t: SqlType | undefined): RegType {
  return t?.kind === "oid" && t.reg !== undefined ? t.reg : "regclass";
}

/** format_type: the type's name with the modifier applied ("character varying(10)"), or "???" for an unknown OID. */
export function formatTypeWithModifier(oid: number, typmod: number | null): string {
  const t = typeFromOid(oid);
  if (t === undefined) return "???";
  if (typmod === null || typmod < 0) return formatType(t);
  switch (t.kind) {
    case "varchar":
    case "char":
      return formatType({ kind: t.kind, length: typmod - 4 });
    case "numeric": {
      const v = typmod - 4;
      const scale = ((v & 0x7ff) ^ 0x400) - 0x400;
      return formatType({ kind: "numeric", precision: (v >> 16) & 0xffff, scale });
    }
    case "timestamp":
    case "timestamptz":
      return formatType({ kind: t.kind, precision: typmod });
    case "vector":
      return formatType({ kind: "vector", dims: typmod, metric: "l2" });
    case "interval":
      return formatType(intervalFromTypmod(typmod));
    default:
      return formatType(t);
  }
}

/** pg_size_pretty: bytes below 10 kB, then kB, MB, GB, TB and PB, rounded half away from zero as PostgreSQL does. */
function sizePretty(size: bigint): string {
  const limit = 10n * 1024n;
  const limit2 = limit * 2n - 1n;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  if (abs(size) < limit) return `${size} bytes`;
  const halfRounded = (x: bigint) => (x + (x < 0n ? -1n : 1n)) / 2n;
  // Keep one extra bit for rounding.
  let v = size >> 9n;
  for (const unit of ["kB", "MB", "GB", "TB"]) {
    if (abs(v) < limit2) return `${halfRounded(v)} ${unit}`;
    v >>= 10n;
  }
  return `${halfRounded(v)} PB`;
}

/** pg_encoding_to_char for the encodings PostgreSQL numbers 0 (SQL_ASCII) and 6 (UTF8). */
function encodingName(id: number): string {
  return id === 6 ? "UTF8" : id === 0 ? "SQL_ASCII" : "";
}

const PRIVILEGE_FUNCTIONS = ["table", "schema", "database", "column", "function", "sequence", "any_column", "tablespace", "type", "language", "foreign_data_wrapper", "server"];

export const SYSTEM_FUNCTIONS: readonly Overload[] = [
  fn("version", [], "text", (_a, c) => `PostgreSQL ${access(c).setting("server_version") ?? ""} on ${process.arch === "arm64" ? "aarch64" : "x86_64"}-pc-linux-gnu, compiled by Node.js ${process.version}, 64-bit`, system),
  fn(
    "current_setting",
    ["text"],
    "text",
    ([name], c) => {
      const v = access(c).setting(s(name));
      if (v === undefined) throw new SqlStateError(`unrecognized configuration parameter "${s(name)}"`, "42704");
      return v;
    },
    system,
  ),
  fn("current_setting", ["text", "bool"], "text", ([name, missingOk], c) => {
    const v = access(c).setting(s(name));
    if (v === undefined && !missingOk) throw new SqlStateError(`unrecognized configuration parameter "${s(name)}"`, "42704");
    return v ?? null;
  }, system),
  fn("set_config", ["text", "text", "bool"], "text", ([name, value, local], c) => access(c).setSetting(s(name), s(value), local === true), { system: true, volatile: true }),
  fn("current_database", [], "text", (_a, c) => access(c).database, system),
  fn("current_user", [], "text", (_a, c) => access(c).user, system),
  fn("session_user", [], "text", (_a, c) => access(c).user, system),
  fn("current_schema", [], "text", (_a, c) => access(c).searchPath(false)[0] ?? null, system),
  fn("current_schemas", ["bool"], arrayOf(TEXT), ([implicit], c) => access(c).searchPath(implicit === true), system),
  fn("pg_backend_pid", [], "int4", (_a, c) => access(c).backendPid, system),
  fn("pg_get_userbyid", ["oid"], "text", ([oid], c) => access(c).nameOf("regrole", n(oid)) ?? `unknown (OID=${n(oid)})`, system),
  fn("pg_table_is_visible", ["oid"], "bool", ([oid], c) => access(c).relationVisible(n(oid)), system),
  fn("pg_type_is_visible", ["oid"], "bool", ([oid]) => typeFromOid(n(oid)) !== undefined),
  fn("pg_function_is_visible", ["oid"], "bool", () => true),
  fn("format_type", ["oid", "int4"], "text", ([oid, typmod]) => (oid === null ? null : formatTypeWithModifier(n(oid), typmod === null ? null : n(typmod))), { strict: false }),
  fn("pg_get_indexdef", ["oid"], "text", ([oid], c) => access(c).indexDefinition(n(oid), 0, false) ?? null, system),
  fn("pg_get_indexdef", ["oid", "int4", "bool"], "text", ([oid, column, pretty], c) => access(c).indexDefinition(n(oid), n(column), pretty === true) ?? null, system),
  fn("pg_get_constraintdef", ["oid"], "text", ([oid], c) => access(c).constraintDefinition(n(oid)) ?? null, system),
  fn("pg_get_constraintdef", ["oid", "bool"], "text", ([oid], c) => access(c).constraintDefinition(n(oid)) ?? null, system),
  // Defaults and checks are stored as SQL text, which is what pg_get_expr prints.
  fn("pg_get_expr", ["text", "oid"], "text", ([expr]) => s(expr)),
  fn("pg_get_expr", ["text", "oid", "bool"], "text", ([expr]) => s(expr)),
  fn("pg_get_serial_sequence", ["text", "text"], "text", ([table, column], c) => access(c).serialSequence(s(table), s(column)) ?? null, system),
  fn("pg_get_viewdef", ["oid"], "text", ([oid], c) => access(c).viewDefinition(n(oid)) ?? null, system),
  fn("pg_get_viewdef", ["oid", "bool"], "text", ([oid], c) => access(c).viewDefinition(n(oid)) ?? null, system),
  fn("pg_get_viewdef", ["oid", "int4"], "text", ([oid], c) => access(c).viewDefinition(n(oid)) ?? null, system),
  // The deprecated forms by name, which an untyped literal resolves to, as in PostgreSQL.
  fn("pg_get_viewdef", ["text"], "text", ([name], c) => viewDefinitionByName(access(c), s(name)), system),
  fn("pg_get_viewdef", ["text", "bool"], "text", ([name], c) => viewDefinitionByName(access(c), s(name)), system),
  // There are no rules (pg_rewrite is empty), so no rule has a definition.
  fn("pg_get_ruledef", ["oid"], "text", () => null),
  fn("pg_get_ruledef", ["oid", "bool"], "text", () => null),
  fn("pg_get_triggerdef", ["oid"], "text", () => null),
  fn("pg_get_triggerdef", ["oid", "bool"], "text", () => null),
  fn("pg_get_statisticsobjdef_columns", ["oid"], "text", () => null),
  fn("pg_relation_is_publishable", ["oid"], "bool", ([oid], c) => access(c).nameOf("regclass", n(oid)) !== undefined, system),
  fn("obj_description", ["oid"], "text", () => null, { strict: false }),
  fn("obj_description", ["oid", "text"], "text", () => null, { strict: false }),
  fn("col_description", ["oid", "int4"], "text", () => null, { strict: false }),
  fn("shobj_description", ["oid", "text"], "text", () => null, { strict: false }),
  fn("pg_encoding_to_char", ["int4"], "text", ([id]) => encodingName(n(id))),
  fn("pg_char_to_encoding", ["text"], "int4", ([name]) => (/^utf-?8$/i.test(s(name)) ? 6 : /^sql_ascii$/i.test(s(name)) ? 0 : -1)),
  fn("pg_is_in_recovery", [], "bool", () => false),
  // Function signatures and storage sizes are not tracked: NULL, as for an object that has none.
  fn("pg_get_function_result", ["oid"], "text", () => null),
  fn("pg_get_function_arguments", ["oid"], "text", () => null),
  fn("pg_get_function_identity_arguments", ["oid"], "text", () => null),
  fn("pg_tablespace_location", ["oid"], "text", () => ""),
  ...["pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_total_relation_size", "pg_database_size"].map((name) => fn(name, ["any"], "int8", () => null)),
  fn("pg_size_pretty", ["int8"], "text", ([size]) => sizePretty(size as bigint)),
  ...PRIVILEGE_FUNCTIONS.flatMap((what) => [
    fn(`has_${what}_privilege`, ["any", "any"], "bool", () => true),
    fn(`has_${what}_privilege`, ["any", "any", "any"], "bool", () => true),
    ...(what === "column" ? [fn(`has_${what}_privilege`, ["any", "any", "any", "any"], "bool", () => true)] : []),
  ]),
  ...(["regclass", "regtype", "regnamespace", "regrole", "regproc"] as const).map((reg) =>
    fn(`to_${reg}`, ["text"], { kind: "oid", reg }, ([name], c) => access(c).oidOf(reg, s(name)) ?? null, system),
  ),
  fn(REG_OUT, ["any"], "text", ([oid], c, t) => access(c).nameOf(regOf(t[0]), n(oid)) ?? String(oid), system),
  fn(
    REG_IN,
    ["text", "text"],
    REGCLASS,
    ([name, regName], c) => {
      const reg = s(regName) as RegType;
      const text = s(name).trim();
      if (/^\d+$/.test(text)) return Number(text);
      const oid = access(c).oidOf(reg, text);
      if (oid === undefined) throw regNotFound(reg, text);
      return oid;
    },
    system,
  ),
];
