/**
 * The deterministic workload of the crash test: per writer, a fixed sequence of puts, overwrites
 * and deletes derived from a seed, so the parent can rebuild what each acknowledged prefix means.
 */
import { mulberry32 } from "../../common/mulberry32.js";
export interface CrashOp {
  readonly key: string;
  /** undefined = delete. */
  readonly value: string | undefined;
}

/** The ops writer `writer` of round `round` performs, in order. */
export function crashOps(round: number, writer: number, count: number, seed: number): CrashOp[] {
  const rnd = mulberry32(seed * 1_000_003 + round * 101 + writer);
  const ops: CrashOp[] = [];
  for (let i = 0; i < count; i++) {
    // Each writer owns its keys, so per-key order is the writer's order.
    const key = `r${round}-w${writer}-k${Math.floor(rnd() * 200)}`;
    const del = rnd() < 0.15;
    const pad = "x".repeat(Math.floor(rnd() * 300));
    ops.push({ key, value: del ? undefined : `${round}:${writer}:${i}:${pad}` });
  }
  return ops;
}

/** Applies ops[0..n) to `state`. */
export function applyOps(state: Map<string, string>, ops: readonly CrashOp[], n: number): void {
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    if (op.value === undefined) state.delete(op.key);
    else state.set(op.key, op.value);
  }
}
