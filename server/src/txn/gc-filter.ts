import type { CompactionFilter, CompactionFilterFactory } from "../storage/index.js";
import type { Timestamp } from "./hlc.js";
import { DATA_PREFIX, isTombstoneValue, versionPrefixOf, versionTsOf } from "./mvcc-key.js";

/**
 * Garbage collection of MVCC versions, run by the storage engine's compactions.
 *
 * `horizon` is the oldest read timestamp any transaction may still use: every live snapshot reads
 * at or above it, and new ones start above it. For one user key, such a snapshot sees either a
 * version newer than the horizon or the newest version at or below it. So compaction keeps every
 * version newer than the horizon and the newest one at or below it, and drops the older ones.
 * That newest one may itself go if it is a tombstone and the compaction writes the bottom of the
 * tree (nothing older of the key can sit below it).
 *
 * The engine presents a key's versions consecutively, newest first. Versions of one key that sit
 * outside this compaction are only ever newer, in levels above: writers of one key are serialized
 * by its exclusive lock (so commit-timestamp order is write order), and the store declares each
 * key's versions one logical key (`versionKeyBounds`), which compaction moves down together.
 */
export function mvccGcFilterFactory(horizon: () => Timestamp): CompactionFilterFactory {
  return {
    create: ({ bottommost }) => new MvccGcFilter(horizon(), bottommost),
    // A compaction in a worker thread gets the horizon as of its start, as `create` would.
    forWorker: () => ({ moduleUrl: import.meta.url, exportName: mvccGcFilterAt.name, args: [horizon()] }),
  };
}

/** The filter factory for a fixed horizon: what a compaction in a worker thread uses (see forWorker). */
export function mvccGcFilterAt(horizon: Timestamp): CompactionFilterFactory {
  return { create: ({ bottommost }) => new MvccGcFilter(horizon, bottommost) };
}

export class MvccGcFilter implements CompactionFilter {
  private lastPrefix: Buffer | undefined;
  private keptAtOrBelowHorizon = false;

  constructor(
    private readonly horizon: Timestamp,
    private readonly bottommost: boolean,
  ) {}

  decide(storageKey: Buffer, value: Buffer): "keep" | "remove" {
    if (storageKey[0] !== DATA_PREFIX) return "keep";
    const prefix = versionPrefixOf(storageKey);
    if (this.lastPrefix === undefined || !prefix.equals(this.lastPrefix)) {
      this.lastPrefix = Buffer.from(prefix);
      this.keptAtOrBelowHorizon = false;
    }
    if (versionTsOf(storageKey) > this.horizon) return "keep";
    if (this.keptAtOrBelowHorizon) return "remove";
    this.keptAtOrBelowHorizon = true;
    return this.bottommost && isTombstoneValue(value) ? "remove" : "keep";
  }
}
