import type { FileMetadata } from "./file-metadata.js";

/**
 * One change to the set of live files, as logged in the manifest. Applying every edit in order
 * to an empty version yields the current version.
 */
export interface VersionEdit {
  /** WAL files numbered below this are fully flushed and may be deleted. */
  readonly logNumber?: number;
  readonly nextFileNumber?: number;
  /** Highest sequence number that any flushed file may hold. */
  readonly lastSeq?: number;
  /** Per level, the user key where the next size compaction starts (round-robin key-range picking). */
  readonly compactPointers?: readonly (readonly [level: number, key: Buffer])[];
  readonly deleted?: readonly (readonly [level: number, fileNumber: number])[];
  readonly added?: readonly (readonly [level: number, file: FileMetadata])[];
}

interface EncodedFile {
  n: number;
  size: number;
  count: number;
  lo: string;
  hi: string;
  loSeq: number;
  hiSeq: number;
}

interface EncodedEdit {
  log?: number;
  next?: number;
  seq?: number;
  ptr?: [number, string][];
  del?: [number, number][];
  add?: [number, EncodedFile][];
}

/**
 * Manifest edits are JSON with base64 keys: the manifest is written once per flush or
 * compaction, so readability beats compactness here.
 */
export function encodeVersionEdit(edit: VersionEdit): Buffer {
  const e: EncodedEdit = {};
  if (edit.logNumber !== undefined) e.log = edit.logNumber;
  if (edit.nextFileNumber !== undefined) e.next = edit.nextFileNumber;
  if (edit.lastSeq !== undefined) e.seq = edit.lastSeq;
  if (edit.compactPointers?.length) e.ptr = edit.compactPointers.map(([l, k]) => [l, k.toString("base64")]);
  if (edit.deleted?.length) e.del = edit.deleted.map(([l, n]) => [l, n]);
  if (edit.added?.length) {
    e.add = edit.added.map(([l, f]) => [
      l,
      {
        n: f.fileNumber,
        size: f.sizeBytes,
        count: f.entryCount,
        lo: f.smallest.toString("base64"),
        hi: f.largest.toString("base64"),
        loSeq: f.smallestSeq,
        hiSeq: f.largestSeq,
      },
    ]);
  }
  return Buffer.from(JSON.stringify(e));
}

/** Decodes an edit; throws on malformed input (the caller turns that into a corruption error). */
export function decodeVersionEdit(data: Buffer): VersionEdit {
  const e = JSON.parse(data.toString("utf8")) as EncodedEdit;
  if (typeof e !== "object" || e === null) throw new Error("version edit is not an object");
  const int = (v: unknown, what: string): number => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new Error(`bad ${what} in version edit`);
    return v;
  };
  return {
    ...(e.log !== undefined && { logNumber: int(e.log, "log number") }),
    ...(e.next !== undefined && { nextFileNumber: int(e.next, "next file number") }),
    ...(e.seq !== undefined && { lastSeq: int(e.seq, "last sequence") }),
    compactPointers: (e.ptr ?? []).map(([l, k]) => [int(l, "level"), Buffer.from(k, "base64")] as const),
    deleted: (e.del ?? []).map(([l, n]) => [int(l, "level"), int(n, "file number")] as const),
    added: (e.add ?? []).map(
      ([l, f]) =>
        [
          int(l, "level"),
          {
            fileNumber: int(f.n, "file number"),
            sizeBytes: int(f.size, "file size"),
            entryCount: int(f.count, "entry count"),
            smallest: Buffer.from(f.lo, "base64"),
            largest: Buffer.from(f.hi, "base64"),
            smallestSeq: int(f.loSeq, "sequence"),
            largestSeq: int(f.hiSeq, "sequence"),
          },
        ] as const,
    ),
  };
}
