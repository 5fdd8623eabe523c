import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "./testing/temp-dir.js";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "testing", "memory-child.ts");
const DATA_MB = 200;
const MB = 1024 * 1024;

interface Checkpoint {
  phase: string;
  written: number;
  rss: number;
  heapUsed: number;
  external: number;
}

describe("memory stays within the budgets", () => {
  it(`writing ${DATA_MB} MiB through a 1 MiB memtable and a 1 MiB block cache`, () => {
    const dir = makeTempDir("alopex-mem-");
    try {
      const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", CHILD, dir, String(DATA_MB)], { encoding: "utf8", timeout: 240_000 });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Checkpoint & { cache?: { sizeBytes: number; capacityBytes: number } });
      const points = lines.filter((l) => l.phase !== "stats");
      const stats = lines.find((l) => l.phase === "stats")!;
      const start = points[0]!;
      const live = (p: Checkpoint) => p.heapUsed + p.external;
      const summary = points.map((p) => `${p.phase}@${p.written}: live ${(live(p) / MB).toFixed(1)} MiB, rss ${(p.rss / MB).toFixed(0)} MiB`).join("; ");
      // Budgets in play: memtable 1 MiB (plus at most 2 immutable), cache 1 MiB, WAL queue,
      // and per open table its index and bloom filter (about 2% of the table's bytes).
      // A ceiling far below the data written (200 MiB would be held if anything kept it all) ...
      for (const p of points) {
        expect(live(p) - live(start), summary).toBeLessThan(56 * MB);
        expect(p.rss - start.rss, summary).toBeLessThan(160 * MB);
      }
      // ... and no growth with data: from the first checkpoint to the last, data grows 5x.
      const writes = points.filter((p) => p.phase === "write");
      expect(live(writes[writes.length - 1]!) - live(writes[0]!), summary).toBeLessThan(20 * MB);
      expect(stats.cache!.sizeBytes).toBeLessThanOrEqual(stats.cache!.capacityBytes);
    } finally {
      removeTempDir(dir);
    }
  }, 300_000);
});
