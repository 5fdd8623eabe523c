import type { KvVectorSearchOptions, KvVectorSearchResult } from "../kv/kv.js";
import type { SourceHits, StorageEngine, VectorHit } from "../storage/index.js";
import {
  bytesToVector,
  checkEfSearch,
  checkVector,
  compareKeyedCandidates,
  distanceKernel,
  HNSW_DEFAULTS,
  KeyedTopK,
  validateVectorIndexParams,
  vectorIndexKey,
  type KeyedCandidate,
  type ValidVectorIndexParams,
} from "../vector/index.js";
import type { Timestamp } from "./hlc.js";
import { decodeVersionKey, versionKeyAt, versionsEndOf } from "./mvcc-key.js";
import { visibleVersions } from "./mvcc-read.js";
import { isVectorVersionOf, storedVectorOf, vectorVersionPrefix } from "./mvcc-vector.js";
import { keyString } from "./read-set.js";
import type { PendingWrite } from "./transaction.js";

/** What a transaction's vector search sees. */
export interface VectorSearchScope {
  readonly engine: StorageEngine;
  readonly readTs: Timestamp;
  /** Uncommitted writes that win over storage (own writes; Read Uncommitted adds others'), by key string. */
  readonly overlay: ReadonlyMap<string, PendingWrite>;
}

/** A validated search: everything the two paths share. */
interface Search {
  readonly scope: VectorSearchScope;
  readonly index: ValidVectorIndexParams;
  readonly indexKey: string;
  readonly query: Float32Array;
  readonly k: number;
  readonly start: Buffer | undefined;
  readonly end: Buffer | undefined;
  readonly filter: ((key: Uint8Array) => boolean) | undefined;
  readonly distance: (a: Float32Array, b: Float32Array) => number;
  /** What reading a version takes, made by the first read: searches answered from the index make none. */
  reading: Reading | undefined;
}

interface Reading {
  /** Where a stored vector is copied to be measured: one per search, since a Float32Array this size lives off the V8 heap and costs to allocate. */
  readonly scratch: Float32Array;
  readonly scratchBytes: Uint8Array;
  /** What every stored version of the index starts with (see `vectorVersionPrefix`). */
  readonly storedPrefix: Buffer;
}

function readingOf(s: Search): Reading {
  if (s.reading !== undefined) return s.reading;
  const scratch = new Float32Array(s.index.dims);
  return (s.reading = { scratch, scratchBytes: new Uint8Array(scratch.buffer), storedPrefix: vectorVersionPrefix(s.index) });
}

const WITHIN_LOGICAL_KEY = { withinLogicalKey: true } as const;

/**
 * `KvTransaction.vectorSearch` over the MVCC layout. The engine's indexes hold every version ever
 * written and not yet collected, so each candidate they offer is checked here: it counts only if
 * its version is exactly the one the snapshot sees for its key (not newer, not overwritten or
 * deleted since), its key is in range, not shadowed by an uncommitted write, and passes the
 * filter. Its distance is then recomputed exactly from the stored vector. Checking takes a seek,
 * so candidates are checked lazily, nearest first (see `indexedSearch`). Uncommitted vectors
 * are measured directly. When the indexes cannot prove a short answer complete, the range is
 * scanned exactly instead.
 */
export function searchVectors(scope: VectorSearchScope, options: KvVectorSearchOptions): KvVectorSearchResult {
  const index = validateVectorIndexParams(options.index);
  checkVector(options.query, index.dims);
  const k = options.k;
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`k ${k} is not a non-negative integer`);
  if (options.efSearch !== undefined) checkEfSearch(options.efSearch);
  const search: Search = {
    scope,
    index,
    indexKey: vectorIndexKey(index),
    query: options.query,
    k,
    start: options.range?.start && Buffer.from(options.range.start),
    end: options.range?.end && Buffer.from(options.range.end),
    filter: options.filter,
    distance: distanceKernel(index.metric),
    reading: undefined,
  };
  if (options.exact) return { hits: exactSearch(search), exhaustive: true };
  const found = indexedSearch(search, options.efSearch);
  if (found.exhaustive) return { hits: found.hits, exhaustive: true };
  if (options.fallbackToExact === false) return { hits: found.hits, exhaustive: false };
  return { hits: exactSearch(search), exhaustive: true };
}

function inRange(s: Search, key: Buffer): boolean {
  return (s.start === undefined || Buffer.compare(key, s.start) >= 0) && (s.end === undefined || Buffer.compare(key, s.end) < 0);
}

/** The uncommitted vectors of the index in range, offered to `top` (the filter asked only if they would make it). */
function offerOverlay(s: Search, top: KeyedTopK<Buffer>): void {
  for (const w of s.scope.overlay.values()) {
    if (w.vector === undefined || w.value === undefined || vectorIndexKey(w.vector) !== s.indexKey || !inRange(s, w.key)) continue;
    const candidate = { key: w.key, distance: s.distance(bytesToVector(w.value), s.query) };
    if (top.accepts(candidate) && (s.filter === undefined || s.filter(w.key))) top.offer(candidate);
  }
}

/**
 * The index path, in two rounds. First every source offers its nearest entries unchecked (up to
 * 2k, at most ef_search, at least k), and they are checked (visibility, range, filter) nearest
 * first until k pass, as far as the sources' merged order is complete (see `mergeSources`), and
 * on through candidates within float32 slack of the k-th (an exact tie may win on its key). After
 * a compaction nearly every entry is visible, so this checks about k candidates. If it does not
 * yield k (many invisible versions near the query, a selective filter), the sources search again
 * asking about every candidate, each over-fetching until k pass. A candidate is checked once over
 * both rounds.
 */
function indexedSearch(s: Search, efSearch: number | undefined): { hits: KeyedCandidate<Buffer>[]; exhaustive: boolean } {
  const { engine } = s.scope;
  if (s.k === 0) return { hits: [], exhaustive: true };
  const ef = efSearch !== undefined ? { efSearch } : {};
  // Storage key → the candidate it became, or null if it does not count.
  const decided: Decided = new Map();
  // The graph searches ef_search candidates whatever this asks for; more than 2k unchecked
  // candidates would only cost objects, since few are ever checked.
  const wanted = Math.min(Math.max(s.k, efSearch ?? HNSW_DEFAULTS.efSearch), UNCHECKED_PER_K * s.k);
  const unchecked = engine.vectorSearch({ index: s.index, query: s.query, k: wanted, ...ef });
  const { order, cutShort } = mergeSources(unchecked.sources, wanted);
  let passed = 0;
  let bound = Infinity;
  let exhaustive = false;
  let walked = true;
  for (const { hit, limit } of order) {
    if (hit.distance > bound) {
      exhaustive = true;
      break;
    }
    if (!(hit.distance <= limit)) {
      walked = false;
      break;
    }
    if (decide(s, decided, hit.key, hit) !== null && ++passed === s.k) bound = hit.distance + slack(hit.distance);
  }
  // Every candidate checked: k passed, or fewer and no source was cut short (each gave all it has).
  if (walked && !exhaustive) exhaustive = passed >= s.k || (!cutShort && unchecked.exhaustive);
  if (!exhaustive) exhaustive = engine.vectorSearch({ index: s.index, query: s.query, k: s.k, accept: (key) => decide(s, decided, key, undefined) !== null, ...ef }).exhaustive;
  const top = new KeyedTopK<Buffer>(s.k);
  offerOverlay(s, top);
  for (const candidate of decided.values()) if (candidate !== null) top.offer(candidate);
  return { hits: top.result(), exhaustive: exhaustive || top.size >= s.k };
}

type Decided = Map<string, KeyedCandidate<Buffer> | null>;

/**
 * The candidate a storage key becomes (see `check`), checked once per search. A function, not a
 * closure made per search: with names kept (tsx), each closure made costs a defineProperty.
 */
function decide(s: Search, decided: Decided, storageKey: Buffer, hit: VectorHit | undefined): KeyedCandidate<Buffer> | null {
  const sk = keyString(storageKey);
  let candidate = decided.get(sk);
  if (candidate === undefined) decided.set(sk, (candidate = check(s, storageKey, hit)));
  return candidate;
}

/** Candidates asked of each source in the first round, per result wanted (at most ef_search). */
const UNCHECKED_PER_K = 2;

/** A source's hit, and how far its source's hits can be trusted to be in merged order. */
interface Ranked {
  readonly hit: VectorHit;
  /** Past this distance another source, cut short, may hold a nearer entry it did not return. */
  readonly limit: number;
}

/**
 * The hits of all sources nearest first, each with its limit: a source that returned `wanted`
 * hits may hold more entries, all at or past its last distance (up to float32 slack), so the
 * other sources' hits are in merged order only up to there. Also says whether any source was cut
 * short that way.
 */
function mergeSources(sources: readonly SourceHits[], wanted: number): { order: Ranked[]; cutShort: boolean } {
  // Loops, not closures (see `decide`).
  const frontiers: number[] = [];
  let cutShort = false;
  for (const { hits } of sources) {
    const f = hits.length >= wanted ? hits[hits.length - 1]!.distance - slack(hits[hits.length - 1]!.distance) : Infinity;
    frontiers.push(f);
    if (f !== Infinity) cutShort = true;
  }
  const order: Ranked[] = [];
  for (let i = 0; i < sources.length; i++) {
    let limit = Infinity;
    for (let j = 0; j < frontiers.length; j++) {
      const f = frontiers[j]!;
      // NaN (cosine of a zero query) trusts nothing.
      if (j !== i && (Number.isNaN(f) || f < limit)) limit = f;
    }
    for (const hit of sources[i]!.hits) order.push({ hit, limit });
  }
  order.sort(byHit);
  return { order, cutShort };
}

function byHit(a: Ranked, b: Ranked): number {
  return compareKeyedCandidates(a.hit, b.hit);
}

/**
 * How far an index distance may be from the exact one: usearch measures in float32, which
 * `HnswIndex` documents as agreeing to float32 precision relative to max(1, |distance|); this
 * leaves two orders of magnitude to spare for sums over many dimensions.
 */
function slack(distance: number): number {
  return 1e-5 * Math.max(1, Math.abs(distance));
}

/**
 * The candidate a storage key becomes, or null when it does not count: its version must be
 * exactly the one the snapshot sees for its key (not newer, not overwritten or deleted since),
 * its key in range, not shadowed by an uncommitted write, a vector of the index, and pass the
 * filter. Its distance is recomputed exactly from the stored vector. When the engine can prove
 * from the index that `hit` (the source's hit of this key) is the version the snapshot sees, the
 * vector comes from the index and the version is not read (`StorageEngine.vectorOfFirstHit`).
 */
function check(s: Search, storageKey: Buffer, hit: VectorHit | undefined): KeyedCandidate<Buffer> | null {
  const { engine, readTs, overlay } = s.scope;
  const { userKey, ts } = decodeVersionKey(storageKey);
  if (ts > readTs || !inRange(s, userKey) || (overlay.size > 0 && overlay.has(keyString(userKey)))) return null;
  const start = versionKeyAt(storageKey, readTs);
  const end = versionsEndOf(storageKey);
  // The index's entries are vectors of the index (its dims), so only the filter is left to ask.
  let vector = hit === undefined ? undefined : engine.vectorOfFirstHit(hit, start, end);
  if (vector === undefined) {
    const visible = engine.seekFirst(start, end, WITHIN_LOGICAL_KEY);
    if (visible === undefined || !visible[0].equals(storageKey)) return null;
    const stored = visible[1];
    const r = readingOf(s);
    if (!isVectorVersionOf(stored, r.storedPrefix, s.index.dims)) return null;
    vector = r.scratch;
    r.scratchBytes.set(stored.subarray(r.storedPrefix.length));
  }
  if (s.filter !== undefined && !s.filter(userKey)) return null;
  const distance = s.distance(vector, s.query);
  // putVector never writes NaN or infinities; a damaged value must not count (as storedVectorOf).
  // Such an element makes the distance NaN or infinite, so only then are the elements looked at.
  if (!Number.isFinite(distance)) for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i])) return null;
  return { key: userKey, distance };
}

/** Every visible entry of the index in range, measured: exact, and as costly as a scan of the range. */
function exactSearch(s: Search): KeyedCandidate<Buffer>[] {
  const { engine, readTs, overlay } = s.scope;
  const top = new KeyedTopK<Buffer>(s.k);
  offerOverlay(s, top);
  for (const { key, value } of visibleVersions(engine, readTs, { start: s.start, end: s.end }, storedVectorOf)) {
    if (value === undefined || vectorIndexKey(value.index) !== s.indexKey || overlay.has(keyString(key))) continue;
    const candidate = { key, distance: s.distance(value.vector, s.query) };
    if (top.accepts(candidate) && (s.filter === undefined || s.filter(key))) top.offer(candidate);
  }
  return top.result();
}
