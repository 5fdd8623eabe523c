import {
  decodeVectorDirectory,
  segmentEntryMismatch,
  VECTOR_SECTION_HEADER_BYTES,
  vectorDirectoryLength,
  vectorIndexKey,
  VectorSegmentCache,
  readSegmentEntries,
  VectorSegmentCorruptionError,
  type SegmentEntries,
  type SegmentLease,
  type ValidVectorIndexParams,
  type VectorSectionDirectory,
  type VectorSectionEntry,
} from "../../vector/index.js";
import { CorruptionError } from "../errors.js";
import type { SstReader } from "../sstable/reader.js";
import { searchLabelled } from "./labelled-search.js";
import type { SourceHits, VectorSearchRequest } from "./vector-entries.js";

/**
 * The read side of the tables' vector sections. A table's directory is read once (a few dozen
 * bytes per index) and kept while the table is open; a segment is read and decoded on first use
 * into the VectorSegmentCache, which keeps loaded segments within `vector_index_memory` and
 * reloads evicted ones on demand. Damage is a CorruptionError (XX001) naming the file and offset.
 */
export class TableVectors {
  /** File number → its directory, or null for a table without a vector section. */
  private readonly directories = new Map<number, VectorSectionDirectory | null>();

  constructor(readonly segments: VectorSegmentCache) {}

  /** Searches the table's segment of the request's index; undefined when it has none. */
  search(reader: SstReader, request: VectorSearchRequest): SourceHits | undefined {
    const directory = this.directory(reader);
    const at = directory?.byIndex.get(vectorIndexKey(request.index));
    if (at === undefined) return undefined;
    const entry = directory!.entries[at]!;
    const lease = this.lease(reader, at, entry);
    try {
      const { index, rowKeys } = lease.segment;
      // A copy: the map's bytes belong to the cached segment, which may be closed after release.
      return searchLabelled(index, entry.rows, (label) => Buffer.from(rowKeys!.keyOf(label)), request);
    } catch (e) {
      throw this.located(reader, entry.offset, e);
    } finally {
      lease.release();
    }
  }

  /** Rows of the table's segment of `index` (see the section directory), or 0 when it has none. */
  rows(reader: SstReader, index: ValidVectorIndexParams): number {
    const directory = this.directory(reader);
    const at = directory?.byIndex.get(vectorIndexKey(index));
    return at === undefined ? 0 : directory!.entries[at]!.rows;
  }

  /**
   * The entries of the table's segment of `index`, read from the file and checked without loading
   * the graph (see `readSegmentEntries`); undefined when it has none. Not cached: what a merged
   * index is built from, once per table.
   */
  readEntries(reader: SstReader, index: ValidVectorIndexParams): SegmentEntries | undefined {
    const directory = this.directory(reader);
    const at = directory?.byIndex.get(vectorIndexKey(index));
    if (at === undefined) return undefined;
    const entry = directory!.entries[at]!;
    let entries: SegmentEntries;
    try {
      entries = readSegmentEntries(reader.readVectorSection(entry.offset, entry.length));
    } catch (e) {
      throw this.located(reader, entry.offset, e);
    }
    const mismatch = segmentEntryMismatch(entries, entry);
    if (mismatch !== undefined) throw new CorruptionError(reader.filePath, reader.vectorSectionHandle()!.offset + entry.offset, mismatch);
    return entries;
  }

  /**
   * Drops the table's cached segment of `index`, if loaded: a merged index that covers the table
   * answers for it, and the segment is loaded again should the table ever be searched alone.
   */
  dropSegment(fileNumber: number, index: ValidVectorIndexParams): void {
    const at = this.directories.get(fileNumber)?.byIndex.get(vectorIndexKey(index));
    if (at !== undefined) this.segments.drop(cacheKey(fileNumber, at));
  }

  /** Forgets a table that is gone: its directory and its cached segments. */
  evict(fileNumber: number): void {
    const directory = this.directories.get(fileNumber);
    this.directories.delete(fileNumber);
    directory?.entries.forEach((_, i) => this.segments.drop(cacheKey(fileNumber, i)));
  }

  close(): void {
    this.directories.clear();
    this.segments.clear();
  }

  private directory(reader: SstReader): VectorSectionDirectory | null {
    let directory = this.directories.get(reader.fileNumber);
    if (directory !== undefined) return directory;
    const handle = reader.vectorSectionHandle();
    if (handle === undefined) directory = null;
    else {
      try {
        const head = reader.readVectorSection(0, Math.min(VECTOR_SECTION_HEADER_BYTES, handle.sizeBytes));
        const length = vectorDirectoryLength(head, handle.sizeBytes);
        directory = decodeVectorDirectory(reader.readVectorSection(0, length), handle.sizeBytes);
      } catch (e) {
        throw this.located(reader, 0, e);
      }
    }
    this.directories.set(reader.fileNumber, directory);
    return directory;
  }

  private lease(reader: SstReader, at: number, entry: VectorSectionEntry): SegmentLease {
    let lease: SegmentLease;
    try {
      lease = this.segments.acquire(cacheKey(reader.fileNumber, at), () => reader.readVectorSection(entry.offset, entry.length));
    } catch (e) {
      throw this.located(reader, entry.offset, e);
    }
    const mismatch = segmentEntryMismatch(lease.segment, entry);
    if (mismatch !== undefined) {
      lease.release();
      this.segments.drop(cacheKey(reader.fileNumber, at));
      throw new CorruptionError(reader.filePath, reader.vectorSectionHandle()!.offset + entry.offset, mismatch);
    }
    return lease;
  }

  /** A segment's own corruption error, placed in the file: offsets within the segment become file offsets. */
  private located(reader: SstReader, segmentOffset: number, e: unknown): unknown {
    if (!(e instanceof VectorSegmentCorruptionError)) return e;
    const sectionAt = reader.vectorSectionHandle()?.offset ?? 0;
    return new CorruptionError(reader.filePath, sectionAt + segmentOffset + e.offsetBytes, `vector section: ${e.reason}`);
  }
}

function cacheKey(fileNumber: number, segment: number): string {
  return `${fileNumber}/${segment}`;
}
