import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A fresh temporary directory for one test; remove it with `removeTempDir`. */
export function makeTempDir(prefix = "alopex-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Storage settings small enough that a few thousand keys exercise flushes and every level. */
export const SMALL_ENGINE_CONFIG = {
  memtable_size: 32 * 1024,
  block_cache_size: 256 * 1024,
  buffer_pool_size: 64 * 1024 * 1024,
  l1_target_size: 64 * 1024,
  target_file_size: 16 * 1024,
  l0_compaction_trigger: 2,
  l0_slowdown_trigger: 6,
  l0_stop_trigger: 10,
  num_levels: 4,
  wal_sync: "none",
} as const;
