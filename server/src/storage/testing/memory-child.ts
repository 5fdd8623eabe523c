/**
 * Writes far more data than the engine's memory budgets, then reads it back at random, printing
 * memory figures (after a full GC) at checkpoints as JSON lines. Run with --expose-gc.
 * Usage: memory-child.ts <dir> <megabytes>
 */
import { StorageEngine } from "../engine.js";

const [dir, mb] = process.argv.slice(2);
const VALUE_BYTES = 1000;
const keys = Math.floor((Number(mb) * 1024 * 1024) / VALUE_BYTES);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

function report(phase: string, written: number): void {
  gc!();
  const m = process.memoryUsage();
  console.log(JSON.stringify({ phase, written, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }));
}

const db = await StorageEngine.open(dir!, {
  config: {
    wal_sync: "none",
    memtable_size: 1024 * 1024,
    block_cache_size: 1024 * 1024,
    buffer_pool_size: 8 * 1024 * 1024,
    l1_target_size: 4 * 1024 * 1024,
    target_file_size: 2 * 1024 * 1024,
  },
});
const value = Buffer.alloc(VALUE_BYTES, 7);
const key = (i: number) => Buffer.from(`key${String((i * 7919) % keys).padStart(10, "0")}`);
report("start", 0);
for (let i = 0; i < keys; i++) {
  await db.put(key(i), value);
  if ((i + 1) % Math.floor(keys / 5) === 0) report("write", i + 1);
}
for (let i = 0; i < keys; i += 3) {
  if (db.get(key(i)) === undefined) throw new Error(`lost key ${i}`);
}
report("read", keys);
console.log(JSON.stringify({ phase: "stats", cache: db.stats().blockCache, levels: db.stats().levels }));
await db.close();
