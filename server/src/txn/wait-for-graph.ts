/**
 * The wait-for graph of lock waits: an edge `a → b` means transaction `a` waits for a lock that
 * transaction `b` holds or queues ahead of `a` for. A cycle is a deadlock.
 *
 * The lock manager keeps the graph acyclic by checking, whenever a transaction gains edges,
 * for a cycle through that transaction; any new cycle must use one of the new edges, so it
 * passes through that transaction and one search from it is enough.
 */
export class WaitForGraph {
  private readonly out = new Map<string, Set<string>>();
  // The reverse edges let the lock manager find who may be woken when a transaction goes
  // away without scanning every waiter.
  private readonly in = new Map<string, Set<string>>();

  /** Adds `waiter → b` for each blocker (edges already present and self-edges are ignored). */
  addEdges(waiter: string, blockers: Iterable<string>): void {
    let out = this.out.get(waiter);
    for (const blocker of blockers) {
      // A transaction never waits for itself; such an edge would be a false deadlock.
      if (blocker === waiter) continue;
      if (out === undefined) {
        out = new Set();
        this.out.set(waiter, out);
      }
      if (out.has(blocker)) continue;
      out.add(blocker);
      let incoming = this.in.get(blocker);
      if (incoming === undefined) {
        incoming = new Set();
        this.in.set(blocker, incoming);
      }
      incoming.add(waiter);
    }
  }

  /** Removes every edge out of `waiter` (edges into it belong to other waiters and stay). */
  removeWaiter(waiter: string): void {
    const out = this.out.get(waiter);
    if (out === undefined) return;
    this.out.delete(waiter);
    for (const blocker of out) {
      const incoming = this.in.get(blocker);
      if (incoming === undefined) continue;
      incoming.delete(waiter);
      if (incoming.size === 0) this.in.delete(blocker);
    }
  }

  /** The transactions `waiter` waits for. */
  blockersOf(waiter: string): ReadonlySet<string> | undefined {
    return this.out.get(waiter);
  }

  /** The transactions waiting for `blocker`. */
  waitersOf(blocker: string): ReadonlySet<string> | undefined {
    return this.in.get(blocker);
  }

  /** Number of transactions with at least one outgoing edge. */
  get waiterCount(): number {
    return this.out.size;
  }

  /** Number of edges. */
  get edgeCount(): number {
    let n = 0;
    for (const out of this.out.values()) n += out.size;
    return n;
  }

  /**
   * A cycle through `from`, as the path `[from, a, b, …]` where each waits for the next and the
   * last waits for `from`; undefined when there is none. Iterative, so a long chain of waits
   * cannot overflow the stack; each node is expanded at most once, so O(nodes + edges).
   */
  findCycle(from: string): string[] | undefined {
    const first = this.out.get(from);
    if (first === undefined) return undefined;
    const path = [from];
    const stack: Iterator<string>[] = [first.values()];
    // A node expanded once and left without reaching `from` cannot reach it later either.
    const seen = new Set<string>([from]);
    while (stack.length > 0) {
      const next = stack[stack.length - 1]!.next();
      if (next.done === true) {
        stack.pop();
        path.pop();
        continue;
      }
      const node = next.value;
      if (node === from) return path.slice();
      if (seen.has(node)) continue;
      seen.add(node);
      const out = this.out.get(node);
      if (out !== undefined) {
        path.push(node);
        stack.push(out.values());
      }
    }
    return undefined;
  }
}

/** "transaction t1 waits for t2, t2 waits for t1" for the cycle `[t1, t2]`. */
export function describeCycle(cycle: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cycle.length; i++) {
    const waiter = cycle[i]!;
    const blocker = cycle[(i + 1) % cycle.length]!;
    parts.push(i === 0 ? `transaction ${waiter} waits for ${blocker}` : `${waiter} waits for ${blocker}`);
  }
  return parts.join(", ");
}
