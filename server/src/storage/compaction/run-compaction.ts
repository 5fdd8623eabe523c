import { compareUserKeyOf, kindOf, makeInternalKey, seqOf, TRAILER_BYTES, ValueKind } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import { LevelIterator } from "../level-iterator.js";
import { MergingIterator } from "../merging-iterator.js";
import type { TableCache } from "../table-cache.js";
import type { TableOutput } from "../table-output.js";
import type { FileMetadata } from "../version/file-metadata.js";
import type { Version } from "../version/version.js";
import type { CompactionFilterFactory } from "./filter.js";
import { isBottomForKey, type CompactionPick } from "./picker.js";

export interface CompactionRun {
  readonly version: Version;
  readonly pick: CompactionPick;
  /** Versions newer than this are seen by some snapshot and are all kept. */
  readonly smallestSnapshot: number;
  readonly filterFactory?: CompactionFilterFactory;
  readonly targetFileBytes: number;
  /** Lets other work run between chunks; compaction runs on the engine's thread. */
  readonly yieldToEventLoop: () => Promise<void>;
  readonly entriesPerYield: number;
}

export interface CompactionResult {
  readonly outputs: FileMetadata[];
  readonly entriesIn: number;
  readonly entriesDropped: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/** Merges the inputs of `pick` into new files at its output level, dropping what no reader can see. */
export async function runCompaction(run: CompactionRun, tables: TableCache, out: TableOutput): Promise<CompactionResult> {
  const { pick, version, smallestSnapshot } = run;
  const children: InternalIterator[] =
    pick.level === 0
      ? pick.inputs.map((f) => tables.get(f.fileNumber).iterator())
      : [new LevelIterator(pick.inputs, tables)];
  if (pick.overlaps.length > 0) children.push(new LevelIterator(pick.overlaps, tables));
  const iter = new MergingIterator(children);
  const bottommost = version.levels.slice(pick.outputLevel + 1).every((files) => files.length === 0);
  const filter = run.filterFactory?.create({ outputLevel: pick.outputLevel, bottommost });

  let entriesIn = 0;
  let entriesDropped = 0;
  let currentUserKey: Buffer | undefined;
  // Sequence number of the previous entry for the same user key (newer than this one).
  let lastSeqForKey = Infinity;
  try {
    for (iter.seekToFirst(); iter.valid(); iter.next()) {
      const ikey = iter.key();
      const seq = seqOf(ikey);
      const ul = ikey.length - TRAILER_BYTES;
      entriesIn++;
      if (currentUserKey === undefined || compareUserKeyOf(ikey, currentUserKey) !== 0) {
        // Cut only between user keys: all versions of a key stay in one file, which keeps
        // levels >= 1 free of user-key overlap.
        if (out.currentSizeBytes() >= run.targetFileBytes) out.cut();
        currentUserKey = Buffer.from(ikey.subarray(0, ul));
        lastSeqForKey = Infinity;
      }
      const decision = decide(ikey, seq, lastSeqForKey, smallestSnapshot, () => isBottomForKey(version, pick.outputLevel, currentUserKey!));
      lastSeqForKey = seq;
      if (decision === "drop") {
        entriesDropped++;
      } else if (decision === "visible-put" && filter && filter.decide(currentUserKey, iter.value()) === "remove") {
        if (isBottomForKey(version, pick.outputLevel, currentUserKey)) entriesDropped++;
        else out.add(makeInternalKey(currentUserKey, seq, ValueKind.Delete), Buffer.alloc(0));
      } else {
        out.add(ikey, iter.value());
      }
      if (entriesIn % run.entriesPerYield === 0) await run.yieldToEventLoop();
    }
    const outputs = out.finish();
    const bytesRead = [...pick.inputs, ...pick.overlaps].reduce((n, f) => n + f.sizeBytes, 0);
    return { outputs, entriesIn, entriesDropped, bytesRead, bytesWritten: out.bytesWritten };
  } catch (e) {
    out.abandon();
    throw e;
  } finally {
    iter.close();
  }
}

/**
 * What to do with one entry (LevelDB's rules): an entry hidden by a newer version of its key that
 * every snapshot sees is dropped; a tombstone every snapshot sees is dropped when no deeper level
 * holds the key; the visible put of a key goes to the compaction filter.
 */
export function decide(
  ikey: Buffer,
  seq: number,
  lastSeqForKey: number,
  smallestSnapshot: number,
  isBottomForKey: () => boolean,
): "drop" | "keep" | "visible-put" {
  if (lastSeqForKey <= smallestSnapshot) return "drop";
  if (seq > smallestSnapshot) return "keep";
  if (kindOf(ikey) === ValueKind.Delete) return isBottomForKey() ? "drop" : "keep";
  return "visible-put";
}

