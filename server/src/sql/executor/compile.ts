/**
 * Compiles bound expressions into closures over a row layout. An expression that needs I/O (a
 * subquery, nextval) compiles to an async closure; everything else stays synchronous, so the
 * common per-row work never awaits.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { ColumnId, ScalarExpr } from "../plan/expr.js";
import { castValue, compareValues, equalValues, hashKey, type HashKey, type SqlScalar, type SqlType, type SqlValue } from "../types/index.js";
import { buildOperator } from "./build.js";
import { type ExecContext, missingColumn } from "./context.js";
import { drain, type Row } from "./operator.js";
import { systemSnapshotOf } from "./system-snapshot.js";
import type { EvalContext } from "../functions/index.js";

export type Layout = ReadonlyMap<ColumnId, number>;

export type Evaluator =
  | { readonly async: false; readonly eval: (row: Row) => SqlValue }
  | { readonly async: true; readonly eval: (row: Row) => Promise<SqlValue> };

export function layoutOf(columns: readonly { readonly id: ColumnId }[], extra?: { readonly id: ColumnId }): Map<ColumnId, number> {
  const m = new Map<ColumnId, number>();
  columns.forEach((c, i) => m.set(c.id, i));
  if (extra) m.set(extra.id, columns.length);
  return m;
}

/** Evaluates a compiled expression (awaiting only when it is async). */
export function evaluate(e: Evaluator, row: Row): SqlValue | Promise<SqlValue> {
  return e.eval(row);
}

const sync = (f: (row: Row) => SqlValue): Evaluator => ({ async: false, eval: f });
const asyncEval = (f: (row: Row) => Promise<SqlValue>): Evaluator => ({ async: true, eval: f });

/** Lifts children to one evaluator over their values, async if any child is. */
function combine(children: readonly Evaluator[], f: (values: SqlValue[]) => SqlValue): Evaluator {
  if (children.every((c) => !c.async)) {
    const fs = children.map((c) => c.eval as (row: Row) => SqlValue);
    if (fs.length === 1) {
      const [a] = fs as [(row: Row) => SqlValue];
      return sync((row) => f([a(row)]));
    }
    if (fs.length === 2) {
      const [a, b] = fs as [(row: Row) => SqlValue, (row: Row) => SqlValue];
      return sync((row) => f([a(row), b(row)]));
    }
    return sync((row) => f(fs.map((g) => g(row))));
  }
  return asyncEval(async (row) => {
    const values: SqlValue[] = [];
    for (const c of children) values.push(await c.eval(row));
    return f(values);
  });
}

export function compileExpr(e: ScalarExpr, layout: Layout, ctx: ExecContext): Evaluator {
  switch (e.kind) {
    case "const": {
      const v = e.value;
      return sync(() => v);
    }
    case "param": {
      const i = e.index;
      return sync(() => {
        if (i >= ctx.params.length) throw new SqlStateError(`there is no parameter $${i + 1}`, "42P02");
        return ctx.params[i]!;
      });
    }
    case "column": {
      const pos = layout.get(e.id);
      if (pos !== undefined) return sync((row) => row[pos]!);
      const id = e.id;
      return sync(() => {
        const v = ctx.outer.get(id);
        if (v === undefined) throw missingColumn(id);
        return v;
      });
    }
    case "call":
      return compileCall(e, layout, ctx);
    case "cast": {
      const from = e.input.type;
      const to = e.type;
      const context = e.explicit ? "explicit" : "assignment";
      return combine([compileExpr(e.input, layout, ctx)], ([v]) => castValue(v!, from, to, context));
    }
    case "and":
      return combine(
        e.args.map((a) => compileExpr(a, layout, ctx)),
        (vs) => {
          let unknown = false;
          for (const v of vs) {
            if (v === false) return false;
            if (v === null) unknown = true;
          }
          return unknown ? null : true;
        },
      );
    case "or":
      return combine(
        e.args.map((a) => compileExpr(a, layout, ctx)),
        (vs) => {
          let unknown = false;
          for (const v of vs) {
            if (v === true) return true;
            if (v === null) unknown = true;
          }
          return unknown ? null : false;
        },
      );
    case "not":
      return combine([compileExpr(e.input, layout, ctx)], ([v]) => (v === null ? null : !v));
    case "is": {
      const test = e.test;
      return combine([compileExpr(e.input, layout, ctx)], ([v]) => {
        switch (test) {
          case "null":
          case "unknown":
            return v === null;
          case "not null":
          case "not unknown":
            return v !== null;
          case "true":
            return v === true;
          case "not true":
            return v !== true;
          case "false":
            return v === false;
          case "not false":
            return v !== false;
        }
      });
    }
    case "distinct from": {
      const t = e.compareType;
      const negated = e.negated;
      return combine([compileExpr(e.left, layout, ctx), compileExpr(e.right, layout, ctx)], ([a, b]) => {
        const same = a === null || b === null ? a === b : equalValues(a!, b!, t);
        return negated ? same : !same;
      });
    }
    case "case": {
      const whens = e.whens.map((w) => ({ when: compileExpr(w.when, layout, ctx), then: compileExpr(w.then, layout, ctx) }));
      const otherwise = compileExpr(e.else, layout, ctx);
      if (whens.every((w) => !w.when.async && !w.then.async) && !otherwise.async) {
        const ws = whens.map((w) => ({ when: w.when.eval as (r: Row) => SqlValue, then: w.then.eval as (r: Row) => SqlValue }));
        const other = otherwise.eval as (r: Row) => SqlValue;
        return sync((row) => {
          for (const w of ws) if (w.when(row) === true) return w.then(row);
          return other(row);
        });
      }
      // Lazy: only the chosen branch runs (CASE guards errors like division by zero).
      return asyncEval(async (row) => {
        for (const w of whens) if ((await w.when.eval(row)) === true) return w.then.eval(row);
        return otherwise.eval(row);
      });
    }
    case "coalesce": {
      const args = e.args.map((a) => compileExpr(a, layout, ctx));
      if (args.every((a) => !a.async)) {
        const fs = args.map((a) => a.eval as (r: Row) => SqlValue);
        return sync((row) => {
          for (const f of fs) {
            const v = f(row);
            if (v !== null) return v;
          }
          return null;
        });
      }
      return asyncEval(async (row) => {
        for (const a of args) {
          const v = await a.eval(row);
          if (v !== null) return v;
        }
        return null;
      });
    }
    case "nullif": {
      const t = e.compareType;
      return combine([compileExpr(e.left, layout, ctx), compileExpr(e.right, layout, ctx)], ([a, b]) => (a !== null && b !== null && equalValues(a!, b!, t) ? null : a!));
    }
    case "greatest":
    case "least": {
      const t = e.type;
      const sign = e.kind === "greatest" ? 1 : -1;
      return combine(
        e.args.map((a) => compileExpr(a, layout, ctx)),
        (vs) => {
          let best: SqlValue = null;
          for (const v of vs) if (v !== null && (best === null || compareValues(v, best, t) * sign > 0)) best = v;
          return best;
        },
      );
    }
    case "in list": {
      const t = e.compareType;
      const negated = e.negated;
      return combine([compileExpr(e.input, layout, ctx), ...e.list.map((x) => compileExpr(x, layout, ctx))], ([v, ...items]) => {
        if (v === null) return null;
        let unknown = false;
        for (const it of items) {
          if (it === null) unknown = true;
          else if (equalValues(v!, it!, t)) return !negated;
        }
        return unknown ? null : negated;
      });
    }
    case "subquery":
      return compileSubquery(e, layout, ctx);
  }
}

function compileCall(e: Extract<ScalarExpr, { kind: "call" }>, layout: Layout, ctx: ExecContext): Evaluator {
  const args = e.args.map((a) => compileExpr(a, layout, ctx));
  if (e.fn.volatile && !e.operator && SEQUENCE_FUNCTIONS.has(e.name)) return sequenceCall(e.name, args, ctx);
  const fn = e.fn.fn;
  const strict = e.fn.strict;
  if (e.fn.system) return systemCall(fn, strict, args, ctx);
  return combine(args, (vs) => {
    if (strict) for (const v of vs) if (v === null) return null;
    return fn(vs, ctx.evalContext);
  });
}

const SEQUENCE_FUNCTIONS = new Set(["nextval", "currval", "setval", "lastval"]);

/** A function that reads the session or catalog: it gets the statement's system snapshot. */
function systemCall(fn: (args: readonly SqlValue[], ctx?: EvalContext) => SqlValue, strict: boolean, args: Evaluator[], ctx: ExecContext): Evaluator {
  return asyncEval(async (row) => {
    const vs: SqlValue[] = [];
    for (const a of args) vs.push(await a.eval(row));
    if (strict && vs.some((v) => v === null)) return null;
    const system = await systemSnapshotOf(ctx);
    return fn(vs, { ...ctx.evalContext, system });
  });
}

function sequenceCall(name: string, args: Evaluator[], ctx: ExecContext): Evaluator {
  return asyncEval(async (row) => {
    const vs: SqlValue[] = [];
    for (const a of args) vs.push(await a.eval(row));
    if (vs.some((v) => v === null)) return null;
    const seq = String(vs[0]);
    switch (name) {
      case "nextval":
        return ctx.catalog.nextval(seq);
      case "currval":
        return ctx.catalog.currval(seq);
      case "setval":
        return ctx.catalog.setval(seq, vs[1] as bigint, vs.length > 2 ? (vs[2] as boolean) : true);
      default:
        throw new SqlStateError("lastval is not supported", "0A000");
    }
  });
}

function compileSubquery(e: Extract<ScalarExpr, { kind: "subquery" }>, layout: Layout, ctx: ExecContext): Evaluator {
  const physical = ctx.planSubquery(e.plan, e.mode === "exists");
  const bind = e.outerRefs.filter((id) => layout.has(id)).map((id) => [id, layout.get(id)!] as const);
  const input = e.input ? compileExpr(e.input, layout, ctx) : undefined;
  const correlated = e.outerRefs.length > 0;
  let cached: Row[] | undefined;
  let cachedSet: Map<HashKey, true> | undefined;
  let cachedIn = -1;
  const rowsFor = async (row: Row): Promise<Row[]> => {
    if (cachedIn !== ctx.execution) {
      cached = undefined;
      cachedSet = undefined;
      cachedIn = ctx.execution;
    }
    if (!correlated && cached) return cached;
    const saved = bind.map(([id]) => [id, ctx.outer.get(id)] as const);
    for (const [id, pos] of bind) ctx.outer.set(id, row[pos]!);
    try {
      const op = buildOperator(physical, ctx);
      const rows = e.mode === "exists" ? await firstRow(op) : await drain(op);
      if (!correlated) cached = rows;
      return rows;
    } finally {
      for (const [id, v] of saved) {
        if (v === undefined) ctx.outer.delete(id);
        else ctx.outer.set(id, v);
      }
    }
  };
  switch (e.mode) {
    case "scalar":
      return asyncEval(async (row) => {
        const rows = await rowsFor(row);
        if (rows.length > 1) throw new SqlStateError("more than one row returned by a subquery used as an expression", "21000");
        return rows.length === 0 ? null : rows[0]![0]!;
      });
    case "exists":
      return asyncEval(async (row) => (await rowsFor(row)).length > 0);
    case "array":
      return asyncEval(async (row) => (await rowsFor(row)).map((r) => r[0]!));
    case "any":
    case "all": {
      const cmp = e.compare!;
      const all = e.mode === "all";
      const valueType = e.plan.columns[0]!.type;
      const hashable = !all && e.compareName === "=" && !correlated && cmp.paramTypes[0]?.kind === valueType.kind && cmp.paramTypes[1]?.kind === valueType.kind;
      return asyncEval(async (row) => {
        const v = await input!.eval(row);
        const rows = await rowsFor(row);
        if (rows.length === 0) return all;
        if (v === null) return null;
        if (hashable) {
          if (!cachedSet) {
            cachedSet = new Map();
            for (const r of rows) if (r[0] !== null) cachedSet.set(hashKey([r[0]!], [valueType]), true);
          }
          if (cachedSet.has(hashKey([v], [valueType]))) return true;
          return rows.some((r) => r[0] === null) ? null : false;
        }
        let unknown = false;
        for (const r of rows) {
          const x = r[0]!;
          const res = x === null ? null : cmp.fn([v, x], ctx.evalContext);
          if (res === null) unknown = true;
          else if (all && res === false) return false;
          else if (!all && res === true) return true;
        }
        return unknown ? null : all;
      });
    }
  }
}

async function firstRow(op: ReturnType<typeof buildOperator>): Promise<Row[]> {
  await op.open();
  try {
    const b = await op.next();
    return b && b.length > 0 ? [b[0]!] : [];
  } finally {
    await op.close();
  }
}

/** Compiles a predicate into a row test (NULL counts as false). */
export function compilePredicate(e: ScalarExpr | undefined, layout: Layout, ctx: ExecContext): ((row: Row) => boolean | Promise<boolean>) | undefined {
  if (!e) return undefined;
  const c = compileExpr(e, layout, ctx);
  if (!c.async) {
    const f = c.eval;
    return (row) => f(row) === true;
  }
  const f = c.eval;
  return async (row) => (await f(row)) === true;
}

export type { SqlScalar, SqlType };
