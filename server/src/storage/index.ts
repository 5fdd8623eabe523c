export { StorageEngine, type EngineOptions, type EngineStats, type LevelStats, type ReadOptions, type SeekOptions, type Snapshot } from "./engine.js";
export { WriteBatch } from "./write-batch.js";
export type { ScanOptions, KeyValue } from "./scan.js";
export type { CompactionFilter, CompactionFilterFactory } from "./compaction/filter.js";
export type { LogicalKeyBounds } from "./compaction/picker.js";
export { StorageError, CorruptionError, DiskFullError, StorageIoError, EngineClosedError } from "./errors.js";
export { DataDirInUseError } from "./dir-lock.js";
export { NodeVfs, type Vfs, type VfsFile } from "./vfs.js";
export type { SourceHits, VectorEntry, VectorEntryOf, VectorHit, VectorSearchRequest, VectorSearchResult } from "./vector/vector-entries.js";
