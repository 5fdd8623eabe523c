import { SqlStateError } from "../common/sqlstate-error.js";
import type {
  IsolationLevel,
  KeyLockMode,
  KvCursor,
  KvScanOptions,
  KvTransaction,
  KvVectorSearchOptions,
  KvVectorSearchResult,
  TableLockMode,
  TxnState,
  VectorIndexSpec,
} from "../kv/kv.js";
import { copyPrefix, type StorageEngine } from "../storage/index.js";
import { InvalidTransactionState, ReadOnlyTransaction, SerializationFailure, TransactionAborted, TransactionTooLarge, TxnError } from "./errors.js";
import type { Timestamp } from "./hlc.js";
import type { LockManager, LockMode, LockTarget } from "./lock-manager.js";
import { MergeCursor, type CursorProgress } from "./mvcc-cursor.js";
import { encodeVersionValue, VersionTag } from "./mvcc-key.js";
import { readValue, versionSource, type VisibleVersion } from "./mvcc-read.js";
import { keyBytes, keyString, keySuccessor, ReadSet } from "./read-set.js";
import { checkVector, validateVectorIndexParams, vectorToBytes, type ValidVectorIndexParams } from "../vector/index.js";
import { searchVectors } from "./vector-search.js";

/** An uncommitted write, buffered in its transaction until commit. `value` undefined: delete. */
export interface PendingWrite {
  readonly key: Buffer;
  readonly value: Buffer | undefined;
  /** Set for `putVector`: the index the vector (the float bytes in `value`) belongs to. */
  readonly vector?: ValidVectorIndexParams;
  /** The version value to store (mvcc-key's encodeVersionValue of `value`), when made already. */
  readonly stored?: Buffer | undefined;
}

/** What a transaction needs from the store that runs it. */
export interface TxnHost {
  readonly engine: StorageEngine;
  readonly locks: LockManager;
  /** The newest timestamp at which every commit is applied: where new snapshots read. */
  readTimestamp(): Timestamp;
  /** Other transactions' uncommitted writes, for Read Uncommitted. */
  intentOf(key: string): PendingWrite | undefined;
  intentsInRange(start: Buffer | undefined, end: Buffer | undefined): PendingWrite[];
  /** Newest commit timestamp of a key if it is recent enough to matter to a live snapshot (see CommitLog). */
  newestCommitOf(key: string): Timestamp | undefined;
  /** What mvcc-read's readValue finds for `key` (`k`: its key string) at `readTs`, answered from memory when the store can. */
  readCommitted(key: Uint8Array, k: string, readTs: Timestamp): Buffer | undefined;
  commit(txn: Transaction): Promise<void>;
  prepare(txn: Transaction, gid: string): Promise<void>;
  /** Releases locks and intents and forgets the transaction. */
  finish(txn: Transaction): void;
  /** Counts a 40001 raised outside commit (first committer wins), for stats. */
  noteSerializationFailure(): void;
}

const RESOLVED: Promise<void> = Promise.resolve();
/** Every delete's version value (never written to: batches and the memtable copy it). */
const TOMBSTONE_VALUE = encodeVersionValue(undefined);
const NO_WRITES: ReadonlyMap<string, PendingWrite> = new Map();
const NO_KEY_LOCKS: ReadonlyMap<string, KeyLockMode> = new Map();
const NO_TABLE_LOCKS: ReadonlyMap<string, readonly TableLockMode[]> = new Map();

interface Savepoint {
  readonly name: string;
  readonly undo: Map<string, PendingWrite | undefined>;
  readonly writeBytes: number;
}

/** The savepoints of a transaction that has set none (most): never added to, so shared. */
const NO_SAVEPOINTS: Savepoint[] = [];

/** Levels that read one snapshot for the whole transaction and refuse lost updates. */
function snapshotLevel(iso: IsolationLevel): boolean {
  return iso === "repeatable-read" || iso === "snapshot" || iso === "serializable";
}

/**
 * One transaction. Writes are buffered here (Read Uncommitted readers look them up) under
 * exclusive key locks, so no two transactions ever write one key at once; they
 * reach storage in one atomic batch at commit. Reads see the transaction's own writes over the
 * snapshot at `readTs`.
 */
export class Transaction implements KvTransaction {
  state: TxnState = "active";
  readTs: Timestamp;
  /**
   * The storage sequence number applied when a snapshot was last taken: everything it can see is
   * at or below it. Commits become visible before they are durable, so the transaction is
   * acknowledged (committed or rolled back) only once this is durable too.
   */
  seenSeq: number;
  /** Buffered writes by key string; made at the first write, as are the lock maps (most transactions only read). */
  private ownWrites: Map<string, PendingWrite> | undefined;
  /** Serializable only: what it read, validated at commit. */
  readonly reads: ReadSet | undefined;
  private ownKeyLocks: Map<string, KeyLockMode> | undefined;
  private ownTableLocks: Map<string, TableLockMode[]> | undefined;
  /** Where the store keeps it among its active transactions (-1: not there); the store's to set. */
  activeAt = -1;
  /** Open cursors (made at the first scan: most transactions of point reads never scan). */
  private cursors: Set<MergeCursor> | undefined;
  private abortReason: string | undefined;
  /** Bytes of buffered keys and values, held against maxWriteBytes. */
  private writeBytes = 0;
  /**
   * Open savepoints, oldest first. Each keeps an undo log: the write each key had when it was
   * first written after the savepoint (undefined: none), so rolling back costs only what changed.
   */
  private savepoints: Savepoint[] = NO_SAVEPOINTS;

  constructor(
    private readonly host: TxnHost,
    readonly id: string,
    readonly isolation: IsolationLevel,
    readonly readOnly: boolean,
    readonly lockTimeoutMs: number | undefined,
    private readonly maxWriteBytes: number,
    maxReadSetBytes: number,
  ) {
    this.readTs = host.readTimestamp();
    this.seenSeq = host.engine.lastSequence;
    this.reads = isolation === "serializable" && !readOnly ? new ReadSet(maxReadSetBytes) : undefined;
  }

  get writes(): ReadonlyMap<string, PendingWrite> {
    return this.ownWrites ?? NO_WRITES;
  }

  /**
   * Key locks held besides those of its writes: a key it has written is locked exclusively, and
   * is not listed here again (a map per writing transaction fewer).
   */
  get keyLocks(): ReadonlyMap<string, KeyLockMode> {
    return this.ownKeyLocks ?? NO_KEY_LOCKS;
  }

  /** Every table mode asked for (the lock manager holds their combination). */
  get tableLocks(): ReadonlyMap<string, readonly TableLockMode[]> {
    return this.ownTableLocks ?? NO_TABLE_LOCKS;
  }

  beginStatement(): void {
    if (this.state !== "active") return;
    if (this.isolation === "read-committed" || this.isolation === "read-uncommitted") {
      this.readTs = this.host.readTimestamp();
      this.seenSeq = this.host.engine.lastSequence;
    }
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    // Not async: a read is answered at once, and an async frame per read showed in profiles.
    try {
      return Promise.resolve(this.getNow(key));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private getNow(key: Uint8Array): Uint8Array | undefined {
    this.checkActive();
    const k = keyString(key);
    const own = this.writes.get(k);
    if (own) return own.value;
    this.reads?.addKey(k);
    if (this.isolation === "read-uncommitted") {
      const dirty = this.host.intentOf(k);
      if (dirty) return dirty.value;
      return readValue(this.host.engine, key, this.host.readTimestamp());
    }
    return this.host.readCommitted(key, k, this.readTs);
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    // The copy is made as the version value stored at commit (a tag byte, then the bytes), which
    // the write's value is a view of: commit then writes it as it is instead of copying it again.
    const stored = Buffer.allocUnsafe(1 + value.length);
    stored[0] = VersionTag.Value;
    stored.set(value, 1);
    return this.write(key, stored.subarray(1), undefined, stored);
  }

  delete(key: Uint8Array): Promise<void> {
    return this.write(key, undefined, undefined, TOMBSTONE_VALUE);
  }

  async putVector(key: Uint8Array, index: VectorIndexSpec, vector: Float32Array): Promise<void> {
    this.checkActive();
    const params = validateVectorIndexParams(index);
    checkVector(vector, params.dims);
    await this.write(key, vectorToBytes(vector), params, undefined);
  }

  async vectorSearch(options: KvVectorSearchOptions): Promise<KvVectorSearchResult> {
    this.checkActive();
    const ru = this.isolation === "read-uncommitted";
    const start = options.range?.start ? Buffer.from(options.range.start) : undefined;
    const end = options.range?.end ? Buffer.from(options.range.end) : undefined;
    const overlay = ru ? this.dirtyOverlay(start, end) : this.writes;
    const result = searchVectors({ engine: this.host.engine, readTs: ru ? this.host.readTimestamp() : this.readTs, overlay }, options);
    // Whichever entries of the range the answer rests on, a later write anywhere in it could
    // change it: the whole range is read.
    this.reads?.addRange({ start: start ? keyString(start) : "", end: end ? keyString(end) : undefined });
    return result;
  }

  /** Read Uncommitted: others' uncommitted writes in range, own writes winning. */
  private dirtyOverlay(start: Buffer | undefined, end: Buffer | undefined): Map<string, PendingWrite> {
    const overlay = new Map<string, PendingWrite>();
    for (const w of this.host.intentsInRange(start, end)) overlay.set(keyString(w.key), w);
    for (const [k, w] of this.writes) overlay.set(k, w);
    return overlay;
  }

  /**
   * Not async: a write whose lock is granted at once (nearly every one) is buffered and answered
   * without an async frame of its own. Errors still come back as rejections.
   */
  private write(key: Uint8Array, value: Buffer | undefined, vector: ValidVectorIndexParams | undefined, stored: Buffer | undefined): Promise<void> {
    try {
      this.checkActive();
      if (this.readOnly) throw new ReadOnlyTransaction();
      const k = keyString(key);
      if (this.ownWrites?.has(k) !== true && this.keyLocks.get(k) !== "exclusive") {
        // Granted at once: the write about to be buffered records the lock.
        if (this.host.locks.tryAcquireKey(this.id, k, "exclusive")) this.checkFirstCommitter(k);
        else return this.writeAfterLock(key, k, value, vector, stored);
      }
      this.buffer(key, k, value, vector, stored);
      return RESOLVED;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async writeAfterLock(key: Uint8Array, k: string, value: Buffer | undefined, vector: ValidVectorIndexParams | undefined, stored: Buffer | undefined): Promise<void> {
    await this.lockKeyInternal(key, k, "exclusive");
    this.buffer(key, k, value, vector, stored);
  }

  /** Records the write of `key` (`k`: its key string), its exclusive lock held. */
  private buffer(key: Uint8Array, k: string, value: Buffer | undefined, vector: ValidVectorIndexParams | undefined, stored: Buffer | undefined): void {
    const previous = this.writes.get(k);
    const bytes = this.writeBytes - (previous ? previous.key.length + (previous.value?.length ?? 0) : 0) + key.length + (value?.length ?? 0);
    if (bytes > this.maxWriteBytes) {
      this.abort("write set over its memory budget");
      throw new TransactionTooLarge(this.maxWriteBytes);
    }
    this.writeBytes = bytes;
    const top = this.savepoints[this.savepoints.length - 1];
    if (top && !top.undo.has(k)) top.undo.set(k, previous);
    // Not Buffer.from(key): its checks cost more than a loop copy of a short key (~200 against ~60 ns).
    const copy = Buffer.allocUnsafe(key.length);
    copyPrefix(key, copy, key.length);
    const w: PendingWrite = vector === undefined ? { key: copy, value, stored } : { key: copy, value, vector };
    (this.ownWrites ??= new Map()).set(k, w);
  }

  savepoint(name: string): void {
    this.checkActive();
    if (this.savepoints === NO_SAVEPOINTS) this.savepoints = [];
    this.savepoints.push({ name, undo: new Map(), writeBytes: this.writeBytes });
  }

  private findSavepoint(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i]!.name === name) return i;
    throw new SqlStateError(`savepoint "${name}" does not exist`, "3B001");
  }

  releaseSavepoint(name: string): void {
    this.checkActive();
    const i = this.findSavepoint(name);
    // The undo entries move to the enclosing savepoint, where they record the older state.
    const below = this.savepoints[i - 1];
    if (below) {
      for (const sp of this.savepoints.slice(i)) for (const [k, w] of sp.undo) if (!below.undo.has(k)) below.undo.set(k, w);
    }
    this.savepoints.length = i;
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    this.checkActive();
    const i = this.findSavepoint(name);
    for (let j = this.savepoints.length - 1; j >= i; j--) {
      for (const [k, w] of this.savepoints[j]!.undo) {
        if (w) (this.ownWrites ??= new Map()).set(k, w);
        else if (this.ownWrites?.delete(k) === true) {
          // Its write is undone, not its lock: the lock is listed on its own now.
          (this.ownKeyLocks ??= new Map()).set(k, "exclusive");
        }
      }
    }
    const target = this.savepoints[i]!;
    this.writeBytes = target.writeBytes;
    target.undo.clear();
    this.savepoints.length = i + 1;
  }

  scan(options: KvScanOptions = {}): KvCursor {
    this.checkActive();
    const reverse = options.reverse ?? false;
    const start = options.start ? Buffer.from(options.start) : undefined;
    const end = options.end ? Buffer.from(options.end) : undefined;
    const ru = this.isolation === "read-uncommitted";
    const readTs = ru ? this.host.readTimestamp() : this.readTs;
    const overlay = this.overlayIn(start, end, reverse, ru);
    const cursor: MergeCursor = new MergeCursor(versionSource(this.host.engine, readTs, { start, end, reverse }), overlay, {
      reverse,
      limit: options.limit ?? Infinity,
      checkOpen: () => this.checkActive(),
      onClose: (p) => {
        this.cursors?.delete(cursor);
        this.recordRange(start, end, reverse, p);
      },
    });
    (this.cursors ??= new Set()).add(cursor);
    return cursor;
  }

  /** Own writes (and for Read Uncommitted others' intents, own winning) within the range, in scan order. */
  private overlayIn(start: Buffer | undefined, end: Buffer | undefined, reverse: boolean, dirty: boolean): VisibleVersion[] {
    const byKey = new Map<string, VisibleVersion>();
    if (dirty) for (const w of this.host.intentsInRange(start, end)) byKey.set(keyString(w.key), w);
    for (const [k, w] of this.writes) {
      if (start && Buffer.compare(w.key, start) < 0) continue;
      if (end && Buffer.compare(w.key, end) >= 0) continue;
      byKey.set(k, w);
    }
    const out = [...byKey.values()].sort((a, b) => Buffer.compare(a.key, b.key));
    return reverse ? out.reverse() : out;
  }

  private recordRange(start: Buffer | undefined, end: Buffer | undefined, reverse: boolean, p: CursorProgress): void {
    if (!this.reads) return;
    const s = start ? keyString(start) : "";
    const e = end ? keyString(end) : undefined;
    if (p.exhausted) this.reads.addRange({ start: s, end: e });
    else if (p.lastKey !== undefined) {
      const last = keyString(p.lastKey);
      this.reads.addRange(reverse ? { start: last, end: e } : { start: s, end: keySuccessor(last) });
    }
  }

  async lockKey(key: Uint8Array, mode: KeyLockMode): Promise<void> {
    this.checkActive();
    const k = keyString(key);
    const held = this.keyLocks.get(k);
    if (held === "exclusive" || held === mode || this.ownWrites?.has(k) === true) return;
    await this.lockKeyInternal(key, k, mode);
  }

  tryLockKey(key: Uint8Array, mode: KeyLockMode): boolean {
    this.checkActive();
    const k = keyString(key);
    const held = this.keyLocks.get(k);
    if (held === "exclusive" || held === mode || this.ownWrites?.has(k) === true) return true;
    if (!this.host.locks.tryAcquire(this.id, { kind: "key", key, keyId: k }, mode)) return false;
    this.keyLocked(k, mode);
    return true;
  }

  private async lockKeyInternal(key: Uint8Array, k: string, mode: KeyLockMode): Promise<void> {
    await this.acquire({ kind: "key", key, keyId: k }, mode);
    this.keyLocked(k, mode);
  }

  /** Records a granted key lock and applies first-committer-wins. */
  private keyLocked(k: string, mode: KeyLockMode): void {
    (this.ownKeyLocks ??= new Map()).set(k, mode);
    this.checkFirstCommitter(k);
  }

  private checkFirstCommitter(k: string): void {
    // Once locked, nobody else can commit a new version of the key until this transaction ends,
    // so one check here stands for the whole transaction: a snapshot-level transaction may not
    // write (or lock) a key that changed after its snapshot (first committer wins).
    if (snapshotLevel(this.isolation)) {
      const newest = this.host.newestCommitOf(k);
      if (newest !== undefined && newest > this.readTs) {
        this.host.noteSerializationFailure();
        this.abort("concurrent update");
        throw new SerializationFailure(`concurrent update of key ${keyBytes(k).toString("hex")}`);
      }
    }
  }

  lockTable(table: string, mode: TableLockMode): Promise<void> {
    // Not async: a lock granted at once (nearly always) costs no promise of its own. Errors still
    // come back as rejections.
    try {
      this.checkActive();
      if (this.ownTableLocks?.get(table)?.includes(mode)) return RESOLVED;
      const target: LockTarget = { kind: "table", table };
      if (this.host.locks.tryAcquire(this.id, target, mode)) {
        this.heldTable(table, mode);
        return RESOLVED;
      }
      return this.acquire(target, mode).then(() => this.heldTable(table, mode));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private heldTable(table: string, mode: TableLockMode): void {
    const locks = (this.ownTableLocks ??= new Map());
    const modes = locks.get(table);
    if (!modes) locks.set(table, [mode]);
    else if (!modes.includes(mode)) modes.push(mode);
  }

  private async acquire(target: LockTarget, mode: LockMode): Promise<void> {
    if (this.host.locks.tryAcquire(this.id, target, mode)) return;
    try {
      await this.host.locks.acquire(this.id, target, mode, this.lockTimeoutMs === undefined ? undefined : { timeoutMs: this.lockTimeoutMs });
    } catch (e) {
      // A failed lock wait (deadlock victim, timeout) fails the transaction, as in PostgreSQL;
      // releasing its locks at once lets the others in the cycle go on.
      if (e instanceof TxnError) this.abort(e.message);
      throw e;
    }
    if (this.state !== "active") throw new TransactionAborted(this.id, this.abortReason ?? "ended while waiting for a lock");
  }

  commit(): Promise<void> {
    try {
      this.checkActive();
      this.closeCursors();
      return this.host.commit(this);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async rollback(): Promise<void> {
    if (this.state === "committed") throw new InvalidTransactionState(`transaction ${this.id} is already committed`);
    if (this.state === "prepared") throw new InvalidTransactionState(`transaction ${this.id} is prepared; use ROLLBACK PREPARED`);
    // What it read may be commits not yet durable, and the client may have acted on it: the
    // rollback, also of a transaction an error already ended, is acknowledged once they are.
    if (this.state !== "aborted") this.abort("rolled back");
    await this.host.engine.whenDurable(this.seenSeq);
  }

  async prepare(gid: string): Promise<void> {
    this.checkActive();
    this.closeCursors();
    await this.host.prepare(this, gid);
  }

  private closeCursors(): void {
    if (this.cursors === undefined || this.cursors.size === 0) return;
    for (const c of [...this.cursors]) c.close();
  }

  /** Ends the transaction as aborted and releases everything it holds. */
  abort(reason: string): void {
    if (this.state !== "active") return;
    this.state = "aborted";
    this.abortReason = reason;
    this.closeCursors();
    this.host.finish(this);
  }

  checkActive(): void {
    if (this.state === "active") return;
    if (this.state === "aborted") throw new TransactionAborted(this.id, this.abortReason ?? "aborted");
    throw new InvalidTransactionState(`transaction ${this.id} is ${this.state}`);
  }
}
