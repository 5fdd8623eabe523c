/**
 * Access paths: which key ranges of an index a scan's conditions pin down. Equalities on the
 * index's leading columns, then at most one range (or an IN list) on the next column; what the
 * ranges do not cover stays as a residual filter. Only conditions the index's order agrees with
 * qualify: a comparison done in the column's own type, against an expression that does not read
 * the scanned row (a constant, a parameter, or a column of an outer / earlier-joined row).
 * `col LIKE 'abc%'` on a text column reads the range ['abc', 'abd'): text keys are in code point
 * order (the C collation), where exactly the strings starting with the prefix lie in it; the LIKE
 * itself stays a filter.
 */
import type { Index, Table } from "../catalog/index.js";
import { type ColumnId, columnsOf, isVolatile, type ScalarExpr } from "../plan/expr.js";
import type { KeyRange } from "../plan/physical.js";
import { likePrefix, operatorName } from "./selectivity.js";

export interface IndexChoice {
  readonly index?: Index;
  readonly ranges: readonly KeyRange[];
  /** Conjuncts the ranges enforce exactly (the rest must be filtered). */
  readonly used: ReadonlySet<ScalarExpr>;
  /** Conjuncts that narrow the ranges without being enforced by them (a LIKE prefix): still filtered. */
  readonly narrowing?: ReadonlySet<ScalarExpr>;
  /** Leading index columns fixed by equality. */
  readonly eqColumns: number;
  readonly hasRange: boolean;
  /** Every range pins the whole primary key. */
  readonly point: boolean;
}

type Cmp = "=" | "<" | "<=" | ">" | ">=";
const FLIP: Record<Cmp, Cmp> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

interface Bound {
  readonly conjunct: ScalarExpr;
  readonly op: Cmp;
  readonly value: ScalarExpr;
}

/** `col op value` (or mirrored) for the given scan column, in the column's type. */
function boundOf(c: ScalarExpr, columnId: ColumnId, scanIds: ReadonlySet<ColumnId>): Bound | undefined {
  if (c.kind !== "call" || !c.operator || c.args.length !== 2) return undefined;
  const op = c.name as Cmp;
  if (!(op in FLIP)) return undefined;
  const [l, r] = c.args as [ScalarExpr, ScalarExpr];
  const free = (e: ScalarExpr) => !isVolatile(e) && [...columnsOf(e)].every((id) => !scanIds.has(id));
  const sameType = (col: ScalarExpr, i: number) => c.fn.paramTypes[i]?.kind === col.type.kind;
  if (l.kind === "column" && l.id === columnId && sameType(l, 0) && free(r)) return { conjunct: c, op, value: r };
  if (r.kind === "column" && r.id === columnId && sameType(r, 1) && free(l)) return { conjunct: c, op: FLIP[op], value: l };
  return undefined;
}

/** `col LIKE 'prefix...'` on a text column: the key range of the prefix. */
function likeRangeOf(c: ScalarExpr, columnId: ColumnId): KeyRange["lower"] & { upper?: KeyRange["upper"] } | undefined {
  if (c.kind !== "call" || !c.operator || operatorName(c.name) !== "~~" || c.args.length !== 2) return undefined;
  const [l, r] = c.args as [ScalarExpr, ScalarExpr];
  const textColumn = l.kind === "column" && l.id === columnId && (l.type.kind === "text" || (l.type.kind === "varchar" && l.type.length === undefined));
  if (!textColumn || r.kind !== "const" || typeof r.value !== "string") return undefined;
  const { prefix } = likePrefix(r.value);
  if (prefix === "") return undefined;
  const chars = [...prefix];
  const last = chars.pop()!.codePointAt(0)!;
  // The next code point (surrogates are not characters); past the last one the range stays open above.
  const succ = last + 1 >= 0xd800 && last + 1 <= 0xdfff ? 0xe000 : last + 1;
  const next = succ <= 0x10ffff ? chars.join("") + String.fromCodePoint(succ) : undefined;
  const bound = (value: string): ScalarExpr => ({ kind: "const", type: l.type, value });
  return { expr: bound(prefix), inclusive: true, ...(next !== undefined && { upper: { expr: bound(next), inclusive: false } }) };
}

function inListOf(c: ScalarExpr, columnId: ColumnId, scanIds: ReadonlySet<ColumnId>): ScalarExpr[] | undefined {
  if (c.kind !== "in list" || c.negated || c.input.kind !== "column" || c.input.id !== columnId) return undefined;
  if (c.compareType.kind !== c.input.type.kind) return undefined;
  if (c.list.length > 64) return undefined;
  for (const e of c.list) if (isVolatile(e) || [...columnsOf(e)].some((id) => scanIds.has(id))) return undefined;
  return [...c.list];
}

/**
 * The ranges `index` (undefined: the primary key) can read for `conjuncts`. `columnOfPosition`
 * maps a table column id to the scan's output column id.
 */
export function chooseRanges(table: Table, index: Index | undefined, conjuncts: readonly ScalarExpr[], scanColumnId: (tableColumnId: number) => ColumnId | undefined, scanIds: ReadonlySet<ColumnId>): IndexChoice {
  const keyColumns = index ? index.columns.map((c) => c.columnId) : [...table.primaryKey];
  const used = new Set<ScalarExpr>();
  const narrowing = new Set<ScalarExpr>();
  const eq: ScalarExpr[] = [];
  let ranges: KeyRange[] | undefined;
  let hasRange = false;
  for (const tableColumnId of keyColumns) {
    const id = scanColumnId(tableColumnId);
    if (id === undefined) break;
    const bounds = conjuncts.map((c) => boundOf(c, id, scanIds)).filter((b): b is Bound => b !== undefined);
    const equal = bounds.find((b) => b.op === "=");
    if (equal) {
      eq.push(equal.value);
      used.add(equal.conjunct);
      continue;
    }
    const inList = conjuncts.map((c) => [c, inListOf(c, id, scanIds)] as const).find(([, l]) => l !== undefined);
    if (inList) {
      used.add(inList[0]);
      ranges = inList[1]!.map((v) => ({ eq: [...eq, v] }));
      break;
    }
    const lower = bounds.find((b) => b.op === ">" || b.op === ">=");
    const upper = bounds.find((b) => b.op === "<" || b.op === "<=");
    if (lower || upper) {
      hasRange = true;
      if (lower) used.add(lower.conjunct);
      if (upper) used.add(upper.conjunct);
      ranges = [
        {
          eq: [...eq],
          ...(lower && { lower: { expr: lower.value, inclusive: lower.op === ">=" } }),
          ...(upper && { upper: { expr: upper.value, inclusive: upper.op === "<=" } }),
        },
      ];
    } else {
      for (const c of conjuncts) {
        const like = likeRangeOf(c, id);
        if (!like) continue;
        hasRange = true;
        narrowing.add(c);
        ranges = [{ eq: [...eq], lower: { expr: like.expr, inclusive: true }, ...(like.upper && { upper: like.upper }) }];
        break;
      }
    }
    break;
  }
  const eqColumns = ranges ? (ranges[0]?.eq.length ?? 0) : eq.length;
  if (!ranges) ranges = eq.length > 0 ? [{ eq }] : [];
  const point = !index && table.primaryKey.length > 0 && ranges.length > 0 && ranges.every((r) => r.eq.length === table.primaryKey.length && !r.lower && !r.upper);
  return { ...(index && { index }), ranges, used, ...(narrowing.size > 0 && { narrowing }), eqColumns, hasRange, point };
}
