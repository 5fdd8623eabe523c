import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Database } from "../api/embedded.js";
import type { IsolationLevel, KvTransaction } from "../kv/kv.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../storage/testing/temp-dir.js";
import { TxnError } from "./errors.js";
import { TestRng } from "./testing/rng.js";
import { TxnStore } from "./txn-store.js";

/**
 * The bank test: concurrent clients move money between accounts, and every transfer also writes
 * a log record, so at any snapshot the balances must equal the initial balances replayed with the
 * log records visible in that snapshot. That one equation catches lost updates, torn commits and
 * inconsistent snapshots; the totals and per-account constraints catch the rest.
 *
 * Event-loop interleaving and disk timing are not deterministic, so a seed replays the
 * workload's choices (accounts, amounts, yields), not the exact schedule.
 */

const SEED = Number(process.env.ALOPEX_BANK_SEED ?? Date.now() % 1_000_000);
const ACCOUNTS = 20;
const CLIENTS = 16;
const OPS_PER_CLIENT = Number(process.env.ALOPEX_BANK_OPS ?? 40);
const MAX_ATTEMPTS = 1000;
const RETRYABLE = new Set(["40001", "40P01"]);

const enc = (s: string) => Buffer.from(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString();
const acctKey = (i: number) => `acct/${String(i).padStart(3, "0")}`;
const ACCT_RANGE = { start: enc("acct/"), end: enc("acct0") };
const LOG_RANGE = { start: enc("xfer/"), end: enc("xfer0") };
/** Log record of a committed operation; -1 for money entering or leaving the bank. */
const logValue = (from: number, to: number, amount: number) => enc(`${from} ${to} ${amount}`);

/** Gives other clients a turn at a point the PRNG picks, so transactions really overlap. */
async function maybeYield(rng: TestRng): Promise<void> {
  switch (rng.int(4)) {
    case 0:
      return;
    case 1:
    case 2:
      await new Promise(setImmediate);
      return;
    default:
      await new Promise((r) => setTimeout(r, rng.int(2)));
  }
}

function sqlstateOf(e: unknown): string | undefined {
  return e instanceof TxnError ? e.sqlstate : undefined;
}

interface TxnOptions {
  readonly isolation: IsolationLevel;
  readonly readOnly?: boolean;
}

/** Runs `fn` in a transaction and commits it, rerunning it on 40001/40P01. */
type RunTxn = <T>(fn: (tx: KvTransaction) => Promise<T>, options: TxnOptions) => Promise<T>;

interface Counters {
  serializationFailures: number;
  deadlocks: number;
}

function storeRunner(store: TxnStore, rng: TestRng, counters: Counters): RunTxn {
  return async (fn, options) => {
    for (let attempt = 1; ; attempt++) {
      const tx = await store.begin(options);
      try {
        const result = await fn(tx);
        await tx.commit();
        return result;
      } catch (e) {
        if (tx.state === "active") await tx.rollback();
        const state = sqlstateOf(e);
        if (state === undefined || !RETRYABLE.has(state)) throw e;
        if (state === "40P01") counters.deadlocks++;
        else counters.serializationFailures++;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`seed ${SEED}: gave up after ${attempt} attempts: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, rng.int(3)));
    }
  };
}

/** Database.transaction does the retrying; `reruns` counts the attempts beyond the first. */
function databaseRunner(db: Database, counters: { reruns: number }): RunTxn {
  return (fn, options) => {
    let attempts = 0;
    return db.transaction(
      (tx) => {
        if (attempts++ > 0) counters.reruns++;
        return fn(tx);
      },
      { ...options, maxRetries: MAX_ATTEMPTS },
    );
  };
}

type Workload = "transfers" | "combined";

interface Bank {
  readonly workload: Workload;
  readonly isolation: IsolationLevel;
  readonly initial: readonly number[];
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

async function readBalances(tx: KvTransaction, rng: TestRng | undefined): Promise<number[]> {
  const out: number[] = [];
  const cursor = tx.scan(ACCT_RANGE);
  try {
    for (;;) {
      // Small batches with yields in between keep the snapshot open while others commit and
      // while flushes and compactions rewrite the tables under it.
      const batch = await cursor.nextBatch(rng ? 1 + rng.int(8) : undefined);
      if (batch.length === 0) break;
      for (const e of batch) {
        const i = Number(dec(e.key).slice("acct/".length));
        if (i !== out.length) throw new Error(`seed ${SEED}: scan returned ${dec(e.key)} at position ${out.length}`);
        out.push(Number(dec(e.value)));
      }
      if (rng) await maybeYield(rng);
    }
  } finally {
    cursor.close();
  }
  return out;
}

async function readLog(tx: KvTransaction): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of tx.scan(LOG_RANGE)) out.set(dec(e.key), dec(e.value));
  return out;
}

function replay(initial: readonly number[], log: ReadonlyMap<string, string>): number[] {
  const bal = [...initial];
  for (const v of log.values()) {
    const [from, to, amount] = v.split(" ").map(Number) as [number, number, number];
    if (from >= 0) bal[from]! -= amount;
    if (to >= 0) bal[to]! += amount;
  }
  return bal;
}

/** What must hold in every consistent snapshot of the bank. */
function checkInvariants(bank: Bank, balances: readonly number[], log: ReadonlyMap<string, string>, where: string): void {
  const fail = (what: string) => {
    throw new Error(`seed ${SEED} (${bank.workload}, ${bank.isolation}), ${where}: ${what}; balances ${JSON.stringify(balances)}`);
  };
  if (balances.length !== ACCOUNTS) fail(`${balances.length} accounts`);
  const expected = replay(bank.initial, log);
  for (let i = 0; i < ACCOUNTS; i++) {
    if (balances[i] !== expected[i]) fail(`account ${i} is ${balances[i]}, but the ${log.size} logged operations give ${expected[i]}`);
  }
  if (bank.workload === "transfers") {
    if (sum(balances) !== sum(bank.initial)) fail(`total ${sum(balances)} != ${sum(bank.initial)}`);
    // Each transfer checks and writes the account it debits, so even Snapshot keeps this.
    for (let i = 0; i < ACCOUNTS; i++) if (balances[i]! < 0) fail(`account ${i} is negative`);
  } else if (bank.isolation === "serializable") {
    for (let i = 0; i < ACCOUNTS; i += 2) if (balances[i]! + balances[i + 1]! < 0) fail(`pair ${i},${i + 1} sums to ${balances[i]! + balances[i + 1]!}`);
  }
}

interface ClientResult {
  /** Log keys of the operations this client saw commit. */
  readonly committed: string[];
  audits: number;
}

async function runClient(bank: Bank, run: RunTxn, client: number): Promise<ClientResult> {
  const rng = new TestRng(SEED, client, bank.workload === "transfers" ? 1 : 2, bank.isolation.length);
  const result: ClientResult = { committed: [], audits: 0 };
  for (let op = 0; op < OPS_PER_CLIENT; op++) {
    if (rng.chance(0.1)) {
      await run(
        async (tx) => {
          const balances = await readBalances(tx, rng);
          checkInvariants(bank, balances, await readLog(tx), `audit by client ${client}`);
        },
        { isolation: bank.isolation, readOnly: rng.chance(0.7) },
      );
      result.audits++;
      continue;
    }
    const logKey = `xfer/${String(client).padStart(2, "0")}/${String(op).padStart(4, "0")}`;
    const body = bank.workload === "transfers" ? transfer(rng, logKey) : combined(rng, logKey);
    if (await run(body, { isolation: bank.isolation })) result.committed.push(logKey);
  }
  return result;
}

const getNum = async (tx: KvTransaction, i: number) => {
  const v = await tx.get(enc(acctKey(i)));
  if (v === undefined) throw new Error(`seed ${SEED}: account ${i} is missing`);
  return Number(dec(v));
};

/** Moves a random amount between two accounts if the source can cover it. */
function transfer(rng: TestRng, logKey: string): (tx: KvTransaction) => Promise<boolean> {
  const from = rng.int(ACCOUNTS);
  const to = (from + 1 + rng.int(ACCOUNTS - 1)) % ACCOUNTS;
  // Often more than a balance holds, so the overdraft check matters.
  const amount = 1 + rng.int(150);
  const yieldSeed = rng.int(2 ** 31);
  return async (tx) => {
    // Every attempt yields at the same points, so retries do not shift the client's choices.
    const y = new TestRng(yieldSeed);
    const a = await getNum(tx, from);
    await maybeYield(y);
    const b = await getNum(tx, to);
    await maybeYield(y);
    if (a < amount) return false;
    await tx.put(enc(acctKey(from)), enc(String(a - amount)));
    await maybeYield(y);
    await tx.put(enc(acctKey(to)), enc(String(b + amount)));
    await tx.put(enc(logKey), logValue(from, to, amount));
    return true;
  };
}

/**
 * The combined constraint: accounts 2i and 2i+1 together must not go below zero, and a withdrawal
 * reads both but writes only the one it debits. Under Snapshot two withdrawals from the two
 * accounts of a pair can both pass the check (write skew); Serializable must refuse one.
 */
function combined(rng: TestRng, logKey: string): (tx: KvTransaction) => Promise<boolean> {
  const pair = rng.int(ACCOUNTS / 2);
  const side = rng.int(2);
  const deposit = rng.chance(0.2);
  const amount = 1 + rng.int(80);
  const yieldSeed = rng.int(2 ** 31);
  return async (tx) => {
    const y = new TestRng(yieldSeed);
    const mine = 2 * pair + side;
    const other = 2 * pair + (1 - side);
    const a = await getNum(tx, mine);
    await maybeYield(y);
    const b = await getNum(tx, other);
    await maybeYield(y);
    if (deposit) {
      await tx.put(enc(acctKey(mine)), enc(String(a + amount)));
      await tx.put(enc(logKey), logValue(-1, mine, amount));
      return true;
    }
    if (a + b - amount < 0) return false;
    await tx.put(enc(acctKey(mine)), enc(String(a - amount)));
    await tx.put(enc(logKey), logValue(mine, -1, amount));
    return true;
  };
}

async function setupAccounts(run: RunTxn, initial: readonly number[]): Promise<void> {
  await run(async (tx) => {
    for (let i = 0; i < initial.length; i++) await tx.put(enc(acctKey(i)), enc(String(initial[i])));
  }, { isolation: "snapshot" });
}

/** Runs all clients to the end even when one fails, so nothing still runs when the store closes. */
async function runClients(bank: Bank, run: RunTxn): Promise<ClientResult[]> {
  const settled = await Promise.allSettled(Array.from({ length: CLIENTS }, (_, c) => runClient(bank, run, c)));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<ClientResult>).value);
}

/** The final state must be exactly the initial state plus the operations clients saw commit. */
async function checkFinal(bank: Bank, run: RunTxn, results: readonly ClientResult[], where: string): Promise<void> {
  const { balances, log } = await run(async (tx) => ({ balances: await readBalances(tx, undefined), log: await readLog(tx) }), {
    isolation: "snapshot",
    readOnly: true,
  });
  checkInvariants(bank, balances, log, where);
  const committed = results.flatMap((r) => r.committed).sort();
  expect([...log.keys()].sort(), `seed ${SEED}: ${where}: the log must hold exactly the committed operations`).toEqual(committed);
}

const INITIAL_TRANSFERS = Array.from({ length: ACCOUNTS }, (_, i) => 50 + ((i * 37) % 100));
const INITIAL_COMBINED = Array.from({ length: ACCOUNTS }, () => 50);

describe(`bank (seed ${SEED}; rerun with ALOPEX_BANK_SEED=${SEED})`, () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir("alopex-bank-");
  });
  afterEach(() => {
    removeTempDir(dir);
  });

  it.each([
    { workload: "transfers", isolation: "serializable" },
    { workload: "transfers", isolation: "snapshot" },
    { workload: "combined", isolation: "serializable" },
  ] as const)("$workload under $isolation, through TxnStore, with flushes and compactions", async ({ workload, isolation }) => {
    const bank: Bank = { workload, isolation, initial: workload === "transfers" ? INITIAL_TRANSFERS : INITIAL_COMBINED };
    let store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG });
    try {
      const counters: Counters = { serializationFailures: 0, deadlocks: 0 };
      const run = storeRunner(store, new TestRng(SEED, 99), counters);
      await setupAccounts(run, bank.initial);

      let done = false;
      const maintenance = (async () => {
        const rng = new TestRng(SEED, 1234);
        while (!done) {
          await new Promise((r) => setTimeout(r, 1 + rng.int(15)));
          if (rng.chance(0.25)) await store.engine.compact();
          else await store.engine.flush();
        }
      })();
      let results: ClientResult[];
      try {
        results = await runClients(bank, run);
      } finally {
        done = true;
        await maintenance;
      }

      const stats = store.stats();
      expect(stats.active, `seed ${SEED}: transactions left active`).toBe(0);
      expect(stats.prepared).toBe(0);
      expect(store.locks.stats(), `seed ${SEED}: locks left held`).toEqual({ lockedTargets: 0, waiters: 0, rangeLocks: 0 });
      // Without conflicts the test would not be exercising concurrency at all.
      expect(counters.serializationFailures + counters.deadlocks, `seed ${SEED}: no transaction ever conflicted`).toBeGreaterThan(0);
      expect(results.reduce((n, r) => n + r.audits, 0)).toBeGreaterThan(0);
      await checkFinal(bank, run, results, "at the end");

      await store.close();
      store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG });
      await checkFinal(bank, storeRunner(store, new TestRng(SEED, 98), counters), results, "after a reopen");
    } finally {
      await store.close();
    }
  });

  it.each(["serializable", "snapshot"] as const)("transfers under %s, through Database.transaction", async (isolation) => {
    const bank: Bank = { workload: "transfers", isolation, initial: INITIAL_TRANSFERS };
    const db = await Database.open(dir, { storage: SMALL_ENGINE_CONFIG });
    try {
      const counters = { reruns: 0 };
      const run = databaseRunner(db, counters);
      await setupAccounts(run, bank.initial);
      const results = await runClients(bank, run);
      expect(db.stats().transactions.active, `seed ${SEED}: transactions left active`).toBe(0);
      expect(counters.reruns, `seed ${SEED}: no transaction ever conflicted`).toBeGreaterThan(0);
      await checkFinal(bank, run, results, "at the end");
    } finally {
      await db.close();
    }
  });

  // Deterministic: both withdrawals see the pair at 100 and each takes 60 from its own account.
  it.each([
    { isolation: "snapshot", negative: true },
    { isolation: "serializable", negative: false },
  ] as const)("combined constraint write skew: under $isolation the pair can go negative: $negative", async ({ isolation, negative }) => {
    const store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG });
    try {
      const run = storeRunner(store, new TestRng(SEED, 5), { serializationFailures: 0, deadlocks: 0 });
      await setupAccounts(run, [50, 50]);
      const t1 = await store.begin({ isolation });
      const t2 = await store.begin({ isolation });
      expect((await getNum(t1, 0)) + (await getNum(t1, 1))).toBe(100);
      expect((await getNum(t2, 0)) + (await getNum(t2, 1))).toBe(100);
      await t1.put(enc(acctKey(0)), enc("-10"));
      await t2.put(enc(acctKey(1)), enc("-10"));
      await t1.commit();
      let failure: string | undefined;
      try {
        await t2.commit();
      } catch (e) {
        failure = sqlstateOf(e);
      }
      expect(failure).toBe(negative ? undefined : "40001");
      const total = await run(async (tx) => (await getNum(tx, 0)) + (await getNum(tx, 1)), { isolation, readOnly: true });
      expect(total).toBe(negative ? -20 : 40);
      expect(store.stats().active).toBe(0);
    } finally {
      await store.close();
    }
  });
});
