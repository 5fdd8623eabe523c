/**
 * What the engine knows about vector entries: only what the layer above tells it. That layer
 * (MVCC) gives the engine a `VectorEntryOf` that recognises its vector values; memtables index
 * those entries, flush and compaction write them into each table's vector section, and
 * `StorageEngine.vectorSearch` searches them all.
 */
import type { ValidVectorIndexParams } from "../../vector/index.js";

/** A vector entry: the index it belongs to and its vector. */
export interface VectorEntry {
  readonly index: ValidVectorIndexParams;
  /** The engine may keep it: a copy, not a view into the value. */
  readonly vector: Float32Array;
}

/**
 * The vector entry a put of (userKey, value) is, or undefined when it is none. Pure and cheap for
 * values that are not vectors (it runs on every put and every entry flushed or compacted).
 * NB: must not throw; a value that looks like a vector but is malformed is simply not one.
 */
export type VectorEntryOf = (userKey: Uint8Array, value: Uint8Array) => VectorEntry | undefined;

/** One candidate a search source returned: an engine user key (versions included) and its distance. */
export interface VectorHit {
  readonly key: Buffer;
  readonly distance: number;
}

export interface VectorSearchRequest {
  readonly index: ValidVectorIndexParams;
  readonly query: Float32Array;
  /** Nearest entries wanted from each source. */
  readonly k: number;
  /** HNSW candidate list size (1..1000); default pgvector's 40. */
  readonly efSearch?: number;
  /**
   * Whether a candidate counts (visibility, range, WHERE); asked at most once per candidate per
   * source, nearest first. Sources over-fetch until k pass or they have asked about every entry.
   */
  readonly accept?: (key: Buffer) => boolean;
}

/** What one source (a memtable or a table's segment) found. */
export interface SourceHits {
  readonly hits: readonly VectorHit[];
  /**
   * True when fewer than k hits prove that fewer than k of the source's entries are accepted: it
   * asked about every entry, or searched exactly. False when an HNSW graph may have hidden some.
   */
  readonly exhaustive: boolean;
}

export interface VectorSearchResult {
  /**
   * Up to k accepted hits per source, not merged: the caller ranks them (it may know better
   * distances). NB: a key may come from more than one source (a table not yet covered by the
   * merged graph is searched on its own as well).
   */
  readonly hits: readonly VectorHit[];
  /** Every source was exhaustive (see SourceHits): fewer than k hits in all means fewer than k accepted entries exist. */
  readonly exhaustive: boolean;
  /**
   * The same hits by source (memtables, the merged graph, tables it does not cover). A source
   * that returned k hits may hold entries it did not return, all at or past its k-th distance;
   * one that returned fewer returned all it found.
   */
  readonly sources: readonly SourceHits[];
}
