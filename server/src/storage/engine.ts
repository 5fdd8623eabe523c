import { parseStorageConfig, type StorageConfig, type StorageConfigInput } from "../config/storage-config.js";
import { assert } from "./assert.js";
import { sharedBackgroundWorkers, type BackgroundWorkers } from "./background/workers.js";
import type { WorkerCollectorSpec, WorkerExport } from "./background/jobs.js";
import { BlockCache } from "./cache/block-cache.js";
import type { CompactionFilterFactory } from "./compaction/filter.js";
import { pickCompaction, pickForLevel, type CompactionPick, type CompactionShape, type LogicalKeyBounds } from "./compaction/picker.js";
import { runCompaction, type CompactionResult } from "./compaction/run-compaction.js";
import { DirLock } from "./dir-lock.js";
import { EngineClosedError, toStorageError, StorageError } from "./errors.js";
import { writeMemtable } from "./flush.js";
import { compareBytes, compareRanges, compareUserKeyOf, kindOf, lookupKey, SEQ_MAX, seqOf, seqOfTrailerAt, TRAILER_BYTES, ValueKind, writeTrailer } from "./internal-key.js";
import type { InternalIterator } from "./iterator.js";
import { LevelIterator } from "./level-iterator.js";
import { Memtable, type LogicalKeyLength } from "./memtable/memtable.js";
import { NIL, skipListEntryOverheadBytes } from "./memtable/skiplist.js";
import { XorShift32 } from "./memtable/prng.js";
import { MergingIterator } from "./merging-iterator.js";
import { ForwardVisibleCursor, visibleEntries, type KeyValue, type ScanOptions } from "./scan.js";
import { bloomHash } from "./sstable/bloom.js";
import type { TablePropertiesCollector } from "./sstable/properties.js";
import type { SstWriterOptions } from "./sstable/writer.js";
import { TableCache } from "./table-cache.js";
import { collectorMaker, workerCollectorSpec, type TableCollectorFactory } from "./table-collectors.js";
import { TableOutput, type TableOutputHooks } from "./table-output.js";
import { NodeVfs, joinPath, type Vfs } from "./vfs.js";
import { largestUserKey, parseFileName, totalBytes, sstFileName, walFileName, type FileMetadata } from "./version/file-metadata.js";
import type { VersionEdit } from "./version/version-edit.js";
import { VersionSet } from "./version/version-set.js";
import type { Version } from "./version/version.js";
import { replayWal } from "./wal/reader.js";
import { WAL_PAYLOAD_MAX_BYTES, WalWriter } from "./wal/writer.js";
import { decodeBatch, encodeBatch, encodedBatchBytes, WriteBatch } from "./write-batch.js";
import { checkVector, VectorSegmentCache } from "../vector/index.js";
import { MemtableVectors } from "./vector/memtable-vectors.js";
import { BuildingVectorSink, PrebuiltVectorSink, type TableVectorSink } from "./vector/table-vector-sink.js";
import { MergedVectors } from "./vector/merged-vectors.js";
import { TableVectors } from "./vector/table-vectors.js";
import type { MergedVectorsStats } from "./vector/merged-vectors.js";
import { HeadState, MergedSearchToken, type MergedVectorIndex } from "./vector/merged-index.js";
import { LabelledHit } from "./vector/labelled-search.js";
import type { SourceHits, VectorEntryOf, VectorHit, VectorSearchRequest, VectorSearchResult } from "./vector/vector-entries.js";

const RESOLVED: Promise<void> = Promise.resolve();

export interface EngineOptions {
  /** Storage settings; validated, with defaults from ARCHITECTURE.md. */
  readonly config?: StorageConfigInput;
  /** The file layer; tests pass a fault-injecting one. */
  readonly vfs?: Vfs;
  /** The MVCC layer's say over which old versions compaction may drop. */
  readonly compactionFilter?: CompactionFilterFactory;
  /** Groups user keys into logical keys that compaction keeps together (see LogicalKeyBounds). */
  readonly logicalKeyBounds?: LogicalKeyBounds;
  /**
   * The length of the logical key of the user key key[0, userKeyLength): the lower bound of
   * `logicalKeyBounds`, which must be a prefix of the user key. Memtables ask on every write and
   * logical-key read; without it the engine derives it from `logicalKeyBounds` (allocating).
   */
  readonly logicalKeyLength?: LogicalKeyLength;
  /**
   * Where a background worker thread finds `logicalKeyLength` (a module and its export). Tables are
   * given bloom filters keyed on logical keys when they are built where that function is at hand:
   * on the engine's thread, or in a worker that can import it.
   */
  readonly logicalKeyLengthModule?: WorkerExport;
  /**
   * Property collectors for every table the engine writes, besides its own logical-key samples
   * (see table-collectors.ts). A factory without `forWorker` keeps flushes and compactions on the
   * engine's thread.
   */
  readonly tableCollectors?: TableCollectorFactory;
  /**
   * Within a logical key, a newer write always sorts before an older one (MVCC versions with
   * inverted timestamps). Then a read within one logical key that finds a live entry in a
   * memtable needs to look no further: everything in older memtables and tables sorts after it.
   */
  readonly newestFirstWithinLogicalKey?: boolean;
  /**
   * Recognises the vector entries among the values written (the MVCC layer's vector versions):
   * memtables index them, every table gets a vector section for those it holds, and
   * `vectorSearch` searches them. Without it the engine stores vectors as plain values.
   */
  readonly vectorEntryOf?: VectorEntryOf;
  /**
   * Where a background worker thread finds `vectorEntryOf` (a module it imports and the export
   * there), so it can build the vector sections of the tables a compaction writes. Without it,
   * compactions of an engine with vectors run on the engine's thread.
   */
  readonly vectorEntryOfModule?: WorkerExport;
  /**
   * Search one graph per vector index over all tables, built at its first search and kept up to
   * date by flushes and compactions (default true); false searches every table's own segment.
   */
  readonly mergedVectorIndexes?: boolean;
  /** Seed for the memtable's skiplist heights (deterministic tests). */
  readonly seed?: number;
  /** Run flushes and compactions in the background (default true). Tests may drive them by hand. */
  readonly backgroundWork?: boolean;
  /**
   * The threads flushes and compactions build their tables in: by default a pool every engine of
   * the process shares; `false` builds them on the engine's thread, in slices between event-loop
   * turns. A custom `vfs` always means the engine's thread (the workers use the real file system).
   */
  readonly backgroundWorkers?: BackgroundWorkers | false;
}

/** A consistent point-in-time view: reads through it see exactly the writes before it was taken. */
export interface Snapshot {
  readonly seq: number;
  release(): void;
}

export interface ReadOptions {
  readonly snapshot?: Snapshot;
}

export interface SeekOptions extends ReadOptions {
  /**
   * The caller promises that [start, end) lies within one logical key (see
   * `EngineOptions.logicalKeyBounds`), so memtables answer from their logical-key index instead
   * of a search.
   */
  readonly withinLogicalKey?: boolean;
}

export interface LevelStats {
  readonly level: number;
  readonly files: number;
  readonly bytes: number;
}

export interface EngineStats {
  readonly levels: LevelStats[];
  readonly memtableBytes: number;
  readonly immutableMemtables: number;
  readonly lastSequence: number;
  readonly liveSnapshots: number;
  readonly openTables: number;
  /** Index blocks and bloom filters of open tables, held outside the block cache. */
  readonly pinnedTableBytes: number;
  readonly blockCache: { readonly capacityBytes: number; readonly sizeBytes: number; readonly hits: number; readonly misses: number; readonly hitRatio: number };
  /** Bytes of keys and values that callers wrote. */
  readonly userBytesWritten: number;
  readonly walBytesWritten: number;
  readonly flushBytesWritten: number;
  readonly compactionBytesRead: number;
  readonly compactionBytesWritten: number;
  /** (flushed + compacted bytes) / user bytes: how many times each byte was rewritten into tables. */
  readonly writeAmplification: number;
  /** Bytes in all tables / bytes in the last non-empty level (1.0 after a full compaction). */
  readonly spaceAmplification: number;
  /** Bytes above their level's target, waiting for compaction. */
  readonly pendingCompactionBytes: number;
  readonly flushes: number;
  readonly compactions: number;
  readonly trivialMoves: number;
  readonly writeSlowdowns: number;
  readonly writeStalls: number;
  /** Vector indexes: loaded table segments and merged graphs (within `vector_index_memory`) and the memtables' indexes. */
  readonly vectorIndex: {
    readonly capacityBytes: number;
    /** Bytes of cached segments and merged graphs; never above capacityBytes. */
    readonly sizeBytes: number;
    /** sizeBytes plus evicted segments a search still holds. */
    readonly retainedBytes: number;
    readonly segments: number;
    readonly hits: number;
    readonly misses: number;
    readonly evictions: number;
    readonly oversized: number;
    /** The memtables' indexes (charged to memtable_size, not to vector_index_memory). */
    readonly memtableBytes: number;
    /** The merged graphs (one per vector index searched, over all tables). */
    readonly merged: MergedVectorsStats;
  };
  /** Set once a background write failed; the engine then refuses writes. */
  readonly failure?: string;
}

interface ImmutableMemtable {
  readonly mem: Memtable;
  readonly wal: WalWriter;
}

const COMPACTION_ENTRIES_PER_YIELD = 2048;
const WRITES_PER_BACKGROUND_TURN = 32;
/** seekNewestFirst's answers besides a result: "merge every source", "this source has nothing". */
const LOOK_FURTHER = Symbol("look further");
const NOTHING_HERE = Symbol("nothing here");
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The LSM storage engine: a WAL-backed memtable over leveled SSTables.
 *
 * Writes: sequence numbers → WAL (group commit; acknowledged per `wal_sync`) → memtable. A full
 * memtable becomes immutable and is flushed to L0 while a new one takes writes. Reads consult the
 * memtables, then L0 newest first, then one file per deeper level. Reads are synchronous: every
 * source is in memory or a positional read away.
 */
export class StorageEngine {
  private mem: Memtable;
  private wal: WalWriter;
  /** Newest first. */
  private imm: ImmutableMemtable[] = [];
  private nextSeq: number;
  /** Every write with seq <= this is applied; reads without a snapshot use it. */
  private visibleSeq: number;
  private readonly snapshots = new Set<{ seq: number }>();
  private readonly random: XorShift32;
  private readonly shape: CompactionShape;
  private readonly sstOptions: SstWriterOptions;
  /** Where flushes and compactions build tables; undefined: on this thread. */
  private readonly workers: BackgroundWorkers | undefined;
  private readonly vectorTables: TableVectors;
  /** One graph per vector index over all tables; undefined without vectors or when disabled. */
  private readonly mergedVectors: MergedVectors | undefined;
  /** A fresh vector sink per table that flush and compaction write; undefined without vectors. */
  private readonly vectorSinks: (() => TableVectorSink) | undefined;
  /** Fresh property collectors per table written on this thread. */
  private readonly newCollectors: () => TablePropertiesCollector[];

  /** The seek target of table point reads (seekNewestFirst), reused: a read is synchronous. */
  private pointTarget = Buffer.allocUnsafe(64);
  /** Writers wait on this while a memtable switch drains the old memtable's writes. */
  private rotating: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private vectorWork: Promise<void> | undefined;
  private progressWaiters: (() => void)[] = [];
  private failure: StorageError | undefined;
  private closed = false;
  private manualCompaction = false;
  private writesSinceYield = 0;
  /** Writes that arrived while an earlier one waited for room, oldest first. */
  private readonly waitingWrites: { batch: WriteBatch; resolve: (seq: number) => void; reject: (e: unknown) => void }[] = [];
  /** Every write with seq <= this is durable per `wal_sync`. */
  private durableSeq: number;
  /** whenDurable callers, ascending by seq from durableHead on. */
  private readonly durableWaiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private durableHead = 0;
  private readonly obsoleteFiles = new Set<number>();
  private readonly counters = {
    userBytes: 0,
    walBytes: 0,
    flushBytes: 0,
    compactionRead: 0,
    compactionWritten: 0,
    flushes: 0,
    compactions: 0,
    trivialMoves: 0,
    slowdowns: 0,
    stalls: 0,
  };

  private constructor(
    readonly dir: string,
    readonly config: StorageConfig,
    private readonly vfs: Vfs,
    private readonly versions: VersionSet,
    private readonly tables: TableCache,
    private readonly lock: DirLock,
    private readonly options: EngineOptions,
    recovered: { mem: Memtable; wal: WalWriter; lastSeq: number; random: XorShift32 },
  ) {
    this.mem = recovered.mem;
    this.wal = recovered.wal;
    this.nextSeq = recovered.lastSeq + 1;
    this.visibleSeq = recovered.lastSeq;
    this.durableSeq = recovered.lastSeq;
    this.random = recovered.random;
    this.shape = {
      l0CompactionTrigger: config.l0_compaction_trigger,
      l1TargetBytes: config.l1_target_size,
      levelSizeRatio: config.level_size_ratio,
      ...(options.logicalKeyBounds && { logicalKeyBounds: options.logicalKeyBounds }),
    };
    this.sstOptions = sstWriterOptions(config, options);
    this.workers = options.vfs === undefined && options.backgroundWorkers !== false ? (options.backgroundWorkers ?? sharedBackgroundWorkers()) : undefined;
    if (options.backgroundWork !== false) this.workers?.warmUp();
    this.vectorTables = new TableVectors(new VectorSegmentCache(config.vector_index_memory));
    this.vectorSinks = vectorSinks(options);
    this.newCollectors = collectorMaker(logicalKeyLength(options), options.tableCollectors);
    this.mergedVectors =
      options.vectorEntryOf && options.mergedVectorIndexes !== false
        ? new MergedVectors(this.vectorTables, this.vectorTables.segments, {
            liveFiles: () => [...this.versions.current.fileNumbers()],
            reader: (n) => this.tables.get(n),
          })
        : undefined;
  }

  /**
   * Opens (creating if needed) the engine in `dir`: takes the directory lock, reloads the last
   * manifest, replays WAL files newer than it (truncating a torn tail), flushes what they held.
   */
  static async open(dir: string, options: EngineOptions = {}): Promise<StorageEngine> {
    const config = parseStorageConfig(options.config);
    const vfs = options.vfs ?? new NodeVfs();
    vfs.mkdirp(dir);
    const lock = DirLock.acquire(dir);
    try {
      return await StorageEngine.recover(dir, config, vfs, lock, options);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static async recover(dir: string, config: StorageConfig, vfs: Vfs, lock: DirLock, options: EngineOptions): Promise<StorageEngine> {
    const versions = await VersionSet.open(vfs, dir, { numLevels: config.num_levels, maxManifestBytes: config.max_manifest_size });
    const random = new XorShift32(options.seed ?? 0x2545f491);
    const names = vfs.list(dir).map((name) => ({ name, parsed: parseFileName(name) }));
    const wals: number[] = [];
    for (const { parsed } of names) {
      if (parsed.kind === "wal" || parsed.kind === "sst" || parsed.kind === "manifest") {
        versions.nextFileNumber = Math.max(versions.nextFileNumber, parsed.fileNumber + 1);
      }
      if (parsed.kind === "wal" && parsed.fileNumber >= versions.logNumber) wals.push(parsed.fileNumber);
    }
    wals.sort((a, b) => a - b);

    // Replay the unflushed WALs into one memtable (not searched: it becomes a table right away, and
    // that table's vector section is built from its entries).
    const replayed = new Memtable(random, 0, logicalKeyLength(options), undefined, memtableChunkBytes(config));
    let lastSeq = versions.lastSeq;
    for (const n of wals) {
      replayWal(vfs, joinPath(dir, walFileName(n)), (payload) => {
        const batch = decodeBatch(payload);
        let seq = batch.firstSeq;
        for (const e of batch.entries) replayed.add(seq++, e.kind, e.key, e.value);
        lastSeq = Math.max(lastSeq, seq - 1);
      });
    }

    // A fresh WAL for new writes; then make the replayed writes an L0 table, so the old WALs can go.
    const walNumber = versions.newFileNumber();
    const wal = new WalWriter(vfs.create(joinPath(dir, walFileName(walNumber))), walOptions(config));
    vfs.syncDir(dir);
    const tables = new TableCache(vfs, dir, new BlockCache(config.block_cache_size));
    const edit: { logNumber: number; lastSeq: number; added?: [number, FileMetadata][] } = { logNumber: walNumber, lastSeq };
    if (!replayed.isEmpty()) {
      const out = new TableOutput(vfs, dir, sstWriterOptions(config, options), () => versions.newFileNumber(), tableOutputHooks(vectorSinks(options), collectorMaker(logicalKeyLength(options), options.tableCollectors)));
      await writeMemtable(replayed, out);
      edit.added = out.finish().map((f) => [0, f]);
    }
    await versions.logAndApply(edit);

    const engine = new StorageEngine(dir, config, vfs, versions, tables, lock, options, {
      mem: new Memtable(random, walNumber, logicalKeyLength(options), memtableVectors(options), memtableChunkBytes(config)),
      wal,
      lastSeq,
      random,
    });
    engine.counters.flushBytes += totalBytes((edit.added ?? []).map(([, f]) => f));
    engine.deleteObsoleteFiles(true);
    engine.maybeScheduleCompaction();
    return engine;
  }

  // ---------------------------------------------------------------- reads

  /** The value of `key`, or undefined. Sees every acknowledged write (or the snapshot's view). */
  get(key: Uint8Array, options?: ReadOptions): Buffer | undefined {
    this.checkOpen();
    const seq = options?.snapshot?.seq ?? this.visibleSeq;
    let r: { kind: ValueKind; value: Buffer } | undefined = this.mem.get(key, seq);
    for (let i = 0; r === undefined && i < this.imm.length; i++) r = this.imm[i]!.mem.get(key, seq);
    if (r === undefined) r = this.getFromTables(this.versions.current, key, seq);
    return r !== undefined && r.kind === ValueKind.Put ? Buffer.from(r.value) : undefined;
  }

  private getFromTables(version: Version, key: Uint8Array, seq: number): { kind: ValueKind; value: Buffer } | undefined {
    for (const f of version.levels[0]!) {
      if (compareUserKeyOf(f.smallest, key) <= 0 && compareUserKeyOf(f.largest, key) >= 0) {
        const r = this.tables.get(f.fileNumber).get(key, seq);
        if (r !== undefined) return r;
      }
    }
    for (let level = 1; level < version.levels.length; level++) {
      const files = version.levels[level]!;
      if (files.length === 0) continue;
      const i = version.findFile(level, key);
      const f = files[i];
      if (f !== undefined && compareUserKeyOf(f.smallest, key) <= 0) {
        const r = this.tables.get(f.fileNumber).get(key, seq);
        if (r !== undefined) return r;
      }
    }
    return undefined;
  }

  /**
   * Iterates live keys in [start, end), forward or reverse, as of the snapshot (or now).
   * NB: the scan pins the files it reads until the generator finishes or is returned; always
   * consume it to the end or break out of the loop (which returns it).
   */
  *scan(options: ScanOptions & ReadOptions = {}): Generator<KeyValue> {
    this.checkOpen();
    const seq = options.snapshot?.seq ?? this.visibleSeq;
    const version = this.versions.pin(this.versions.current);
    const iter = new MergingIterator(this.iterators(version));
    try {
      yield* visibleEntries(iter, seq, options);
    } finally {
      iter.close();
      this.versions.unpin(version);
      this.deleteObsoleteTables();
    }
  }

  /**
   * `scan` forward as a cursor that copies nothing (see ForwardVisibleCursor: its key and value
   * are views valid until its next move). NB: it pins the files it reads until `close()`; always
   * close it.
   */
  forwardScan(options: Pick<ScanOptions, "start" | "end"> & ReadOptions = {}): ForwardVisibleCursor {
    this.checkOpen();
    const seq = options.snapshot?.seq ?? this.visibleSeq;
    const version = this.versions.pin(this.versions.current);
    const iter = new MergingIterator(this.iterators(version));
    try {
      return new ForwardVisibleCursor(iter, seq, options.start, options.end, () => {
        this.versions.unpin(version);
        this.deleteObsoleteTables();
      });
    } catch (err) {
      // The first seek failed (a damaged block): nothing else will release what it pinned.
      iter.close();
      this.versions.unpin(version);
      throw err;
    }
  }

  /**
   * The first live entry in [start, end) as of the snapshot (or now): `scan({ start, end, limit: 1 })`
   * for point reads (an MVCC read is one, four per small read-modify-write transaction). It builds
   * no generator, merges only the sources whose key range meets [start, end), and, being
   * synchronous, pins no version: no compaction can retire a file while it runs, so it leaves
   * nothing to clean up either.
   */
  seekFirst(start: Uint8Array, end?: Uint8Array, options?: SeekOptions): KeyValue | undefined {
    return this.seekFirstEntry(start, end, options, true) as KeyValue | undefined;
  }

  /** seekFirst's value alone (one copy fewer): what a point read needs. */
  seekFirstValue(start: Uint8Array, end?: Uint8Array, options?: SeekOptions): Buffer | undefined {
    return this.seekFirstEntry(start, end, options, false) as Buffer | undefined;
  }

  private seekFirstEntry(start: Uint8Array, end: Uint8Array | undefined, options: SeekOptions | undefined, withKey: boolean): KeyValue | Buffer | undefined {
    this.checkOpen();
    const seq = options?.snapshot?.seq ?? this.visibleSeq;
    if (options?.withinLogicalKey && this.options.newestFirstWithinLogicalKey) {
      const found = this.seekNewestFirst(start, end, seq, withKey);
      if (found !== LOOK_FURTHER) return found;
    }
    const children = this.rangeIterators(this.versions.current, start, end, options?.withinLogicalKey ?? false);
    const iter = children.length === 1 ? children[0]! : new MergingIterator(children);
    try {
      iter.seek(lookupKey(start, SEQ_MAX));
      let lastKey: Uint8Array | undefined;
      while (iter.valid()) {
        const ikey = iter.key();
        if (end && compareUserKeyOf(ikey, end) >= 0) return undefined;
        const ul = ikey.length - TRAILER_BYTES;
        // Versions newer than the snapshot, and older versions of a key already decided, are skipped.
        if (seqOf(ikey) > seq || (lastKey !== undefined && ul === lastKey.length && compareUserKeyOf(ikey, lastKey) === 0)) {
          iter.next();
          continue;
        }
        if (kindOf(ikey) === ValueKind.Put) return withKey ? [Buffer.from(ikey.subarray(0, ul)), Buffer.from(iter.value())] : Buffer.from(iter.value());
        // A copy: the iterator's buffer may be reused by the next move.
        lastKey = Buffer.from(ikey.subarray(0, ul));
        iter.next();
      }
      return undefined;
    } finally {
      iter.close();
    }
  }

  /**
   * seekFirst's shortcut for newest-first logical keys. Within one logical key a newer write
   * sorts first, and every source is newer than the ones after it (memtables newest first, then
   * L0 newest first, then each level: see Version), so the first source holding anything of
   * [start, end) holds the first entry of the merge. If that entry is a visible put it is the
   * answer, with one seek per source until then and no merge; a tombstone or an entry too new for
   * the snapshot sends the caller to the full merge.
   */
  private seekNewestFirst(start: Uint8Array, end: Uint8Array | undefined, seq: number, withKey: boolean): KeyValue | Buffer | undefined | typeof LOOK_FURTHER {
    for (let i = -1; i < this.imm.length; i++) {
      const mem = i < 0 ? this.mem : this.imm[i]!.mem;
      const ref = mem.seekInLogicalKey(start);
      if (ref === NIL) continue;
      const list = mem.entries;
      if (end && list.compareUserKeyTo(ref, end) >= 0) continue;
      if (list.seqOf(ref) > seq || list.kindOf(ref) !== ValueKind.Put) return LOOK_FURTHER;
      return withKey ? [list.copyUserKey(ref), list.copyValue(ref)] : list.copyValue(ref);
    }
    const version = this.versions.current;
    // lookupKey(start, SEQ_MAX), in a buffer kept for point reads (nothing below keeps it).
    const targetLength = start.length + TRAILER_BYTES;
    if (this.pointTarget.length < targetLength) this.pointTarget = Buffer.allocUnsafe(2 * targetLength);
    const target = this.pointTarget;
    target.set(start, 0);
    writeTrailer(target, start.length, SEQ_MAX, ValueKind.Put);
    // Tables whose bloom filter is keyed on logical keys say when they hold nothing of this one.
    const lkl = this.options.logicalKeyLength?.(start, start.length) ?? -1;
    const bloom = lkl < 0 ? undefined : bloomHash(start, 0, lkl);
    for (const f of version.levels[0]!) {
      if (compareUserKeyOf(f.largest, start) < 0 || (end !== undefined && compareUserKeyOf(f.smallest, end) >= 0)) continue;
      const found = this.firstInTable(f.fileNumber, target, targetLength, bloom, end, seq, withKey);
      if (found !== NOTHING_HERE) return found;
    }
    for (let level = 1; level < version.levels.length; level++) {
      const files = version.levels[level]!;
      if (files.length === 0) continue;
      // The first file whose largest key is >= start holds the level's first entry >= start.
      const f = files[version.findFile(level, start)];
      if (f === undefined || (end !== undefined && compareUserKeyOf(f.smallest, end) >= 0)) continue;
      const found = this.firstInTable(f.fileNumber, target, targetLength, bloom, end, seq, withKey);
      if (found !== NOTHING_HERE) return found;
    }
    return undefined;
  }

  /** The first entry >= target of one table, judged as seekNewestFirst judges a source. */
  private firstInTable(
    fileNumber: number,
    /** The internal key to seek, target[0, targetLength). */
    target: Buffer,
    targetLength: number,
    /** bloomHash of the target's logical key, or undefined when the engine has no logicalKeyLength. */
    logicalKeyHash: number | undefined,
    end: Uint8Array | undefined,
    seq: number,
    withKey: boolean,
  ): KeyValue | Buffer | typeof LOOK_FURTHER | typeof NOTHING_HERE {
    const reader = this.tables.get(fileNumber);
    if (logicalKeyHash !== undefined && !reader.mayContainLogicalKeyHash(logicalKeyHash)) return NOTHING_HERE;
    // The reader's own point-read cursor: nothing here outlives this call.
    const it = reader.seekPoint(target, targetLength);
    if (it === undefined) return NOTHING_HERE;
    // The key is read where the cursor keeps it, without a view of it.
    const key = it.keyBuffer();
    const userLength = it.keyLength - TRAILER_BYTES;
    if (end && compareRanges(key, userLength, end, end.length) >= 0) return NOTHING_HERE;
    if (seqOfTrailerAt(key, userLength) > seq || key[userLength + TRAILER_BYTES - 1] !== ValueKind.Put) return LOOK_FURTHER;
    const value = Buffer.allocUnsafe(it.valueEnd - it.valueStart);
    it.blockData().copy(value, 0, it.valueStart, it.valueEnd);
    return withKey ? [Buffer.from(key.subarray(0, userLength)), value] : value;
  }

  /** Iterators over the memtables and only those tables whose user keys may fall in [start, end). */
  private rangeIterators(version: Version, start: Uint8Array, end: Uint8Array | undefined, withinLogicalKey: boolean): InternalIterator[] {
    const children: InternalIterator[] = [];
    // An empty memtable adds nothing but a merge step (point reads after a flush are common).
    for (let i = -1; i < this.imm.length; i++) {
      const m = i < 0 ? this.mem : this.imm[i]!.mem;
      if (!m.isEmpty()) children.push(withinLogicalKey ? m.logicalIterator() : m.iterator());
    }
    const lkl = withinLogicalKey ? (this.options.logicalKeyLength?.(start, start.length) ?? -1) : -1;
    for (const f of version.levels[0]!) {
      if (compareUserKeyOf(f.largest, start) >= 0 && (end === undefined || compareUserKeyOf(f.smallest, end) < 0)) {
        const reader = this.tables.get(f.fileNumber);
        if (lkl < 0 || reader.mayContainLogicalKey(start, lkl)) children.push(reader.iterator());
      }
    }
    for (let level = 1; level < version.levels.length; level++) {
      const files = version.levels[level]!;
      if (files.length === 0) continue;
      const first = version.findFile(level, start);
      let last = first;
      while (last < files.length && (end === undefined || compareUserKeyOf(files[last]!.smallest, end) < 0)) last++;
      if (last - first === 1) {
        const reader = this.tables.get(files[first]!.fileNumber);
        if (lkl < 0 || reader.mayContainLogicalKey(start, lkl)) children.push(reader.iterator());
      }
      else if (last > first) children.push(new LevelIterator(files.slice(first, last), this.tables));
    }
    return children;
  }

  private iterators(version: Version): InternalIterator[] {
    const children: InternalIterator[] = [this.mem.iterator(), ...this.imm.map((m) => m.mem.iterator())];
    for (const f of version.levels[0]!) children.push(this.tables.get(f.fileNumber).iterator());
    for (let level = 1; level < version.levels.length; level++) {
      if (version.levels[level]!.length > 0) children.push(new LevelIterator(version.levels[level]!, this.tables));
    }
    return children;
  }

  /**
   * Nearest-neighbour candidates among the vector entries of `request.index` in every memtable and
   * live table: up to k accepted hits per source, unmerged, with whether a short answer is proof
   * (see VectorSearchRequest and VectorSearchResult).
   * The tables are searched through the index's merged graph (built at its first search; see
   * MergedVectors) and, for those it does not cover yet, one by one through their segments, which
   * load on demand through the segment cache. Like every read it is synchronous, so no compaction
   * can retire a table under it, and `accept` may read the engine. Throws 22000 for a malformed
   * query or one of other dimensions, and CorruptionError (XX001) naming the file for a damaged
   * vector section.
   */
  vectorSearch(request: VectorSearchRequest): VectorSearchResult {
    this.checkOpen();
    checkVector(request.query, request.index.dims);
    if (!Number.isSafeInteger(request.k) || request.k < 0) throw new RangeError(`k ${request.k} is not a non-negative integer`);
    const found: SourceHits[] = [];
    // Loops, not closures: with names kept (tsx), each closure made per search costs a defineProperty.
    for (let i = -1; i < this.imm.length; i++) {
      const r = (i < 0 ? this.mem : this.imm[i]!.mem).vectors?.search(request);
      if (r !== undefined) found.push(r);
    }
    const merged = this.mergedVectors?.indexFor(request.index);
    // Tables are accounted as their version edits install them, so once nothing is pending the
    // graph covers every table that holds entries of the index.
    const coversAll = merged !== undefined && this.mergedVectors!.coversAll(request.index);
    for (const files of coversAll ? [] : this.versions.current.levels) {
      for (const f of files) {
        if (merged?.covers(f.fileNumber)) continue;
        const r = this.vectorTables.search(this.tables.get(f.fileNumber), request);
        if (r !== undefined) found.push(r);
      }
    }
    if (merged !== undefined && merged.size > 0) found.push(merged.search(request));
    this.maybeScheduleVectorWork();
    const hits: VectorHit[] = [];
    let exhaustive = true;
    for (const r of found) {
      for (const h of r.hits) hits.push(h);
      if (!r.exhaustive) exhaustive = false;
    }
    return { hits, exhaustive, sources: found };
  }

  /**
   * `seekFirst(start, end, { withinLogicalKey: true })` for a hit of `vectorSearch`, answered
   * without reading the hit's entry when possible: the hit's vector (a view, not to be changed)
   * when the first entry of [start, end) is provably the hit's own, else undefined, which proves
   * nothing (the caller reads), as it is when [start, end) does not begin within the hit key's
   * logical key or does not hold the key. Only a hit of the merged graph can be answered so: the graph keeps the vector
   * and the table holding it (its home), and learns once per entry whether that table's first
   * entry of the logical key is the entry itself (a newer version in the same table would come
   * first). Then, as in `seekNewestFirst`, only the sources newer than the home table can hold an
   * entry that sorts before it: the memtables and the tables before it, which are asked without a
   * read (a memtable's logical key index, the tables' logical-key bloom filters); any sign of the
   * logical key there gives up.
   */
  vectorOfFirstHit(hit: VectorHit, start: Uint8Array, end: Uint8Array): Float32Array | undefined {
    const lklOf = this.options.logicalKeyLength;
    if (!(hit instanceof LabelledHit) || !(hit.source instanceof MergedSearchToken) || lklOf === undefined || !this.options.newestFirstWithinLogicalKey) return undefined;
    const index = hit.source.index;
    const id = index.idOf(hit);
    // A dropped index is closed, and then answers for no hit (idOf).
    if (id < 0 || this.mergedVectors === undefined || index.owner !== this.mergedVectors) return undefined;
    const home = index.homeOf(id);
    if (home < 0) return undefined;
    const key = hit.key;
    // [start, end) must begin within the key's logical key (nothing of another sorts between) and hold the key.
    const lkl = lklOf(key, key.length);
    if (lklOf(start, start.length) !== lkl || compareRanges(start, lkl, key, lkl) !== 0 || compareBytes(start, key) > 0 || compareBytes(key, end) >= 0) return undefined;
    let head = index.headOf(id);
    if (head === HeadState.Unknown) {
      const first = this.isFirstOfLogicalKey(home, key, lkl);
      index.setHead(id, first);
      head = first ? HeadState.Head : HeadState.NotHead;
    }
    if (head !== HeadState.Head) return undefined;
    for (let i = -1; i < this.imm.length; i++) {
      const mem = i < 0 ? this.mem : this.imm[i]!.mem;
      if (mem.isEmpty()) continue;
      const ref = mem.seekInLogicalKey(start);
      if (ref !== NIL && mem.entries.compareUserKeyTo(ref, end) < 0) return undefined;
    }
    const version = this.versions.current;
    // The logical key's bloom hash, made when a table is first asked (usually none is).
    let hash: number | undefined;
    for (const f of version.levels[0]!) {
      if (f.fileNumber === home) return this.unreadVector(index, id);
      if (compareUserKeyOf(f.largest, start) < 0 || compareUserKeyOf(f.smallest, end) >= 0) continue;
      hash ??= bloomHash(start, 0, lkl);
      if (this.tables.get(f.fileNumber).mayContainLogicalKeyHash(hash)) return undefined;
    }
    for (let level = 1; level < version.levels.length; level++) {
      const files = version.levels[level]!;
      if (files.length === 0) continue;
      const f = files[version.findFile(level, start)];
      if (f === undefined) continue;
      if (f.fileNumber === home) return this.unreadVector(index, id);
      if (compareUserKeyOf(f.smallest, end) >= 0) continue;
      hash ??= bloomHash(start, 0, lkl);
      if (this.tables.get(f.fileNumber).mayContainLogicalKeyHash(hash)) return undefined;
    }
    // The home table was not where the key would be looked for (it starts past `start` in its level, say).
    return undefined;
  }

  private unreadVector(index: MergedVectorIndex, id: number): Float32Array | undefined {
    const vector = index.vectorOf(id);
    if (vector !== undefined) index.counters.unreadHits++;
    return vector;
  }

  /** Whether table `fileNumber`'s first entry of the logical key of `key` (its first `logicalLength` bytes) is a put of `key`. */
  private isFirstOfLogicalKey(fileNumber: number, key: Buffer, logicalLength: number): boolean {
    // The bare logical key sorts before every key of it.
    const target = Buffer.allocUnsafe(logicalLength + TRAILER_BYTES);
    key.copy(target, 0, 0, logicalLength);
    writeTrailer(target, logicalLength, SEQ_MAX, ValueKind.Put);
    const it = this.tables.get(fileNumber).seekPoint(target, target.length);
    return it !== undefined && it.userKeyEquals(key) && it.keyBuffer()[it.keyLength - 1] === ValueKind.Put;
  }

  /**
   * Resolves once every merged vector index is up to date with the live tables (those searched so
   * far; see MergedVectors). Without background work it does the work itself, in slices.
   */
  async settleVectorIndexes(): Promise<void> {
    this.checkOpen();
    const merged = this.mergedVectors;
    if (merged === undefined) return;
    while (merged.hasWork() && !this.closed) {
      if (this.options.backgroundWork === false) {
        merged.step();
        await yieldToEventLoop();
      } else {
        this.maybeScheduleVectorWork();
        await this.vectorWork;
      }
    }
  }

  private maybeScheduleVectorWork(): void {
    const merged = this.mergedVectors;
    if (this.vectorWork || merged === undefined || this.closed || this.options.backgroundWork === false || !merged.hasWork()) return;
    this.vectorWork = (async () => {
      while (!this.closed && merged.hasWork()) {
        await yieldToEventLoop();
        if (!this.closed) merged.step();
      }
    })().finally(() => {
      this.vectorWork = undefined;
    });
  }

  /** Tells the merged vector indexes about a version edit just installed. */
  private installed(edit: VersionEdit): void {
    this.mergedVectors?.applyEdit(edit);
    this.maybeScheduleVectorWork();
  }

  private vectorIndexStats(): EngineStats["vectorIndex"] {
    const cache = this.vectorTables.segments;
    let memtableBytes = 0;
    for (const m of [this.mem, ...this.imm.map((i) => i.mem)]) memtableBytes += m.vectors?.memoryBytes() ?? 0;
    return {
      capacityBytes: cache.capacityBytes,
      sizeBytes: cache.sizeBytes(),
      retainedBytes: cache.retainedBytes(),
      segments: cache.count,
      ...cache.stats,
      memtableBytes,
      merged: this.mergedVectors?.stats() ?? { indexes: 0, refused: 0, entries: 0, bytes: 0, uncoveredFiles: 0, inserts: 0, removes: 0, builds: 0, unreadHits: 0 },
    };
  }

  /**
   * About how many logical keys (see `logicalKeyBounds`; user keys without one) have entries with
   * user keys in [start, end) (an absent bound is open), for a cost model: no data block is read.
   *
   * The sum over the sources that may hold such keys: each live table overlapping the range
   * answers from its key samples (sstable/key-samples.ts; interpolated between samples, so within
   * the sampling stride of the table's true count at either bound, and with its deleted-only keys
   * taken out in proportion); a table without samples (written before they existed, or by a
   * worker that could not import `logicalKeyLength`) counts its entries, half of them when it
   * straddles a bound. Each memtable answers in bounded work (Memtable.approximateLogicalKeys).
   *
   * A logical key held by several sources (rewritten since its table was written, with versions
   * on several levels, or split between two tables by a compaction's cut, which falls between
   * user keys) counts once per source, so this is an upper-ish estimate. A cost
   * model can live with that: leveled compaction keeps ~90% of the data in the last level, so
   * keys counted twice are mostly the recently written ones, a fraction of the total, and the
   * error is in the same direction for every table; the alternative, deduplicating across
   * sources, would mean reading them.
   */
  approximateLogicalKeys(start?: Uint8Array, end?: Uint8Array): number {
    this.checkOpen();
    let n = this.mem.approximateLogicalKeys(start, end);
    for (const m of this.imm) n += m.mem.approximateLogicalKeys(start, end);
    const version = this.versions.current;
    for (let level = 0; level < version.levels.length; level++) {
      const files = version.levels[level]!;
      for (let i = level === 0 || start === undefined ? 0 : version.findFile(level, start); i < files.length; i++) {
        const f = files[i]!;
        if (end !== undefined && compareUserKeyOf(f.smallest, end) >= 0) {
          // Levels past L0 are sorted: no later file starts before `end` either.
          if (level > 0) break;
          continue;
        }
        if (start !== undefined && compareUserKeyOf(f.largest, start) < 0) continue;
        n += this.tableLogicalKeys(f, start, end);
      }
    }
    return n;
  }

  private tableLogicalKeys(f: FileMetadata, start: Uint8Array | undefined, end: Uint8Array | undefined): number {
    const samples = this.tables.get(f.fileNumber).keySamples;
    if (samples !== undefined) return samples.countBetween(start, end);
    const within = (start === undefined || compareUserKeyOf(f.smallest, start) >= 0) && (end === undefined || compareUserKeyOf(f.largest, end) < 0);
    return within ? f.entryCount : f.entryCount / 2;
  }

  /** Pins the current state for reads; release it when done so compaction can drop old versions. */
  snapshot(): Snapshot {
    this.checkOpen();
    const entry = { seq: this.visibleSeq };
    this.snapshots.add(entry);
    return { seq: entry.seq, release: () => void this.snapshots.delete(entry) };
  }

  /** The sequence number of the newest applied write. */
  get lastSequence(): number {
    return this.visibleSeq;
  }

  // ---------------------------------------------------------------- writes

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.write(new WriteBatch().put(key, value));
  }

  delete(key: Uint8Array): Promise<void> {
    return this.write(new WriteBatch().delete(key));
  }

  /**
   * Applies the batch atomically; resolves once it is durable per `wal_sync`. Reads see it as
   * soon as it is applied, which is before it is durable (see writeVisible).
   */
  write(batch: WriteBatch): Promise<void> {
    if (batch.count === 0) return this.closed ? Promise.reject(new EngineClosedError("the storage engine is closed")) : this.failure ? Promise.reject(this.failure) : RESOLVED;
    try {
      const r = this.applyOrQueue(batch);
      return typeof r === "number" ? this.whenDurable(r) : r.then((seq) => this.whenDurable(seq));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Applies the batch atomically and returns its last sequence number once reads see it: at
   * once (a number) unless the write must wait for room (a promise). The batch is then not yet
   * durable; whenDurable(seq) says when it is. Throws, or rejects, as write() rejects.
   *
   * This is what lets a transaction release its locks before its commit record's fsync (early
   * lock release): a later transaction may read the commit while it is not durable, which is
   * safe because every acknowledgement waits for durability in WAL order. A later write is
   * durable only after this one, and a reader acknowledges only after whenDurable of what it saw.
   * If the WAL fails, the engine fails for good and reads go back to the durable sequence.
   */
  writeVisible(batch: WriteBatch): number | Promise<number> {
    if (batch.count === 0) throw new StorageError("writeVisible needs a non-empty batch", "XX000");
    return this.applyOrQueue(batch);
  }

  /** Whether the engine failed for good (see stats().failure): writes are refused. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** The newest sequence number known durable per `wal_sync` (the WAL acknowledges in order). */
  get durableSequence(): number {
    return this.durableSeq;
  }

  /**
   * Resolves once every write up to `seq` is durable per `wal_sync`; rejects with the engine's
   * failure if the WAL failed before that.
   */
  whenDurable(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return RESOLVED;
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w = this.durableWaiters;
      // Writes wait in sequence order, so this is almost always an append.
      let i = w.length;
      while (i > this.durableHead && w[i - 1]!.seq > seq) i--;
      w.splice(i, 0, { seq, resolve, reject });
    });
  }

  private applyOrQueue(batch: WriteBatch): number | Promise<number> {
    if (this.closed) throw new EngineClosedError("the storage engine is closed");
    if (this.failure) throw this.failure;
    // Writes apply in the order they were called, also when some must wait for room: the layer
    // above relies on it (its commit-timestamp high-water record is only ever overwritten by a
    // later one).
    const wait = this.waitingWrites.length === 0 ? this.makeRoomForWrite() : undefined;
    if (this.waitingWrites.length === 0 && wait === undefined) return this.applyBatch(batch);
    const queued = new Promise<number>((resolve, reject) => this.waitingWrites.push({ batch, resolve, reject }));
    if (wait !== undefined) this.drainWaitingWrites(wait);
    return queued;
  }

  /** Commits queued writes in order, waiting for room whenever the engine asks for it. */
  private drainWaitingWrites(firstWait: Promise<void>): void {
    void (async () => {
      let wait: Promise<void> | undefined = firstWait;
      while (this.waitingWrites.length > 0) {
        if (wait !== undefined) {
          try {
            await wait;
          } catch {
            // A failed wait means the engine failed or closed; the checks below report it.
          }
        }
        const head = this.waitingWrites[0]!;
        if (this.closed || this.failure) {
          const err = this.failure ?? new EngineClosedError("the storage engine is closed");
          for (const w of this.waitingWrites.splice(0)) w.reject(err);
          return;
        }
        wait = this.makeRoomForWrite();
        if (wait !== undefined) continue;
        this.waitingWrites.shift();
        try {
          head.resolve(this.applyBatch(head.batch));
        } catch (e) {
          head.reject(e);
        }
      }
    })();
  }

  /**
   * Throws 54000 if `batch` is too big for one WAL record (`write` refuses it the same way, before
   * it takes sequence numbers: a batch the WAL cannot hold is the caller's to split, not a failure
   * of the engine). For callers that must know before they commit to writing it.
   */
  checkBatchSize(batch: WriteBatch): void {
    const bytes = batch.count === 0 ? 0 : encodedBatchBytes(batch);
    if (bytes > WAL_PAYLOAD_MAX_BYTES) {
      throw new StorageError(`a write batch of ${batch.count} entries (${bytes} bytes in the WAL) exceeds the maximum of ${WAL_PAYLOAD_MAX_BYTES} bytes`, "54000");
    }
  }

  /**
   * Queues the batch's WAL record and applies it to the memtable at once, in the same synchronous
   * step, so batches are applied in sequence order; returns its last sequence number. The
   * memtable counts the write as pending until the record is durable: a memtable switch waits for
   * that before any write goes to the new WAL, so the WALs become durable in sequence order too.
   */
  private applyBatch(batch: WriteBatch): number {
    this.checkBatchSize(batch);
    const mem = this.mem;
    const firstSeq = this.nextSeq;
    this.nextSeq += batch.count;
    const payload = encodeBatch(batch.entries, firstSeq);
    const reserved = payload.length + batch.count * skipListEntryOverheadBytes();
    mem.reserve(reserved);
    const appended = this.wal.append(payload);
    let seq = firstSeq;
    for (const e of batch.entries) mem.add(seq++, e.kind, e.key, e.value);
    const last = seq - 1;
    this.visibleSeq = last;
    this.counters.userBytes += batch.userBytes;
    this.counters.walBytes += payload.length;
    appended.then(
      () => {
        mem.finishPendingWrite(reserved);
        this.advanceDurable(last);
      },
      (e: unknown) => {
        mem.finishPendingWrite(reserved);
        this.failWal(e, walFileName(mem.walNumber));
      },
    );
    return last;
  }

  private advanceDurable(seq: number): void {
    if (seq > this.durableSeq) this.durableSeq = seq;
    const w = this.durableWaiters;
    while (this.durableHead < w.length && w[this.durableHead]!.seq <= this.durableSeq) w[this.durableHead++]!.resolve();
    if (this.durableHead === w.length) {
      w.length = 0;
      this.durableHead = 0;
    } else if (this.durableHead > 1024) {
      w.splice(0, this.durableHead);
      this.durableHead = 0;
    }
  }

  /**
   * A WAL append or fsync failed: the engine fails for good, and reads go back to what is durable,
   * since what was applied after it may not be in the log.
   */
  private failWal(e: unknown, where: string): void {
    this.fail(e, where);
    if (this.visibleSeq > this.durableSeq) this.visibleSeq = this.durableSeq;
    const w = this.durableWaiters.splice(this.durableHead);
    this.durableWaiters.length = 0;
    this.durableHead = 0;
    for (const waiter of w) waiter.reject(this.failure);
  }

  /**
   * Undefined when the write may go ahead now; otherwise a promise to wait on before trying again:
   * a memtable switch in progress, too many immutable memtables or L0 files (stall), or a 1 ms
   * slowdown once L0 passes its slowdown trigger, which gives compaction room without stopping.
   */
  private makeRoomForWrite(): Promise<void> | undefined {
    if (this.rotating) return this.rotating;
    // NB: without an fsync to wait for (sync `none` or `interval`) an awaited write completes in
    // microtasks, so a tight write loop never returns to the event loop, where background work
    // makes progress: its slices when it runs on this thread, the worker's reply when it runs in
    // a worker. Give it a turn every few writes. With sync `always` every commit waits for an
    // fsync, which is such a turn; yielding there would only make the writes queued behind this
    // one miss the next group commit.
    if (this.config.wal_sync !== "always" && (this.flushing || this.compacting) && ++this.writesSinceYield >= WRITES_PER_BACKGROUND_TURN) {
      this.writesSinceYield = 0;
      return yieldToEventLoop();
    }
    const l0Files = this.versions.current.levels[0]!.length;
    if (l0Files >= this.config.l0_stop_trigger) {
      this.counters.stalls++;
      this.maybeScheduleCompaction();
      return this.waitForProgress();
    }
    if (this.mem.approximateBytes() < this.config.memtable_size) {
      if (l0Files >= this.config.l0_slowdown_trigger) {
        this.counters.slowdowns++;
        return sleep(1);
      }
      return undefined;
    }
    if (this.imm.length >= this.config.max_immutable_memtables) {
      this.counters.stalls++;
      return this.waitForProgress();
    }
    this.switchMemtable();
    return this.rotating;
  }

  /** Makes the current memtable immutable and starts a new one with its own WAL. */
  private switchMemtable(): void {
    const walNumber = this.versions.newFileNumber();
    const path = joinPath(this.dir, walFileName(walNumber));
    let wal: WalWriter;
    try {
      wal = new WalWriter(this.vfs.create(path), walOptions(this.config));
      // NB: without this, power loss can drop the new WAL's directory entry along with every
      // write acknowledged into it.
      this.vfs.syncDir(this.dir);
    } catch (e) {
      throw this.fail(e, path);
    }
    const old = { mem: this.mem, wal: this.wal };
    this.imm.unshift(old);
    this.mem = new Memtable(this.random, walNumber, logicalKeyLength(this.options), memtableVectors(this.options), memtableChunkBytes(this.config));
    this.wal = wal;
    if (old.mem.pendingWrites > 0) {
      const drained = old.mem.whenDrained().then(() => {
        if (this.rotating === drained) this.rotating = undefined;
      });
      this.rotating = drained;
    }
    this.maybeScheduleFlush();
  }

  // ---------------------------------------------------------------- flush

  /** Flushes everything in memtables to L0 and waits for it. */
  async flush(): Promise<void> {
    this.checkOpen();
    if (this.rotating) await this.rotating;
    if (!this.mem.isEmpty()) {
      this.switchMemtable();
      if (this.rotating) await this.rotating;
    }
    while (this.imm.length > 0) {
      if (this.failure) throw this.failure;
      this.maybeScheduleFlush();
      await this.flushing;
    }
    if (this.failure) throw this.failure;
  }

  private maybeScheduleFlush(): void {
    if (this.flushing || this.imm.length === 0 || this.failure || this.options.backgroundWork === false) return;
    this.flushing = this.runFlushes().finally(() => {
      this.flushing = undefined;
      this.notifyProgress();
    });
  }

  private async runFlushes(): Promise<void> {
    while (this.imm.length > 0 && !this.failure) {
      const oldest = this.imm[this.imm.length - 1]!;
      await oldest.mem.whenDrained();
      try {
        await oldest.wal.close();
        const files = await this.buildFlushTables(oldest.mem);
        const next = this.imm.length > 1 ? this.imm[this.imm.length - 2]!.mem : this.mem;
        const edit: VersionEdit = { added: files.map((f) => [0, f]), logNumber: next.walNumber, lastSeq: this.visibleSeq };
        await this.versions.logAndApply(edit);
        this.installed(edit);
        this.counters.flushBytes += totalBytes(files);
        this.counters.flushes++;
      } catch (e) {
        this.fail(e, `flush of ${walFileName(oldest.mem.walNumber)}`);
        return;
      }
      this.imm.pop()!.mem.vectors?.close();
      this.deleteObsoleteFiles();
      this.notifyProgress();
      this.maybeScheduleCompaction();
    }
  }

  /**
   * Resolves once no flush or compaction is running or scheduled (a write may start new ones at
   * any time after). Benchmarks use it so that one segment's background work is not timed in
   * the next.
   */
  async whenBackgroundIdle(): Promise<void> {
    while (this.flushing || this.compacting) await Promise.allSettled([this.flushing, this.compacting]);
  }

  // ---------------------------------------------------------------- compaction

  /** Flushes, then compacts every level into the next until all data sits in the last level. */
  async compact(): Promise<void> {
    await this.flush();
    this.manualCompaction = true;
    try {
      while (this.compacting) await this.compacting;
      const last = this.versions.current.levels.length - 1;
      for (let level = 0; level < last; level++) {
        while (this.versions.current.levels[level]!.length > 0) {
          if (this.failure) throw this.failure;
          const pick = pickForLevel(this.versions.current, level, 1, this.versions.compactPointers.get(level), this.shape.logicalKeyBounds);
          if (pick === undefined) break;
          await this.compactOnce({ ...pick, trivialMove: false });
        }
      }
    } finally {
      this.manualCompaction = false;
    }
    if (this.failure) throw this.failure;
    this.maybeScheduleCompaction();
  }

  private maybeScheduleCompaction(): void {
    if (this.compacting || this.manualCompaction || this.failure || this.closed || this.options.backgroundWork === false) return;
    if (pickCompaction(this.versions.current, this.shape, this.versions.compactPointers) === undefined) return;
    this.compacting = this.runCompactions().finally(() => {
      this.compacting = undefined;
      this.notifyProgress();
    });
  }

  private async runCompactions(): Promise<void> {
    while (!this.failure && !this.closed && !this.manualCompaction) {
      const pick = pickCompaction(this.versions.current, this.shape, this.versions.compactPointers);
      if (pick === undefined) return;
      try {
        await this.compactOnce(pick);
      } catch {
        return; // compactOnce recorded the failure
      }
      this.notifyProgress();
    }
  }

  private async compactOnce(pick: CompactionPick): Promise<void> {
    const pointer: [number, Buffer][] = [[pick.level, largestUserKey(pick.inputs[pick.inputs.length - 1]!)]];
    const deleted = [...pick.inputs.map((f) => [pick.level, f.fileNumber] as const), ...pick.overlaps.map((f) => [pick.outputLevel, f.fileNumber] as const)];
    if (pick.trivialMove) {
      const f = pick.inputs[0]!;
      await this.apply({ deleted, added: [[pick.outputLevel, f]], compactPointers: pointer }, "trivial move");
      this.counters.trivialMoves++;
      return;
    }
    const version = this.versions.pin(this.versions.current);
    try {
      const result = await this.runCompactionJob(version, pick).catch((e: unknown) => {
        throw this.fail(e, "compaction");
      });
      await this.apply({ deleted, added: result.outputs.map((f) => [pick.outputLevel, f]), compactPointers: pointer }, "compaction");
      for (const [, n] of deleted) this.obsoleteFiles.add(n);
      this.counters.compactionRead += result.bytesRead;
      this.counters.compactionWritten += result.bytesWritten;
      this.counters.compactions++;
    } finally {
      this.versions.unpin(version);
      this.deleteObsoleteTables();
    }
  }

  /** Writes an immutable, drained memtable as L0 tables, in a worker thread if there are workers. */
  private async buildFlushTables(mem: Memtable): Promise<FileMetadata[]> {
    const newFileNumber = () => this.versions.newFileNumber();
    // The memtable's graphs are already built: the table's vector section is made from them here
    // (a worker gets the encoded section), not rebuilt from the entries.
    const vectors = mem.vectors;
    const collectors = this.workers && this.workerCollectors();
    if (this.workers !== undefined && collectors !== undefined) {
      const vectorSection = vectors?.encodeSection();
      return this.workers.flush({ dir: this.dir, sst: this.sstOptions, bloomKeyLength: this.bloomKeyModule(), collectors, memtable: mem.shared(), newFileNumber, ...(vectorSection && { vectorSection }) });
    }
    const sinks = vectors ? () => new PrebuiltVectorSink(() => vectors.encodeSection()) : this.vectorSinks;
    const out = new TableOutput(this.vfs, this.dir, this.sstOptions, newFileNumber, tableOutputHooks(sinks, this.newCollectors));
    await writeMemtable(mem, out, yieldToEventLoop);
    return out.finish();
  }

  /** How a worker makes this engine's table collectors; undefined: they cannot be made there. */
  private workerCollectors(): WorkerCollectorSpec | undefined {
    const o = this.options;
    return workerCollectorSpec(o.logicalKeyLength !== undefined || o.logicalKeyBounds !== undefined, o.logicalKeyLengthModule, o.tableCollectors);
  }

  /** Where a worker imports the writer's bloomKeyLength from (none: its tables key blooms on user keys). */
  private bloomKeyModule(): WorkerExport | undefined {
    return this.sstOptions.bloomKeyLength === undefined ? undefined : this.options.logicalKeyLengthModule;
  }

  /** Merges a compaction's inputs into new tables, in a worker thread if there are workers and the filter can go there. */
  private runCompactionJob(version: Version, pick: CompactionPick): Promise<CompactionResult> {
    const newFileNumber = () => this.versions.newFileNumber();
    const filterFactory = this.options.compactionFilter;
    const smallestSnapshot = this.smallestSnapshot();
    const targetFileBytes = this.config.target_file_size;
    const vectorEntryOf = this.options.vectorEntryOf === undefined ? undefined : this.options.vectorEntryOfModule;
    const collectors = this.workers && this.workerCollectors();
    if (this.workers !== undefined && collectors !== undefined && this.workers.canCompact(filterFactory) && (this.options.vectorEntryOf === undefined || vectorEntryOf !== undefined)) {
      return this.workers.compact({
        dir: this.dir,
        sst: this.sstOptions,
        bloomKeyLength: this.bloomKeyModule(),
        collectors,
        version,
        pick,
        smallestSnapshot,
        filterFactory,
        vectorEntryOf,
        targetFileBytes,
        newFileNumber,
      });
    }
    const out = new TableOutput(this.vfs, this.dir, this.sstOptions, newFileNumber, tableOutputHooks(this.vectorSinks, this.newCollectors));
    return runCompaction(
      { version, pick, smallestSnapshot, ...(filterFactory && { filterFactory }), targetFileBytes, yieldToEventLoop, entriesPerYield: COMPACTION_ENTRIES_PER_YIELD },
      this.tables,
      out,
    );
  }

  private async apply(edit: VersionEdit, what: string): Promise<void> {
    try {
      await this.versions.logAndApply(edit);
    } catch (e) {
      throw this.fail(e, `manifest update for ${what}`);
    }
    this.installed(edit);
  }

  /** The oldest sequence number any reader may still ask for. */
  private smallestSnapshot(): number {
    let min = this.visibleSeq;
    for (const s of this.snapshots) if (s.seq < min) min = s.seq;
    return min;
  }

  // ---------------------------------------------------------------- housekeeping

  /**
   * Deletes compacted-away tables that no reader pins any more. Cheap when there are none, since
   * every scan calls it when it ends; no directory listing (see deleteObsoleteFiles for that).
   */
  private deleteObsoleteTables(): void {
    if (this.obsoleteFiles.size === 0) return;
    const live = this.versions.liveFileNumbers();
    for (const n of [...this.obsoleteFiles]) {
      if (live.has(n)) continue;
      this.evictTable(n);
      this.obsoleteFiles.delete(n);
      this.vfs.remove(joinPath(this.dir, sstFileName(n)));
    }
  }

  /**
   * Lists the directory and deletes tables no version uses and WALs already flushed; `all` also
   * sweeps orphans and temp files (at open only).
   */
  private deleteObsoleteFiles(all = false): void {
    const live = this.versions.liveFileNumbers();
    const liveWals = new Set([this.mem.walNumber, ...this.imm.map((m) => m.mem.walNumber)]);
    for (const name of this.vfs.list(this.dir)) {
      const p = parseFileName(name);
      let obsolete = false;
      if (p.kind === "sst") obsolete = !live.has(p.fileNumber) && (all || this.obsoleteFiles.has(p.fileNumber));
      else if (p.kind === "wal") obsolete = p.fileNumber < this.versions.logNumber && !liveWals.has(p.fileNumber);
      else if (p.kind === "temp") obsolete = all;
      if (!obsolete) continue;
      if (p.kind === "sst") {
        this.evictTable(p.fileNumber);
        this.obsoleteFiles.delete(p.fileNumber);
      }
      this.vfs.remove(joinPath(this.dir, name));
    }
  }

  private evictTable(fileNumber: number): void {
    this.tables.evict(fileNumber);
    this.vectorTables.evict(fileNumber);
  }

  private waitForProgress(): Promise<void> {
    return new Promise((resolve) => this.progressWaiters.push(resolve));
  }

  private notifyProgress(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const w of waiters) w();
  }

  /** Enters the failed state: no more writes. Returns the typed error to throw. */
  private fail(e: unknown, where: string): StorageError {
    const err = toStorageError(where, e);
    if (!this.failure) this.failure = err;
    this.notifyProgress();
    return err;
  }

  private checkOpen(): void {
    if (this.closed) throw new EngineClosedError("the storage engine is closed");
  }

  // ---------------------------------------------------------------- lifecycle

  /** Waits for background work, makes the WAL durable and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notifyProgress();
    await this.mem.whenDrained();
    await Promise.allSettled([this.flushing, this.compacting, this.vectorWork]);
    try {
      await this.wal.close();
      for (const m of this.imm) await m.wal.close();
    } finally {
      await this.versions.close().catch(() => undefined);
      this.mergedVectors?.close();
      this.tables.close();
      this.vectorTables.close();
      for (const m of [this.mem, ...this.imm.map((i) => i.mem)]) m.vectors?.close();
      this.lock.release();
    }
  }

  stats(): EngineStats {
    const levels = this.versions.current.levels.map((files, level) => ({ level, files: files.length, bytes: totalBytes(files) }));
    const tableBytes = levels.reduce((n, l) => n + l.bytes, 0);
    const lastNonEmpty = [...levels].reverse().find((l) => l.bytes > 0);
    let pending = 0;
    for (let l = 1; l < levels.length - 1; l++) {
      pending += Math.max(0, levels[l]!.bytes - this.shape.l1TargetBytes * this.shape.levelSizeRatio ** (l - 1));
    }
    if (levels[0]!.files >= this.shape.l0CompactionTrigger) pending += levels[0]!.bytes;
    const cache = this.tables.blockCache;
    const c = this.counters;
    return {
      levels,
      memtableBytes: this.mem.approximateBytes() + this.imm.reduce((n, m) => n + m.mem.approximateBytes(), 0),
      immutableMemtables: this.imm.length,
      lastSequence: this.visibleSeq,
      liveSnapshots: this.snapshots.size,
      openTables: this.tables.openCount,
      pinnedTableBytes: this.tables.pinnedBytes(),
      blockCache: { capacityBytes: cache.capacityBytes, sizeBytes: cache.sizeBytes(), hits: cache.stats.hits, misses: cache.stats.misses, hitRatio: cache.hitRatio() },
      userBytesWritten: c.userBytes,
      walBytesWritten: c.walBytes,
      flushBytesWritten: c.flushBytes,
      compactionBytesRead: c.compactionRead,
      compactionBytesWritten: c.compactionWritten,
      writeAmplification: c.userBytes === 0 ? 0 : (c.flushBytes + c.compactionWritten) / c.userBytes,
      spaceAmplification: lastNonEmpty ? tableBytes / lastNonEmpty.bytes : 0,
      pendingCompactionBytes: pending,
      flushes: c.flushes,
      compactions: c.compactions,
      trivialMoves: c.trivialMoves,
      writeSlowdowns: c.slowdowns,
      writeStalls: c.stalls,
      vectorIndex: this.vectorIndexStats(),
      ...(this.failure && { failure: this.failure.message }),
    };
  }
}

function walOptions(config: StorageConfig): { syncMode: StorageConfig["wal_sync"]; syncIntervalMs: number } {
  return { syncMode: config.wal_sync, syncIntervalMs: config.wal_sync_interval_ms };
}

function sstWriterOptions(config: StorageConfig, options: EngineOptions): SstWriterOptions {
  return {
    blockSizeBytes: config.block_size,
    restartInterval: config.block_restart_interval,
    bloomBitsPerKey: config.bloom_bits_per_key,
    // Only a function given, not one derived from logicalKeyBounds: the worker must be able to import the same one.
    ...(options.logicalKeyLength && { bloomKeyLength: options.logicalKeyLength }),
  };
}

/** Memtable arena chunks: a 32nd of the memtable, within [4 KiB, 1 MiB]. */
function memtableChunkBytes(config: StorageConfig): number {
  return Math.min(1024 * 1024, Math.max(4096, Math.floor(config.memtable_size / 32)));
}

function logicalKeyLength(options: EngineOptions): LogicalKeyLength | undefined {
  if (options.logicalKeyLength) return options.logicalKeyLength;
  const bounds = options.logicalKeyBounds;
  if (bounds === undefined) return undefined;
  return (key, userKeyLength) => {
    const userKey = Buffer.from(key.buffer, key.byteOffset, userKeyLength);
    const lo = bounds(userKey)[0];
    assert(lo.length <= userKeyLength && compareBytes(lo, userKey.subarray(0, lo.length)) === 0, "a logical key is a prefix of its user keys");
    return lo.length;
  };
}

function memtableVectors(options: EngineOptions): MemtableVectors | undefined {
  return options.vectorEntryOf && new MemtableVectors(options.vectorEntryOf);
}

function tableOutputHooks(newVectorSink: (() => TableVectorSink) | undefined, newCollectors: () => TablePropertiesCollector[]): TableOutputHooks {
  return { ...(newVectorSink && { newVectorSink }), newCollectors };
}

function vectorSinks(options: EngineOptions): (() => TableVectorSink) | undefined {
  const entryOf = options.vectorEntryOf;
  return entryOf && (() => new BuildingVectorSink(entryOf));
}
