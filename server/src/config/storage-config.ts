import * as os from "node:os";
import { z } from "zod";
import { parseSizeBytes } from "./size.js";

const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseSizeBytes(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/**
 * The storage engine's settings. Keys follow ARCHITECTURE.md's config names (snake_case in files
 * and environment); every size accepts bytes or a unit string.
 */
export const storageConfigSchema = z
  .object({
    /** Memtable rotates (and flushes to L0) when it holds this many bytes. */
    memtable_size: size.default(64 * 1024 * 1024),
    /** Byte budget of the LRU block cache (part of the buffer pool). */
    block_cache_size: size.default(512 * 1024 * 1024),
    /** Budget of all caches together; defaults to 25% of RAM. */
    buffer_pool_size: size.default(Math.floor(os.totalmem() * 0.25)),
    /**
     * Budget for vector search: the HNSW segments of SSTables loaded (an LRU; evicted ones reload
     * on demand) and the merged graphs (one per vector index over all tables; one that does not
     * fit is not built). Memtables' own vector indexes count against memtable_size instead.
     */
    vector_index_memory: size.default(1024 * 1024 * 1024),
    /** `always`: a write is acknowledged after fsync; `interval`: fsync every wal_sync_interval_ms; `none`: never. */
    wal_sync: z.enum(["always", "interval", "none"]).default("always"),
    wal_sync_interval_ms: z.number().int().positive().default(100),
    /** Target size of an SSTable data block before compression/prefixing overhead. */
    block_size: size.default(4096),
    /** Keys between restart points inside a data block. */
    block_restart_interval: z.number().int().min(1).max(1024).default(16),
    /** Bloom filter bits per key; 10 gives about 1% false positives. */
    bloom_bits_per_key: z.number().int().min(0).max(32).default(10),
    /** Immutable memtables allowed to wait for flush before writers stall. */
    max_immutable_memtables: z.number().int().min(1).max(16).default(2),
    /** L0 file count that triggers an L0 → L1 compaction. */
    l0_compaction_trigger: z.number().int().min(1).default(4),
    /** L0 file count at which writes are slowed down. */
    l0_slowdown_trigger: z.number().int().min(1).default(12),
    /** L0 file count at which writes wait for compaction. */
    l0_stop_trigger: z.number().int().min(1).default(20),
    /** Target total size of L1; each deeper level is level_size_ratio times larger. */
    l1_target_size: size.default(64 * 1024 * 1024),
    level_size_ratio: z.number().int().min(2).max(100).default(10),
    /** Number of levels, L0 included. */
    num_levels: z.number().int().min(2).max(12).default(7),
    /** Compaction output files are cut at this size. */
    target_file_size: size.default(8 * 1024 * 1024),
    /** The manifest is rewritten from a snapshot of the current version past this size. */
    max_manifest_size: size.default(16 * 1024 * 1024),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!(c.l0_compaction_trigger <= c.l0_slowdown_trigger && c.l0_slowdown_trigger <= c.l0_stop_trigger)) {
      ctx.addIssue({ code: "custom", message: "need l0_compaction_trigger <= l0_slowdown_trigger <= l0_stop_trigger" });
    }
    if (c.vector_index_memory < 1) {
      ctx.addIssue({ code: "custom", path: ["vector_index_memory"], message: "vector_index_memory must be at least 1 byte" });
    }
    if (c.block_cache_size > c.buffer_pool_size) {
      ctx.addIssue({ code: "custom", message: "block_cache_size must fit inside buffer_pool_size" });
    }
  });

export type StorageConfigInput = z.input<typeof storageConfigSchema>;
export type StorageConfig = z.output<typeof storageConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Validates and fills defaults; throws `ConfigError` listing every bad key. */
export function parseStorageConfig(input: StorageConfigInput = {}): StorageConfig {
  const r = storageConfigSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`);
    throw new ConfigError(`invalid storage config:\n  ${lines.join("\n  ")}`);
  }
  return r.data;
}
