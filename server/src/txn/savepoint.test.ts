import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { TxnStore } from "./txn-store.js";

let dir: string;
let store: TxnStore;
const b = (s: string) => Buffer.from(s);
const str = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "alopex-savepoint-"));
  store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("savepoints", () => {
  test("rollback to a savepoint undoes later writes, keeps earlier ones and the savepoint", async () => {
    const tx = await store.begin();
    await tx.put(b("a"), b("1"));
    tx.savepoint("s1");
    await tx.put(b("a"), b("2"));
    await tx.put(b("b"), b("x"));
    await tx.delete(b("a"));
    await tx.rollbackToSavepoint("s1");
    expect(str(await tx.get(b("a")))).toBe("1");
    expect(await tx.get(b("b"))).toBeUndefined();
    // The savepoint is still there: roll back to it again.
    await tx.put(b("c"), b("y"));
    await tx.rollbackToSavepoint("s1");
    expect(await tx.get(b("c"))).toBeUndefined();
    await tx.commit();
    const r = await store.begin({ readOnly: true });
    expect(str(await r.get(b("a")))).toBe("1");
    expect(await r.get(b("b"))).toBeUndefined();
    await r.commit();
  });

  test("nested savepoints: rolling back to the outer one undoes both; release merges into the enclosing one", async () => {
    const tx = await store.begin();
    tx.savepoint("outer");
    await tx.put(b("k"), b("1"));
    tx.savepoint("inner");
    await tx.put(b("k"), b("2"));
    tx.releaseSavepoint("inner");
    expect(str(await tx.get(b("k")))).toBe("2");
    await tx.rollbackToSavepoint("outer");
    expect(await tx.get(b("k"))).toBeUndefined();
    expect(() => tx.releaseSavepoint("inner")).toThrow(expect.objectContaining({ sqlstate: "3B001" }));
    await tx.rollback();
  });

  test("a repeated name refers to the newest savepoint of that name", async () => {
    const tx = await store.begin();
    tx.savepoint("s");
    await tx.put(b("k"), b("1"));
    tx.savepoint("s");
    await tx.put(b("k"), b("2"));
    await tx.rollbackToSavepoint("s");
    expect(str(await tx.get(b("k")))).toBe("1");
    await tx.rollback();
  });

  test("a write undone by a rollback to a savepoint keeps its lock, also through PREPARE and a restart", async () => {
    const tx = await store.begin();
    tx.savepoint("s");
    await tx.put(b("k"), b("1"));
    await tx.rollbackToSavepoint("s");
    expect(await tx.get(b("k"))).toBeUndefined();
    expect(tx.keyLocks.get(Buffer.from("k").toString("latin1"))).toBe("exclusive");
    const other = await store.begin({ lockTimeoutMs: 20 });
    await expect(other.put(b("k"), b("2"))).rejects.toMatchObject({ sqlstate: "55P03" });
    await tx.prepare("g");
    await store.close();
    store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
    const after = await store.begin({ lockTimeoutMs: 20 });
    await expect(after.put(b("k"), b("3"))).rejects.toMatchObject({ sqlstate: "55P03" });
    await store.rollbackPrepared("g");
    const last = await store.begin();
    await last.put(b("k"), b("4"));
    await last.commit();
  });

  test("unknown savepoint is 3B001", async () => {
    const tx = await store.begin();
    await expect(tx.rollbackToSavepoint("nope")).rejects.toMatchObject({ sqlstate: "3B001" });
    await tx.rollback();
  });
});
