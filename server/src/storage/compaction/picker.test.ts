import { describe, expect, it } from "vitest";
import { makeInternalKey, ValueKind } from "../internal-key.js";
import type { FileMetadata } from "../version/file-metadata.js";
import { Version } from "../version/version.js";
import { isBottomForKey, levelScores, pickCompaction, type CompactionShape } from "./picker.js";

const MB = 1024 * 1024;
const shape: CompactionShape = { l0CompactionTrigger: 4, l1TargetBytes: 10 * MB, levelSizeRatio: 10 };
let nextNumber = 1;
function file(lo: string, hi: string, sizeBytes = MB, seq = nextNumber): FileMetadata {
  const n = nextNumber++;
  return {
    fileNumber: n,
    sizeBytes,
    entryCount: 10,
    smallest: makeInternalKey(Buffer.from(lo), seq, ValueKind.Put),
    largest: makeInternalKey(Buffer.from(hi), seq, ValueKind.Put),
    smallestSeq: seq,
    largestSeq: seq,
  };
}
function version(levels: FileMetadata[][]): Version {
  while (levels.length < 4) levels.push([]);
  return Version.empty(4).apply({ added: levels.flatMap((files, l) => files.map((f) => [l, f] as const)) });
}

describe("compaction picker", () => {
  const cases: {
    name: string;
    levels: () => FileMetadata[][];
    want: { level: number; inputs: number; overlaps: number; trivialMove: boolean } | undefined;
  }[] = [
    { name: "nothing to do below the triggers", levels: () => [[file("a", "b")], [file("a", "z")]], want: undefined },
    {
      name: "L0 at the trigger takes every L0 file and every L1 file in their key range",
      levels: () => [[file("a", "c"), file("b", "d"), file("x", "y"), file("c", "e")], [file("a", "b"), file("m", "n"), file("x", "z")]],
      want: { level: 0, inputs: 4, overlaps: 3, trivialMove: false },
    },
    {
      name: "an oversized L1 file with no L2 overlap moves trivially",
      levels: () => [[], [file("a", "b", 11 * MB)], [file("c", "d")]],
      want: { level: 1, inputs: 1, overlaps: 0, trivialMove: true },
    },
    {
      name: "the level furthest over its target wins",
      levels: () => [[file("a", "b"), file("a", "b"), file("a", "b"), file("a", "b")], [file("a", "b", 50 * MB)], [file("a", "c")]],
      want: { level: 1, inputs: 1, overlaps: 1, trivialMove: false },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pick = pickCompaction(version(c.levels()), shape, new Map());
      if (c.want === undefined) expect(pick).toBeUndefined();
      else expect(pick && { level: pick.level, inputs: pick.inputs.length, overlaps: pick.overlaps.length, trivialMove: pick.trivialMove }).toEqual(c.want);
    });
  }

  it("walks a level round-robin from the compact pointer", () => {
    const v = version([[], [file("a", "b", 6 * MB), file("c", "d", 6 * MB), file("e", "f", 6 * MB)]]);
    const names = (p: ReturnType<typeof pickCompaction>) => p!.inputs.map((f) => f.smallest.subarray(0, 1).toString());
    expect(names(pickCompaction(v, shape, new Map()))).toEqual(["a"]);
    expect(names(pickCompaction(v, shape, new Map([[1, Buffer.from("b")]])))).toEqual(["c"]);
    expect(names(pickCompaction(v, shape, new Map([[1, Buffer.from("f")]])))).toEqual(["a"]);
  });

  it("scores L0 by count and deeper levels by bytes; the last level never", () => {
    const v = version([[file("a", "b"), file("a", "b")], [file("a", "b", 5 * MB)], [], [file("a", "z", 999 * MB)]]);
    expect(levelScores(v, shape)).toEqual([0.5, 0.5, 0, 0]);
  });

  it("knows when no deeper level holds a key", () => {
    const v = version([[], [file("a", "m")], [file("c", "e")], [file("x", "z")]]);
    expect(isBottomForKey(v, 1, Buffer.from("d"))).toBe(false);
    expect(isBottomForKey(v, 1, Buffer.from("f"))).toBe(true);
    expect(isBottomForKey(v, 2, Buffer.from("y"))).toBe(false);
    expect(isBottomForKey(v, 3, Buffer.from("y"))).toBe(true);
  });
});

describe("compaction picker with logical keys", () => {
  // Logical key = the part before "@": "k@1" and "k@9" are versions of "k".
  const bounds = (key: Buffer): readonly [Buffer, Buffer] => {
    const s = key.toString();
    const at = s.indexOf("@");
    return at < 0 ? [key, key] : [Buffer.from(s.slice(0, at + 1)), Buffer.from(s.slice(0, at + 1) + "\xff")];
  };
  const logicalShape: CompactionShape = { ...shape, logicalKeyBounds: bounds };

  it.each([
    {
      name: "takes the neighbour file that holds the rest of a logical key",
      levels: () => [[], [file("k@1", "k@5", 30 * MB), file("k@6", "m@1"), file("p@1", "q@1")], [file("m@0", "m@0")]],
      want: { inputs: 2, overlaps: 1, trivialMove: false },
    },
    {
      name: "moves a file down with the next level's files of the same logical key",
      levels: () => [[], [file("k@7", "k@9", 30 * MB)], [file("k@1", "k@3")]],
      want: { inputs: 1, overlaps: 1, trivialMove: false },
    },
  ])("$name", ({ levels, want }) => {
    const pick = pickCompaction(version(levels()), logicalShape, new Map());
    expect(pick && { inputs: pick.inputs.length, overlaps: pick.overlaps.length, trivialMove: pick.trivialMove }).toEqual(want);
  });

  it("without logical keys the same files are picked apart", () => {
    const pick = pickCompaction(version([[], [file("k@7", "k@9", 30 * MB)], [file("k@1", "k@3")]]), shape, new Map());
    expect(pick?.trivialMove).toBe(true);
  });
});
