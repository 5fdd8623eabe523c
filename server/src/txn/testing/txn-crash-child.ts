/**
 * The process the transaction crash test kills. Concurrent workers run serializable
 * transactions with `wal_sync: always` and report on stdout, each line written synchronously so
 * that it reaches the parent before the next step:
 *
 *   B <id>     before a commit or prepare is attempted (the transaction began)
 *   C <id>     after commit() resolved
 *   P <id>     after prepare("g<id>") resolved
 *   CP g<id>   after commitPrepared resolved (mode `commit-prepared` only)
 *
 * A committing transaction writes `c/<id>/<i>` for i < n and increments `counter`; a preparing
 * one reads `pr/<id>` (so it holds a read lock) and writes `p/<id>/<i>`. Every value starts with
 * `<id>:<i>/<n>:`, so the parent can tell whose write it sees and whether a transaction is whole.
 *
 * Usage: txn-crash-child.ts <dir> <round> <seed> <mode: prepare | commit-prepared>
 */
import { writeSync } from "node:fs";
import { TxnError } from "../errors.js";
import { TxnStore } from "../txn-store.js";
import { TestRng } from "./rng.js";
import { COUNTER_KEY, CRASH_STORAGE, gidOf, readKey, txnKey, txnValue } from "./txn-crash-workload.js";

const WORKERS = 6;
/** More than a child can do before the kill; it only matters if the kill comes late. */
const MAX_TXNS = 20_000;

async function main(): Promise<void> {
  const [dir, round, seed, mode] = process.argv.slice(2);
  if (dir === undefined || mode === undefined) throw new Error("usage: txn-crash-child.ts <dir> <round> <seed> <mode>");
  const commitPrepared = mode === "commit-prepared";
  const enc = (s: string) => Buffer.from(s);
  const say = (line: string) => writeSync(1, `${line}\n`);

  const store = await TxnStore.open(dir, { storage: CRASH_STORAGE });
  say("ready");
  let next = 0;
  const finishing: Promise<void>[] = [];

  const yieldMaybe = async (rng: TestRng) => {
    if (rng.chance(0.5)) await new Promise(setImmediate);
  };

  async function commitOne(id: string, rng: TestRng): Promise<void> {
    const n = 1 + rng.int(4);
    const pad = rng.int(200);
    for (;;) {
      const tx = await store.begin({ isolation: "serializable" });
      try {
        for (let i = 0; i < n; i++) await tx.put(enc(txnKey("c", id, i)), enc(txnValue(id, i, n, pad)));
        await yieldMaybe(rng);
        const counter = Number(Buffer.from((await tx.get(enc(COUNTER_KEY))) ?? enc("0")).toString());
        await yieldMaybe(rng);
        await tx.put(enc(COUNTER_KEY), enc(String(counter + 1)));
        say(`B ${id}`);
        await tx.commit();
        say(`C ${id}`);
        return;
      } catch (e) {
        if (tx.state === "active") await tx.rollback();
        if (!(e instanceof TxnError && (e.sqlstate === "40001" || e.sqlstate === "40P01"))) throw e;
      }
    }
  }

  async function prepareOne(id: string, rng: TestRng): Promise<void> {
    const n = 1 + rng.int(4);
    const tx = await store.begin({ isolation: "serializable" });
    await tx.get(enc(readKey(id)));
    for (let i = 0; i < n; i++) await tx.put(enc(txnKey("p", id, i)), enc(txnValue(id, i, n, rng.int(200))));
    await yieldMaybe(rng);
    say(`B ${id}`);
    // Nothing else touches this transaction's keys, so prepare cannot conflict.
    await tx.prepare(gidOf(id));
    say(`P ${id}`);
    if (commitPrepared && rng.chance(0.7)) {
      const delayMs = rng.int(20);
      // Not awaited by the worker, so several commit-prepared calls are in flight at the kill.
      finishing.push(
        (async () => {
          await new Promise((r) => setTimeout(r, delayMs));
          await store.commitPrepared(gidOf(id));
          say(`CP ${gidOf(id)}`);
        })(),
      );
    }
  }

  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const rng = new TestRng(Number(seed), Number(round), w);
      while (next < MAX_TXNS) {
        const id = `${round}.${next++}`;
        if (rng.chance(0.25)) await prepareOne(id, rng);
        else await commitOne(id, rng);
      }
    }),
  );
  await Promise.all(finishing);
  await store.close();
  say("done");
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
