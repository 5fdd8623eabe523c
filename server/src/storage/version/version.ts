import { assert } from "../assert.js";
import { compareBytes, compareInternalKeys, compareUserKeyOf } from "../internal-key.js";
import { largestUserKey, overlapsUserRange, smallestUserKey, type FileMetadata } from "./file-metadata.js";
import type { VersionEdit } from "./version-edit.js";

/**
 * An immutable set of live SSTables by level. L0 files may overlap and are ordered newest first;
 * every deeper level is sorted by smallest key and its files do not overlap in user keys.
 *
 * Invariant (what makes reads correct): for any user key, a newer version lives in a lower level,
 * or in a newer L0 file, than any older version.
 */
export class Version {
  /** Readers and iterators pin a version so its files outlive a compaction that removes them. */
  refs = 0;

  constructor(readonly levels: readonly (readonly FileMetadata[])[]) {}

  static empty(numLevels: number): Version {
    return new Version(Array.from({ length: numLevels }, () => []));
  }

  /** A new version with `edit`'s deletions and additions applied. */
  apply(edit: VersionEdit): Version {
    const levels = this.levels.map((files) => [...files]);
    for (const [level, fileNumber] of edit.deleted ?? []) {
      const files = levels[level];
      assert(files !== undefined, `version edit names level ${level}`);
      const i = files.findIndex((f) => f.fileNumber === fileNumber);
      assert(i >= 0, `version edit deletes file ${fileNumber} which is not in level ${level}`);
      files.splice(i, 1);
    }
    for (const [level, file] of edit.added ?? []) {
      const files = levels[level];
      assert(files !== undefined, `version edit names level ${level}`);
      files.push(file);
    }
    levels[0]!.sort((a, b) => b.largestSeq - a.largestSeq || b.fileNumber - a.fileNumber);
    for (let l = 1; l < levels.length; l++) levels[l]!.sort((a, b) => compareInternalKeys(a.smallest, b.smallest));
    const v = new Version(levels);
    v.checkInvariants();
    return v;
  }

  /** Files of `level` whose user-key range intersects [lo, hi]. */
  overlapping(level: number, lo: Uint8Array | undefined, hi: Uint8Array | undefined): FileMetadata[] {
    return this.levels[level]!.filter((f) => overlapsUserRange(f, lo, hi));
  }

  /** In a sorted level (>= 1): the index of the first file whose largest user key >= key. */
  findFile(level: number, userKey: Uint8Array): number {
    const files = this.levels[level]!;
    let lo = 0;
    let hi = files.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      // In place: a view of each key looked at showed in point-read profiles.
      if (compareUserKeyOf(files[mid]!.largest, userKey) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  fileNumbers(): number[] {
    return this.levels.flatMap((files) => files.map((f) => f.fileNumber));
  }

  /** Levels >= 1 must be sorted and non-overlapping in user keys. */
  checkInvariants(): void {
    for (let l = 1; l < this.levels.length; l++) {
      const files = this.levels[l]!;
      for (let i = 1; i < files.length; i++) {
        assert(
          compareBytes(largestUserKey(files[i - 1]!), smallestUserKey(files[i]!)) < 0,
          `level ${l}: files ${files[i - 1]!.fileNumber} and ${files[i]!.fileNumber} overlap`,
        );
      }
    }
  }
}
