import {
  buildSegment,
  encodeSegment,
  encodeVectorSection,
  FlatIndex,
  HnswIndex,
  vectorIndexKey,
  type SectionSegment,
  type ValidVectorIndexParams,
} from "../../vector/index.js";
import { searchLabelled } from "./labelled-search.js";
import type { SourceHits, VectorEntryOf, VectorSearchRequest } from "./vector-entries.js";

/**
 * Below this many entries an index stays flat (exact, no graph to build); past it, the entries
 * move into an HNSW graph. A flat search over 1024 vectors costs about as much as a graph search,
 * and small memtables (and tests) never pay for a graph.
 */
export const MEMTABLE_FLAT_MAX_ENTRIES = 1024;
/** Bytes charged per flat entry beyond its floats: the map slot and the Float32Array object. */
const FLAT_ENTRY_OVERHEAD_BYTES = 96;
/** Bytes charged per entry for the label → key array slot and the key's Buffer object. */
const LABEL_BYTES = 8 + 80;

/** One vector index's entries in one memtable: flat while small, then HNSW. */
class MemtableVectorIndex {
  /** Entry keys by label (copies: the memtable's arena is not addressable as Buffers). */
  readonly keys: Buffer[] = [];
  private keyBytes = 0;
  private flat: FlatIndex | undefined;
  private hnsw: HnswIndex | undefined;
  private indexBytes = 0;

  constructor(readonly params: ValidVectorIndexParams) {
    this.flat = new FlatIndex(params.dims, params.metric);
  }

  /** Adds one entry; returns the change in bytes held. */
  add(key: Buffer, vector: Float32Array): number {
    const before = this.bytes();
    const label = BigInt(this.keys.length);
    this.keys.push(key);
    this.keyBytes += key.length;
    if (this.flat !== undefined) {
      this.flat.add(label, vector);
      this.indexBytes += vector.byteLength + FLAT_ENTRY_OVERHEAD_BYTES;
      if (this.flat.size > MEMTABLE_FLAT_MAX_ENTRIES) this.toHnsw();
    } else {
      this.hnsw!.add(label, vector);
      this.indexBytes = this.hnsw!.memoryBytes();
    }
    return this.bytes() - before;
  }

  /** Moves the flat entries into a graph (labels unchanged). */
  private toHnsw(): void {
    const flat = this.flat!;
    const hnsw = HnswIndex.create(this.params);
    const ids: bigint[] = [];
    const vectors: Float32Array[] = [];
    for (const e of flat.entries()) {
      ids.push(e.id);
      vectors.push(e.vector);
    }
    hnsw.addBatch(ids, vectors);
    this.hnsw = hnsw;
    this.flat = undefined;
    this.indexBytes = hnsw.memoryBytes();
  }

  bytes(): number {
    return this.indexBytes + this.keyBytes + this.keys.length * LABEL_BYTES;
  }

  search(request: VectorSearchRequest): SourceHits {
    return searchLabelled((this.flat ?? this.hnsw)!, this.keys.length, (label) => this.keys[Number(label)]!, request);
  }

  /** This index's segment for the table a flush writes: the graph as it is, or one built from the flat entries. */
  segment(): SectionSegment {
    const rows = this.keys.length;
    const spec = { ...this.params, columnId: this.params.id };
    if (this.hnsw !== undefined) return { params: this.params, rows, bytes: encodeSegment(this.hnsw, { columnId: this.params.id, rowKeys: this.keys }) };
    const vectors = [...this.flat!.entries()];
    return { params: this.params, rows, bytes: buildSegment(spec, vectors.map((e) => ({ key: this.keys[Number(e.id)]!, vector: e.vector }))) };
  }

  close(): void {
    this.hnsw?.close();
  }
}

/**
 * The vector indexes of one memtable: every put the memtable takes that `entryOf` recognises is
 * added to its index's entries, labelled in arrival order. A memtable only grows, so nothing is
 * ever removed; visibility (newer versions, deletes) is the searcher's `accept`.
 *
 * NB: HNSW indexes hold native memory; `close()` when the memtable is dropped.
 */
export class MemtableVectors {
  private readonly indexes = new Map<string, MemtableVectorIndex>();
  private bytesHeld = 0;

  constructor(private readonly entryOf: VectorEntryOf) {}

  /** Indexes (userKey, value) if it is a vector entry (keeping a copy of the key); returns the bytes that added. */
  add(userKey: Uint8Array, value: Uint8Array): number {
    const entry = this.entryOf(userKey, value);
    if (entry === undefined) return 0;
    const key = vectorIndexKey(entry.index);
    let index = this.indexes.get(key);
    if (index === undefined) this.indexes.set(key, (index = new MemtableVectorIndex(entry.index)));
    const added = index.add(Buffer.from(userKey), entry.vector);
    this.bytesHeld += added;
    return added;
  }

  /** Undefined when this memtable holds no entry of the index. */
  search(request: VectorSearchRequest): SourceHits | undefined {
    return this.indexes.get(vectorIndexKey(request.index))?.search(request);
  }

  get isEmpty(): boolean {
    return this.indexes.size === 0;
  }

  /** Native and JS memory of the indexes (estimated). */
  memoryBytes(): number {
    return this.bytesHeld;
  }

  /**
   * The vector section of the table a flush writes from this memtable (every entry, so every
   * label), reusing the graphs already built; undefined without vector entries.
   */
  encodeSection(): Buffer | undefined {
    if (this.indexes.size === 0) return undefined;
    return encodeVectorSection([...this.indexes.values()].map((i) => i.segment()));
  }

  close(): void {
    for (const i of this.indexes.values()) i.close();
    this.indexes.clear();
  }
}
