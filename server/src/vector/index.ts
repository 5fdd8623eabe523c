/** The vector layer: distances, exact and HNSW search, SSTable vector segments, the segment cache. */
export * from "./distance.js";
export { VectorSegmentCorruptionError } from "./errors.js";
export { compareCandidates, FlatIndex, flatSearch, TopK, type IdFilter, type SearchResult, type VectorEntry } from "./flat-index.js";
export {
  checkEfSearch,
  HNSW_DEFAULTS,
  HNSW_MAX_ID,
  HnswIndex,
  validateHnswParams,
  type HnswParams,
  type HnswSearchOptions,
  type ValidHnswParams,
} from "./hnsw-index.js";
export {
  buildSegment,
  decodeSegment,
  encodeSegment,
  metricCode,
  metricOfCode,
  readSegmentEntries,
  readSegmentHeader,
  RowKeyMap,
  SEGMENT_VERSION,
  type SegmentEntries,
  type SegmentHeader,
  type SegmentMeta,
  type SegmentRow,
  type SegmentSpec,
  type VectorSegment,
} from "./segment.js";
export { VectorSegmentCache, type SegmentCacheKey, type SegmentLease, type VectorSegmentCacheStats } from "./budget.js";
export {
  bytesToVector,
  decodeVectorPayload,
  encodeVectorPayload,
  payloadVector,
  validateVectorIndexParams,
  VECTOR_PAYLOAD_HEADER_BYTES,
  vectorIndexKey,
  vectorToBytes,
  type ValidVectorIndexParams,
  type VectorIndexParams,
  type VectorPayload,
} from "./index-entry.js";
export {
  decodeVectorDirectory,
  decodeVectorSection,
  encodeVectorSection,
  segmentEntryMismatch,
  VECTOR_SECTION_HEADER_BYTES,
  VECTOR_SECTION_VERSION,
  vectorDirectoryLength,
  type SectionSegment,
  type VectorSectionDirectory,
  type VectorSectionEntry,
} from "./vector-section.js";
export { compareKeyedCandidates, KeyedTopK, type KeyedCandidate } from "./keyed-top-k.js";
