/** A structural key of a bound expression, to match GROUP BY and ORDER BY expressions with select-list ones. */
import type { ScalarExpr } from "../plan/expr.js";

let subqueryCounter = 0;
const subqueryKeys = new WeakMap<object, string>();

export function exprKey(e: ScalarExpr): string {
  return JSON.stringify(e, (k, v: unknown) => {
    if (k === "fn" || k === "compare") return undefined;
    if (k === "plan" && typeof v === "object" && v !== null) {
      let key = subqueryKeys.get(v);
      if (!key) subqueryKeys.set(v, (key = `subquery#${++subqueryCounter}`));
      return key;
    }
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Float32Array) return `[${Array.from(v).join(",")}]`;
    if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString("hex")}`;
    return v;
  });
}
