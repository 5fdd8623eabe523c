import { HnswIndex, type SegmentEntries, type ValidVectorIndexParams } from "../../vector/index.js";
import { assert } from "../assert.js";
import { LabelledHit, searchLabelled } from "./labelled-search.js";
import type { SourceHits, VectorHit, VectorSearchRequest } from "./vector-entries.js";

/** What an entry of the merged index is: not in use, waiting for its graph node, in the graph, or never to be (see below). */
const enum EntryState {
  Free = 0,
  Pending = 1,
  Indexed = 2,
  /** Held by a table but not in any graph: a zero vector under cosine, which HNSW leaves out. */
  Unindexed = 3,
}

/** Bytes charged per entry besides its key: the map slot, the string header, the per-id arrays. */
const ENTRY_OVERHEAD_BYTES = 96;
/** Bytes charged per (file, entry) pair besides the vector: the file's list of entry ids. */
const FILE_ENTRY_BYTES = 4;
/** Positions in a table are kept times 4 in an int32 (see `homeInfo`). */
const MAX_FILE_ENTRIES = 2 ** 29;

/**
 * Whether a table's first entry of an entry's logical key is the entry itself (see `headOf`), or
 * that the table holds no vector of it (a zero vector under cosine), so nothing is asked.
 */
export const enum HeadState {
  Unknown = 0,
  Head = 1,
  NotHead = 2,
  NoVector = 3,
}

/** An accounted table: its distinct entries, with their vectors (copied out of the segment). */
interface AccountedFile {
  readonly fileNumber: number;
  readonly ids: Int32Array;
  /** dims floats per position in `ids` (zeros for an entry not in any graph). */
  readonly vectors: Float32Array;
}

/** A table's entries whose graph nodes are still to be added: positions in the table's `ids`. */
interface PendingInserts {
  readonly positions: Int32Array;
  next: number;
}

export interface MergedIndexCounters {
  /** Graph nodes added (one per entry that was new to every live table). */
  inserts: number;
  /** Graph nodes removed (entries no live table holds any more). */
  removes: number;
  /** Tables accounted (`addFile`). */
  files: number;
  /** Search hits proved the version a read would find without reading it (`StorageEngine.vectorOfFirstHit`). */
  unreadHits: number;
}

/**
 * One vector index's entries across many tables in a single HNSW graph, so that a search asks one
 * graph instead of one per table. An entry is an engine user key (for the MVCC layer a key and a
 * commit timestamp: one version), labelled in the graph by a small integer id.
 *
 * Tables come and go whole (`addFile`, `removeFile`, as flushes and compactions install and retire
 * them) and an entry is reference-counted by the tables that hold it: a compaction that moves a
 * version into a new table adds a reference before the old table's goes, so the graph never
 * removes and re-adds it; a version that compaction dropped loses its last reference and leaves
 * the graph. Adding a table only accounts its keys; the graph nodes of keys new to the index are
 * added later, a slice at a time (`insertPending`), and until then the table is not `covers`ed and
 * its own segment must be searched beside the graph.
 *
 * NB: an entry is its key: the index assumes that a user key's vector never changes (true of MVCC
 * versions). If two live tables held one key with different vectors, the graph would keep the
 * vector of the first table accounted.
 * NB: holds native memory; `close()` it.
 */
export class MergedVectorIndex {
  readonly counters: MergedIndexCounters = { inserts: 0, removes: 0, files: 0, unreadHits: 0 };
  private readonly graph: HnswIndex;
  private readonly ids = new Map<string, number>();
  /** By id: the key (latin1), the tables holding it, its state. Grown by doubling; freed ids are reused. */
  private keys: (string | undefined)[] = [];
  private refs = new Int32Array(1024);
  private states = new Uint8Array(1024);
  /** By id: the last `addFile` call that met the id (to count a key twice in one table once). */
  private marks = new Int32Array(1024);
  /**
   * By id: the table whose vector of it `vectorOf` gives (its home): the table that accounted it
   * last (a compaction's output, before its inputs go), or none once that table is gone while
   * others still hold the entry. `homeInfo` holds the entry's position in the home table times 4
   * plus its HeadState there: one array read for what a search candidate needs.
   */
  private homes: (AccountedFile | undefined)[] = [];
  private homeInfo = new Int32Array(1024);
  private mark = 0;
  private readonly freeIds: number[] = [];
  /** Accounted tables. */
  private readonly files = new Map<number, AccountedFile>();
  /** Tables with entries not yet in the graph, in the order they were added. */
  private readonly pending = new Map<number, PendingInserts>();
  private unindexed = 0;
  private keyBytes = 0;
  private fileEntries = 0;
  private vectorBytes = 0;
  private pendingBytes = 0;
  /** A label's key, for the hits of `search` (made once: a closure per search costs a defineProperty with names kept). */
  private readonly keyOfLabel = (label: bigint): Buffer => Buffer.from(this.keys[Number(label)]!, "latin1");
  /** What this index's hits carry as their source; replaced whenever an id is freed, so that no hit outlives its id. */
  private token = new MergedSearchToken(this);

  constructor(
    readonly params: ValidVectorIndexParams,
    /** Who made it (the engine's MergedVectors), so that an engine answers only for its own hits. */
    readonly owner?: object,
  ) {
    this.graph = HnswIndex.create(params);
  }

  /** Estimated bytes of an index over `count` entries whose keys take `keyBytes` in all. */
  static estimateMemoryBytes(params: ValidVectorIndexParams, count: number, keyBytes: number): number {
    return HnswIndex.estimateMemoryBytes(params, count) + count * (ENTRY_OVERHEAD_BYTES + FILE_ENTRY_BYTES + params.dims * 4) + keyBytes;
  }

  /** Entries held by at least one accounted table. */
  get size(): number {
    return this.ids.size;
  }

  /** Whether `fileNumber` is accounted and every entry it holds is in the graph (or can never be). */
  covers(fileNumber: number): boolean {
    return this.files.has(fileNumber) && !this.pending.has(fileNumber);
  }

  has(fileNumber: number): boolean {
    return this.files.has(fileNumber);
  }

  /** Tables whose new entries are still waiting for graph nodes. */
  get pendingFiles(): number {
    return this.pending.size;
  }

  /**
   * Accounts a table's entries of this index: one more reference for each key already known, a new
   * entry for each other key (its node is added by `insertPending`). Copies what it keeps.
   */
  addFile(fileNumber: number, entries: SegmentEntries): void {
    assert(!this.files.has(fileNumber), `table ${fileNumber} accounted twice in a merged vector index`);
    assert(entries.rowKeys.count < MAX_FILE_ENTRIES, `table ${fileNumber} has too many vector entries for a merged vector index`);
    const { rowKeys, vectorAt } = entries;
    const held = new Int32Array(rowKeys.count);
    const labels = new Int32Array(rowKeys.count);
    let distinct = 0;
    const inserts: number[] = [];
    const mark = ++this.mark;
    for (let label = 0; label < rowKeys.count; label++) {
      const bytes = rowKeys.keyOf(BigInt(label));
      const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
      let id = this.ids.get(key);
      if (id === undefined) id = this.allocate(key, vectorAt[label]! < 0 ? EntryState.Unindexed : EntryState.Pending);
      else if (this.marks[id] === mark) continue;
      this.marks[id] = mark;
      this.refs[id]!++;
      if (this.states[id] === EntryState.Pending && vectorAt[label]! >= 0) inserts.push(distinct);
      labels[distinct] = label;
      held[distinct++] = id;
    }
    // Copies, by position: the segment's vectors may be a view into bytes read for this call.
    const dims = this.params.dims;
    const vectors = new Float32Array(distinct * dims);
    const file: AccountedFile = { fileNumber, ids: held.slice(0, distinct), vectors };
    for (let at = 0; at < distinct; at++) {
      const id = held[at]!;
      const from = vectorAt[labels[at]!]!;
      if (from >= 0) vectors.set(entries.vectors.subarray(from, from + dims), at * dims);
      this.homes[id] = file;
      this.homeInfo[id] = at * 4 + (from >= 0 ? HeadState.Unknown : HeadState.NoVector);
    }
    this.files.set(fileNumber, file);
    this.fileEntries += distinct;
    this.vectorBytes += vectors.byteLength;
    this.counters.files++;
    if (inserts.length === 0) return;
    this.pending.set(fileNumber, { positions: Int32Array.from(inserts), next: 0 });
    this.pendingBytes += inserts.length * 4;
  }

  /**
   * Forgets a table that is gone: its entries lose a reference, and those no table holds any more
   * leave the graph. False when the table was never accounted.
   */
  removeFile(fileNumber: number): boolean {
    const file = this.files.get(fileNumber);
    if (file === undefined) return false;
    this.files.delete(fileNumber);
    this.fileEntries -= file.ids.length;
    this.vectorBytes -= file.vectors.byteLength;
    this.dropPending(fileNumber);
    for (const id of file.ids) {
      if (--this.refs[id]! === 0) this.release(id);
      // Another table still holds it, but which one is not kept: the entry has no home until a table accounts it again.
      else if (this.homes[id] === file) this.homes[id] = undefined;
    }
    return true;
  }

  /** Adds up to `max` pending graph nodes, oldest table first; returns how many it added. */
  insertPending(max: number): number {
    let added = 0;
    for (const [fileNumber, p] of this.pending) {
      if (added >= max) break;
      const ids: bigint[] = [];
      const vectors: Float32Array[] = [];
      const dims = this.params.dims;
      const file = this.files.get(fileNumber)!;
      for (; p.next < p.positions.length && ids.length < max - added; p.next++) {
        const at = p.positions[p.next]!;
        const id = file.ids[at]!;
        // Another table may have brought it in already.
        if (this.states[id] !== EntryState.Pending) continue;
        ids.push(BigInt(id));
        vectors.push(file.vectors.subarray(at * dims, (at + 1) * dims));
        this.states[id] = EntryState.Indexed;
      }
      if (ids.length > 0 && this.graph.addBatch(ids, vectors) !== ids.length) {
        // Only a zero vector under cosine is skipped, and segments never hold one in their graph.
        for (const id of ids) if (!this.graph.has(id)) this.states[Number(id)] = EntryState.Unindexed;
        this.unindexed += ids.filter((id) => this.states[Number(id)] === EntryState.Unindexed).length;
      }
      added += ids.length;
      this.counters.inserts += ids.length;
      if (p.next >= p.positions.length) this.dropPending(fileNumber);
    }
    return added;
  }

  /**
   * Searches the graph (see `searchLabelled`). Its entries are those of the covered tables plus
   * some of the pending ones, which the caller searches table by table anyway.
   */
  search(request: VectorSearchRequest): SourceHits {
    return searchLabelled(this.graph, this.graph.size + this.unindexed, this.keyOfLabel, request, this.token);
  }

  /**
   * The entry id of a hit of this index's `search` (made without `accept`), or -1 for any other
   * hit, and for one made before an entry left the index (its id may name another entry since).
   */
  idOf(hit: VectorHit): number {
    return hit instanceof LabelledHit && hit.source === this.token ? Number(hit.label) : -1;
  }

  /** The table that holds entry `id` and whose copy of its vector `vectorOf` gives, or -1 when none is known. */
  homeOf(id: number): number {
    return this.homes[id]?.fileNumber ?? -1;
  }

  /**
   * Whether the home table's first entry of the logical key of entry `id` is the entry itself
   * (newer versions of the key would sort before it), as far as `setHead` was told.
   */
  headOf(id: number): HeadState {
    return this.homes[id] === undefined ? HeadState.Unknown : ((this.homeInfo[id]! & 3) as HeadState);
  }

  /** Records what the home table of entry `id` says about it (see `headOf`). */
  setHead(id: number, head: boolean): void {
    const info = this.homeInfo[id]!;
    if (this.homes[id] !== undefined && (info & 3) !== HeadState.NoVector) this.homeInfo[id] = (info & ~3) | (head ? HeadState.Head : HeadState.NotHead);
  }

  /** The vector of entry `id` as its home table holds it (a view), or undefined without a home or a vector. */
  vectorOf(id: number): Float32Array | undefined {
    const file = this.homes[id];
    const info = this.homeInfo[id]!;
    if (file === undefined || (info & 3) === HeadState.NoVector) return undefined;
    const dims = this.params.dims;
    const at = (info >> 2) * dims;
    return file.vectors.subarray(at, at + dims);
  }

  /** Native graph memory (estimated) plus the entries, the tables' id lists and vectors, and the pending lists. */
  memoryBytes(): number {
    return this.graph.memoryBytes() + this.ids.size * ENTRY_OVERHEAD_BYTES + this.keyBytes + this.fileEntries * FILE_ENTRY_BYTES + this.vectorBytes + this.pendingBytes;
  }

  /** The keys of the entries in the graph, for tests. */
  *indexedKeys(): Generator<Buffer> {
    for (const [key, id] of this.ids) if (this.states[id] === EntryState.Indexed) yield Buffer.from(key, "latin1");
  }

  close(): void {
    this.token = new MergedSearchToken(this);
    this.graph.close();
  }

  private allocate(key: string, state: EntryState): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(undefined);
      this.homes.push(undefined);
      if (id >= this.refs.length) this.grow();
    }
    this.keys[id] = key;
    this.refs[id] = 0;
    this.states[id] = state;
    this.ids.set(key, id);
    this.keyBytes += key.length;
    if (state === EntryState.Unindexed) this.unindexed++;
    return id;
  }

  private release(id: number): void {
    const state = this.states[id];
    if (state === EntryState.Indexed) {
      this.graph.remove(BigInt(id));
      this.counters.removes++;
    } else if (state === EntryState.Unindexed) this.unindexed--;
    const key = this.keys[id]!;
    this.homes[id] = undefined;
    this.ids.delete(key);
    this.keyBytes -= key.length;
    this.keys[id] = undefined;
    this.states[id] = EntryState.Free;
    this.freeIds.push(id);
    this.token = new MergedSearchToken(this);
  }

  private dropPending(fileNumber: number): void {
    const p = this.pending.get(fileNumber);
    if (p === undefined) return;
    this.pending.delete(fileNumber);
    this.pendingBytes -= p.positions.length * 4;
  }

  private grow(): void {
    const n = this.refs.length * 2;
    const refs = new Int32Array(n);
    refs.set(this.refs);
    this.refs = refs;
    const states = new Uint8Array(n);
    states.set(this.states);
    this.states = states;
    const marks = new Int32Array(n);
    marks.set(this.marks);
    this.marks = marks;
    const homeInfo = new Int32Array(n);
    homeInfo.set(this.homeInfo);
    this.homeInfo = homeInfo;
  }
}

/** The source of a MergedVectorIndex's hits (see LabelledHit): the index, while the hit's id still names its entry. */
export class MergedSearchToken {
  constructor(readonly index: MergedVectorIndex) {}
}
