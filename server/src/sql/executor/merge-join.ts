/**
 * Merge join: both inputs arrive sorted ascending on their join keys, NULLs last (the planner
 * puts sorts below unless an index already gives that order), and are walked in step. The right
 * side is read one group of equal keys at a time into a RowBuffer (which spills past work_mem),
 * so duplicates on both sides pair up: every left row with that key walks the whole group.
 *
 * Inner, left, right, full, semi and anti joins; a row whose key has a NULL never matches (SQL's
 * `=`), wherever the sort put it. The residual condition is checked on each pair of equal keys;
 * a right row is matched when some pair passes it. The operator checks that each input really
 * is ordered and fails loudly (XX000) if not, rather than returning a wrong answer.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { PhysicalPlan } from "../plan/physical.js";
import type { SqlValue } from "../types/index.js";
import { evalAll, evalAllSync } from "./basic.js";
import { compileExpr, compilePredicate, type Evaluator, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, nextBatch, type Operator, type Row } from "./operator.js";
import { keyComparator, type RowComparator } from "./sort.js";
import { RowBuffer } from "./spill/row-buffer.js";
import { spillConfigOf } from "./spill/spill-config.js";

type MergePlan = Extract<PhysicalPlan, { kind: "merge join" }>;

interface Keyed {
  readonly key: SqlValue[];
  readonly row: Row;
  /** Some key value is NULL: the row matches nothing. */
  readonly nullKey: boolean;
}

/** The sort order a merge join needs of each input: every join key ascending, NULLs last. */
export const MERGE_ORDER = { desc: false, nullsFirst: false } as const;

/** One input of a merge join, a row at a time with its key, checked to be in key order. */
class KeyedInput {
  private batch: Row[] = [];
  private at = 0;
  private done = false;
  private head: Keyed | undefined;
  private lastKey: SqlValue[] | undefined;
  private readonly keysOf: ((row: Row) => Row) | undefined;

  constructor(
    private readonly op: Operator,
    private readonly keyExprs: Evaluator[],
    private readonly cmp: RowComparator,
    private readonly side: "left" | "right",
    private readonly checkCancel: () => void,
  ) {
    this.keysOf = evalAllSync(keyExprs);
  }

  /** The current row, or undefined at the end. */
  async peek(): Promise<Keyed | undefined> {
    if (this.head) return this.head;
    if (this.at >= this.batch.length) {
      if (this.done) return undefined;
      this.checkCancel();
      const b = await this.op.next();
      if (!b) {
        this.done = true;
        this.batch = [];
        return undefined;
      }
      this.batch = b;
      this.at = 0;
    }
    const row = this.batch[this.at]!;
    const key = this.keysOf ? this.keysOf(row) : await evalAll(this.keyExprs, row);
    const nullKey = key.some((v) => v === null);
    if (!nullKey) {
      if (this.lastKey && this.cmp(this.lastKey, key) > 0) throw new SqlStateError(`internal error: the ${this.side} input of a merge join is not sorted on its join keys`, "XX000");
      this.lastKey = key;
    }
    this.head = { key, row, nullKey };
    return this.head;
  }

  /** Moves past the current row. */
  skip(): void {
    this.head = undefined;
    this.at++;
  }
}

export class MergeJoinOperator implements Operator {
  private readonly leftKeys: Evaluator[];
  private readonly rightKeys: Evaluator[];
  private readonly residual: ((row: Row) => boolean | Promise<boolean>) | undefined;
  private readonly cmp: RowComparator;
  private readonly leftWidth: number;
  private readonly rightWidth: number;
  private output: AsyncGenerator<Row[]> | undefined;
  private group: RowBuffer | undefined;
  private opened = false;

  constructor(
    private readonly left: Operator,
    private readonly right: Operator,
    private readonly plan: MergePlan,
    private readonly ctx: ExecContext,
  ) {
    const leftLayout = layoutOf(plan.left.columns, plan.left.kind === "scan" ? plan.left.rowId : undefined);
    const rightLayout = layoutOf(plan.right.columns, plan.right.kind === "scan" ? plan.right.rowId : undefined);
    this.leftKeys = plan.leftKeys.map((k) => compileExpr(k, leftLayout, ctx));
    this.rightKeys = plan.rightKeys.map((k) => compileExpr(k, rightLayout, ctx));
    this.residual = compilePredicate(plan.residual, layoutOf([...plan.left.columns, ...plan.right.columns]), ctx);
    this.cmp = keyComparator(
      plan.leftKeys.map(() => MERGE_ORDER),
      plan.leftKeys.map((k) => k.type),
    );
    this.leftWidth = plan.left.columns.length;
    this.rightWidth = plan.right.columns.length;
  }

  async open(): Promise<void> {
    await this.close();
    this.opened = true;
    await this.left.open();
    await this.right.open();
    this.group = new RowBuffer(spillConfigOf(this.ctx));
    this.output = this.run(this.group);
  }

  async next(): Promise<Row[] | null> {
    return nextBatch(this.output);
  }

  async close(): Promise<void> {
    const out = this.output;
    const group = this.group;
    this.output = undefined;
    this.group = undefined;
    if (!this.opened) return;
    this.opened = false;
    try {
      await out?.return(undefined);
      await group?.clear();
    } finally {
      try {
        await this.left.close();
      } finally {
        await this.right.close();
      }
    }
  }

  private combine(l: Row, r: Row): Row {
    const out = l.slice(0, this.leftWidth);
    for (let i = 0; i < this.rightWidth; i++) out.push(r[i]!);
    return out;
  }

  private leftOnly(l: Row): Row {
    const t = this.plan.type;
    return t === "semi" || t === "anti" ? l.slice(0, this.leftWidth) : [...l.slice(0, this.leftWidth), ...new Array<SqlValue>(this.rightWidth).fill(null)];
  }

  private rightOnly(r: Row): Row {
    return [...new Array<SqlValue>(this.leftWidth).fill(null), ...r.slice(0, this.rightWidth)];
  }

  private async passes(row: Row): Promise<boolean> {
    if (!this.residual) return true;
    const ok = this.residual(row);
    return ok === true || (ok !== false && (await ok));
  }

  private async *run(group: RowBuffer): AsyncGenerator<Row[]> {
    const type = this.plan.type;
    const keepLeft = type === "left" || type === "full" || type === "anti";
    const keepRight = type === "right" || type === "full";
    const check = () => this.ctx.checkCancel();
    const left = new KeyedInput(this.left, this.leftKeys, this.cmp, "left", check);
    const right = new KeyedInput(this.right, this.rightKeys, this.cmp, "right", check);
    let out: Row[] = [];
    /** Key of the buffered right group (undefined: none loaded). */
    let groupKey: SqlValue[] | undefined;
    let matched = new Uint8Array(0);

    // Unmatched right rows of the group, for right and full joins.
    const flushGroup = async function* (this: MergeJoinOperator): AsyncGenerator<Row[]> {
      if (keepRight) {
        let i = 0;
        for await (const b of group.batches()) {
          for (const r of b) {
            if (!matched[i++]) out.push(this.rightOnly(r));
            if (out.length >= BATCH_SIZE) {
              yield out;
              out = [];
            }
          }
        }
      }
      await group.clear();
      groupKey = undefined;
    }.bind(this);

    // Reads the next group of equal non-NULL right keys; NULL-keyed rows on the way are unmatched.
    const loadGroup = async function* (this: MergeJoinOperator): AsyncGenerator<Row[], boolean> {
      for (let h = await right.peek(); h; h = await right.peek()) {
        if (h.nullKey) {
          right.skip();
          if (keepRight) out.push(this.rightOnly(h.row));
          if (out.length >= BATCH_SIZE) {
            yield out;
            out = [];
          }
          continue;
        }
        if (groupKey === undefined) groupKey = h.key;
        else if (this.cmp(groupKey, h.key) !== 0) break;
        const spilling = group.append(h.row);
        if (spilling) await spilling;
        right.skip();
      }
      if (groupKey === undefined) return false;
      if (keepRight) {
        if (matched.length < group.length) matched = new Uint8Array(Math.max(group.length, 2 * matched.length));
        else matched.fill(0, 0, group.length);
      }
      return true;
    }.bind(this);

    for (let l = await left.peek(); l; l = await left.peek()) {
      left.skip();
      if (l.nullKey) {
        if (keepLeft) out.push(this.leftOnly(l.row));
      } else {
        while (groupKey === undefined || this.cmp(groupKey, l.key) < 0) {
          if (groupKey !== undefined) yield* flushGroup();
          if (!(yield* loadGroup())) break;
        }
        // The right side is used up: the rest of the left matches nothing.
        if (groupKey === undefined && !keepLeft) break;
        let any = false;
        if (groupKey !== undefined && this.cmp(groupKey, l.key) === 0) {
          let i = 0;
          scan: for await (const b of group.batches()) {
            // A big group is read again for every left row with its key: check between batches.
            check();
            for (const r of b) {
              const at = i++;
              const row = this.combine(l.row, r);
              if (!(await this.passes(row))) continue;
              any = true;
              if (keepRight) matched[at] = 1;
              if (type === "semi" || type === "anti") break scan;
              out.push(row);
              if (out.length >= BATCH_SIZE) {
                yield out;
                out = [];
              }
            }
          }
        }
        if (any && type === "semi") out.push(l.row.slice(0, this.leftWidth));
        if (!any && keepLeft) out.push(this.leftOnly(l.row));
      }
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
    if (keepRight) {
      if (groupKey !== undefined) yield* flushGroup();
      while (yield* loadGroup()) yield* flushGroup();
    }
    if (out.length > 0) yield out;
  }
}
