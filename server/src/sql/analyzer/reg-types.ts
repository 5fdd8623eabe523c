/**
 * The OID alias types (regclass, regtype, regnamespace, regrole, regproc) in expressions. Their
 * values are OIDs; names come in and go out through the catalog:
 * - `'t'::regclass` with a constant is resolved while analysing, as PostgreSQL resolves it at
 *   parse time (so a plan holds the OID); other text becomes a run-time lookup;
 * - `x::regclass::text`, and a query's output columns of these types, print the name.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { lookupFunction, REG_IN, REG_OUT, regNotFound } from "../functions/index.js";
import type { ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan, OutputColumn } from "../plan/logical.js";
import { loadSystemSnapshot, type SessionInfo, type SystemSnapshot } from "../system/index.js";
import { type RegType, type SqlType, TEXT } from "../types/index.js";
import { coerce, isUnknownType } from "./coerce.js";
import type { AnalyzerContext } from "./context.js";

const snapshots = new WeakMap<AnalyzerContext, Promise<SystemSnapshot>>();

/** Analysis resolves names only (relations, types, schemas, roles): no session values are read. */
const ANALYSIS_SESSION: SessionInfo = {
  user: "",
  database: "",
  backendPid: 0,
  startedAtUs: 0,
  setting: () => undefined,
  setSetting: () => {
    throw new SqlStateError("settings cannot change while a statement is analysed", "XX000");
  },
  settings: () => [],
};

function snapshotFor(ctx: AnalyzerContext): Promise<SystemSnapshot> {
  let s = snapshots.get(ctx);
  if (!s) snapshots.set(ctx, (s = loadSystemSnapshot(ctx.catalog, ANALYSIS_SESSION)));
  return s;
}

const isString = (t: SqlType) => t.kind === "text" || t.kind === "varchar" || t.kind === "char";
const regOf = (t: SqlType): RegType | undefined => (t.kind === "oid" ? t.reg : undefined);

/** `operand::to`, with the name resolution and printing the OID alias types need; undefined when nothing special applies. */
export async function regCast(operand: ScalarExpr, to: SqlType, ctx: AnalyzerContext): Promise<ScalarExpr | undefined> {
  const target = regOf(to);
  if (target !== undefined && (isUnknownType(operand.type) || isString(operand.type))) {
    if (operand.kind === "const" && operand.value !== null) {
      const text = String(operand.value).trim();
      if (/^\d+$/.test(text)) return { kind: "const", value: Number(text), type: to };
      const oid = (await snapshotFor(ctx)).oidOf(target, text);
      if (oid === undefined) throw regNotFound(target, text);
      return { kind: "const", value: oid, type: to };
    }
    const text = coerce(operand, TEXT, "implicit", ctx.params);
    const fn = lookupFunction(REG_IN, [TEXT, TEXT]);
    return { kind: "call", name: `${target}in`, operator: false, fn, args: [text, { kind: "const", value: target, type: TEXT }], type: to };
  }
  if (regOf(operand.type) !== undefined && isString(to)) {
    const name = regOut(operand);
    return to.kind === "text" ? name : coerce(name, to, "explicit", ctx.params);
  }
  return undefined;
}

function regOut(e: ScalarExpr): ScalarExpr {
  const fn = lookupFunction(REG_OUT, [e.type]);
  return { kind: "call", name: `${regOf(e.type)}out`, operator: false, fn, args: [e], type: TEXT };
}

/**
 * A query's output columns of OID alias types print names, as PostgreSQL's output functions do:
 * such columns become the name's text (RowDescription then says text, not regclass).
 */
export function namedRegOutputs(plan: LogicalPlan, ctx: AnalyzerContext): LogicalPlan {
  if (!plan.columns.some((c) => regOf(c.type) !== undefined)) return plan;
  const columns: OutputColumn[] = [];
  const exprs: ScalarExpr[] = plan.columns.map((c) => {
    const ref: ScalarExpr = { kind: "column", id: c.id, type: c.type, name: c.name };
    if (regOf(c.type) === undefined) {
      columns.push(c);
      return ref;
    }
    columns.push({ ...ctx.column(c.name, TEXT), tableOid: c.tableOid, columnNumber: c.columnNumber });
    return regOut(ref);
  });
  return { kind: "project", input: plan, exprs, columns };
}
