/**
 * Random equi-join cases and a naive reference join (every pair checked), for the hash and merge
 * join tests.
 */
import fc from "fast-check";
import { lookupOperator } from "../../functions/index.js";
import { BOOL, type ScalarExpr } from "../../plan/expr.js";
import type { JoinType, OutputColumn } from "../../plan/logical.js";
import type { PhysicalPlan } from "../../plan/physical.js";
import { compareValues, formatText, INT4, type SqlType, type SqlValue } from "../../types/index.js";
import type { Row } from "../operator.js";
import { column, inputPlan, ref, withEstimate } from "./operator-fixtures.js";

export const JOIN_TYPES: readonly JoinType[] = ["inner", "left", "right", "full", "semi", "anti"];

export interface JoinCase {
  readonly keyTypes: readonly SqlType[];
  /** Rows: key values, then an int4 payload numbering the row. */
  readonly left: readonly Row[];
  readonly right: readonly Row[];
  /** Add the residual condition `left payload < right payload`. */
  readonly residual: boolean;
}

export interface JoinShape {
  readonly leftColumns: OutputColumn[];
  readonly rightColumns: OutputColumn[];
  readonly leftKeys: ScalarExpr[];
  readonly rightKeys: ScalarExpr[];
  readonly residual?: ScalarExpr;
}

export function joinShape(c: Pick<JoinCase, "keyTypes" | "residual">): JoinShape {
  const leftColumns = [...c.keyTypes.map((t, i) => column(t, `lk${i}`)), column(INT4, "lp")];
  const rightColumns = [...c.keyTypes.map((t, i) => column(t, `rk${i}`)), column(INT4, "rp")];
  const k = c.keyTypes.length;
  const residual: ScalarExpr | undefined = c.residual ? { kind: "call", name: "<", operator: true, fn: lookupOperator("<", INT4, INT4), args: [ref(leftColumns[k]!), ref(rightColumns[k]!)], type: BOOL } : undefined;
  return {
    leftColumns,
    rightColumns,
    leftKeys: leftColumns.slice(0, k).map(ref),
    rightKeys: rightColumns.slice(0, k).map(ref),
    ...(residual && { residual }),
  };
}

export function joinPlan<K extends "hash join" | "merge join">(kind: K, type: JoinType, s: JoinShape): Extract<PhysicalPlan, { kind: K }> {
  const columns = type === "semi" || type === "anti" ? s.leftColumns : [...s.leftColumns, ...s.rightColumns];
  return withEstimate({ kind, type, left: inputPlan(s.leftColumns), right: inputPlan(s.rightColumns), leftKeys: s.leftKeys, rightKeys: s.rightKeys, ...(s.residual && { residual: s.residual }), columns }) as Extract<PhysicalPlan, { kind: K }>;
}

function keysEqual(l: Row, r: Row, types: readonly SqlType[]): boolean {
  return types.every((t, i) => l[i] !== null && r[i] !== null && compareValues(l[i]!, r[i]!, t) === 0);
}

/** The join by definition: every pair of rows checked. */
export function naiveJoin(type: JoinType, c: JoinCase): Row[] {
  const k = c.keyTypes.length;
  const lw = k + 1;
  const rw = k + 1;
  const match = (l: Row, r: Row) => keysEqual(l, r, c.keyTypes) && (!c.residual || (l[k] as number) < (r[k] as number));
  const out: Row[] = [];
  const rightMatched = new Array<boolean>(c.right.length).fill(false);
  for (const l of c.left) {
    let any = false;
    c.right.forEach((r, i) => {
      if (!match(l, r)) return;
      any = true;
      rightMatched[i] = true;
      if (type !== "semi" && type !== "anti") out.push([...l, ...r]);
    });
    if (type === "semi" && any) out.push([...l]);
    if (!any && (type === "left" || type === "full")) out.push([...l, ...new Array<SqlValue>(rw).fill(null)]);
    if (!any && type === "anti") out.push([...l]);
  }
  if (type === "right" || type === "full") c.right.forEach((r, i) => rightMatched[i] || out.push([...new Array<SqlValue>(lw).fill(null), ...r]));
  return out;
}

/** Rows as sorted text lines, so outputs in different orders compare. */
export function canonicalRows(rows: readonly Row[], columns: readonly OutputColumn[]): string[] {
  return rows.map((r) => r.map((v, i) => (v === null ? "NULL" : JSON.stringify(formatText(v, columns[i]!.type)))).join(" ")).sort();
}

/** Join cases whose keys come from small pools (NULL included), so keys repeat on both sides. */
export function joinCaseArb(keyTypeArb: fc.Arbitrary<SqlType>, valueArb: (t: SqlType) => fc.Arbitrary<SqlValue>, maxRows = 120): fc.Arbitrary<JoinCase> {
  return fc.array(keyTypeArb, { minLength: 1, maxLength: 2 }).chain((keyTypes) => {
    const pools = fc.tuple(...keyTypes.map((t) => fc.array(valueArb(t), { minLength: 1, maxLength: 4 })));
    return fc.record({ pools, l: fc.array(fc.nat(), { maxLength: maxRows }), r: fc.array(fc.nat(), { maxLength: maxRows }), residual: fc.boolean() }).map(({ pools, l, r, residual }) => {
      const rows = (picks: number[]) => picks.map((p, n): Row => [...pools.map((pool, i) => pool[(p >> (2 * i)) % pool.length]!), n]);
      return { keyTypes, left: rows(l), right: rows(r), residual };
    });
  });
}
