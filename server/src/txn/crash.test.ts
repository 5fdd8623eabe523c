import { runChildUntilKilled } from "../storage/testing/kill-child.js";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { TxnError } from "./errors.js";
import { TestRng } from "./testing/rng.js";
import { COUNTER_KEY, CRASH_STORAGE, gidOf, parseTxnValue, readKey, txnKey } from "./testing/txn-crash-workload.js";
import { TxnStore } from "./txn-store.js";

/**
 * Transactions under SIGKILL: a child process commits and prepares transactions durably and
 * says so on stdout; the test kills it at a random moment, reopens the store and checks that
 * what was acknowledged survived, that nothing is half-applied, and that prepared transactions
 * come back with their locks and can be finished by global id.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, "testing", "txn-crash-child.ts");
const ROUNDS = Number(process.env.ALOPEX_TXN_CRASH_ROUNDS ?? 6);
const SEED = Number(process.env.ALOPEX_CRASH_SEED ?? Date.now() % 1_000_000);

type Mode = "prepare" | "commit-prepared";

interface ChildReport {
  readonly began: Set<string>;
  readonly committed: Set<string>;
  readonly prepared: Set<string>;
  /** Global ids. */
  readonly commitPrepared: Set<string>;
  readonly killed: boolean;
}

/** Runs the child and SIGKILLs it `killAfterMs` after it is ready; collects what it acknowledged. */
async function runChild(dir: string, round: number, mode: Mode, killAfterMs: number): Promise<ChildReport> {
  const report = { began: new Set<string>(), committed: new Set<string>(), prepared: new Set<string>(), commitPrepared: new Set<string>() };
  const sets: Record<string, Set<string>> = { B: report.began, C: report.committed, P: report.prepared, CP: report.commitPrepared };
  const { killed } = await runChildUntilKilled(
    CHILD,
    [dir, String(round), String(SEED), mode],
    killAfterMs,
    (line) => {
      const m = /^(B|C|P|CP) (\S+)$/.exec(line);
      if (m) sets[m[1]!]!.add(m[2]!);
    },
    `seed ${SEED} round ${round}`,
  );
  return { ...report, killed };
}

const enc = (s: string) => Buffer.from(s);
const dec = (b: Uint8Array) => Buffer.from(b).toString();
const idOfGid = (gid: string) => gid.slice(1);

/** Transactions whose writes are visible, by id, each checked to be whole. */
interface Visible {
  readonly c: Set<string>;
  readonly p: Set<string>;
  readonly counter: number;
}

async function readVisible(store: TxnStore, fail: (msg: string) => never): Promise<Visible> {
  const groups = { c: new Map<string, { n: number; seen: Set<number> }>(), p: new Map<string, { n: number; seen: Set<number> }>() };
  let counter = 0;
  const tx = await store.begin({ readOnly: true });
  for await (const e of tx.scan()) {
    const key = dec(e.key);
    const value = dec(e.value);
    if (key === COUNTER_KEY) {
      counter = Number(value);
      continue;
    }
    const m = /^([cp])\/([\d.]+)\/(\d+)$/.exec(key);
    const v = parseTxnValue(value);
    if (!m || !v || v.id !== m[2] || v.i !== Number(m[3])) fail(`unexpected entry ${key} = ${value.slice(0, 40)}`);
    const kind = m[1] as "c" | "p";
    let g = groups[kind].get(v.id);
    if (!g) groups[kind].set(v.id, (g = { n: v.n, seen: new Set() }));
    if (g.n !== v.n) fail(`transaction ${v.id} wrote ${g.n} and ${v.n} keys`);
    g.seen.add(v.i);
  }
  await tx.commit();
  for (const kind of ["c", "p"] as const) {
    for (const [id, g] of groups[kind]) {
      if (g.seen.size !== g.n) fail(`transaction ${id} is half-applied: ${g.seen.size} of its ${g.n} keys (${kind}/) are visible`);
    }
  }
  return { c: new Set(groups.c.keys()), p: new Set(groups.p.keys()), counter };
}

const sqlstateOf = (e: unknown) => (e instanceof TxnError ? e.sqlstate : undefined);

/** A writer of `key` with a 50 ms lock timeout: what it ends with (55P03 when a lock blocks it). */
async function tryWrite(store: TxnStore, key: string): Promise<string> {
  const tx = await store.begin({ lockTimeoutMs: 50 });
  try {
    await tx.put(enc(key), enc("intruder"));
    await tx.rollback();
    return "granted";
  } catch (e) {
    if (tx.state === "active") await tx.rollback();
    return sqlstateOf(e) ?? String(e);
  }
}

describe(`transactions under SIGKILL (seed ${SEED}; rerun with ALOPEX_CRASH_SEED=${SEED})`, () => {
  it(`keep acknowledged commits and prepared transactions whole, over ${ROUNDS} kills`, async () => {
    const dir = makeTempDir("alopex-txn-crash-");
    const began = new Set<string>();
    /** Committed transactions seen after earlier kills: they must stay. */
    const durable = new Set<string>();
    /** Prepared transactions seen committed after earlier kills. */
    const durablePrepared = new Set<string>();
    /** Prepared transactions the test committed or rolled back after earlier kills. */
    const resolved = new Map<string, "commit" | "rollback">();
    const totals = { committed: 0, prepared: 0, commitPrepared: 0, resolvedCommit: 0, resolvedRollback: 0 };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const mode: Mode = round % 2 === 0 ? "prepare" : "commit-prepared";
        const rng = new TestRng(SEED, round);
        const killAfterMs = 50 + rng.int(400);
        const report = await runChild(dir, round, mode, killAfterMs);
        for (const id of report.began) began.add(id);
        totals.committed += report.committed.size;
        totals.prepared += report.prepared.size;
        totals.commitPrepared += report.commitPrepared.size;
        const where = `seed ${SEED}, round ${round} (${mode}, killed ${report.killed ? `after ${killAfterMs} ms` : "never: it finished"}, ${report.committed.size} commits, ${report.prepared.size} prepares and ${report.commitPrepared.size} commit-prepared acknowledged)`;
        const fail = (msg: string): never => {
          throw new Error(`${where}: ${msg}`);
        };

        /** Everything that must hold whenever the store is open, before this round's prepared ones are finished. */
        const checkCommon = async (store: TxnStore, when: string): Promise<{ visible: Visible; listed: Set<string> }> => {
          const failWhen = (msg: string): never => fail(`${when}: ${msg}`);
          const visible = await readVisible(store, failWhen);
          for (const id of report.committed) if (!visible.c.has(id)) failWhen(`acknowledged commit ${id} is lost`);
          for (const id of durable) if (!visible.c.has(id)) failWhen(`commit ${id}, present after an earlier kill, is gone`);
          for (const id of visible.c) if (!began.has(id)) failWhen(`transaction ${id} never began, yet its writes are there`);
          if (visible.counter !== visible.c.size) failWhen(`the counter is ${visible.counter}, but ${visible.c.size} counting transactions are visible`);
          const listed = new Set((await store.listPrepared()).map((p) => idOfGid(p.gid)));
          for (const id of listed) {
            if (!began.has(id)) failWhen(`prepared transaction ${id} never began`);
            if (visible.p.has(id)) failWhen(`prepared transaction ${id} is both listed and visible`);
            if (resolved.has(id)) failWhen(`prepared transaction ${id} was ${resolved.get(id)}ed by the test, yet it is listed again`);
          }
          for (const id of visible.p) {
            const r = resolved.get(id);
            if (r === "rollback") failWhen(`prepared transaction ${id} was rolled back, yet its writes are visible`);
            if (r === "commit" || durablePrepared.has(id)) continue;
            // New since the last check: only this child's COMMIT PREPARED can have committed it.
            if (!report.prepared.has(id)) failWhen(`transaction ${id} committed without an acknowledged prepare`);
            if (mode === "prepare") failWhen(`prepared transaction ${id} committed, but nobody committed it`);
          }
          for (const [id, r] of resolved) if (r === "commit" && !visible.p.has(id)) failWhen(`prepared transaction ${id} was committed by the test, but its writes are gone`);
          for (const id of durablePrepared) if (!visible.p.has(id)) failWhen(`prepared transaction ${id}, committed before an earlier kill, is gone`);
          for (const gid of report.commitPrepared) {
            if (!visible.p.has(idOfGid(gid))) failWhen(`acknowledged COMMIT PREPARED ${gid} is not committed`);
          }
          for (const id of report.prepared) {
            if (resolved.get(id) === "rollback") continue;
            if (!listed.has(id) && !visible.p.has(id)) failWhen(`acknowledged prepared transaction ${id} is lost: neither listed nor committed`);
          }
          return { visible, listed };
        };

        let store = await TxnStore.open(dir, { storage: CRASH_STORAGE });
        try {
          const { visible, listed } = await checkCommon(store, "after the kill");
          expect(store.stats().prepared, where).toBe(listed.size);

          // Restored prepared transactions (whose writes checkCommon found hidden) block writers of what they wrote and read.
          const blocked = await Promise.all(
            [...listed].map(async (id) => ({ id, write: await tryWrite(store, txnKey("p", id, 0)), read: await tryWrite(store, readKey(id)) })),
          );
          for (const b of blocked) {
            if (b.write !== "55P03") fail(`a writer of prepared transaction ${b.id}'s key got ${b.write}, not 55P03`);
            if (b.read !== "55P03") fail(`a writer of a key prepared transaction ${b.id} read got ${b.read}, not 55P03`);
          }

          // Finish them by global id: half commit, half roll back.
          const decisions = new Map<string, "commit" | "rollback">();
          for (const id of [...listed].sort()) decisions.set(id, rng.chance(0.5) ? "commit" : "rollback");
          await Promise.all(
            [...decisions].map(([id, d]) => (d === "commit" ? store.commitPrepared(gidOf(id)) : store.rollbackPrepared(gidOf(id)))),
          );
          for (const [id, d] of decisions) {
            resolved.set(id, d);
            if (d === "commit") totals.resolvedCommit++;
            else totals.resolvedRollback++;
          }
          for (const id of visible.c) durable.add(id);
          for (const id of visible.p) durablePrepared.add(id);

          const checkResolved = async (when: string) => {
            const after = await checkCommon(store, when);
            if (after.listed.size !== 0) fail(`${when}: prepared transactions still listed: ${[...after.listed].join(", ")}`);
            for (const [id, d] of decisions) {
              if ((d === "commit") !== after.visible.p.has(id)) fail(`${when}: ${d} of prepared transaction ${id} did not take effect`);
              const w = await tryWrite(store, txnKey("p", id, 0));
              if (w !== "granted") fail(`${when}: prepared transaction ${id} was finished, but a writer of its key got ${w}`);
            }
            if (store.stats().active !== 0) fail(`${when}: ${store.stats().active} transactions left active`);
            expect(store.locks.stats(), `${where}: ${when}: locks left held`).toEqual({ lockedTargets: 0, waiters: 0, rangeLocks: 0 });
          };
          await checkResolved("after finishing the prepared transactions");
          await store.close();
          store = await TxnStore.open(dir, { storage: CRASH_STORAGE });
          await checkResolved("after another reopen");
        } finally {
          await store.close();
        }
      }
      // Rounds where nothing was acknowledged would prove nothing.
      expect(totals.committed, `seed ${SEED}: no commit was acknowledged`).toBeGreaterThan(0);
      expect(totals.prepared, `seed ${SEED}: no prepare was acknowledged`).toBeGreaterThan(0);
      if (ROUNDS >= 2) expect(totals.commitPrepared, `seed ${SEED}: no COMMIT PREPARED was acknowledged`).toBeGreaterThan(0);
      if (ROUNDS >= 4) expect(totals.resolvedCommit * totals.resolvedRollback, `seed ${SEED}: prepared transactions were not both committed and rolled back`).toBeGreaterThan(0);
    } finally {
      removeTempDir(dir);
    }
  }, 600_000);
});
