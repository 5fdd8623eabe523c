/**
 * Exact nearest-neighbour search: the executor's path when a filter is selective, and the
 * reference the HNSW index is measured against.
 */
import { checkVector, distanceKernel, type VectorMetric } from "./distance.js";
import { differentDimensions } from "./errors.js";

/** Nearest first: `distances[i]` is the metric's ordering distance of `ids[i]` from the query. */
export interface SearchResult {
  readonly ids: bigint[];
  readonly distances: number[];
}

/** An id and its vector, as the flat search consumes them. */
export interface VectorEntry {
  readonly id: bigint;
  readonly vector: Float32Array;
}

/** Pure; must not throw. Called at most once per id in a search. */
export type IdFilter = (id: bigint) => boolean;

/**
 * The order of search results: ascending distance, NaN after every number (PostgreSQL sorts NaN
 * above all floats, and pgvector's `<=>` is NaN for a zero vector), ties by ascending id so that
 * results are deterministic. Negative, zero or positive like a sort comparator.
 */
export function compareCandidates(distanceA: number, idA: bigint, distanceB: number, idB: bigint): number {
  if (distanceA < distanceB) return -1;
  if (distanceA > distanceB) return 1;
  const nanA = Number.isNaN(distanceA);
  const nanB = Number.isNaN(distanceB);
  if (nanA !== nanB) return nanA ? 1 : -1;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/**
 * The k best (id, distance) pairs seen so far, in a max-heap whose root is the worst kept, so a
 * candidate is rejected or admitted in O(log k). Memory grows with what is kept, never past k.
 */
export class TopK {
  private readonly heapDistances: number[] = [];
  private readonly heapIds: bigint[] = [];

  constructor(readonly k: number) {
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`top-k size ${k} is not a non-negative integer`);
  }

  get size(): number {
    return this.heapIds.length;
  }

  /** Whether `offer(id, distance)` would keep the pair now. */
  accepts(id: bigint, distance: number): boolean {
    if (this.heapIds.length < this.k) return true;
    if (this.k === 0) return false;
    return compareCandidates(distance, id, this.heapDistances[0]!, this.heapIds[0]!) < 0;
  }

  /** Keeps the pair if it is among the k best so far; returns whether it was kept. */
  offer(id: bigint, distance: number): boolean {
    const n = this.heapIds.length;
    if (n < this.k) {
      this.heapDistances.push(distance);
      this.heapIds.push(id);
      this.siftUp(n);
      return true;
    }
    if (!this.accepts(id, distance)) return false;
    this.heapDistances[0] = distance;
    this.heapIds[0] = id;
    this.siftDown(0);
    return true;
  }

  /** The pairs kept, nearest first. Leaves the collector as it was. */
  result(): SearchResult {
    const order = this.heapIds.map((_, i) => i);
    order.sort((x, y) => compareCandidates(this.heapDistances[x]!, this.heapIds[x]!, this.heapDistances[y]!, this.heapIds[y]!));
    return { ids: order.map((i) => this.heapIds[i]!), distances: order.map((i) => this.heapDistances[i]!) };
  }

  /** True when slot i ranks after slot j (i is the worse of the two). */
  private worse(i: number, j: number): boolean {
    return compareCandidates(this.heapDistances[i]!, this.heapIds[i]!, this.heapDistances[j]!, this.heapIds[j]!) > 0;
  }

  private swap(i: number, j: number): void {
    const d = this.heapDistances[i]!;
    this.heapDistances[i] = this.heapDistances[j]!;
    this.heapDistances[j] = d;
    const id = this.heapIds[i]!;
    this.heapIds[i] = this.heapIds[j]!;
    this.heapIds[j] = id;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heapIds.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.worse(right, left) ? right : left;
      if (!this.worse(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }
}

/**
 * The k entries nearest to `query` under `metric` that pass `filter`, exactly. `filter` is asked
 * only about candidates that would make the current top k, so a costly check (visibility) runs
 * on few rows. Throws 22000 when an entry's dimensions differ from the query's.
 */
export function flatSearch(entries: Iterable<VectorEntry>, query: Float32Array, k: number, metric: VectorMetric, filter?: IdFilter): SearchResult {
  const top = new TopK(k);
  const distance = distanceKernel(metric);
  for (const { id, vector } of entries) {
    if (vector.length !== query.length) throw differentDimensions(vector.length, query.length);
    const d = distance(vector, query);
    if (!top.accepts(id, d)) continue;
    if (filter !== undefined && !filter(id)) continue;
    top.offer(id, d);
  }
  return top.result();
}

/**
 * An exact index over (id, vector) pairs of one dimension count: the same contract as the HNSW
 * index (`add`, `remove`, `search`), answered by a full scan. Vectors are copied on add.
 */
export class FlatIndex {
  private readonly vectors = new Map<bigint, Float32Array>();

  constructor(
    readonly dims: number,
    readonly metric: VectorMetric,
  ) {
    if (!Number.isSafeInteger(dims) || dims < 1) throw new RangeError(`flat index dimensions ${dims} must be a positive integer`);
  }

  get size(): number {
    return this.vectors.size;
  }

  /** Adds a vector under a new id. Throws 22000 for a malformed vector, RangeError for a duplicate id. */
  add(id: bigint, vector: Float32Array): void {
    checkVector(vector, this.dims);
    if (this.vectors.has(id)) throw new RangeError(`id ${id} is already in the flat index`);
    this.vectors.set(id, vector.slice());
  }

  /** Removes an id; false if it was not there. */
  remove(id: bigint): boolean {
    return this.vectors.delete(id);
  }

  has(id: bigint): boolean {
    return this.vectors.has(id);
  }

  /** The k nearest ids that pass `filter`, nearest first. Throws 22000 on a dimension mismatch. */
  search(query: Float32Array, k: number, options: { readonly filter?: IdFilter } = {}): SearchResult {
    if (query.length !== this.dims) throw differentDimensions(this.dims, query.length);
    return flatSearch(this.entries(), query, k, this.metric, options.filter);
  }

  /** Every (id, vector) pair, in insertion order. NB: the vectors are the index's own copies. */
  *entries(): IterableIterator<VectorEntry> {
    for (const [id, vector] of this.vectors) yield { id, vector };
  }
}
