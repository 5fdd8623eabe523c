/**
 * Sequences: option checking and defaults as PostgreSQL's CREATE SEQUENCE does them, the
 * arithmetic of nextval/setval, and where the values come from.
 *
 * nextval is not transactional in PostgreSQL: a value once handed out is never handed out again,
 * even if the transaction that took it rolls back, and concurrent callers never wait for each
 * other's transactions. Here each trip to the store is its own short Read Committed
 * transaction: it takes the exclusive lock on the sequence's state key, refreshes its snapshot
 * (so it reads the newest committed state, which nobody else can change while the lock is
 * held), reserves values, writes the new state and commits. Read Committed has no
 * first-committer-wins check, so concurrent callers queue on the lock instead of failing with
 * 40001.
 *
 * A trip reserves CACHE values (default 1, as in PostgreSQL); the ones not yet handed out live
 * in a per-process slot shared by every session on that store, so within a process values come
 * out in order. Values cached but never used are lost on restart, leaving a gap, as in
 * PostgreSQL. With CACHE 1 every value is durable before it is returned and values are strictly
 * increasing (for a positive increment) across processes too.
 *
 * Two cases stay in the caller's transaction: a sequence created by that same (uncommitted)
 * transaction, which no other transaction can see (and which disappears with a rollback, values
 * and all), and catalogs opened without a store, where nextval is simply transactional (and
 * concurrent callers conflict).
 */
import type { KvStore, KvTransaction } from "../../kv/kv.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { INT2_MAX, INT2_MIN, INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN } from "../types/index.js";
import { decodeSequenceState, encodeSequenceState, type SequenceState } from "./codec.js";
import { invalidParameter, notYetDefined, relationMissing, sequenceLimit } from "./errors.js";
import type { CreateSequenceSpec, Sequence, SequenceType } from "./model.js";

export const SEQUENCE_TYPE_BOUNDS: Readonly<Record<SequenceType, { readonly min: bigint; readonly max: bigint }>> = {
  int2: { min: BigInt(INT2_MIN), max: BigInt(INT2_MAX) },
  int4: { min: BigInt(INT4_MIN), max: BigInt(INT4_MAX) },
  int8: { min: INT8_MIN, max: INT8_MAX },
};

const TYPE_NAMES: Readonly<Record<SequenceType, string>> = { int2: "smallint", int4: "integer", int8: "bigint" };

/** The numbers that decide a sequence's values. */
export type SequenceParams = Pick<Sequence, "start" | "increment" | "min" | "max" | "cycle" | "cache">;

/** A sequence from CREATE SEQUENCE options, with PostgreSQL's defaults and checks (22023). */
export function sequenceFromSpec(spec: CreateSequenceSpec, id: number): Sequence {
  const type = spec.type ?? "int8";
  const bounds = SEQUENCE_TYPE_BOUNDS[type];
  const increment = spec.increment ?? 1n;
  if (increment === 0n) throw invalidParameter("INCREMENT must not be zero");
  const ascending = increment > 0n;
  const max = spec.max ?? (ascending ? bounds.max : -1n);
  const min = spec.min ?? (ascending ? 1n : bounds.min);
  if (max < bounds.min || max > bounds.max) throw invalidParameter(`MAXVALUE (${max}) is out of range for sequence data type ${TYPE_NAMES[type]}`);
  if (min < bounds.min || min > bounds.max) throw invalidParameter(`MINVALUE (${min}) is out of range for sequence data type ${TYPE_NAMES[type]}`);
  if (min >= max) throw invalidParameter(`MINVALUE (${min}) must be less than MAXVALUE (${max})`);
  const start = spec.start ?? (ascending ? min : max);
  if (start < min) throw invalidParameter(`START value (${start}) cannot be less than MINVALUE (${min})`);
  if (start > max) throw invalidParameter(`START value (${start}) cannot be greater than MAXVALUE (${max})`);
  const cache = spec.cache ?? 1;
  if (!Number.isSafeInteger(cache) || cache < 1) throw invalidParameter(`CACHE (${cache}) must be greater than zero`);
  return { kind: "sequence", id, name: spec.name, type, start, increment, min, max, cycle: spec.cycle ?? false, cache };
}

/** The state of a sequence nobody has called nextval on. */
export function initialState(seq: SequenceParams): SequenceState {
  return { value: seq.start, isCalled: false };
}

/** The value the next nextval returns, or undefined when the sequence is exhausted. */
export function nextValue(seq: SequenceParams, state: SequenceState): bigint | undefined {
  if (!state.isCalled) return state.value;
  const next = state.value + seq.increment;
  if (seq.increment > 0n ? next <= seq.max : next >= seq.min) return next;
  if (!seq.cycle) return undefined;
  return seq.increment > 0n ? seq.min : seq.max;
}

export interface Reservation {
  /** The first value handed out; the others follow at `increment` steps. */
  readonly first: bigint;
  readonly count: number;
  /** The state to store: the last reserved value, called. */
  readonly state: SequenceState;
}

/**
 * Up to `want` consecutive values after `state`. A reservation never wraps around: a cycling
 * sequence reserves up to its bound, and the next reservation starts over from the other end.
 */
export function reserve(seq: SequenceParams, name: string, state: SequenceState, want: number): Reservation {
  const first = nextValue(seq, state);
  const up = seq.increment > 0n;
  if (first === undefined) throw sequenceLimit(name, up ? "maximum" : "minimum", up ? seq.max : seq.min);
  const room = up ? (seq.max - first) / seq.increment + 1n : (first - seq.min) / -seq.increment + 1n;
  const count = room < BigInt(want) ? room : BigInt(want);
  return { first, count: Number(count), state: { value: first + seq.increment * (count - 1n), isCalled: true } };
}

/** setval's check: 22003 when the value is outside the sequence's bounds. */
export function checkSetval(seq: SequenceParams, name: string, value: bigint): void {
  if (value < seq.min || value > seq.max) {
    throw new SqlStateError(`setval: value ${value} is out of bounds for sequence "${name}" (${seq.min}..${seq.max})`, "22003");
  }
}

// ---- where values come from ----------------------------------------------------------------

/** One value source: a sequence, or a table's hidden row ids. */
export interface SequenceTarget {
  /** Names the per-process slot; unique per store. */
  readonly slot: string;
  /** For messages. */
  readonly name: string;
  readonly stateKey: Buffer;
  /** A key that exists as long as the source does (its descriptor). */
  readonly existsKey: Buffer;
  readonly params: SequenceParams;
}

async function readState(tx: KvTransaction, target: SequenceTarget): Promise<SequenceState> {
  const bytes = await tx.get(target.stateKey);
  return bytes === undefined ? initialState(target.params) : decodeSequenceState(bytes);
}

/** nextval inside the caller's transaction (the value is as transactional as the transaction). */
export async function nextvalInTransaction(tx: KvTransaction, target: SequenceTarget): Promise<bigint> {
  const r = reserve(target.params, target.name, await readState(tx, target), 1);
  await tx.put(target.stateKey, encodeSequenceState(r.state));
  return r.first;
}

export async function setvalInTransaction(tx: KvTransaction, target: SequenceTarget, value: bigint, isCalled: boolean): Promise<void> {
  checkSetval(target.params, target.name, value);
  await tx.put(target.stateKey, encodeSequenceState({ value, isCalled }));
}

/** Runs `f` in a short transaction that holds the state key's lock and reads the newest state. */
async function withStateLock<T>(store: KvStore, target: SequenceTarget, f: (tx: KvTransaction) => Promise<T>): Promise<T> {
  const tx = await store.begin({ isolation: "read-committed" });
  try {
    await tx.lockKey(target.stateKey, "exclusive");
    // Nobody can commit the state now; a fresh snapshot sees the last commit that did.
    tx.beginStatement();
    // Dropped since the caller's snapshot: handing out values would resurrect its state key.
    if ((await tx.get(target.existsKey)) === undefined) throw relationMissing(target.name);
    const out = await f(tx);
    await tx.commit();
    return out;
  } catch (e) {
    if (tx.state === "active") await tx.rollback();
    throw e;
  }
}

/** Serialises async work (a refill, a setval) on one slot. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(f: () => Promise<T>): Promise<T> {
    const result = this.tail.then(f);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

interface Slot {
  next: bigint;
  left: number;
  readonly mutex: Mutex;
}

const slotsByStore = new WeakMap<KvStore, Map<string, Slot>>();

function slotOf(store: KvStore, key: string): Slot {
  let slots = slotsByStore.get(store);
  if (!slots) slotsByStore.set(store, (slots = new Map()));
  let slot = slots.get(key);
  if (!slot) slots.set(key, (slot = { next: 0n, left: 0, mutex: new Mutex() }));
  return slot;
}

/** nextval through the per-process cache and short transactions (see the file comment). */
export async function nextvalInStore(store: KvStore, target: SequenceTarget): Promise<bigint> {
  const slot = slotOf(store, target.slot);
  while (slot.left === 0) {
    await slot.mutex.run(async () => {
      // Another caller may have refilled while this one queued.
      if (slot.left > 0) return;
      const r = await withStateLock(store, target, async (tx) => {
        const res = reserve(target.params, target.name, await readState(tx, target), target.params.cache);
        await tx.put(target.stateKey, encodeSequenceState(res.state));
        return res;
      });
      slot.next = r.first;
      slot.left = r.count;
    });
  }
  const v = slot.next;
  slot.next += target.params.increment;
  slot.left--;
  return v;
}

/** setval through a short transaction; drops this process's cached values, as PostgreSQL does for its own session. */
export async function setvalInStore(store: KvStore, target: SequenceTarget, value: bigint, isCalled: boolean): Promise<void> {
  checkSetval(target.params, target.name, value);
  const slot = slotOf(store, target.slot);
  await slot.mutex.run(async () => {
    await withStateLock(store, target, (tx) => tx.put(target.stateKey, encodeSequenceState({ value, isCalled })));
    slot.left = 0;
  });
}

/** Per-session sequence values, for currval and lastval (the session layer keeps one). */
export class SequenceSession {
  /** Made at the first nextval (a session per Database.sql() call mostly never needs it). */
  private values: Map<number, bigint> | undefined;
  private last: bigint | undefined;

  record(sequenceId: number, value: bigint): void {
    (this.values ??= new Map()).set(sequenceId, value);
    this.last = value;
  }

  currval(sequenceId: number, name: string): bigint {
    const v = this.values?.get(sequenceId);
    if (v === undefined) throw notYetDefined(`currval of sequence "${name}"`);
    return v;
  }

  lastval(): bigint {
    if (this.last === undefined) throw notYetDefined("lastval");
    return this.last;
  }
}
