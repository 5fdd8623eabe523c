/**
 * Key, table and key-range locks held until a transaction ends, with FIFO queueing, deadlock
 * detection and lock timeouts.
 *
 * - Keys take shared/exclusive locks; tables the multi-granularity modes (IS, IX, S, SIX, X).
 * - A range lock is a shared lock on `[start, end)` taken by prepared serializable transactions:
 *   it conflicts with exclusive locks of other transactions on keys inside it, so no writer can
 *   change what the prepared transaction read.
 * - Requests on a target are served first come, first served: a request compatible with the
 *   holders still queues behind an earlier request it conflicts with, so a stream of shared
 *   lockers cannot starve an exclusive one. A holder strengthening its lock (an upgrade, such as
 *   S → X) goes ahead of the queue, since making it wait behind requests that wait for it would
 *   be a certain deadlock.
 * - A request that must wait adds edges to the wait-for graph; if that closes a cycle the
 *   requester is the victim and fails with 40P01, keeping the locks it already holds (its caller
 *   aborts it). Timeouts fail with 55P03.
 *
 * Pure logic over promises: the only time source is the injected `LockTimers`.
 *
 * Costs: an uncontended key lock is a map lookup and insert and returns an already resolved
 * promise; anything else goes through the general path, which still grants synchronously when
 * nothing conflicts (so `tryAcquire` first is never needed for speed). Range locks are kept in a plain array, because only prepared serializable
 * transactions hold them: an exclusive key request scans that array, and a range request scans
 * every locked key (O(locked keys)), once when requested and again each time it is re-examined
 * while waiting.
 */
import type { KeyLockMode, TableLockMode } from "../kv/kv.js";
import { DeadlockDetected, LockNotAvailable } from "./errors.js";
import { describeCycle, WaitForGraph } from "./wait-for-graph.js";

export type LockTarget =
  /** `keyId`: the key as a latin1 string (see read-set.ts's keyString), if the caller has it already. */
  | { readonly kind: "key"; readonly key: Uint8Array; readonly keyId?: string }
  | { readonly kind: "table"; readonly table: string }
  /** Shared only; `end` exclusive, missing means unbounded. */
  | { readonly kind: "range"; readonly start: Uint8Array; readonly end?: Uint8Array };

/** Key targets take `KeyLockMode`, table targets `TableLockMode`, range targets only `"shared"`. */
export type LockMode = KeyLockMode | TableLockMode;

/** The scheduler lock timeouts run on; tests inject a fake one. */
export interface LockTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LockManagerOptions {
  /** Timeout for requests that give none; undefined waits without limit. See `AcquireOptions`. */
  readonly defaultTimeoutMs?: number;
  /** Default: the global setTimeout/clearTimeout. */
  readonly timers?: LockTimers;
}

export interface AcquireOptions {
  /**
   * How long the request may wait before failing with 55P03. 0 (or less) fails at once if the
   * lock is not free, like NOWAIT; undefined or Infinity waits without limit. Overrides the
   * manager's `defaultTimeoutMs`.
   */
  readonly timeoutMs?: number;
}

export interface LockManagerStats {
  /** Key and table targets with at least one holder. */
  readonly lockedTargets: number;
  /** Requests waiting for a lock. */
  readonly waiters: number;
  /** Range locks held. */
  readonly rangeLocks: number;
}

// Modes as indexes into the tables below; key modes are the S and X of the table lattice.
const IS = 0;
const IX = 1;
const S = 2;
const SIX = 3;
const X = 4;
const MODE_NAMES: readonly LockMode[] = [
  "intention-shared",
  "intention-exclusive",
  "shared",
  "shared-intention-exclusive",
  "exclusive",
];
const MODE_INDEX: Readonly<Record<LockMode, number>> = {
  "intention-shared": IS,
  "intention-exclusive": IX,
  shared: S,
  "shared-intention-exclusive": SIX,
  exclusive: X,
};

const COMPATIBLE: readonly boolean[] = [
  //      IS     IX     S      SIX    X
  /* IS  */ true,  true,  true,  true,  false,
  /* IX  */ true,  true,  false, false, false,
  /* S   */ true,  false, true,  false, false,
  /* SIX */ true,  false, false, false, false,
  /* X   */ false, false, false, false, false,
];

// The least mode covering both: what a holder of the row mode ends up holding after also
// asking for the column mode (IX + S = SIX).
const JOIN: readonly number[] = [
  //      IS   IX   S    SIX  X
  /* IS  */ IS,  IX,  S,   SIX, X,
  /* IX  */ IX,  IX,  SIX, SIX, X,
  /* S   */ S,   SIX, S,   SIX, X,
  /* SIX */ SIX, SIX, SIX, SIX, X,
  /* X   */ X,   X,   X,   X,   X,
];

function compatible(a: number, b: number): boolean {
  return COMPATIBLE[a * 5 + b] === true;
}

function join(a: number, b: number): number {
  return JOIN[a * 5 + b]!;
}

const KEY = 0;
const TABLE = 1;
const RANGE = 2;

const RESOLVED: Promise<void> = Promise.resolve();
const NO_WAITERS: readonly Waiter[] = [];

const defaultTimers: LockTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Latin1 string of the key bytes: one UTF-16 unit per byte, so string comparison is unsigned
 * byte order, which the range checks rely on.
 */
function keyString(key: Uint8Array): string {
  // fromCharCode over the bytes beats a Buffer round trip for typical (short) keys; long keys
  // would exceed the argument limit of apply.
  if (key.length <= 1024) return String.fromCharCode.apply(null, key as unknown as number[]);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

function inRange(key: string, start: string, end: string | undefined): boolean {
  return key >= start && (end === undefined || key < end);
}

function hex(s: string): string {
  const h = Buffer.from(s, "latin1").toString("hex");
  return h.length > 128 ? `${h.slice(0, 128)}…` : h;
}

function describeTarget(kind: number, id: string, end: string | undefined): string {
  if (kind === KEY) return `key ${hex(id)}`;
  if (kind === TABLE) return `table "${id}"`;
  return `range [${hex(id)}, ${end === undefined ? "end" : hex(end)})`;
}

/** The holders and queue of one key or table. */
class LockState {
  // Most targets have one holder (every write takes an exclusive key lock), so it lives in two
  // fields and a Map is made only when a second transaction shares the target.
  soleTxn: string | undefined = undefined;
  soleMode = 0;
  many: Map<string, number> | undefined = undefined;
  holderCount = 0;
  queue: Waiter[] | undefined = undefined;

  constructor(
    readonly kind: number,
    readonly id: string,
  ) {}

  modeOf(txnId: string): number | undefined {
    if (this.many !== undefined) return this.many.get(txnId);
    return this.soleTxn === txnId ? this.soleMode : undefined;
  }

  /** True when `txnId` was not a holder before. */
  setMode(txnId: string, mode: number): boolean {
    if (this.many !== undefined) {
      const isNew = !this.many.has(txnId);
      this.many.set(txnId, mode);
      if (isNew) this.holderCount++;
      return isNew;
    }
    if (this.soleTxn === undefined) {
      this.soleTxn = txnId;
      this.soleMode = mode;
      this.holderCount = 1;
      return true;
    }
    if (this.soleTxn === txnId) {
      this.soleMode = mode;
      return false;
    }
    this.many = new Map([
      [this.soleTxn, this.soleMode],
      [txnId, mode],
    ]);
    this.soleTxn = undefined;
    this.holderCount = 2;
    return true;
  }

  /** True when `txnId` held the target. */
  remove(txnId: string): boolean {
    if (this.many !== undefined) {
      if (!this.many.delete(txnId)) return false;
      if (--this.holderCount === 0) this.many = undefined;
      return true;
    }
    if (this.soleTxn !== txnId) return false;
    this.soleTxn = undefined;
    this.holderCount = 0;
    return true;
  }

  /** Adds every other holder whose mode conflicts with `mode`. */
  collectConflicting(txnId: string, mode: number, out: Set<string>): void {
    if (this.many !== undefined) {
      for (const [holder, held] of this.many) if (holder !== txnId && !compatible(held, mode)) out.add(holder);
    } else if (this.soleTxn !== undefined && this.soleTxn !== txnId && !compatible(this.soleMode, mode)) {
      out.add(this.soleTxn);
    }
  }

  get isEmpty(): boolean {
    return this.holderCount === 0 && (this.queue === undefined || this.queue.length === 0);
  }
}

interface RangeLock {
  readonly txnId: string;
  readonly start: string;
  readonly end: string | undefined;
}

/** A queued request. */
class Waiter {
  settled = false;
  timer: unknown = undefined;
  hasTimer = false;
  /** The transactions this request currently waits for (its edges in the wait-for graph). */
  blockers: ReadonlySet<string>;

  constructor(
    readonly txnId: string,
    readonly kind: number,
    /** The key's or table's state; undefined for a range. */
    readonly state: LockState | undefined,
    /** Key or table id, or the range start. */
    readonly id: string,
    readonly end: string | undefined,
    /** The mode to hold once granted (for an upgrade, the join with the held mode). */
    readonly mode: number,
    readonly upgrade: boolean,
    readonly seq: number,
    blockers: ReadonlySet<string>,
    readonly resolve: () => void,
    readonly reject: (error: Error) => void,
  ) {
    this.blockers = blockers;
  }
}

/** Whether queued `w` is served before a request with the given `upgrade` flag and `seq`. */
function ahead(w: Waiter, upgrade: boolean, seq: number): boolean {
  return w.upgrade === upgrade ? w.seq < seq : w.upgrade;
}

function byServiceOrder(a: Waiter, b: Waiter): number {
  if (a.upgrade !== b.upgrade) return a.upgrade ? -1 : 1;
  return a.seq - b.seq;
}

/** Empty table lock states kept for reuse, at most (see release). */
const MAX_IDLE_TABLE_STATES = 1024;

/** What one transaction holds and waits for, so `releaseAll` touches only its own locks. */
class TxnLocks {
  readonly keys: LockState[] = [];
  /** Made at the first table lock or wait: most transactions of the kv API take neither. */
  tables: LockState[] | undefined;
  rangeCount = 0;
  waiting: Waiter[] | undefined;

  constructor(readonly txnId: string) {}
}

/** A request that cannot be granted now. */
interface Blocked {
  readonly state: LockState | undefined;
  readonly mode: number;
  readonly upgrade: boolean;
  readonly blockers: Set<string>;
}

export class LockManager {
  private readonly keys = new Map<string, LockState>();
  private readonly tables = new Map<string, LockState>();
  private ranges: RangeLock[] = [];
  private readonly rangeWaiters: Waiter[] = [];
  private readonly txns = new Map<string, TxnLocks>();
  /**
   * The entry `entry` last returned: a transaction's locks come in runs (its writes, one after
   * another), and a lookup by a transaction id string made for each transaction hashes it anew.
   */
  private recent: TxnLocks | undefined;
  private readonly scratch = new Set<string>();
  private readonly graph = new WaitForGraph();
  private readonly timers: LockTimers;
  private readonly defaultTimeoutMs: number | undefined;
  private nextSeq = 0;
  private waiterCount = 0;
  private heldTargets = 0;

  constructor(options: LockManagerOptions = {}) {
    this.timers = options.timers ?? defaultTimers;
    this.defaultTimeoutMs = options.defaultTimeoutMs;
  }

  /**
   * Resolves when the lock is granted. Rejects with DeadlockDetected (40P01) if waiting would
   * close a cycle of waits, and with LockNotAvailable (55P03) on timeout or when the transaction
   * is released while waiting. Re-entrant: asking again for a mode already covered by the held
   * one resolves at once; a stronger mode is an upgrade. Throws TypeError for a mode the target
   * kind does not take.
   */
  acquire(txnId: string, target: LockTarget, mode: LockMode, options?: AcquireOptions): Promise<void> {
    const m = modeIndex(target, mode);
    if (target.kind === "key") {
      const id = target.keyId ?? keyString(target.key);
      if (this.tryHoldNewKey(txnId, id, m)) return RESOLVED;
      return this.acquireSlow(txnId, KEY, id, undefined, m, options);
    }
    if (target.kind === "table") return this.acquireSlow(txnId, TABLE, target.table, undefined, m, options);
    const end = target.end === undefined ? undefined : keyString(target.end);
    return this.acquireSlow(txnId, RANGE, keyString(target.start), end, m, options);
  }

  /**
   * Grants at once, or returns false without queueing (NOWAIT-style use, and restoring the locks
   * of prepared transactions at startup). Respects the queue: false if an earlier waiter would
   * conflict. Throws TypeError for a mode the target kind does not take.
   */
  tryAcquire(txnId: string, target: LockTarget, mode: LockMode): boolean {
    const m = modeIndex(target, mode);
    if (target.kind === "key") {
      const id = target.keyId ?? keyString(target.key);
      return this.tryHoldNewKey(txnId, id, m) || this.attempt(txnId, KEY, id, undefined, m) === undefined;
    }
    if (target.kind === "table") return this.attempt(txnId, TABLE, target.table, undefined, m) === undefined;
    const end = target.end === undefined ? undefined : keyString(target.end);
    return this.attempt(txnId, RANGE, keyString(target.start), end, m) === undefined;
  }

  /**
   * tryAcquire of a key lock by the key's latin1 string (see read-set.ts's keyString): what a
   * transaction's write asks before it buffers, without a target to build and check.
   */
  tryAcquireKey(txnId: string, keyId: string, mode: KeyLockMode): boolean {
    const m = mode === "exclusive" ? X : S;
    return this.tryHoldNewKey(txnId, keyId, m) || this.attempt(txnId, KEY, keyId, undefined, m) === undefined;
  }

  /**
   * Releases every lock of the transaction and grants what that frees. Its pending requests
   * reject with LockNotAvailable. Idempotent.
   */
  releaseAll(txnId: string): void {
    const r = this.recent;
    const t = r !== undefined && r.txnId === txnId ? r : this.txns.get(txnId);
    if (t === undefined) return;
    this.txns.delete(txnId);
    if (t === r) this.recent = undefined;
    const cancelled = t.waiting === undefined || t.waiting.length === 0 ? NO_WAITERS : t.waiting.slice();
    for (const w of cancelled) this.unqueue(w, t);
    for (const s of t.keys) this.release(this.keys, s, txnId);
    if (t.tables !== undefined) for (const s of t.tables) this.release(this.tables, s, txnId);
    if (t.rangeCount > 0) this.ranges = this.ranges.filter((r) => r.txnId !== txnId);
    this.graph.removeWaiter(txnId);
    // Nobody waiting (the common case at every commit): nobody to wake.
    if (this.waiterCount > 0) this.reexamine(this.waitersBlockedBy(txnId));
    for (const w of cancelled) {
      w.reject(
        new LockNotAvailable(
          `transaction ${txnId} ended while waiting for a lock on ${describeTarget(w.kind, w.id, w.end)}`,
        ),
      );
    }
  }

  /** The mode `txnId` holds on the target; for a range, "shared" if one held range covers it. */
  heldMode(txnId: string, target: LockTarget): LockMode | undefined {
    if (target.kind === "range") {
      const start = keyString(target.start);
      const end = target.end === undefined ? undefined : keyString(target.end);
      return this.holdsRange(txnId, start, end) ? "shared" : undefined;
    }
    const state = target.kind === "key" ? this.keys.get(keyString(target.key)) : this.tables.get(target.table);
    const m = state?.modeOf(txnId);
    return m === undefined ? undefined : MODE_NAMES[m];
  }

  stats(): LockManagerStats {
    return { lockedTargets: this.heldTargets, waiters: this.waiterCount, rangeLocks: this.ranges.length };
  }

  private acquireSlow(
    txnId: string,
    kind: number,
    id: string,
    end: string | undefined,
    m: number,
    options: AcquireOptions | undefined,
  ): Promise<void> {
    const blocked = this.attempt(txnId, kind, id, end, m);
    if (blocked === undefined) return RESOLVED;
    const timeoutMs = options?.timeoutMs ?? this.defaultTimeoutMs;
    if (timeoutMs !== undefined && timeoutMs <= 0) {
      return Promise.reject(new LockNotAvailable(`${describeTarget(kind, id, end)} is locked by ${describeBlockers(blocked.blockers)}`));
    }
    return this.enqueue(txnId, kind, id, end, blocked, timeoutMs);
  }

  /** Grants the request if nothing blocks it (undefined), else says what blocks it. */
  private attempt(txnId: string, kind: number, id: string, end: string | undefined, m: number): Blocked | undefined {
    const seq = this.nextSeq;
    if (kind === RANGE) {
      if (this.holdsRange(txnId, id, end)) return undefined;
      const blockers = this.blockers(txnId, RANGE, undefined, id, end, S, false, seq);
      if (blockers.size === 0) {
        this.holdRange(txnId, id, end);
        return undefined;
      }
      return { state: undefined, mode: S, upgrade: false, blockers };
    }
    const map = kind === KEY ? this.keys : this.tables;
    const state = map.get(id);
    const held = state?.modeOf(txnId);
    let mode = m;
    if (held !== undefined) {
      mode = join(held, m);
      if (mode === held) return undefined;
    }
    const upgrade = held !== undefined;
    // Into a reused set: most requests are granted at once, and then the set is not kept.
    if (this.scratch.size > 0) this.scratch.clear();
    const blockers = this.blockers(txnId, kind, state, id, undefined, mode, upgrade, seq, this.scratch);
    if (blockers.size === 0) {
      this.hold(txnId, state ?? this.newState(map, kind, id), mode);
      return undefined;
    }
    return { state, mode, upgrade, blockers: new Set(blockers) };
  }

  private enqueue(
    txnId: string,
    kind: number,
    id: string,
    end: string | undefined,
    blocked: Blocked,
    timeoutMs: number | undefined,
  ): Promise<void> {
    const state = kind === RANGE ? undefined : (blocked.state ?? this.newState(kind === KEY ? this.keys : this.tables, kind, id));
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const w = new Waiter(txnId, kind, state, id, end, blocked.mode, blocked.upgrade, this.nextSeq++, blocked.blockers, resolve, reject);
    let behind: Waiter[] = [];
    if (state === undefined) {
      this.rangeWaiters.push(w);
    } else {
      const queue = (state.queue ??= []);
      if (w.upgrade) {
        let i = 0;
        while (i < queue.length && queue[i]!.upgrade) i++;
        queue.splice(i, 0, w);
        behind = queue.slice(i + 1);
        if (kind === KEY && w.mode === X) behind.push(...this.rangeWaiters);
      } else {
        queue.push(w);
      }
    }
    (this.entry(txnId).waiting ??= []).push(w);
    this.waiterCount++;
    this.graph.addEdges(txnId, w.blockers);
    // An upgrade goes ahead of queued requests, which may now wait for it too; their edges must
    // be in the graph before looking for a cycle through the upgrader.
    const grown = this.recompute(behind);
    this.breakCycles(w);
    this.checkGrown(grown);
    if (!w.settled && timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      w.timer = this.timers.setTimeout(() => this.onTimeout(w, timeoutMs), timeoutMs);
      w.hasTimer = true;
    }
    return promise;
  }

  /**
   * The other transactions a request waits for: holders whose mode conflicts, and conflicting
   * requests queued ahead of it (`seq`/`upgrade` place it in the queue; a new request passes
   * the next sequence number, so everything queued of its kind is ahead).
   */
  private blockers(
    txnId: string,
    kind: number,
    state: LockState | undefined,
    id: string,
    end: string | undefined,
    mode: number,
    upgrade: boolean,
    seq: number,
    into?: Set<string>,
  ): Set<string> {
    const out = into ?? new Set<string>();
    if (kind === RANGE) {
      for (const s of this.keys.values()) {
        if (!inRange(s.id, id, end)) continue;
        s.collectConflicting(txnId, S, out);
        if (s.queue !== undefined) collectQueued(s.queue, txnId, S, upgrade, seq, out);
      }
      return out;
    }
    if (state !== undefined) {
      state.collectConflicting(txnId, mode, out);
      if (state.queue !== undefined) collectQueued(state.queue, txnId, mode, upgrade, seq, out);
    }
    if (kind === KEY && mode === X) {
      for (const r of this.ranges) if (r.txnId !== txnId && inRange(id, r.start, r.end)) out.add(r.txnId);
      for (const w of this.rangeWaiters) {
        if (w.txnId !== txnId && ahead(w, upgrade, seq) && inRange(id, w.id, w.end)) out.add(w.txnId);
      }
    }
    return out;
  }

  /**
   * Recomputes what each waiter waits for, grants those nothing blocks any more, and returns
   * those that gained a blocker (and so might now close a cycle).
   *
   * Granting one waiter never changes whether another is blocked (a conflicting pair of
   * requests is always ordered, and the later one already waited for the earlier one's
   * transaction), so the order of examination does not matter; the list is still taken in
   * service order so that promises resolve first come, first served.
   */
  private recompute(waiters: readonly Waiter[]): Waiter[] {
    const grown: Waiter[] = [];
    if (waiters.length === 0) return grown;
    const touched = new Set<string>();
    for (const w of waiters) {
      if (w.settled) continue;
      const blockers = this.blockers(w.txnId, w.kind, w.state, w.id, w.end, w.mode, w.upgrade, w.seq);
      if (blockers.size === 0) {
        this.grant(w);
        continue;
      }
      for (const b of blockers) {
        if (!w.blockers.has(b)) {
          grown.push(w);
          break;
        }
      }
      w.blockers = blockers;
      touched.add(w.txnId);
    }
    for (const txnId of touched) this.syncEdges(txnId);
    return grown;
  }

  private reexamine(waiters: Waiter[]): void {
    waiters.sort(byServiceOrder);
    this.checkGrown(this.recompute(waiters));
  }

  private checkGrown(grown: readonly Waiter[]): void {
    for (const w of grown) if (!w.settled) this.breakCycles(w);
  }

  /**
   * If a cycle runs through `w`'s transaction, `w` is the victim. Before its edges were added the
   * graph had no cycle, so taking the request out leaves none.
   */
  private breakCycles(w: Waiter): void {
    const cycle = this.graph.findCycle(w.txnId);
    if (cycle !== undefined) this.cancel(w, new DeadlockDetected(describeCycle(cycle)));
  }

  private onTimeout(w: Waiter, timeoutMs: number): void {
    if (w.settled) return;
    w.hasTimer = false;
    this.cancel(
      w,
      new LockNotAvailable(
        `lock timeout (${timeoutMs} ms) waiting for ${describeTarget(w.kind, w.id, w.end)} held by ${describeBlockers(w.blockers)}`,
      ),
    );
  }

  /** Fails one waiting request; requests queued behind it may become grantable. */
  private cancel(w: Waiter, error: Error): void {
    const t = this.txns.get(w.txnId);
    this.unqueue(w, t);
    this.syncEdges(w.txnId);
    this.reexamine(this.waitersBlockedBy(w.txnId));
    w.reject(error);
  }

  private grant(w: Waiter): void {
    const t = this.entry(w.txnId);
    // Hold before unqueueing so that the state is not dropped as empty in between.
    if (w.state === undefined) this.holdRange(w.txnId, w.id, w.end);
    else this.hold(w.txnId, w.state, w.mode);
    this.unqueue(w, t);
    this.syncEdges(w.txnId);
    w.resolve();
  }

  /** Takes a request out of its queue and its transaction's list. */
  private unqueue(w: Waiter, t: TxnLocks | undefined): void {
    w.settled = true;
    if (w.hasTimer) {
      this.timers.clearTimeout(w.timer);
      w.hasTimer = false;
      w.timer = undefined;
    }
    if (w.state === undefined) {
      removeFrom(this.rangeWaiters, w);
    } else {
      const queue = w.state.queue!;
      removeFrom(queue, w);
      if (queue.length === 0) w.state.queue = undefined;
      if (w.state.isEmpty) (w.kind === KEY ? this.keys : this.tables).delete(w.id);
    }
    if (t?.waiting !== undefined) removeFrom(t.waiting, w);
    this.waiterCount--;
  }

  /** Waiting requests that list `txnId` among their blockers: the only ones its leaving can wake. */
  private waitersBlockedBy(txnId: string): Waiter[] {
    const out: Waiter[] = [];
    const waiting = this.graph.waitersOf(txnId);
    if (waiting === undefined) return out;
    for (const waiterTxn of waiting) {
      const t = this.txns.get(waiterTxn);
      if (t?.waiting === undefined) continue;
      for (const w of t.waiting) if (w.blockers.has(txnId)) out.push(w);
    }
    return out;
  }

  /** Makes the graph's edges out of `txnId` the union of its waiting requests' blockers. */
  private syncEdges(txnId: string): void {
    this.graph.removeWaiter(txnId);
    const t = this.txns.get(txnId);
    if (t?.waiting === undefined) return;
    for (const w of t.waiting) this.graph.addEdges(txnId, w.blockers);
  }

  private entry(txnId: string): TxnLocks {
    const r = this.recent;
    if (r !== undefined && r.txnId === txnId) return r;
    let t = this.txns.get(txnId);
    if (t === undefined) {
      t = new TxnLocks(txnId);
      this.txns.set(txnId, t);
    }
    this.recent = t;
    return t;
  }

  private newState(map: Map<string, LockState>, kind: number, id: string): LockState {
    const state = new LockState(kind, id);
    map.set(id, state);
    return state;
  }

  /** The fast path: grants a key nobody holds or waits for, when no range lock could cover it. */
  private tryHoldNewKey(txnId: string, id: string, mode: number): boolean {
    if (this.keys.has(id) || !(mode === S || (this.ranges.length === 0 && this.rangeWaiters.length === 0))) return false;
    this.holdNewKey(txnId, id, mode);
    return true;
  }

  private holdNewKey(txnId: string, id: string, mode: number): void {
    const state = new LockState(KEY, id);
    state.soleTxn = txnId;
    state.soleMode = mode;
    state.holderCount = 1;
    this.keys.set(id, state);
    this.heldTargets++;
    this.entry(txnId).keys.push(state);
  }

  private hold(txnId: string, state: LockState, mode: number): void {
    const held = state.modeOf(txnId);
    // Join rather than overwrite: with two requests of one transaction waiting on the same
    // target, the one granted second may name a weaker mode than the first left it holding.
    if (held !== undefined) {
      state.setMode(txnId, join(held, mode));
      return;
    }
    state.setMode(txnId, mode);
    if (state.holderCount === 1) this.heldTargets++;
    const t = this.entry(txnId);
    if (state.kind === KEY) t.keys.push(state);
    else (t.tables ??= []).push(state);
  }

  private holdRange(txnId: string, start: string, end: string | undefined): void {
    this.ranges.push({ txnId, start, end });
    this.entry(txnId).rangeCount++;
  }

  private holdsRange(txnId: string, start: string, end: string | undefined): boolean {
    const t = this.txns.get(txnId);
    if (t === undefined || t.rangeCount === 0) return false;
    for (const r of this.ranges) {
      if (r.txnId === txnId && r.start <= start && (r.end === undefined || (end !== undefined && end <= r.end))) return true;
    }
    return false;
  }

  private release(map: Map<string, LockState>, state: LockState, txnId: string): void {
    if (state.remove(txnId) && state.holderCount === 0) this.heldTargets--;
    // Tables are few and locked by nearly every statement: their empty states are kept for the
    // next one (up to a bound), rather than made and dropped each time.
    if (state.isEmpty && (state.kind === KEY || map.size > MAX_IDLE_TABLE_STATES)) map.delete(state.id);
  }
}

function modeIndex(target: LockTarget, mode: LockMode): number {
  const m = MODE_INDEX[mode];
  const ok =
    m !== undefined &&
    (target.kind === "table" || (target.kind === "key" ? m === S || m === X : m === S));
  if (!ok) throw new TypeError(`lock mode "${String(mode)}" is not valid for a ${target.kind} lock`);
  return m;
}

function collectQueued(queue: readonly Waiter[], txnId: string, mode: number, upgrade: boolean, seq: number, out: Set<string>): void {
  for (const q of queue) {
    if (q.txnId !== txnId && ahead(q, upgrade, seq) && !compatible(q.mode, mode)) out.add(q.txnId);
  }
}

function describeBlockers(blockers: ReadonlySet<string>): string {
  const list = [...blockers];
  return list.length === 1 ? `transaction ${list[0]!}` : `transactions ${list.join(", ")}`;
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
