/**
 * Hash partitioning for operators whose hash table outgrows work_mem (hash aggregation, hash
 * join): records go to one of `partitions` spill files by a hash of their key, seeded by the
 * recursion level so that a partition split again spreads over new partitions.
 */
import type { HashKey, SqlValue } from "../../types/index.js";
import { type Run, RunWriter } from "./run-file.js";
import type { SpillConfig } from "./spill-config.js";
import type { SpillFileSet } from "./spill-files.js";

const f64 = new Float64Array(1);
const words = new Uint32Array(f64.buffer);

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a hash key; equal keys hash alike at the same level. */
export function hashOfKey(key: HashKey, level: number): number {
  let h = fmix32(Math.imul(level + 1, 0x9e3779b1));
  if (typeof key === "number") {
    // Every NaN is one key (Map treats them so), so hash the canonical NaN bits.
    f64[0] = Number.isNaN(key) ? NaN : key;
    h = fmix32(h ^ words[0]!);
    return fmix32(h ^ words[1]! ^ 0x6b43a9b5);
  }
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return fmix32(h ^ key.length);
}

export function partitionOf(key: HashKey, level: number, partitions: number): number {
  return hashOfKey(key, level) % partitions;
}

/** One spill file per partition, created when the partition gets its first record. */
export class PartitionWriter {
  private readonly writers: (RunWriter | undefined)[];

  constructor(
    private readonly config: SpillConfig,
    private readonly files: SpillFileSet,
    readonly partitions: number,
  ) {
    this.writers = new Array<RunWriter | undefined>(partitions).fill(undefined);
  }

  async append(partition: number, record: readonly SqlValue[]): Promise<void> {
    let w = this.writers[partition];
    if (!w) {
      w = await RunWriter.create(this.config.files, this.config.blockBytes);
      this.files.add(w.file);
      this.writers[partition] = w;
    }
    await w.append(record);
  }

  /** The finished runs by partition (undefined: the partition got no records). */
  async finish(): Promise<(Run | undefined)[]> {
    const out: (Run | undefined)[] = [];
    for (const w of this.writers) out.push(w ? await w.finish() : undefined);
    return out;
  }
}
