/**
 * The WAL writer: appends payloads (encoded write batches) with group commit.
 *
 * Durability contract, per sync mode — what a resolved `append()` promises:
 *   - `always`:   the payload is on stable storage (its group was written and `sync()`ed).
 *   - `interval`: the payload reached the OS; a timer fsyncs every `syncIntervalMs`, so a power
 *                 loss may drop up to about that much acknowledged data (a process crash does not).
 *   - `none`:     the payload reached the OS; fsync happens only on `close()`.
 * A rejected `append()` promises nothing either way: its bytes may or may not be in the file and
 * may or may not survive a crash (the reader truncates a torn tail; see reader.ts).
 *
 * Group commit: payloads appended while a write or fsync is in flight queue up and go out
 * together as ONE physical GROUP record in ONE `file.append` and ONE `sync()`. Because each
 * write is a single record, a torn write can only damage the last record of the file, which is
 * what lets recovery treat "bad record with nothing valid after it" as a torn tail.
 *
 * Under `always`, one fsync is in flight at a time, and a group that forms while the writer is idle
 * waits one event-loop turn for the committers still running microtasks. When the last group's
 * acknowledgement resumed many committers at once, each runs its next transaction within that
 * turn, and one big group would leave the thread idle for its whole fsync. So once that turn
 * has taken an fsync's time since the acknowledgement, and at least half as many have appended
 * as recent groups held, the group goes out and its fsync overlaps the rest's work; the rest form
 * the next group, and from then on the two take turns, each group's fsync in flight while the
 * other's committers run. (n committers' work c each then takes about n·c per round, not
 * n·c + fsync. A turn shorter than an fsync is left whole. The committers' steps interleave, so
 * most of a turn's work comes before its first append: the turn is timed from the
 * acknowledgement, not from the first append.) A few stragglers (a retry, a lock wait) queued
 * behind a big group wait for the turn its acknowledgement starts rather than go out alone: a
 * tiny group would take turns with the big one for good, its fsync overlapping little work.
 *
 * Ordering: promises resolve in the order `append()` was called (FIFO), and payloads land in
 * the file in that order.
 *
 * Failure: the first failed append or sync makes the writer failed for good. The in-flight group,
 * everything queued and every later append reject with the typed error from `toStorageError`.
 * NB: a failed fsync is never retried. On Linux a failed fsync may have already dropped the dirty
 * pages and cleared the error, so a retry can "succeed" without the data ever reaching the disk
 * (the 2018 PostgreSQL fsyncgate). The only safe recovery is to reopen and replay from what is
 * durable.
 */
import { AssertionFailure, assert } from "../assert.js";
import { EngineClosedError, StorageError, toStorageError } from "../errors.js";
import type { VfsFile } from "../vfs.js";
import { RECORD_HEADER_BYTES, RECORD_MAX_DATA_BYTES } from "./record.js";
import { encodeGroupRecord, groupDataBytes, groupEntryBytes } from "./group.js";

export type WalSyncMode = "always" | "interval" | "none";

/** The clock the writer uses; injectable so tests and the simulator control time. */
export interface WalTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Monotonic milliseconds, for sync latency stats only; defaults to `performance.now`. */
  now?(): number;
}

export interface WalWriterOptions {
  syncMode: WalSyncMode;
  /** Period of the background fsync in `interval` mode; ignored otherwise. */
  syncIntervalMs: number;
  timers?: WalTimers;
  /** Bound on bytes queued behind the in-flight write; also the largest group. Default 64 MiB. */
  queueMaxBytes?: number;
  /** Bound on appenders waiting for queue space; beyond it `append` rejects. Default 16384. */
  waitingAppendsMax?: number;
}

export interface WalWriterStats {
  /** Payloads written to the file. */
  records: number;
  /** Physical GROUP records written (= file appends). */
  groups: number;
  syncs: number;
  /** Bytes written to the file by this writer. */
  bytes: number;
  /** The most recent sync latencies (a ring of at most SYNC_LATENCY_SAMPLES_MAX, oldest first). */
  syncLatencyMs: number[];
  syncLatencyMsMax: number;
  /** Appends that had to wait because the queue was full. */
  appendsWaited: number;
}

export const WAL_QUEUE_MAX_BYTES_DEFAULT = 64 * 1024 * 1024;
/**
 * The largest payload the WAL takes: alone in its group it still fits one record (a group adds a
 * count and a length varint, at most 6 bytes here), which recovery would otherwise refuse to read.
 */
export const WAL_PAYLOAD_MAX_BYTES = RECORD_MAX_DATA_BYTES - 8;
const WAITING_APPENDS_MAX_DEFAULT = 16_384;
const SYNC_LATENCY_SAMPLES_MAX = 256;
/**
 * Below this fsync latency a group is never split early: the thread idles less during such an
 * fsync than the extra write and fsync of a second group would cost it.
 */
const SPLIT_MIN_SYNC_MS = 0.1;
/** The fewest appends a group splits at. */
const SPLIT_MIN_APPENDS = 2;
/** Appends queued behind a group this many times fewer than recent groups wait to join the next turn. */
const REGROUP_SHARE = 4;
/** The peak group size loses this share of itself per group written. */
const GROUP_PEAK_DECAY = 16;
/** Weight of the newest sample in the running fsync latency estimate. */
const SYNC_ESTIMATE_WEIGHT = 1 / 8;

const defaultTimers: WalTimers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    // The timer is cleared on close; it must not keep a process alive on its own.
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  now: () => performance.now(),
};

interface PendingAppend {
  readonly payload: Uint8Array;
  /** groupEntryBytes(payload.length): what it costs inside a group and against the queue bound. */
  readonly entryBytes: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class WalWriter {
  private readonly syncMode: WalSyncMode;
  private readonly syncIntervalMs: number;
  private readonly timers: WalTimers;
  private readonly queueMaxBytes: number;
  private readonly waitingAppendsMax: number;

  /** Admitted appends, in order; their entry bytes sum to `queuedBytes` <= `queueMaxBytes`, or one oversize append alone. */
  private queue: PendingAppend[] = [];
  private queuedBytes = 0;
  /** Appends refused admission by the byte bound, in order; admitted as the queue drains. */
  private readonly waiting: PendingAppend[] = [];
  private waitingBytes = 0;

  /** True from scheduling the drain loop until it exits. */
  private draining = false;
  /** Under `always`: the drain loop waits for the next event-loop turn; since `pendingSinceMs`. */
  private drainPending = false;
  private pendingSinceMs = 0;
  /** When the drain loop last went idle having acknowledged appends, and whether that turn lasts. */
  private ackedAtMs = 0;
  private inAckTurn = false;
  private drainTurns = 0;
  /**
   * A slowly decaying maximum of recent group sizes: a turn's group goes out early no sooner
   * than half of that is queued, so a steady number of committers splits into even halves,
   * which leave each other the most room. (Not the last group alone: the small groups at the end
   * of a burst would split the next burst unevenly, and the split, once made, lasts.)
   */
  private groupPeak = 0;
  /** Running estimate of an fsync's latency (0 until one is measured). */
  private syncEstimateMs = 0;
  private readonly now: () => number;
  private readonly idleWaiters: Array<() => void> = [];
  private failure: StorageError | null = null;
  private closePromise: Promise<void> | null = null;

  /** End of the file as written by us (to the OS). */
  private writtenBytes: number;
  /** Prefix of the file known durable. */
  private syncedBytes: number;
  private intervalTimer: unknown = null;
  private intervalSync: Promise<void> | null = null;

  private readonly statsMut: WalWriterStats = {
    records: 0,
    groups: 0,
    syncs: 0,
    bytes: 0,
    syncLatencyMs: [],
    syncLatencyMsMax: 0,
    appendsWaited: 0,
  };

  constructor(
    private readonly file: VfsFile,
    options: WalWriterOptions,
  ) {
    this.syncMode = options.syncMode;
    this.syncIntervalMs = options.syncIntervalMs;
    this.timers = options.timers ?? defaultTimers;
    this.queueMaxBytes = options.queueMaxBytes ?? WAL_QUEUE_MAX_BYTES_DEFAULT;
    this.waitingAppendsMax = options.waitingAppendsMax ?? WAITING_APPENDS_MAX_DEFAULT;
    const timers = this.timers;
    this.now = timers.now === undefined ? () => performance.now() : () => timers.now!();
    assert(this.queueMaxBytes >= 1, "WAL queueMaxBytes must be positive");
    // A full queue must still fit one record, count prefix included.
    assert(
      groupDataBytes(this.queueMaxBytes, this.queueMaxBytes) <= RECORD_MAX_DATA_BYTES,
      `WAL queueMaxBytes ${this.queueMaxBytes} does not fit one record`,
    );
    assert(this.waitingAppendsMax >= 0, "WAL waitingAppendsMax must not be negative");
    assert(
      this.syncMode !== "interval" || (Number.isFinite(this.syncIntervalMs) && this.syncIntervalMs > 0),
      "WAL syncIntervalMs must be positive in interval mode",
    );
    // Whatever the file already holds is treated as durable: it was there before we opened it.
    this.writtenBytes = file.sizeBytes();
    this.syncedBytes = this.writtenBytes;
  }

  get stats(): Readonly<WalWriterStats> {
    return this.statsMut;
  }

  /**
   * Queues one payload and resolves once it is durable per the sync mode (see the file comment).
   * NB: the payload is not copied until its group is written; do not mutate it before then.
   * A payload larger than the queue bound waits for an empty queue and goes out alone (it is in
   * memory already; the bound keeps many appends from piling up). One over WAL_PAYLOAD_MAX_BYTES
   * is refused (54000) without failing the writer.
   */
  append(payload: Uint8Array): Promise<void> {
    if (payload.length > WAL_PAYLOAD_MAX_BYTES) {
      return Promise.reject(new StorageError(`a write of ${payload.length} bytes exceeds the maximum of ${WAL_PAYLOAD_MAX_BYTES} bytes`, "54000"));
    }
    const entryBytes = groupEntryBytes(payload.length);
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closePromise !== null) return Promise.reject(new EngineClosedError(`WAL ${this.file.path} is closed`));
    const appended = new Promise<void>((resolve, reject) => {
      const pending: PendingAppend = { payload, entryBytes, resolve, reject };
      // FIFO: once anyone waits, newcomers wait behind them even if they would fit.
      if (this.waiting.length === 0 && this.fits(entryBytes)) {
        this.admit(pending);
      } else if (this.waiting.length < this.waitingAppendsMax) {
        this.waiting.push(pending);
        this.waitingBytes += entryBytes;
        this.statsMut.appendsWaited++;
      } else {
        reject(new StorageError(`WAL ${this.file.path}: too many appends waiting for queue space`, "53000"));
        return;
      }
      this.scheduleDrain();
    });
    if (this.drainPending && this.splitDue()) {
      this.drainPending = false;
      void this.drain();
    }
    return appended;
  }

  /** Whether the turn's group should go out now, before the turn ends (see the file comment). */
  private splitDue(): boolean {
    const n = this.queue.length;
    if (n < SPLIT_MIN_APPENDS || 2 * n < this.groupPeak || this.syncEstimateMs < SPLIT_MIN_SYNC_MS) return false;
    return this.now() - this.pendingSinceMs >= this.syncEstimateMs;
  }

  /** Bytes in the file plus an estimate (exact per payload, one header per group) of what is queued. */
  sizeBytes(): number {
    const pendingBytes = this.queuedBytes + this.waitingBytes;
    return this.writtenBytes + (pendingBytes === 0 ? 0 : pendingBytes + RECORD_HEADER_BYTES + 5);
  }

  /**
   * Writes and syncs what is queued, then closes the file. Later appends reject. Rejects with the
   * writer's failure if it failed (then not everything acknowledged in `interval`/`none` mode, nor
   * anything unacknowledged, is known durable); the file is closed either way.
   */
  close(): Promise<void> {
    this.closePromise ??= this.closeOnce();
    return this.closePromise;
  }

  private async closeOnce(): Promise<void> {
    await this.waitIdle();
    if (this.intervalTimer !== null) {
      this.timers.clearTimeout(this.intervalTimer);
      this.intervalTimer = null;
    }
    // Its outcome lands in `failure`; awaiting only orders it before the final sync.
    if (this.intervalSync !== null) await this.intervalSync;
    try {
      if (this.failure === null && this.syncedBytes < this.writtenBytes) await this.syncFile();
    } catch (err) {
      this.fail(err, []);
    }
    try {
      this.file.close();
    } catch (err) {
      this.fail(err, []);
    }
    if (this.failure !== null) throw this.failure;
  }

  private admit(pending: PendingAppend): void {
    this.queue.push(pending);
    this.queuedBytes += pending.entryBytes;
  }

  /** Whether an entry may join the queue now: within the bound, or alone in it. */
  private fits(entryBytes: number): boolean {
    return this.queuedBytes === 0 || this.queuedBytes + entryBytes <= this.queueMaxBytes;
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (!this.fits(next.entryBytes)) return;
      this.waiting.shift();
      this.waitingBytes -= next.entryBytes;
      this.admit(next);
    }
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    if (this.syncMode === "always") {
      // The group waits one event-loop turn before it is written: every committer that is still
      // in microtasks (a transaction's reads, locks and commit are awaited steps) joins it, instead
      // of the first one going out alone and the rest waiting a whole fsync for the next group.
      // A turn costs microseconds against an fsync's hundreds.
      this.drainPending = true;
      this.pendingSinceMs = this.inAckTurn ? this.ackedAtMs : this.now();
      const turn = ++this.drainTurns;
      setImmediate(() => {
        // Started early, or (after a loop that finished meanwhile) a later turn's to start.
        if (!this.drainPending || turn !== this.drainTurns) return;
        this.drainPending = false;
        void this.drain();
      });
    } else {
      // Same tick, not a timer: with no fsync to share, a write should not wait for anyone.
      queueMicrotask(() => void this.drain());
    }
  }

  /**
   * The single writer loop: takes everything queued as one group, writes it, syncs it (in
   * `always` mode) and resolves it, until the queue is empty. Only one loop runs at a time, so
   * groups never interleave and resolution is FIFO.
   */
  private async drain(): Promise<void> {
    let acked = false;
    let regroup = false;
    try {
      while (this.queue.length > 0 && this.failure === null) {
        const group = this.queue;
        this.queue = [];
        this.queuedBytes = 0;
        // Freeing queue space now lets waiters queue behind the write instead of behind two.
        this.admitWaiting();
        try {
          this.writeGroup(group);
          if (this.syncMode === "always") await this.syncFile();
          else if (this.syncMode === "interval") this.armIntervalSync();
        } catch (err) {
          this.fail(err, group);
          return;
        }
        for (const pending of group) pending.resolve();
        acked = true;
        if (this.syncMode === "always" && this.queue.length * REGROUP_SHARE < this.groupPeak) {
          // A few stragglers queued behind a big group: alone they would become a group of their
          // own, whose fsync covers little work, taking turns with the big group's committers
          // for good. They wait for this turn instead, with those committers, and the turn is
          // split evenly.
          regroup = this.queue.length > 0;
          break;
        }
      }
    } finally {
      this.draining = false;
      if (acked && this.syncMode === "always") this.noteAckTurn();
      if (regroup && this.failure === null) this.scheduleDrain();
      if (!this.draining) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** The committers the last acknowledgement resumed run until the next event-loop turn. */
  private noteAckTurn(): void {
    this.ackedAtMs = this.now();
    if (this.inAckTurn) return;
    this.inAckTurn = true;
    setImmediate(() => {
      this.inAckTurn = false;
    });
  }

  private writeGroup(group: readonly PendingAppend[]): void {
    const record = encodeGroupRecord(group.map((p) => p.payload));
    // NB: advance `writtenBytes` only after a successful append; a torn append leaves garbage
    // past it that only recovery may judge.
    this.file.append(record);
    this.writtenBytes += record.length;
    this.groupPeak = Math.max(group.length, this.groupPeak - this.groupPeak / GROUP_PEAK_DECAY);
    this.statsMut.records += group.length;
    this.statsMut.groups++;
    this.statsMut.bytes += record.length;
  }

  /** fsyncs everything written so far. Throws the file layer's error; callers fail the writer. */
  private async syncFile(): Promise<void> {
    const coveredBytes = this.writtenBytes;
    const startMs = this.now();
    await this.file.sync();
    const latencyMs = this.now() - startMs;
    this.syncedBytes = Math.max(this.syncedBytes, coveredBytes);
    this.syncEstimateMs = this.syncEstimateMs === 0 ? latencyMs : this.syncEstimateMs + (latencyMs - this.syncEstimateMs) * SYNC_ESTIMATE_WEIGHT;
    this.statsMut.syncs++;
    const samples = this.statsMut.syncLatencyMs;
    if (samples.length === SYNC_LATENCY_SAMPLES_MAX) samples.shift();
    samples.push(latencyMs);
    this.statsMut.syncLatencyMsMax = Math.max(this.statsMut.syncLatencyMsMax, latencyMs);
  }

  /** At most one timer is armed, and only while there are unsynced bytes. */
  private armIntervalSync(): void {
    if (this.intervalTimer !== null || this.intervalSync !== null || this.closePromise !== null) return;
    this.intervalTimer = this.timers.setTimeout(() => {
      this.intervalTimer = null;
      if (this.failure !== null || this.syncedBytes >= this.writtenBytes) return;
      this.intervalSync = this.syncFile()
        .catch((err: unknown) => this.fail(err, []))
        .finally(() => {
          this.intervalSync = null;
          // Writes that landed during the sync still need one.
          if (this.failure === null && this.syncedBytes < this.writtenBytes) this.armIntervalSync();
        });
    }, this.syncIntervalMs);
  }

  /** Makes the writer failed for good and rejects `inFlight`, the queue and the waiters, in order. */
  private fail(err: unknown, inFlight: readonly PendingAppend[]): void {
    // An assertion is a bug in us, not a disk failure: let it escape loudly.
    if (err instanceof AssertionFailure) throw err;
    this.failure ??= toStorageError(this.file.path, err);
    const failure = this.failure;
    const queued = this.queue;
    const waiting = this.waiting.splice(0);
    this.queue = [];
    this.queuedBytes = 0;
    this.waitingBytes = 0;
    for (const pending of inFlight) pending.reject(failure);
    for (const pending of queued) pending.reject(failure);
    for (const pending of waiting) pending.reject(failure);
  }

  private waitIdle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

