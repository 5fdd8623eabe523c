/**
 * A linearizability checker in the style of Porcupine: Wing & Gong's search for a total order
 * of operations that respects real time and a sequential model, with Lowe's memoisation of
 * (set of linearized operations, model state) and P-compositionality (each key is checked on
 * its own, since a history is linearizable iff each key's sub-history is).
 *
 * Operations whose outcome the client never learned (a timeout) have an infinite return time:
 * they may take effect at any point after their call, or never take visible effect, and the
 * search treats their output as unconstrained.
 */

/** A sequential specification. `step` returns the next state, or undefined if the output is impossible. */
export interface Model<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A string that identifies the state (for memoisation). */
  stateKey(state: S): string;
}

export interface Operation<I, O> {
  readonly clientId: number;
  readonly input: I;
  /** Undefined if the outcome is unknown (the operation may or may not have happened). */
  readonly output: O | undefined;
  readonly callAt: number;
  /** Infinity if the outcome is unknown. */
  readonly returnAt: number;
}

export type CheckResult =
  | { readonly kind: "ok" }
  | { readonly kind: "violation"; readonly partition: string; readonly operations: number }
  /** The search hit its step budget; nothing was proven either way. */
  | { readonly kind: "unknown"; readonly partition: string };

interface ListNode {
  readonly op: number;
  readonly isCall: boolean;
  match: ListNode | undefined;
  prev: ListNode | undefined;
  next: ListNode | undefined;
}

/** Builds the call/return event list ordered by time; calls sort before returns at equal times. */
function buildList<I, O>(ops: readonly Operation<I, O>[]): ListNode {
  const events: { node: ListNode; at: number }[] = [];
  ops.forEach((o, i) => {
    const call: ListNode = { op: i, isCall: true, match: undefined, prev: undefined, next: undefined };
    const ret: ListNode = { op: i, isCall: false, match: undefined, prev: undefined, next: undefined };
    call.match = ret;
    events.push({ node: call, at: o.callAt }, { node: ret, at: o.returnAt });
  });
  events.sort((a, b) => a.at - b.at || (a.node.isCall === b.node.isCall ? 0 : a.node.isCall ? -1 : 1));
  const head: ListNode = { op: -1, isCall: false, match: undefined, prev: undefined, next: undefined };
  let tail = head;
  for (const { node } of events) {
    tail.next = node;
    node.prev = tail;
    tail = node;
  }
  return head;
}

function lift(call: ListNode): void {
  const ret = call.match as ListNode;
  (call.prev as ListNode).next = call.next;
  (call.next as ListNode).prev = call.prev;
  (ret.prev as ListNode).next = ret.next;
  if (ret.next !== undefined) ret.next.prev = ret.prev;
}

function unlift(call: ListNode): void {
  const ret = call.match as ListNode;
  (ret.prev as ListNode).next = ret;
  if (ret.next !== undefined) ret.next.prev = ret;
  (call.prev as ListNode).next = call;
  (call.next as ListNode).prev = call;
}

/**
 * Decides whether one partition's history is linearizable under `model`, spending at most
 * `stepsMax` search steps. Returns "ok", "violation" or "unknown" (budget exhausted).
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  stepsMax: number,
): "ok" | "violation" | "unknown" {
  const head = buildList(ops);
  const linearized = new Uint32Array(Math.ceil(ops.length / 32) + 1);
  const seen = new Set<string>();
  const stack: { call: ListNode; state: S }[] = [];
  let state = model.init();
  let cur = head.next;
  let steps = 0;
  while (head.next !== undefined) {
    if (++steps > stepsMax) return "unknown";
    const node = cur as ListNode;
    if (node.isCall) {
      const op = ops[node.op] as Operation<I, O>;
      const next = model.step(state, op.input, op.output);
      if (next !== undefined) {
        flip(linearized, node.op);
        const key = `${linearized.join(",")}|${model.stateKey(next)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: node, state });
          state = next;
          lift(node);
          cur = head.next;
          continue;
        }
        flip(linearized, node.op);
      }
      cur = node.next;
    } else {
      // A return we cannot get past: undo the most recent choice and try the next candidate.
      const top = stack.pop();
      if (top === undefined) return "violation";
      state = top.state;
      flip(linearized, top.call.op);
      unlift(top.call);
      cur = top.call.next;
    }
  }
  return "ok";
}

function flip(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = (bits[i >>> 5] as number) ^ (1 << (i & 31));
}

/**
 * Checks a whole history, split into independent partitions by `partitionKey`. Stops at the
 * first violation. NB: a budget-exhausted partition yields "unknown", not "ok".
 */
export function checkHistory<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  partitionKey: (input: I) => string,
  stepsMaxPerPartition = 2_000_000,
): CheckResult {
  const parts = new Map<string, Operation<I, O>[]>();
  for (const o of ops) {
    const k = partitionKey(o.input);
    const list = parts.get(k);
    if (list === undefined) parts.set(k, [o]);
    else list.push(o);
  }
  let unknown: CheckResult | undefined;
  for (const [partition, list] of [...parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const r = checkOperations(model, list, stepsMaxPerPartition);
    if (r === "violation") return { kind: "violation", partition, operations: list.length };
    if (r === "unknown") unknown ??= { kind: "unknown", partition };
  }
  return unknown ?? { kind: "ok" };
}
