import { afterEach, describe, expect, it } from "vitest";
import { StorageEngine } from "./engine.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "./testing/temp-dir.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) removeTempDir(dir);
});

describe("write ordering", () => {
  it("applies writes in call order even when some wait for memtable switches and background work", async () => {
    dir = makeTempDir("alopex-order-");
    const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, seed: 1 });
    const key = Buffer.from("order");
    const applied: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 5000; i++) {
      // Large values force memtable switches, flushes and compactions, so writes must wait.
      const value = Buffer.concat([Buffer.from(String(i).padStart(6, "0")), Buffer.alloc(300)]);
      pending.push(db.put(key, value).then(() => void applied.push(i)));
    }
    await Promise.all(pending);
    expect(db.get(key)!.subarray(0, 6).toString()).toBe("004999");
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    await db.flush();
    expect(db.stats().levels.some((l) => l.files > 0)).toBe(true);
    await db.close();
  });
});
