import { afterEach, beforeEach, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { TxnStore } from "./txn-store.js";

/**
 * PREPARE in flight must not be visible: until its record is durable the global id is taken
 * (a second PREPARE with it fails) but it is neither listed nor finishable, so a ROLLBACK
 * PREPARED racing it fails with 42704 instead of finishing a transaction that is still preparing.
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
