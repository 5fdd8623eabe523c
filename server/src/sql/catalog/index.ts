/** The SQL catalog: schema objects stored in the kv store and changed transactionally. */
export { Catalog, type CatalogOptions } from "./catalog.js";
export { CatalogCache } from "./cache.js";
export { CatalogError } from "./errors.js";
export * from "./model.js";
export {
  columnPosition,
  decodeIndexKey,
  decodePrimaryKey,
  decodeVectorKey,
  encodeIndexKey,
  encodeIndexPrefix,
  encodePrimaryKey,
  encodeVectorKey,
  FIRST_OBJECT_ID,
  indexKeyPrefix,
  indexSpan,
  PRIMARY_INDEX_ID,
  primaryKeyOf,
  type RelationRef,
  relationLockName,
  rowKeyOfVectorKey,
  tableDataSpan,
  tableKeyPrefix,
  tableSpan,
} from "./keys.js";
export { vectorIndexShape, type VectorIndexShape } from "./vector-index.js";
export { purgeDroppedData, type PurgeOptions } from "./purge.js";
export { nextValue, reserve, SEQUENCE_TYPE_BOUNDS, sequenceFromSpec, SequenceSession, type SequenceParams } from "./sequences.js";
