/**
 * The process the crash test kills: writes its round's workload with sync `always` from several
 * concurrent writers and prints "<writer> <opIndex>" to stdout as each write is acknowledged.
 * Usage: crash-child.ts <dir> <round> <seed> <writers> <opsPerWriter>
 */
import { writeSync } from "node:fs";
import { StorageEngine } from "../engine.js";
import { crashOps } from "./crash-workload.js";
import { SMALL_ENGINE_CONFIG } from "./temp-dir.js";

const [dir, round, seed, writers, opsPerWriter] = process.argv.slice(2);
const db = await StorageEngine.open(dir!, {
  config: { ...SMALL_ENGINE_CONFIG, wal_sync: "always", memtable_size: 16 * 1024 },
});
writeSync(1, "ready\n");
await Promise.all(
  Array.from({ length: Number(writers) }, async (_, w) => {
    const ops = crashOps(Number(round), w, Number(opsPerWriter), Number(seed));
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.value === undefined) await db.delete(Buffer.from(op.key));
      else await db.put(Buffer.from(op.key), Buffer.from(op.value));
      // Synchronous write: the acknowledgement reaches the parent before the next op starts.
      writeSync(1, `${w} ${i}\n`);
    }
  }),
);
await db.close();
writeSync(1, "done\n");
