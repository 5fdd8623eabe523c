import { afterEach, beforeEach, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { TxnStore } from "./txn-store.js";

/**
 * Known bug, kept as an expected failure until it is fixed (then drop `.fails`): prepare()
 * publishes the global id (txn-store.ts, `this.prepared.set(gid, entry)`) before the prepared
 * record is written, so listPrepared() reports it and ROLLBACK PREPARED finishes it while
 * PREPARE is still in flight. prepare() then resolves as if it succeeded, though the transaction
 * no longer holds its locks and can no longer be committed: against kv.ts, which promises that
 * after prepare() resolves the transaction keeps its locks and is finished only by id.
 */

let dir: string;
let store: TxnStore;

beforeEach(async () => {
  dir = makeTempDir("alopex-prepare-race-");
  store = await TxnStore.open(dir, { storage: { wal_sync: "always" } });
});

afterEach(async () => {
  await store.close();
  removeTempDir(dir);
});

it("a transaction whose prepare() resolved is still prepared", async () => {
  const tx = await store.begin();
  await tx.put(Buffer.from("a"), Buffer.from("1"));
  const preparing = tx.prepare("g1");
  const rollback = store.rollbackPrepared("g1").catch(() => undefined);
  await preparing;
  await rollback;
  expect((await store.listPrepared()).map((p) => p.gid)).toEqual(["g1"]);
});
