/**
 * A durable Raft log: one append-only file of records in the storage engine's framing
 * (`length u32 | crc32 u32 | type u8 | data`, see storage/wal/record.ts), with the whole log
 * cached in a MemoryStorage for reads.
 *
 * Records:
 *   READY    = flags u8 | [snapshot] | entries | [hard state]   — one per `save()`, so a torn
 *              write can only damage the last record of the file;
 *   SNAPSHOT = snapshot                                        — the application's snapshot;
 *              entries up to its index are compacted away.
 *
 * Durability: `save()` and `createSnapshot()` hand bytes to the OS; `sync()` makes everything
 * saved so far durable. The Raft contract needs `sync()` to finish before the Ready's messages
 * are sent. Batching several Readies (of one group, or many groups sharing a file system) into
 * one `sync()` is the group commit that makes fsync affordable.
 * NB: a failed sync is never retried (a retry can falsely succeed after the kernel dropped the
 * dirty pages); the storage is unusable after it and must be reopened, which replays what is
 * durable.
 *
 * Recovery truncates a torn tail (a bad record with no valid record after it) and throws
 * `CorruptionError(file, offset)` for damage before the tail. When the file holds mostly
 * compacted garbage it is rewritten to a new file, synced and renamed over the old one.
 */
import { CorruptionError } from "../../storage/errors.js";
import { joinPath, type Vfs, type VfsFile } from "../../storage/vfs.js";
import { decodeRecord, encodeRecord, RECORD_HEADER_BYTES } from "../../storage/wal/record.js";
import { assert } from "../assert.js";
import { ByteReader, ByteWriter, readEntries, readHardState, readSnapshot, writeEntries, writeHardState, writeSnapshot } from "../codec.js";
import type { ConfState, Entry, HardState, Snapshot } from "../types.js";
import { MemoryStorage } from "./memory-storage.js";
import type { InitialState, RaftLogWriter, RaftStorage } from "./storage.js";

const RECORD_READY = 1;
const RECORD_SNAPSHOT = 2;
const FLAG_SNAPSHOT = 1;
const FLAG_HARD_STATE = 2;
const LOG_FILE = "raft.log";
const TMP_FILE = "raft.log.tmp";
/** Rewrite the file once it is this much larger than its live content (and over the floor). */
const REWRITE_RATIO = 4;
const REWRITE_FLOOR_BYTES = 8 * 1024 * 1024;

export interface DiskStorageOptions {
  /** Override the rewrite floor (tests use a small one). */
  readonly rewriteFloorBytes?: number;
}

export interface RecoveryReport {
  readonly records: number;
  readonly truncatedBytes: number;
}

export class DiskStorage implements RaftStorage, RaftLogWriter {
  private file: VfsFile;
  private readonly mem: MemoryStorage;
  private liveBytes: number;
  private failed: unknown = undefined;

  private constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    mem: MemoryStorage,
    private readonly rewriteFloorBytes: number,
    readonly recovery: RecoveryReport,
  ) {
    this.mem = mem;
    this.file = vfs.openAppend(joinPath(dir, LOG_FILE));
    this.liveBytes = this.file.sizeBytes();
  }

  /** Opens (creating if absent) the log in `dir` and replays it; see the file comment for recovery. */
  static open(vfs: Vfs, dir: string, options: DiskStorageOptions = {}): DiskStorage {
    vfs.mkdirp(dir);
    const filePath = joinPath(dir, LOG_FILE);
    if (vfs.exists(joinPath(dir, TMP_FILE))) vfs.remove(joinPath(dir, TMP_FILE));
    const mem = new MemoryStorage();
    const existed = vfs.exists(filePath);
    const recovery = existed ? replay(vfs, filePath, mem) : { records: 0, truncatedBytes: 0 };
    const storage = new DiskStorage(vfs, dir, mem, options.rewriteFloorBytes ?? REWRITE_FLOOR_BYTES, recovery);
    // A new file's name must be durable before anything synced into it can count as durable.
    if (!existed) vfs.syncDir(dir);
    return storage;
  }

  /**
   * Bootstraps an empty log with `snapshot` and `hardState` (a group's first members) and syncs.
   * NB: only for a fresh directory.
   */
  bootstrap(snapshot: Snapshot, hardState: HardState): void {
    assert(this.mem.lastIndex() === 0 && this.file.sizeBytes() === 0, "bootstrap of a non-empty raft log");
    this.save({ snapshot, entries: [], hardState });
    this.file.syncSync();
  }

  // ---- reads (RaftStorage) ----------------------------------------------------------------

  initialState(): InitialState {
    return this.mem.initialState();
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.mem.entries(lo, hi, maxBytes);
  }
  term(index: number): number {
    return this.mem.term(index);
  }
  firstIndex(): number {
    return this.mem.firstIndex();
  }
  lastIndex(): number {
    return this.mem.lastIndex();
  }
  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Appends one Ready's durable parts as a single record (to the OS; `sync()` makes it durable). */
  save(rd: { readonly hardState?: HardState | undefined; readonly entries: readonly Entry[]; readonly snapshot?: Snapshot | undefined }): void {
    if (rd.hardState === undefined && rd.entries.length === 0 && rd.snapshot === undefined) return;
    const w = new ByteWriter(256);
    w.u8((rd.snapshot !== undefined ? FLAG_SNAPSHOT : 0) | (rd.hardState !== undefined ? FLAG_HARD_STATE : 0));
    if (rd.snapshot !== undefined) writeSnapshot(w, rd.snapshot);
    writeEntries(w, rd.entries);
    if (rd.hardState !== undefined) writeHardState(w, rd.hardState);
    this.appendRecord(RECORD_READY, w.finish());
    if (rd.snapshot !== undefined) this.mem.applySnapshot(rd.snapshot);
    this.mem.append(rd.entries);
    if (rd.hardState !== undefined) this.mem.setHardState(rd.hardState);
  }

  append(entries: readonly Entry[]): void {
    this.save({ entries });
  }

  setHardState(hs: HardState): void {
    this.save({ entries: [], hardState: hs });
  }

  applySnapshot(snapshot: Snapshot): void {
    this.save({ entries: [], snapshot });
  }

  /** Records the application's snapshot at `index` (applied) and compacts the log behind it. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    const snap = this.mem.createSnapshot(index, confState, data);
    const w = new ByteWriter(data.length + 64);
    writeSnapshot(w, snap);
    this.appendRecord(RECORD_SNAPSHOT, w.finish());
    this.liveBytes = this.estimateLiveBytes();
    this.maybeRewrite();
    return snap;
  }

  /** Makes everything saved so far durable. */
  async sync(): Promise<void> {
    this.throwIfFailed();
    try {
      await this.file.sync();
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  /** `sync()` without waiting on the event loop, for single-threaded drivers such as the simulator. */
  syncSync(): void {
    this.throwIfFailed();
    try {
      this.file.syncSync();
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  close(): void {
    this.file.close();
  }

  private appendRecord(type: number, data: Uint8Array): void {
    this.throwIfFailed();
    try {
      this.file.append(encodeRecord(type, data));
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  private throwIfFailed(): void {
    if (this.failed !== undefined) throw new Error(`raft log ${this.dir} failed earlier and must be reopened`, { cause: this.failed });
  }

  private estimateLiveBytes(): number {
    let bytes = this.mem.snapshot().data.length + 64;
    const first = this.mem.firstIndex();
    const last = this.mem.lastIndex();
    if (last >= first) for (const e of this.mem.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) bytes += 16 + (e.kind === "normal" ? e.data.length : 8);
    return bytes;
  }

  /** Replaces the file with one holding only the live state: snapshot, entries and hard state. */
  private maybeRewrite(): void {
    const size = this.file.sizeBytes();
    if (size < this.rewriteFloorBytes || size < REWRITE_RATIO * this.liveBytes) return;
    const tmpPath = joinPath(this.dir, TMP_FILE);
    const tmp = this.vfs.create(tmpPath);
    const w = new ByteWriter(this.liveBytes + 64);
    w.u8(FLAG_SNAPSHOT | FLAG_HARD_STATE);
    writeSnapshot(w, this.mem.snapshot());
    const first = this.mem.firstIndex();
    writeEntries(w, this.mem.lastIndex() >= first ? this.mem.entries(first, this.mem.lastIndex() + 1, Number.MAX_SAFE_INTEGER) : []);
    writeHardState(w, this.mem.hardStateNow());
    tmp.append(encodeRecord(RECORD_READY, w.finish()));
    tmp.syncSync();
    tmp.close();
    // The new file holds everything saved so far, including records of the old file that were
    // not yet synced; it is synced before the rename, so nothing acknowledged can go missing.
    this.file.close();
    this.vfs.rename(tmpPath, joinPath(this.dir, LOG_FILE));
    this.vfs.syncDir(this.dir);
    this.file = this.vfs.openAppend(joinPath(this.dir, LOG_FILE));
  }
}

/** Replays every record into `mem`; truncates a torn tail, throws on mid-file damage. */
function replay(vfs: Vfs, filePath: string, mem: MemoryStorage): RecoveryReport {
  const size = vfs.sizeOf(filePath);
  const reader = vfs.openRead(filePath);
  const buf = size === 0 ? Buffer.alloc(0) : reader.read(0, size);
  reader.close();
  let offset = 0;
  let records = 0;
  while (offset < buf.length) {
    const r = decodeRecord(buf, offset);
    if (r.kind !== "record") {
      if (hasValidRecordAfter(buf, offset + 1)) {
        throw new CorruptionError(filePath, offset, r.kind === "corrupt" ? r.reason : "truncated record before valid data");
      }
      const f = vfs.openAppend(filePath);
      f.truncate(offset);
      f.syncSync();
      f.close();
      return { records, truncatedBytes: buf.length - offset };
    }
    try {
      applyRecord(mem, r.type, r.data);
    } catch (err) {
      // The checksum matched, so the record was written whole: this is not a torn tail.
      throw new CorruptionError(filePath, offset, `undecodable record: ${err instanceof Error ? err.message : String(err)}`);
    }
    records++;
    offset = r.nextOffset;
  }
  return { records, truncatedBytes: 0 };
}

function applyRecord(mem: MemoryStorage, type: number, data: Uint8Array): void {
  const r = new ByteReader(data);
  if (type === RECORD_SNAPSHOT) {
    const snap = readSnapshot(r);
    r.expectEnd();
    mem.createSnapshot(snap.meta.index, snap.meta.confState, snap.data);
    return;
  }
  if (type !== RECORD_READY) throw new Error(`unknown record type ${type}`);
  const flags = r.u8();
  if ((flags & FLAG_SNAPSHOT) !== 0) mem.applySnapshot(readSnapshot(r));
  mem.append(readEntries(r));
  if ((flags & FLAG_HARD_STATE) !== 0) mem.setHardState(readHardState(r));
  r.expectEnd();
}

/** Bound on the bytes checksummed while deciding whether a bad record is a torn tail. */
const TAIL_SCAN_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * True if a record with a valid checksum starts anywhere at or after `from`. NB: when the scan
 * budget runs out it answers true, so recovery refuses to discard data it could not judge.
 */
function hasValidRecordAfter(buf: Buffer, from: number): boolean {
  let budget = TAIL_SCAN_BUDGET_BYTES;
  for (let o = from; o + RECORD_HEADER_BYTES <= buf.length; o++) {
    const length = buf.readUInt32LE(o);
    if (o + RECORD_HEADER_BYTES + length > buf.length) continue;
    budget -= length + 1;
    if (budget < 0) return true;
    if (decodeRecord(buf, o).kind === "record") return true;
  }
  return false;
}
