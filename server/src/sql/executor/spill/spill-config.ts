/**
 * How an operator spends its work_mem: the budget for buffered rows, and the sizes derived from
 * it for the buffers that read and write spill files, so that an operator's memory stays near
 * the budget whatever the input size.
 */
import type { ExecContext } from "../context.js";
import { nodeSpillFiles, spillDirectory, type SpillFileSystem } from "./spill-files.js";

export interface SpillConfig {
  /** Bytes of rows (as row-size.ts estimates them) an operator holds before it spills. */
  readonly budgetBytes: number;
  /** Buffer of one spill file being written or read. */
  readonly blockBytes: number;
  /** Runs merged at once: their read buffers (decoded) stay within the budget. */
  readonly mergeFanIn: number;
  /** Files a hash operator splits its input into per spill level. */
  readonly partitions: number;
  readonly files: SpillFileSystem;
}

/**
 * NB: decoded rows take a few times their encoded size, so a block read from a run is counted
 * four times over when the fan-in is derived from the budget.
 */
export function spillConfig(budgetBytes: number, files: SpillFileSystem): SpillConfig {
  const budget = Math.max(1024, Math.floor(budgetBytes));
  const blockBytes = clamp(Math.floor(budget / 64), 1024, 64 * 1024);
  return {
    budgetBytes: budget,
    blockBytes,
    mergeFanIn: clamp(Math.floor(budget / (4 * blockBytes)), 2, 128),
    partitions: clamp(Math.floor(budget / (4 * blockBytes)), 4, 32),
    files,
  };
}

/** The spill configuration of the statement running in `ctx` (read when an operator opens). */
export function spillConfigOf(ctx: ExecContext): SpillConfig {
  return spillConfig(ctx.settings.workMemBytes, ctx.spillFiles ?? nodeSpillFiles(spillDirectory(ctx.settings.tempDir)));
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
