import { compareBytes } from "../internal-key.js";
import { largestUserKey, totalBytes, userKeyRange, type FileMetadata } from "../version/file-metadata.js";
import type { Version } from "../version/version.js";

/**
 * The smallest and largest user key of the logical key `userKey` belongs to (for the MVCC layer:
 * all versions of one row). Compactions take every file of a level that holds part of a logical
 * key, so a logical key's versions move down the tree together: deeper is always older, and
 * garbage collection sees them side by side.
 */
export type LogicalKeyBounds = (userKey: Buffer) => readonly [lo: Buffer, hi: Buffer];

/** The shape settings that decide when and what to compact. */
export interface CompactionShape {
  readonly l0CompactionTrigger: number;
  readonly l1TargetBytes: number;
  readonly levelSizeRatio: number;
  readonly logicalKeyBounds?: LogicalKeyBounds;
}

export interface CompactionPick {
  readonly level: number;
  readonly outputLevel: number;
  /** Files taken from `level`. */
  readonly inputs: readonly FileMetadata[];
  /** Files of `outputLevel` that overlap the inputs and are rewritten with them. */
  readonly overlaps: readonly FileMetadata[];
  /** No overlap and one input: move the file down by a manifest edit, without rewriting it. */
  readonly trivialMove: boolean;
  /** Why: the level's score (>= 1 triggers). */
  readonly score: number;
}

/** Target total bytes of level `level` (>= 1): L1 target, times the ratio per level below it. */
export function levelTargetBytes(shape: CompactionShape, level: number): number {
  return shape.l1TargetBytes * shape.levelSizeRatio ** (level - 1);
}

/**
 * Each level's compaction score: L0 by file count against the trigger (L0 files overlap, so
 * their count is what costs reads); deeper levels by bytes against the target.
 */
export function levelScores(version: Version, shape: CompactionShape): number[] {
  const last = version.levels.length - 1;
  return version.levels.map((files, level) => {
    if (level === last) return 0; // nothing below to compact into
    if (level === 0) return files.length / shape.l0CompactionTrigger;
    return totalBytes(files) / levelTargetBytes(shape, level);
  });
}

/**
 * Picks the most urgent compaction, or undefined when every score is below 1.
 * L0 → L1 takes every L0 file (NB: taking a subset could move a newer version below an older one
 * left in L0). Ln → Ln+1 takes one file, round-robin from the level's compact pointer.
 */
export function pickCompaction(
  version: Version,
  shape: CompactionShape,
  compactPointers: ReadonlyMap<number, Buffer>,
): CompactionPick | undefined {
  const scores = levelScores(version, shape);
  let level = -1;
  let score = 1;
  for (let l = 0; l < scores.length; l++) {
    if (scores[l]! >= score) {
      score = scores[l]!;
      level = l;
    }
  }
  if (level < 0) return undefined;
  return pickForLevel(version, level, score, compactPointers.get(level), shape.logicalKeyBounds);
}

/** The compaction of `level` into `level + 1` (L0: all files; deeper: the file after `pointer`). */
export function pickForLevel(
  version: Version,
  level: number,
  score: number,
  pointer?: Buffer,
  logicalKeyBounds?: LogicalKeyBounds,
): CompactionPick | undefined {
  const files = version.levels[level]!;
  if (files.length === 0 || level + 1 >= version.levels.length) return undefined;
  let inputs: FileMetadata[];
  if (level === 0) {
    inputs = [...files];
  } else {
    const next = pointer === undefined ? undefined : files.find((f) => compareBytes(largestUserKey(f), pointer) > 0);
    inputs = [next ?? files[0]!];
  }
  let [lo, hi] = widen(userKeyRange(inputs), logicalKeyBounds);
  if (level > 0 && logicalKeyBounds) {
    // Neighbouring files of the level may hold other parts of the logical keys at the edges.
    for (;;) {
      const expanded = version.overlapping(level, lo, hi);
      if (expanded.length === inputs.length) break;
      inputs = expanded;
      [lo, hi] = widen(userKeyRange(inputs), logicalKeyBounds);
    }
  }
  const overlaps = version.overlapping(level + 1, lo, hi);
  return {
    level,
    outputLevel: level + 1,
    inputs,
    overlaps,
    trivialMove: inputs.length === 1 && overlaps.length === 0,
    score,
  };
}

function widen([lo, hi]: [Buffer, Buffer], bounds: LogicalKeyBounds | undefined): [Buffer, Buffer] {
  return bounds ? [bounds(lo)[0], bounds(hi)[1]] : [lo, hi];
}

/**
 * True if no level below `outputLevel` holds `userKey`: then a tombstone (or a version every
 * snapshot sees as shadowed) at the output level can be dropped instead of written.
 */
export function isBottomForKey(version: Version, outputLevel: number, userKey: Uint8Array): boolean {
  for (let l = outputLevel + 1; l < version.levels.length; l++) {
    const files = version.levels[l]!;
    const i = version.findFile(l, userKey);
    if (i < files.length && compareBytes(userKeyRange([files[i]!])[0], userKey) <= 0) return false;
  }
  return true;
}
