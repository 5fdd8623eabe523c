/**
 * An approximate nearest-neighbour index: usearch's HNSW behind our metric names, parameter
 * rules (pgvector's) and distance values (those of `distance.ts`).
 *
 * Metric mapping and sign conventions (usearch computes in float32):
 *
 *   ours    operator  usearch  usearch returns        we return
 *   l2      <->       l2sq     Σ(aᵢ-bᵢ)²             √ of it          = l2Distance
 *   cosine  <=>       cos      1 - cos(a, b)          as is            = cosineDistance
 *   inner   <#>       ip       1 - Σaᵢbᵢ             it - 1 = -Σaᵢbᵢ = negativeInnerProduct
 *
 * l2 uses l2sq because the square root is monotonic (same graph, same order) and cheaper to skip.
 * Returned distances agree with `distance.ts` to float32 precision (relative to max(1, |value|)
 * for inner); callers that print them can recompute exactly from the row.
 *
 * Zero vectors under cosine: pgvector's `<=>` is NaN for them and its HNSW index leaves them out;
 * so does this one (`add` returns false), and the exact path sorts them last.
 */
import { checkVector, VECTOR_MAX_DIMS, type VectorMetric } from "./distance.js";
import { differentDimensions, invalidParameter, VectorSegmentCorruptionError } from "./errors.js";
import { compareCandidates, type IdFilter, type SearchResult } from "./flat-index.js";
import { NativeIndex, parseUsearchImage, USEARCH_FREE_KEY, USEARCH_METRIC_BYTE, USEARCH_SCALAR, type UsearchImageHeader, type UsearchMetric } from "./usearch-binding.js";

/** `CREATE INDEX … USING hnsw … WITH (m, ef_construction)` and the `ef_search` setting. */
export interface HnswParams {
  readonly dims: number;
  readonly metric: VectorMetric;
  /** Neighbours per node per layer (usearch's connectivity); layer 0 keeps 2m. pgvector: 2..100. */
  readonly m?: number;
  /** Candidate list size while inserting (usearch's expansion_add). pgvector: 4..1000, >= 2m. */
  readonly efConstruction?: number;
  /** Default candidate list size while searching (usearch's expansion_search). 1..1000. */
  readonly efSearch?: number;
}

export type ValidHnswParams = Required<HnswParams>;

/** pgvector's defaults. */
export const HNSW_DEFAULTS = { m: 16, efConstruction: 64, efSearch: 40 } as const;

const LIMITS = {
  m: { min: 2, max: 100 },
  efConstruction: { min: 4, max: 1000, option: "ef_construction" },
  efSearch: { min: 1, max: 1000 },
} as const;

/** Usearch keys are u64 and all ones means "no key", so ids live in [0, 2^64 - 2]. */
export const HNSW_MAX_ID = USEARCH_FREE_KEY - 1n;

const USEARCH_METRIC: Readonly<Record<VectorMetric, UsearchMetric>> = { l2: "l2sq", cosine: "cos", inner: "ip" };

/** Per-search knobs: the `ef_search` setting and a predicate on ids (visibility, WHERE). */
export interface HnswSearchOptions {
  readonly efSearch?: number;
  readonly filter?: IdFilter;
}

function integerOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value)) throw invalidParameter(`invalid value for integer option "${name}": ${value}`);
  if (value < min || value > max) throw invalidParameter(`value ${value} out of bounds for option "${name}" (valid values are between ${min} and ${max})`);
  return value;
}

/** Checks an `ef_search` value (1..1000) and returns it; throws 22023 as PostgreSQL does for a setting. */
export function checkEfSearch(efSearch: number): number {
  const { min, max } = LIMITS.efSearch;
  if (!Number.isInteger(efSearch) || efSearch < min || efSearch > max) {
    throw invalidParameter(`${efSearch} is outside the valid range for parameter "ef_search" (${min} .. ${max})`);
  }
  return efSearch;
}

/** Fills defaults and checks every parameter; throws 22023 naming the bad one. */
export function validateHnswParams(params: HnswParams): ValidHnswParams {
  const { dims, metric } = params;
  if (!Number.isInteger(dims) || dims < 1 || dims > VECTOR_MAX_DIMS) {
    throw invalidParameter(`hnsw index dimensions ${dims} must be between 1 and ${VECTOR_MAX_DIMS}`);
  }
  if (metric !== "l2" && metric !== "cosine" && metric !== "inner") throw invalidParameter(`invalid distance metric "${String(metric)}"`);
  const m = integerOption("m", params.m ?? HNSW_DEFAULTS.m, LIMITS.m.min, LIMITS.m.max);
  const ef = LIMITS.efConstruction;
  const efConstruction = integerOption(ef.option, params.efConstruction ?? HNSW_DEFAULTS.efConstruction, ef.min, ef.max);
  if (efConstruction < 2 * m) throw invalidParameter("ef_construction must be greater than or equal to 2 * m");
  const efSearch = checkEfSearch(params.efSearch ?? HNSW_DEFAULTS.efSearch);
  return { dims, metric, m, efConstruction, efSearch };
}

function checkId(id: bigint): void {
  if (id < 0n || id > HNSW_MAX_ID) throw new RangeError(`hnsw id ${id} is outside [0, 2^64 - 2]`);
}

function isZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

/**
 * HNSW over (id: bigint, vector) pairs. Single-threaded by default so that a build is
 * deterministic; `addBatch` may use more threads (compaction).
 *
 * NB: native memory is held until `close()` (or until the object is garbage collected, which V8
 * does not hurry because it cannot see that memory); owners such as the segment cache close it.
 */
export class HnswIndex {
  readonly dims: number;
  readonly metric: VectorMetric;
  readonly m: number;
  readonly efConstruction: number;
  /** The `ef_search` used when a search does not give one. */
  readonly efSearch: number;
  private native: NativeIndex | undefined;
  /** Node slots allocated, live and removed: usearch keeps removed nodes and reuses them on add. */
  private slots = 0;
  private removedSlots = 0;

  private constructor(params: ValidHnswParams) {
    this.dims = params.dims;
    this.metric = params.metric;
    this.m = params.m;
    this.efConstruction = params.efConstruction;
    this.efSearch = params.efSearch;
    this.native = NativeIndex.create({
      dims: params.dims,
      metric: USEARCH_METRIC[params.metric],
      connectivity: params.m,
      expansionAdd: params.efConstruction,
      // The graph search uses max(this, wanted) candidates, so 1 leaves ef entirely to `search`.
      expansionSearch: 1,
    });
  }

  /** An empty index; throws 22023 for invalid parameters. */
  static create(params: HnswParams): HnswIndex {
    return new HnswIndex(validateHnswParams(params));
  }

  /**
   * An index from `toBuffer()` bytes, which must agree with `params` (dims, metric, m). Throws
   * VectorSegmentCorruptionError (XX001, at `imageOffsetBytes`) for bytes that are not such an
   * image. NB: usearch trusts the graph itself; pass only bytes that passed a checksum.
   */
  static fromImage(image: Uint8Array, params: HnswParams, imageOffsetBytes = 0): HnswIndex {
    const valid = validateHnswParams(params);
    const header = parseUsearchImage(image);
    if (typeof header === "string") throw new VectorSegmentCorruptionError(imageOffsetBytes, header);
    const mismatch = imageMismatch(header, valid);
    if (mismatch !== undefined) throw new VectorSegmentCorruptionError(imageOffsetBytes, mismatch);
    const index = new HnswIndex(valid);
    try {
      index.live().loadBuffer(image);
    } catch (e) {
      index.close();
      throw new VectorSegmentCorruptionError(imageOffsetBytes, `usearch rejected the index: ${(e as Error).message}`, { cause: e });
    }
    if (index.size !== header.countPresent) {
      index.close();
      throw new VectorSegmentCorruptionError(imageOffsetBytes, `usearch loaded ${index.size} vectors, the image says ${header.countPresent}`);
    }
    index.slots = header.slots;
    index.removedSlots = header.countDeleted;
    return index;
  }

  /** Live (searchable) vectors. */
  get size(): number {
    return this.live().size();
  }

  get closed(): boolean {
    return this.native === undefined;
  }

  /**
   * Adds a vector under a new id; false (and nothing added) for a zero vector under cosine.
   * Throws 22000 for a malformed vector, RangeError for an id out of range or already present.
   */
  add(id: bigint, vector: Float32Array): boolean {
    return this.addBatch([id], [vector]) === 1;
  }

  /**
   * Adds many vectors at once, on up to `threads` native threads (more than one makes the graph
   * depend on scheduling). Validates everything before adding anything. Returns how many were
   * added (zero vectors under cosine are skipped).
   */
  addBatch(ids: readonly bigint[], vectors: readonly Float32Array[], threads = 1): number {
    const native = this.live();
    if (ids.length !== vectors.length) throw new RangeError(`${ids.length} ids for ${vectors.length} vectors`);
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads ${threads} must be a positive integer`);
    const seen = new Set<bigint>();
    const keep: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const vector = vectors[i]!;
      checkId(id);
      checkVector(vector, this.dims);
      if (seen.has(id) || native.contains(id)) throw new RangeError(`id ${id} is already in the hnsw index`);
      seen.add(id);
      if (this.metric === "cosine" && isZero(vector)) continue;
      keep.push(i);
    }
    if (keep.length === 0) return 0;
    const keys = new BigUint64Array(keep.length);
    const flat = new Float32Array(keep.length * this.dims);
    keep.forEach((from, to) => {
      keys[to] = ids[from]!;
      flat.set(vectors[from]!, to * this.dims);
    });
    native.add(keys, flat, threads);
    const reused = Math.min(this.removedSlots, keep.length);
    this.removedSlots -= reused;
    this.slots += keep.length - reused;
    return keep.length;
  }

  /** Removes an id so that no search returns it; false if it was not there. */
  remove(id: bigint): boolean {
    const native = this.live();
    if (id < 0n || id > HNSW_MAX_ID) return false;
    const removed = native.remove(id);
    if (removed) this.removedSlots++;
    return removed;
  }

  has(id: bigint): boolean {
    return id >= 0n && id <= HNSW_MAX_ID && this.live().contains(id);
  }

  /**
   * The k (approximately) nearest ids that pass `filter`, nearest first, with `distance.ts`'s
   * values. The graph search keeps max(k, ef_search) candidates. With a filter it over-fetches
   * (doubling the candidates, up to the whole index, until k pass) because usearch's Node binding
   * takes no predicate; the filter is asked once per id. Throws 22000 for a query of other
   * dimensions or with NaN/infinite elements, 22023 for a bad ef_search.
   *
   * NB: fewer than k results does not prove that fewer than k ids pass: an HNSW graph can leave
   * nodes unreachable (rarely under l2 and cosine; under inner product, vectors of small norm are
   * nobody's nearest neighbour: 17% of a clustered 5k test set). A caller that must return k rows
   * whenever k match falls back to the exact path when it gets fewer than k.
   *
   * NB: a zero query under cosine has no nearest neighbours (every `<=>` is NaN): the result is
   * k arbitrary ids, each with distance NaN, ordered by id.
   */
  search(query: Float32Array, k: number, options: HnswSearchOptions = {}): SearchResult {
    const native = this.live();
    if (query.length !== this.dims) throw differentDimensions(this.dims, query.length);
    checkVector(query);
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`k ${k} is not a non-negative integer`);
    const ef = options.efSearch === undefined ? this.efSearch : checkEfSearch(options.efSearch);
    const total = native.size();
    if (k === 0 || total === 0) return { ids: [], distances: [] };
    let wanted = Math.min(Math.max(k, ef), total);
    const filter = options.filter;
    const decided = new Map<bigint, boolean>();
    for (;;) {
      const found = native.search(query, wanted);
      const ids: bigint[] = [];
      const distances: number[] = [];
      for (let i = 0; i < found.keys.length && ids.length < k; i++) {
        const id = found.keys[i]!;
        if (filter !== undefined) {
          let pass = decided.get(id);
          if (pass === undefined) decided.set(id, (pass = filter(id)));
          if (!pass) continue;
        }
        ids.push(id);
        distances.push(found.distances[i]!);
      }
      const exhausted = found.keys.length < wanted || wanted >= total;
      if (ids.length >= k || exhausted) return this.finish(query, ids, distances);
      wanted = Math.min(total, wanted * 2);
    }
  }

  /**
   * An estimate of the native memory held, in bytes, from usearch's layout: per node the vector,
   * a 10-byte head, layer 0 (count + 2m u32 neighbours), the expected upper layers (a node reaches
   * layer 1 with probability 1/m, each layer count + m u32), a vector pointer and a key→slot hash
   * entry; per reserved slot two pointers; times a slack factor. Measured against RSS for indexes
   * loaded from an image (32-768 dims, m 8-48, 2k-100k vectors) it is 4-19% above the real
   * figure. NB: an index built in place holds up to ~25% more than this (allocator slack from
   * growing), so the estimate fits loaded segments better than the memtable's index.
   */
  memoryBytes(): number {
    return memoryEstimate(this.dims, this.m, this.slots, this.live().capacity());
  }

  /** What `memoryBytes()` would say of an index of `count` vectors, before building it. */
  static estimateMemoryBytes(params: { readonly dims: number; readonly m: number }, count: number): number {
    let capacity = 1;
    while (capacity < count) capacity *= 2;
    return memoryEstimate(params.dims, params.m, count, capacity);
  }

  /** Removed nodes still in the graph (usearch reuses their slots for later adds). */
  get removedCount(): number {
    return this.removedSlots;
  }

  /** usearch's file image of the index (`fromImage` reads it back). */
  toBuffer(): Buffer {
    return this.live().toBuffer();
  }

  /** Frees the native memory now. Idempotent; any other call afterwards throws. */
  close(): void {
    this.native?.release();
    this.native = undefined;
  }

  private live(): NativeIndex {
    if (this.native === undefined) throw new Error("HnswIndex used after close()");
    return this.native;
  }

  private finish(query: Float32Array, ids: bigint[], rawDistances: number[]): SearchResult {
    const distances = rawDistances.map(this.metric === "l2" ? l2FromUsearch : this.metric === "inner" ? innerFromUsearch : cosineFromUsearch);
    if (this.metric === "cosine" && isZero(query)) {
      ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { ids, distances: ids.map(() => NaN) };
    }
    // usearch returns nearest first; only ties (ordered by id here) may need moving.
    let ordered = true;
    for (let i = 1; ordered && i < ids.length; i++) ordered = compareCandidates(distances[i - 1]!, ids[i - 1]!, distances[i]!, ids[i]!) <= 0;
    if (ordered) return { ids, distances };
    const order = ids.map((_, i) => i);
    order.sort((x, y) => compareCandidates(distances[x]!, ids[x]!, distances[y]!, ids[y]!));
    return { ids: order.map((i) => ids[i]!), distances: order.map((i) => distances[i]!) };
  }
}

/** See `memoryBytes`: allocator overhead and the per-thread search contexts. */
const MEMORY_SLACK = 1.15;
const FIXED_BYTES = 64 * 1024;

function memoryEstimate(dims: number, m: number, slots: number, capacity: number): number {
  const nodeBytes = 10 + (4 + 8 * m) + (4 + 4 * m) / (m - 1);
  const perSlot = dims * 4 + nodeBytes + 8 + 24;
  return Math.ceil((slots * perSlot + capacity * 16) * MEMORY_SLACK) + FIXED_BYTES;
}

function l2FromUsearch(d: number): number {
  return Math.sqrt(Math.max(0, d));
}

function innerFromUsearch(d: number): number {
  return d - 1;
}

function cosineFromUsearch(d: number): number {
  return d;
}

/** Why a parsed usearch image cannot be this index's, or undefined when it can. */
function imageMismatch(h: UsearchImageHeader, p: ValidHnswParams): string | undefined {
  if (h.versionMajor !== 2) return `usearch image format version ${h.versionMajor}, expected 2`;
  if (h.metricByte !== USEARCH_METRIC_BYTE[USEARCH_METRIC[p.metric]]) return `usearch image metric 0x${h.metricByte.toString(16)} is not ${p.metric}`;
  if (h.scalarByte !== USEARCH_SCALAR.f32 || h.keyScalarByte !== USEARCH_SCALAR.u64 || h.slotScalarByte !== USEARCH_SCALAR.u32) {
    return "usearch image scalar, key or slot type is not f32, u64, u32";
  }
  if (h.dims !== p.dims || h.bytesPerVector !== p.dims * 4) return `usearch image has ${h.dims} dimensions (${h.bytesPerVector} bytes per vector), expected ${p.dims}`;
  if (h.multi) return "usearch image allows duplicate keys";
  if (h.graphNodes !== h.slots || h.countPresent + h.countDeleted !== h.slots) {
    return `usearch image counts disagree: ${h.slots} vectors, ${h.graphNodes} nodes, ${h.countPresent} present + ${h.countDeleted} deleted`;
  }
  if (h.slots > 0 && (h.connectivity !== p.m || h.connectivityBase !== 2 * p.m)) return `usearch image connectivity ${h.connectivity}, expected m = ${p.m}`;
  return undefined;
}
