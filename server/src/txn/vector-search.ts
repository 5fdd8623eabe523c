import type { KvVectorSearchOptions, KvVectorSearchResult } from "../kv/kv.js";
import type { StorageEngine } from "../storage/index.js";
import {
  bytesToVector,
  checkEfSearch,
  checkVector,
  distanceKernel,
  KeyedTopK,
  validateVectorIndexParams,
  vectorIndexKey,
  type KeyedCandidate,
  type ValidVectorIndexParams,
} from "../vector/index.js";
import type { Timestamp } from "./hlc.js";
import { decodeVersionKey, encodeVersionKey, versionsEnd } from "./mvcc-key.js";
import { visibleVersions } from "./mvcc-read.js";
import { storedVectorOf } from "./mvcc-vector.js";
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
}

/**
 * `KvTransaction.vectorSearch` over the MVCC layout. The engine's indexes hold every version ever
 * written and not yet collected, so each candidate they offer is checked here: it counts only if
 * its version is exactly the one the snapshot sees for its key (not newer, not overwritten or
 * deleted since), its key is in range, not shadowed by an uncommitted write, and passes the
 * filter. Its distance is then recomputed exactly from the stored vector. Uncommitted vectors
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

function indexedSearch(s: Search, efSearch: number | undefined): { hits: KeyedCandidate<Buffer>[]; exhaustive: boolean } {
  const { engine, readTs, overlay } = s.scope;
  const top = new KeyedTopK<Buffer>(s.k);
  offerOverlay(s, top);
  // Storage key → the candidate it became, or null if it does not count. Also keeps a version
  // that two sources both hold from counting twice, and asks the filter once per key.
  const decided = new Map<string, KeyedCandidate<Buffer> | null>();
  const accept = (storageKey: Buffer): boolean => {
    const sk = keyString(storageKey);
    if (decided.has(sk)) return false;
    decided.set(sk, null);
    const { userKey, ts } = decodeVersionKey(storageKey);
    if (ts > readTs || !inRange(s, userKey) || overlay.has(keyString(userKey))) return false;
    const visible = engine.seekFirst(encodeVersionKey(userKey, readTs), versionsEnd(userKey), { withinLogicalKey: true });
    if (visible === undefined || !visible[0].equals(storageKey)) return false;
    const entry = storedVectorOf(visible[1]);
    if (entry === undefined || vectorIndexKey(entry.index) !== s.indexKey) return false;
    if (s.filter !== undefined && !s.filter(userKey)) return false;
    decided.set(sk, { key: userKey, distance: s.distance(entry.vector, s.query) });
    return true;
  };
  const found = engine.vectorSearch({ index: s.index, query: s.query, k: s.k, accept, ...(efSearch !== undefined && { efSearch }) });
  for (const hit of found.hits) {
    const candidate = decided.get(keyString(hit.key));
    if (candidate) top.offer(candidate);
  }
  return { hits: top.result(), exhaustive: found.exhaustive || top.size >= s.k };
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
