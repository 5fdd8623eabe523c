import { FlatIndex, type HnswIndex } from "../../vector/index.js";
import type { SourceHits, VectorHit, VectorSearchRequest } from "./vector-entries.js";

/**
 * Searches one source whose index labels its entries 0..rows-1 and `keyOf` maps a label back to
 * the entry's key. The exhaustive flag follows SourceHits: a flat index is exact; an HNSW search
 * proves a short answer only when it asked `accept` about all `rows` labels (usearch returns what
 * its graph reaches, which may be less than everything; unindexed zero vectors count as unasked).
 */
export function searchLabelled(index: HnswIndex | FlatIndex, rows: number, keyOf: (label: bigint) => Buffer, request: VectorSearchRequest): SourceHits {
  const { k, accept } = request;
  if (k === 0 || rows === 0) return { hits: [], exhaustive: true };
  let asked = 0;
  const keys = new Map<bigint, Buffer>();
  const filter = (label: bigint): boolean => {
    asked++;
    const key = keyOf(label);
    if (accept !== undefined && !accept(key)) return false;
    keys.set(label, key);
    return true;
  };
  const flat = index instanceof FlatIndex;
  const found = flat ? index.search(request.query, k, { filter }) : index.search(request.query, k, { filter, ...(request.efSearch !== undefined && { efSearch: request.efSearch }) });
  const hits: VectorHit[] = found.ids.map((label, i) => ({ key: keys.get(label)!, distance: found.distances[i]! }));
  return { hits, exhaustive: flat || hits.length >= k || asked >= rows };
}
