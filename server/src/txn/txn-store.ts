import { randomBytes } from "node:crypto";
import { SqlStateError } from "../common/sqlstate-error.js";
import type { BeginOptions, KvRange, KvStore, PreparedTransactionInfo } from "../kv/kv.js";
import type { StorageConfigInput } from "../config/index.js";
import { StorageEngine, WriteBatch, type BackgroundWorkers, type Vfs } from "../storage/index.js";
import { CommitLog } from "./commit-log.js";
import { DuplicatePreparedTransaction, InvalidTransactionState, SerializationFailure, UndefinedPreparedTransaction } from "./errors.js";
import { mvccGcFilterFactory } from "./gc-filter.js";
import { InFlightCommits } from "./in-flight.js";
import { NewestValues } from "./newest-values.js";
import { HybridLogicalClock, LOGICAL_BITS, type PhysicalClock, type Timestamp } from "./hlc.js";
import { LockManager } from "./lock-manager.js";
import { DATA_END, DATA_START, encodeKeyBound, encodeVersionKey, encodeVersionValue, SYSTEM_PREFIX, systemKey, versionKeyBounds, versionKeyLogicalLength, versionKeyLogicalLengthModule } from "./mvcc-key.js";
import { readValue } from "./mvcc-read.js";
import { encodeVectorVersionValue, mvccVectorEntryOf, mvccVectorEntryOfModule } from "./mvcc-vector.js";
import { decodePreparedRecord, encodePreparedRecord, type PreparedRecord } from "./prepared-record.js";
import { keyBytes, keyString } from "./read-set.js";
import { Transaction, type PendingWrite, type TxnHost } from "./transaction.js";

export interface TxnStoreOptions {
  /** Storage settings (snake_case keys, see docs/ARCHITECTURE.md). */
  readonly storage?: StorageConfigInput;
  readonly vfs?: Vfs;
  /** Wall clock for commit timestamps (tests inject one). */
  readonly clock?: PhysicalClock;
  /** Default lock wait limit in milliseconds; undefined waits until granted or a deadlock is found. */
  readonly lockTimeoutMs?: number;
  /**
   * Memory budget of one transaction's buffered writes (keys and values), default 256 MiB:
   * writes are held in memory until commit, so a bigger transaction fails with 54000.
   */
  readonly maxTransactionWriteBytes?: number;
  /**
   * Memory budget of a serializable transaction's record of what it read, default 64 MiB; past it
   * the record folds into one covering range (more conflicts possible, never fewer).
   */
  readonly maxTransactionReadSetBytes?: number;
  /**
   * Keys whose newest committed value is kept in memory for reads at new snapshots (see
   * newest-values.ts), default 4096; 0 turns the cache off.
   */
  readonly newestValueEntries?: number;
  /** Skiplist seed for deterministic tests. */
  readonly seed?: number;
  readonly backgroundWork?: boolean;
  /** Where flushes and compactions build tables (see EngineOptions.backgroundWorkers). */
  readonly backgroundWorkers?: BackgroundWorkers | false;
}

export interface TxnStoreStats {
  readonly active: number;
  readonly prepared: number;
  readonly commits: number;
  readonly aborts: number;
  readonly serializationFailures: number;
  readonly commitLogEntries: number;
  /** Reads answered by the newest-values cache, reads that went to storage, and the keys it holds. */
  readonly newestValueHits: number;
  readonly newestValueMisses: number;
  readonly newestValueEntries: number;
  readonly readTimestamp: Timestamp;
  readonly gcHorizon: Timestamp;
}

const HLC_KEY = systemKey("hlc");
/** How far ahead of use the clock record is persisted: one second of hybrid-clock time. */
const HLC_LEASE = 1000 * 2 ** LOGICAL_BITS;
const PREPARED_PREFIX = "prep/";
const preparedKey = (gid: string) => systemKey(PREPARED_PREFIX + gid);
const MAX_GID_LENGTH = 200;
const DEFAULT_MAX_TRANSACTION_WRITE_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_READ_SET_BYTES = 64 * 1024 * 1024;
/** Most commits between two prunings of the commit log (a bound on what it keeps beyond the horizon). */
const COMMITS_PER_PRUNE = 16;
/** Active transactions a pruning may look at per commit since the last one, amortised. */
const PRUNE_ACTIVE_PER_COMMIT = 4;

interface PreparedEntry {
  readonly record: PreparedRecord;
  /**
   * `preparing` while its record is being written (the gid is taken, but it cannot be listed or
   * finished yet); `finishing` while COMMIT/ROLLBACK PREPARED is writing, so a second is refused.
   */
  phase: "preparing" | "prepared" | "finishing";
}

/**
 * The single-node `kv` store: MVCC transactions over the storage engine.
 *
 * Timestamps come from a hybrid logical clock; a commit takes its timestamp, is appended to the
 * commit log (for serializable validation) and written as one atomic, durable batch of versions.
 * New snapshots read at the watermark below the oldest commit still being written, so a snapshot
 * never misses a commit older than itself.
 */
export class TxnStore implements KvStore, TxnHost {
  readonly locks: LockManager;
  private readonly hlc: HybridLogicalClock;
  private readonly commitLog = new CommitLog();
  private readonly newest: NewestValues;
  /** Active transactions, each at its `activeAt` (an array: a map churned by every begin and end showed in profiles). */
  private readonly active: Transaction[] = [];
  private readonly prepared = new Map<string, PreparedEntry>();
  /** Commit timestamps assigned whose batch is not yet applied. */
  private readonly inFlight = new InFlightCommits();
  private readonly bootId = randomBytes(4).toString("hex");
  private nextTxn = 1;
  /** Commit timestamps below this are covered by the persisted clock record. */
  private hlcCeiling: Timestamp = 0;
  private counters = { commits: 0, aborts: 0, serializationFailures: 0 };
  private commitsSincePrune = 0;
  private closed = false;

  private constructor(
    readonly engine: StorageEngine,
    private readonly options: TxnStoreOptions,
  ) {
    this.hlc = new HybridLogicalClock(options.clock);
    this.locks = new LockManager();
    this.newest = new NewestValues(options.newestValueEntries);
  }

  static async open(dir: string, options: TxnStoreOptions = {}): Promise<TxnStore> {
    const ref: { store?: TxnStore } = {};
    const engine = await StorageEngine.open(dir, {
      ...(options.storage && { config: options.storage }),
      ...(options.vfs && { vfs: options.vfs }),
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.backgroundWork !== undefined && { backgroundWork: options.backgroundWork }),
      ...(options.backgroundWorkers !== undefined && { backgroundWorkers: options.backgroundWorkers }),
      // Until recovery finishes nothing reads, but compaction may already run: keep everything.
      compactionFilter: mvccGcFilterFactory(() => ref.store?.gcHorizon() ?? 0),
      logicalKeyBounds: versionKeyBounds,
      logicalKeyLength: versionKeyLogicalLength,
      logicalKeyLengthModule: versionKeyLogicalLengthModule,
      newestFirstWithinLogicalKey: true,
      vectorEntryOf: mvccVectorEntryOf,
      vectorEntryOfModule: mvccVectorEntryOfModule,
    });
    const s = new TxnStore(engine, options);
    try {
      s.recover();
    } catch (e) {
      await engine.close();
      throw e;
    }
    ref.store = s;
    return s;
  }

  private recover(): void {
    const hlc = this.engine.get(HLC_KEY);
    if (hlc) {
      const ceiling = Number(hlc.toString("latin1"));
      if (!Number.isSafeInteger(ceiling) || ceiling < 0) throw new SqlStateError(`corrupt clock record: ${JSON.stringify(hlc.toString("latin1"))}`, "XX001");
      this.hlc.observe(ceiling);
      this.hlcCeiling = ceiling;
    }
    const start = systemKey(PREPARED_PREFIX);
    const end = systemKey(PREPARED_PREFIX.slice(0, -1) + String.fromCharCode(PREPARED_PREFIX.charCodeAt(PREPARED_PREFIX.length - 1) + 1));
    for (const [, v] of this.engine.scan({ start, end })) {
      const record = decodePreparedRecord(v);
      this.restoreLocks(record);
      this.prepared.set(record.gid, { record, phase: "prepared" });
    }
  }

  /** A prepared transaction holds after a restart exactly what it held before. */
  private restoreLocks(r: PreparedRecord): void {
    const take = (ok: boolean, what: string) => {
      if (!ok) throw new Error(`prepared transaction ${r.gid}: could not restore ${what} (conflicting prepared transactions)`);
    };
    for (const w of r.writes) {
      take(this.locks.tryAcquire(r.txnId, { kind: "key", key: w.key }, "exclusive"), "a write lock");
    }
    for (const l of r.keyLocks) take(this.locks.tryAcquire(r.txnId, { kind: "key", key: l.key }, l.mode), "a row lock");
    for (const l of r.tableLocks) take(this.locks.tryAcquire(r.txnId, { kind: "table", table: l.table }, l.mode), "a table lock");
    for (const l of r.rangeLocks) {
      take(this.locks.tryAcquire(r.txnId, { kind: "range", start: l.start, ...(l.end && { end: l.end }) }, "shared"), "a read lock");
    }
  }

  begin(options: BeginOptions = {}): Promise<Transaction> {
    // Not async (nothing here waits): one promise per transaction rather than an async frame.
    try {
      return Promise.resolve(this.beginNow(options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private beginNow(options: BeginOptions): Transaction {
    this.checkOpen();
    const lockTimeoutMs = options.lockTimeoutMs ?? this.options.lockTimeoutMs;
    const txn = new Transaction(
      this,
      `${this.bootId}-${this.nextTxn++}`,
      options.isolation ?? "snapshot",
      options.readOnly ?? false,
      lockTimeoutMs,
      this.options.maxTransactionWriteBytes ?? DEFAULT_MAX_TRANSACTION_WRITE_BYTES,
      this.options.maxTransactionReadSetBytes ?? DEFAULT_MAX_READ_SET_BYTES,
    );
    txn.activeAt = this.active.length;
    this.active.push(txn);
    return txn;
  }

  readTimestamp(): Timestamp {
    const oldest = this.inFlight.oldest();
    return oldest === undefined ? this.hlc.latest() : oldest - 1;
  }

  /** The oldest timestamp a live or future snapshot may read at (see gc-filter.ts). */
  gcHorizon(): Timestamp {
    let h = this.readTimestamp();
    for (const t of this.active) if (t.isolation !== "read-uncommitted" && t.readTs < h) h = t.readTs;
    return h;
  }

  /** The oldest snapshot that still checks conflicts against the commit log (Repeatable Read and up). */
  private conflictHorizon(): Timestamp {
    let h = this.readTimestamp();
    for (const t of this.active) {
      if (t.readTs < h && t.isolation !== "read-committed" && t.isolation !== "read-uncommitted") h = t.readTs;
    }
    return h;
  }

  /**
   * Read Uncommitted's view of other transactions' writes. Looked up on demand in the active and
   * prepared transactions (one writer per key at a time, by its exclusive lock) so that the other
   * levels pay nothing for it; costs a pass over them per read.
   */
  intentOf(key: string): PendingWrite | undefined {
    for (const t of this.active) {
      const w = t.writes.get(key);
      if (w) return w;
    }
    for (const { record } of this.prepared.values()) {
      for (const w of record.writes) if (keyString(w.key) === key) return w;
    }
    return undefined;
  }

  intentsInRange(start: Buffer | undefined, end: Buffer | undefined): PendingWrite[] {
    const inRange = (w: PendingWrite) => (!start || Buffer.compare(w.key, start) >= 0) && (!end || Buffer.compare(w.key, end) < 0);
    const out: PendingWrite[] = [];
    for (const t of this.active) for (const w of t.writes.values()) if (inRange(w)) out.push(w);
    for (const { record } of this.prepared.values()) for (const w of record.writes) if (inRange(w)) out.push(w);
    return out;
  }

  newestCommitOf(key: string): Timestamp | undefined {
    return this.commitLog.newestCommitOf(key);
  }

  readCommitted(key: Uint8Array, k: string, readTs: Timestamp): Buffer | undefined {
    // After a WAL failure the cache may hold commits that never became durable.
    if (this.engine.failed) return readValue(this.engine, key, readTs);
    const known = this.newest.lookup(k, readTs);
    if (known !== undefined) return known.value === undefined ? undefined : Buffer.from(known.value);
    const value = readValue(this.engine, key, readTs);
    // In the same synchronous step as the read: no commit can be given a timestamp in between.
    if (this.newest.admit(key, k) && this.commitLog.completeAbove(readTs) && (this.commitLog.newestCommitOf(k) ?? readTs) <= readTs) this.newest.remember(k, value, readTs);
    return value;
  }

  commit(txn: Transaction): Promise<void> {
    if (txn.writes.size > 0) return this.commitWrites(txn);
    // Nothing written: nothing to wait for but what it read (no async frame for the commonest commit).
    txn.state = "committed";
    this.finish(txn);
    this.counters.commits++;
    return this.engine.whenDurable(txn.seenSeq);
  }

  /**
   * Commits with early lock release: the versions are applied and the locks released as soon as
   * the batch is in the engine, and the commit is acknowledged once the batch is durable. A
   * transaction that reads or overwrites them meanwhile is acknowledged only after they are
   * durable (its own batch comes later in the WAL, or it waits for its seenSeq), so no client
   * learns of a commit a crash could lose. The lock is not held through the fsync, so
   * transactions that update the same row commit in one group instead of one per fsync.
   *
   * Not async: the batch is made and the timestamp taken synchronously, and the engine's
   * promises are chained rather than awaited in an async frame of its own (a frame and its
   * promises per commit showed in allocation profiles).
   */
  private commitWrites(txn: Transaction): Promise<void> {
    let batch: WriteBatch;
    let ts: Timestamp;
    try {
      this.validateReads(txn);
      batch = new WriteBatch();
      try {
        ts = this.stampCommit(txn.id, txn.writes.values(), [...txn.writes.keys()], undefined, batch);
      } catch (e) {
        txn.abort(`commit failed: ${(e as Error).message}`);
        throw e;
      }
    } catch (e) {
      return Promise.reject(e);
    }
    let applied: number | Promise<number>;
    try {
      applied = this.engine.writeVisible(batch);
    } catch (e) {
      return Promise.reject(this.commitFailed(txn, ts, e));
    }
    if (typeof applied === "number") return this.committed(txn, ts, applied);
    return applied.then(
      (seq) => this.committed(txn, ts, seq),
      (e: unknown) => {
        throw this.commitFailed(txn, ts, e);
      },
    );
  }

  /** The commit's batch is applied: it is visible and its locks go; the acknowledgement waits for durability. */
  private committed(txn: Transaction, ts: Timestamp, seq: number): Promise<void> {
    this.commitWritten(ts);
    txn.state = "committed";
    this.finish(txn);
    this.counters.commits++;
    // If this fails the WAL failed: the engine refuses every later write and reads go back to
    // what is durable, so nothing built on this commit is acknowledged either.
    return this.engine.whenDurable(seq);
  }

  /** The engine refused the commit's batch: nothing of it is visible. */
  private commitFailed(txn: Transaction, ts: Timestamp, e: unknown): unknown {
    this.inFlight.finish(ts);
    txn.abort(`commit failed: ${(e as Error).message}`);
    return e;
  }

  /** Serializable validation (see CommitLog): fails and aborts `txn` if a later commit wrote what it read. */
  private validateReads(txn: Transaction): void {
    if (!txn.reads) return;
    const conflict = this.commitLog.findConflict(txn.readTs, txn.reads, txn.id);
    if (!conflict) return;
    this.counters.serializationFailures++;
    txn.abort("serialization failure");
    throw new SerializationFailure(
      `read/write dependencies among transactions: key ${keyBytes(conflict.key).toString("hex")} read by ${txn.id} was written by ${conflict.txnId}, which committed first`,
    );
  }

  /**
   * Takes a commit timestamp, records the write set (`keys`: the writes' key strings) for
   * validators, and puts the versions into `batch`, whose write the caller awaits and then reports
   * with commitWritten(ts) (and with inFlight.finish(ts) alone if it fails). Timestamp assignment
   * and the commit-log append happen in one synchronous step, so the log stays ordered and
   * validation (which runs just before, synchronously) cannot miss a concurrent commit.
   */
  private stampCommit(txnId: string, writes: Iterable<PendingWrite>, keys: readonly string[], preparedGid: string | undefined, batch: WriteBatch): Timestamp {
    const ts = this.hlc.now();
    for (const w of writes) batch.put(encodeVersionKey(w.key, ts), w.stored ?? (w.vector && w.value ? encodeVectorVersionValue(w.vector, w.value) : encodeVersionValue(w.value)));
    // The clock's high-water mark is a lease: persisted ahead of use, in the batch of the first
    // commit that passes the last one, so most commits write nothing for it. The engine applies
    // batches in call order, so no later commit is durable without this record.
    const ceiling = ts >= this.hlcCeiling ? ts + HLC_LEASE : undefined;
    if (ceiling !== undefined) batch.put(HLC_KEY, Buffer.from(String(ceiling), "latin1"));
    if (preparedGid !== undefined) batch.delete(preparedKey(preparedGid));
    // A batch too big for the WAL fails here (54000), before the commit log or the lease count it
    // as written: the engine refuses it without failing, and this transaction alone aborts.
    this.engine.checkBatchSize(batch);
    if (ceiling !== undefined) this.hlcCeiling = ceiling;
    this.commitLog.append({ txnId, commitTs: ts, keys });
    this.newest.forget(keys);
    this.inFlight.add(ts);
    return ts;
  }

  /** The batch of the commit at `ts` is written (see stampCommit). */
  private commitWritten(ts: Timestamp): void {
    this.inFlight.finish(ts);
    // Pruning looks at every active transaction, so with many of them it runs every few commits
    // (entries kept a little longer are at or below every snapshot that checks conflicts, so they
    // change nothing). With few it runs at every commit: what the log keeps stays young garbage.
    // Keys kept for 16 commits made scavenges promote 2.5 times as much (~190 KB instead of
    // ~75 KB each, at one committer), most of it the transactions' own short-lived objects.
    const since = ++this.commitsSincePrune;
    if (since >= COMMITS_PER_PRUNE || since * PRUNE_ACTIVE_PER_COMMIT >= this.active.length) {
      this.commitsSincePrune = 0;
      this.commitLog.prune(this.conflictHorizon());
    }
  }

  async prepare(txn: Transaction, gid: string): Promise<void> {
    if (gid.length === 0 || gid.length > MAX_GID_LENGTH) {
      throw new InvalidTransactionState(`transaction identifier must be 1 to ${MAX_GID_LENGTH} characters`);
    }
    if (this.prepared.has(gid) || this.engine.get(preparedKey(gid))) throw new DuplicatePreparedTransaction(gid);
    const rangeLocks: { start: Buffer; end: Buffer | undefined }[] = [];
    const readKeyLocks: Buffer[] = [];
    if (txn.reads) {
      // From here until it finishes, what it read must not change: share-lock it (writers of
      // those keys wait), then validate what changed before the locks were granted.
      for (const k of txn.reads.keys) if (!txn.writes.has(k) && txn.keyLocks.get(k) === undefined) readKeyLocks.push(keyBytes(k));
      for (const r of txn.reads.ranges) rangeLocks.push({ start: keyBytes(r.start), end: r.end === undefined ? undefined : keyBytes(r.end) });
      try {
        for (const key of readKeyLocks) await this.locks.acquire(txn.id, { kind: "key", key }, "shared", lockOptions(txn));
        for (const r of rangeLocks) await this.locks.acquire(txn.id, { kind: "range", start: r.start, ...(r.end && { end: r.end }) }, "shared", lockOptions(txn));
      } catch (e) {
        txn.abort(`prepare failed: ${(e as Error).message}`);
        throw e;
      }
      this.validateReads(txn);
    }
    if (this.prepared.has(gid)) {
      txn.abort("duplicate prepared transaction id");
      throw new DuplicatePreparedTransaction(gid);
    }
    const record: PreparedRecord = {
      gid,
      txnId: txn.id,
      isolation: txn.isolation,
      readTs: txn.readTs,
      preparedAt: Date.now(),
      writes: [...txn.writes.values()],
      keyLocks: [
        ...[...txn.keyLocks].filter(([k]) => !txn.writes.has(k)).map(([k, mode]) => ({ key: keyBytes(k), mode })),
        ...readKeyLocks.map((key) => ({ key, mode: "shared" as const })),
      ],
      tableLocks: [...txn.tableLocks].flatMap(([table, modes]) => [...modes].map((mode) => ({ table, mode }))),
      rangeLocks,
    };
    const entry: PreparedEntry = { record, phase: "preparing" };
    this.prepared.set(gid, entry);
    try {
      await this.engine.put(preparedKey(gid), encodePreparedRecord(record));
    } catch (e) {
      this.prepared.delete(gid);
      txn.abort(`prepare failed: ${(e as Error).message}`);
      throw e;
    }
    entry.phase = "prepared";
    // Prepared: it keeps its locks and intents but is no longer an active reader.
    txn.state = "prepared";
    this.removeActive(txn);
  }

  async listPrepared(): Promise<readonly PreparedTransactionInfo[]> {
    return [...this.prepared.values()].filter((e) => e.phase !== "preparing").map(({ record: r }) => ({ gid: r.gid, txnId: r.txnId, isolation: r.isolation, preparedAt: r.preparedAt }));
  }

  async commitPrepared(gid: string): Promise<void> {
    const entry = this.takePrepared(gid);
    const batch = new WriteBatch();
    let ts: Timestamp;
    try {
      ts = this.stampCommit(entry.record.txnId, entry.record.writes, entry.record.writes.map((w) => keyString(w.key)), gid, batch);
    } catch (e) {
      entry.phase = "prepared";
      throw e;
    }
    try {
      await this.engine.write(batch);
    } catch (e) {
      this.inFlight.finish(ts);
      entry.phase = "prepared";
      throw e;
    }
    this.commitWritten(ts);
    this.finishPrepared(entry);
    this.counters.commits++;
  }

  async rollbackPrepared(gid: string): Promise<void> {
    const entry = this.takePrepared(gid);
    try {
      await this.engine.delete(preparedKey(gid));
    } catch (e) {
      entry.phase = "prepared";
      throw e;
    }
    this.finishPrepared(entry);
    this.counters.aborts++;
  }

  private takePrepared(gid: string): PreparedEntry {
    this.checkOpen();
    const entry = this.prepared.get(gid);
    if (!entry || entry.phase !== "prepared") throw new UndefinedPreparedTransaction(gid);
    entry.phase = "finishing";
    return entry;
  }

  private finishPrepared(entry: PreparedEntry): void {
    const r = entry.record;
    this.prepared.delete(r.gid);
    this.locks.releaseAll(r.txnId);
  }

  finish(txn: Transaction): void {
    if (txn.state === "aborted") this.counters.aborts++;
    this.removeActive(txn);
    this.locks.releaseAll(txn.id);
  }

  private removeActive(txn: Transaction): void {
    const at = txn.activeAt;
    if (at < 0) return;
    txn.activeAt = -1;
    const last = this.active.pop()!;
    if (last !== txn) {
      this.active[at] = last;
      last.activeAt = at;
    }
  }

  noteSerializationFailure(): void {
    this.counters.serializationFailures++;
  }

  /**
   * About how many keys of `range` hold versions (KvStore.approximateCount): the storage engine's
   * logical-key estimate over the versions' key range, where a user key with all its versions is
   * one logical key (`encodeKeyBound(k)` is exactly k's logical key, so the user range maps onto
   * it bound for bound). Keys whose newest version is a tombstone count until GC drops them.
   */
  approximateCount(range: KvRange): number {
    this.checkOpen();
    return this.engine.approximateLogicalKeys(range.start ? encodeKeyBound(range.start) : DATA_START, range.end ? encodeKeyBound(range.end) : DATA_END);
  }

  stats(): TxnStoreStats {
    return {
      active: this.active.length,
      prepared: this.prepared.size,
      ...this.counters,
      commitLogEntries: this.commitLog.size,
      newestValueHits: this.newest.hits,
      newestValueMisses: this.newest.misses,
      newestValueEntries: this.newest.size,
      readTimestamp: this.readTimestamp(),
      gcHorizon: this.gcHorizon(),
    };
  }

  private checkOpen(): void {
    if (this.closed) throw new InvalidTransactionState("the store is closed");
  }

  /** Aborts active transactions and closes the engine; prepared transactions stay prepared on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [...this.active]) t.abort("the store is closing");
    await this.engine.close();
  }
}

function lockOptions(txn: Transaction): { timeoutMs: number } | undefined {
  return txn.lockTimeoutMs === undefined ? undefined : { timeoutMs: txn.lockTimeoutMs };
}

/** Keys of the system records, for tests and tools. */
export const SYSTEM_KEYS = { hlc: HLC_KEY, prepared: preparedKey, prefix: SYSTEM_PREFIX } as const;
