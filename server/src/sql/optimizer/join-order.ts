/**
 * Join enumeration: the order in which to join the relations of an inner-join region.
 *
 * Up to DP_MAX_RELATIONS relations, dynamic programming over subsets (DPsub): the best plan of
 * every set of relations is the cheapest join of the best plans of some split of it into two, so
 * bushy and left-deep trees are considered alike. A split is joined only when a condition
 * connects its two sides, or when it is a step of the FROM order (the relations before one, and
 * that one): cross products otherwise multiply the search for plans that are seldom good. Only
 * when that completes no plan (an ORDER BY relation unconnected to the rest) are all splits
 * tried. Beyond DP_MAX_RELATIONS relations or DP_MAX_JOINS joins, a greedy search grows one
 * left-deep tree from the cheapest connected pair, adding the relation whose join is cheapest
 * (preferring relations a condition connects).
 *
 * DP keeps one plan per set, its cheapest, but a plan's cost is not all that matters to the
 * joins above it: plans of the same set differ in the order their rows come out, and a later
 * merge join over a side already in its key order sorts nothing. So the cheapest plan of a
 * subset can lead to a dearer plan of the whole than a slightly dearer one would, and DP can miss
 * the FROM order itself. The FROM order is therefore planned as well and kept when it costs no
 * more, so the result never costs more than the query as written.
 *
 * The search is generic over plans (`JoinSpace`), deterministic (sets are visited in a fixed
 * order and ties keep the split closest to the FROM order), and knows nothing of SQL.
 *
 * With `first`, relation `first` must be the outermost (leftmost) leaf and every join must keep
 * its order: how an ORDER BY that relation's index provides survives the joins.
 */

/** A set of relations: relation i is bit i (so at most MAX_RELATIONS of them). */
export type RelSet = number;

export const DP_MAX_RELATIONS = 8;
/**
 * Joins DP may cost before it gives up for the greedy search: a chain or star of 8 relations
 * needs well under a thousand, a clique of 8 nearly six thousand. Counted, not timed, so the
 * choice is deterministic.
 */
export const DP_MAX_JOINS = 2000;
/** Regions larger than this are joined in FROM order (sets are 31-bit numbers). */
export const MAX_RELATIONS = 30;

export interface JoinSpace<P> {
  /** Relations 0 .. size-1, in FROM order. */
  readonly size: number;
  /** Relation i's plan alone; `ordered`: it is the `first` relation and must provide the order. */
  leaf(i: number, ordered: boolean): P | undefined;
  /**
   * The cheapest join of two disjoint sets' plans, `left` the outer side (undefined when they
   * cannot be joined); `ordered`: the join must keep the left side's order.
   */
  join(left: P, leftSet: RelSet, right: P, rightSet: RelSet, ordered: boolean): P | undefined;
  cost(p: P): number;
  /** Whether a join condition connects the two sets. */
  connected(a: RelSet, b: RelSet): boolean;
}

export interface EnumerateOptions {
  /** The relation that must come first (leftmost), keeping its order through every join. */
  readonly first?: number;
  /** DP: join every split, connected or not (default: connected splits and FROM-order steps). */
  readonly crossProducts?: boolean;
}

const has = (s: RelSet, i: number) => ((s >>> i) & 1) === 1;

function lowestBit(s: RelSet): number {
  return 31 - Math.clz32(s & -s);
}

function highestBit(s: RelSet): number {
  return 31 - Math.clz32(s);
}

function popcount(s: RelSet): number {
  let n = 0;
  for (let x = s; x !== 0; x &= x - 1) n++;
  return n;
}

/** The best join of all relations: DP for small regions, greedy beyond. */
export function bestJoinOrder<P>(space: JoinSpace<P>, options: EnumerateOptions = {}): P | undefined {
  if (space.size > MAX_RELATIONS) return fromOrder(space, options);
  const searched = search(space, options);
  const written = fromOrder(space, options);
  if (written === undefined) return searched;
  return searched === undefined || space.cost(written) <= space.cost(searched) ? written : searched;
}

function search<P>(space: JoinSpace<P>, options: EnumerateOptions): P | undefined {
  if (space.size > DP_MAX_RELATIONS) return greedy(space, options);
  const dp = dpsub(space, options, DP_MAX_JOINS);
  if (dp !== GAVE_UP && dp !== undefined) return dp;
  if (dp !== GAVE_UP && !options.crossProducts) {
    const all = dpsub(space, { ...options, crossProducts: true }, DP_MAX_JOINS);
    if (all !== GAVE_UP) return all;
  }
  return greedy(space, options);
}

/** Relations joined left-deep in FROM order (what the query says, before any reordering). */
export function fromOrder<P>(space: JoinSpace<P>, options: EnumerateOptions = {}): P | undefined {
  if (space.size === 0 || (options.first !== undefined && options.first !== 0)) return undefined;
  const ordered = options.first === 0;
  let plan = space.leaf(0, ordered);
  let set: RelSet = 1;
  for (let i = 1; i < space.size && plan !== undefined; i++) {
    const right = space.leaf(i, false);
    plan = right === undefined ? undefined : space.join(plan, set, right, 2 ** i, ordered);
    set |= 2 ** i;
  }
  return plan;
}

/** Whether a split is a step of the left-deep FROM order (the next relation joined to those before it): ties go to it. */
function inFromOrder(left: RelSet, right: RelSet): boolean {
  return (right & (right - 1)) === 0 && highestBit(left) < lowestBit(right);
}

/** DPsub: the best plan of every subset, smaller subsets first (however many joins that takes). */
export function dynamicProgramming<P>(space: JoinSpace<P>, options: EnumerateOptions = {}): P | undefined {
  const p = dpsub(space, options, Infinity);
  return p === GAVE_UP ? undefined : p;
}

/** What dpsub returns when it reached its join budget. */
const GAVE_UP: unique symbol = Symbol("gave up");

function dpsub<P>(space: JoinSpace<P>, options: EnumerateOptions, maxJoins: number): P | undefined | typeof GAVE_UP {
  const n = space.size;
  if (n === 0) return undefined;
  const full = 2 ** n - 1;
  const best: (P | undefined)[] = new Array<P | undefined>(full + 1);
  const first = options.first;
  let joins = 0;
  for (let i = 0; i < n; i++) best[2 ** i] = space.leaf(i, first === i);
  const bySize: RelSet[][] = Array.from({ length: n + 1 }, () => []);
  for (let s = 1; s <= full; s++) bySize[popcount(s)]!.push(s);
  for (let k = 2; k <= n; k++) {
    for (const s of bySize[k]!) {
      const ordered = first !== undefined && has(s, first);
      let chosen: P | undefined;
      let chosenCost = Infinity;
      let chosenInOrder = false;
      // Every proper non-empty subset as the left side, in increasing order.
      for (let left = s & -s; left !== s; left = (left - s) & s) {
        if (ordered && !has(left, first)) continue;
        const right = s ^ left;
        const l = best[left];
        const r = best[right];
        if (l === undefined || r === undefined) continue;
        const fromOrderStep = left === right - 1;
        if (!options.crossProducts && !fromOrderStep && !space.connected(left, right)) continue;
        if (++joins > maxJoins) return GAVE_UP;
        const p = space.join(l, left, r, right, ordered);
        if (p === undefined) continue;
        const c = space.cost(p);
        const inOrder = inFromOrder(left, right);
        if (c < chosenCost || (c === chosenCost && inOrder && !chosenInOrder)) {
          chosen = p;
          chosenCost = c;
          chosenInOrder = inOrder;
        }
      }
      best[s] = chosen;
    }
  }
  return best[full];
}

/** Greedy: a left-deep tree grown from the cheapest pair (or from `first`), cheapest join next. */
export function greedy<P>(space: JoinSpace<P>, options: EnumerateOptions = {}): P | undefined {
  const n = space.size;
  if (n === 0) return undefined;
  const leaves = Array.from({ length: n }, (_, i) => space.leaf(i, options.first === i));
  if (n === 1) return leaves[0];
  const ordered = options.first !== undefined;
  let plan: P | undefined;
  let set: RelSet = 0;
  if (ordered) {
    plan = leaves[options.first!];
    set = 2 ** options.first!;
  } else {
    let cost = Infinity;
    for (const connectedOnly of [true, false]) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j || leaves[i] === undefined || leaves[j] === undefined) continue;
          if (connectedOnly && !space.connected(2 ** i, 2 ** j)) continue;
          const p = space.join(leaves[i]!, 2 ** i, leaves[j]!, 2 ** j, false);
          if (p !== undefined && space.cost(p) < cost) {
            plan = p;
            cost = space.cost(p);
            set = 2 ** i + 2 ** j;
          }
        }
      }
      if (plan !== undefined) break;
    }
  }
  while (plan !== undefined && popcount(set) < n) {
    let next: P | undefined;
    let nextCost = Infinity;
    let nextRel = -1;
    for (const connectedOnly of [true, false]) {
      for (let k = 0; k < n; k++) {
        const leaf = leaves[k];
        if (has(set, k) || leaf === undefined) continue;
        if (connectedOnly && !space.connected(set, 2 ** k)) continue;
        const tries = [space.join(plan, set, leaf, 2 ** k, ordered), ordered ? undefined : space.join(leaf, 2 ** k, plan, set, false)];
        for (const p of tries) {
          if (p !== undefined && space.cost(p) < nextCost) {
            next = p;
            nextCost = space.cost(p);
            nextRel = k;
          }
        }
      }
      if (next !== undefined) break;
    }
    plan = next;
    set |= nextRel >= 0 ? 2 ** nextRel : 0;
  }
  return plan;
}

/** The relations of a set, ascending. */
export function members(s: RelSet): number[] {
  const out: number[] = [];
  for (let x = s; x !== 0; x &= x - 1) out.push(lowestBit(x));
  return out;
}
