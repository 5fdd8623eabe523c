import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { Database } from "./embedded.js";

let dir: string;
let db: Database;

beforeEach(async () => {
  dir = makeTempDir("alopex-db-");
  db = await Database.open(dir, { storage: { wal_sync: "none" }, retryDelayMs: 0 });
});

afterEach(async () => {
  await db.close();
  removeTempDir(dir);
});

const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());

describe("Database (embedded)", () => {
  it("gets, puts, deletes and scans with string or byte keys", async () => {
    await db.put("b", "2");
    await db.put(Buffer.from("a"), "1");
    await db.put("c", "3");
    expect(text(await db.get("a"))).toBe("1");
    await db.delete("c");
    expect(await db.get("c")).toBeUndefined();
    const rows = await db.scan({ start: "a", reverse: true });
    expect(rows.map((r) => text(r.key))).toEqual(["b", "a"]);
  });

  it.each(["snapshot", "serializable"] as const)("retries conflicting read-modify-writes until all apply (%s)", async (isolation) => {
    await db.put("n", "0");
    const workers = Array.from({ length: 20 }, () =>
      db.transaction(
        async (tx) => {
          const n = Number(text(await tx.get(Buffer.from("n"))));
          await new Promise((r) => setImmediate(r));
          await tx.put(Buffer.from("n"), Buffer.from(String(n + 1)));
        },
        { isolation, maxRetries: 100 },
      ),
    );
    await Promise.all(workers);
    expect(text(await db.get("n"))).toBe("20");
    expect(db.stats().transactions.serializationFailures + db.stats().transactions.aborts).toBeGreaterThan(0);
  });

  it("gives up after maxRetries with the serialization failure", async () => {
    await db.put("x", "0");
    let attempts = 0;
    const p = db.transaction(
      async (tx) => {
        attempts++;
        await tx.get(Buffer.from("x"));
        await db.put("x", String(attempts)); // a concurrent committer every time
        await tx.put(Buffer.from("x"), Buffer.from("mine"));
      },
      { maxRetries: 2 },
    );
    await expect(p).rejects.toMatchObject({ sqlstate: "40001" });
    expect(attempts).toBe(3);
  });

  it("rolls back and rethrows other errors without retrying", async () => {
    let attempts = 0;
    await expect(
      db.transaction(async (tx) => {
        attempts++;
        await tx.put(Buffer.from("k"), Buffer.from("v"));
        throw new Error("application says no");
      }),
    ).rejects.toThrow("application says no");
    expect(attempts).toBe(1);
    expect(await db.get("k")).toBeUndefined();
    expect(db.stats().transactions.active).toBe(0);
  });

  it("exposes two-phase commit by global id", async () => {
    const tx = await db.kv.begin();
    await tx.put(Buffer.from("p"), Buffer.from("1"));
    await tx.prepare("g");
    expect((await db.listPrepared()).map((p) => p.gid)).toEqual(["g"]);
    await db.commitPrepared("g");
    expect(text(await db.get("p"))).toBe("1");
  });
});
