import { FlatIndex, type HnswIndex, type SearchResult } from "../../vector/index.js";
import type { SourceHits, VectorHit, VectorSearchRequest } from "./vector-entries.js";

/**
 * Searches one source whose index labels its entries and `keyOf` maps a label back to the entry's
 * key; `rows` is how many entries the source holds, in the index or not. The exhaustive flag
 * follows SourceHits: a flat index is exact; an HNSW search proves a short answer only when it
 * asked `accept` about all `rows` labels, or without `accept` returned them all (usearch returns
 * what its graph reaches, which may be less than everything; unindexed zero vectors count as
 * unasked).
 */
export function searchLabelled(
  index: HnswIndex | FlatIndex,
  rows: number,
  keyOf: (label: bigint) => Buffer,
  request: VectorSearchRequest,
  /** What the hits of a search without `accept` name as their `source` (see LabelledHit). */
  source?: object,
): SourceHits {
  const { k, accept } = request;
  if (k === 0 || rows === 0) return { hits: [], exhaustive: true };
  const flat = index instanceof FlatIndex;
  const ef = request.efSearch !== undefined && !flat ? { efSearch: request.efSearch } : {};
  if (accept === undefined) {
    const found = index.search(request.query, k, ef);
    return { hits: hitsOf(found, keyOf, source), exhaustive: flat || found.ids.length >= k || found.ids.length >= rows };
  }
  let asked = 0;
  const keys = new Map<bigint, Buffer>();
  const filter = (label: bigint): boolean => {
    asked++;
    const key = keyOf(label);
    if (!accept(key)) return false;
    keys.set(label, key);
    return true;
  };
  const found = index.search(request.query, k, { filter, ...ef });
  const hits: VectorHit[] = found.ids.map((label, i) => ({ key: keys.get(label)!, distance: found.distances[i]! }));
  return { hits, exhaustive: flat || hits.length >= k || asked >= rows };
}

function hitsOf(found: SearchResult, keyOf: (label: bigint) => Buffer, source: object | undefined): VectorHit[] {
  const hits: VectorHit[] = new Array(found.ids.length);
  for (let i = 0; i < hits.length; i++) hits[i] = new LabelledHit(found.ids[i]!, found.distances[i]!, keyOf, source);
  return hits;
}

/**
 * A hit whose key is looked up when first asked for: a search returns ef_search candidates and
 * the caller usually reads the keys of about k of them. `source` and `label` say which entry of
 * which index it is, for a source that can tell more about its entries (see MergedVectorIndex).
 */
export class LabelledHit implements VectorHit {
  private cached: Buffer | undefined;

  constructor(
    readonly label: bigint,
    readonly distance: number,
    private readonly keyOf: (label: bigint) => Buffer,
    readonly source: object | undefined,
  ) {}

  get key(): Buffer {
    return (this.cached ??= this.keyOf(this.label));
  }
}
