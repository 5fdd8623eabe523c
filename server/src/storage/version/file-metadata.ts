import { compareBytes, userKeyOf } from "../internal-key.js";

/** What the manifest knows about one SSTable. Immutable once created. */
export interface FileMetadata {
  readonly fileNumber: number;
  readonly sizeBytes: number;
  readonly entryCount: number;
  /** Smallest and largest internal keys in the file. */
  readonly smallest: Buffer;
  readonly largest: Buffer;
  readonly smallestSeq: number;
  readonly largestSeq: number;
}

export function smallestUserKey(f: FileMetadata): Buffer {
  return userKeyOf(f.smallest);
}

export function largestUserKey(f: FileMetadata): Buffer {
  return userKeyOf(f.largest);
}

/** True if the file's user-key range intersects [lo, hi] (either bound may be absent = unbounded). */
export function overlapsUserRange(f: FileMetadata, lo: Uint8Array | undefined, hi: Uint8Array | undefined): boolean {
  if (lo !== undefined && compareBytes(largestUserKey(f), lo) < 0) return false;
  if (hi !== undefined && compareBytes(smallestUserKey(f), hi) > 0) return false;
  return true;
}

/** Smallest and largest user keys across files (files must be non-empty). */
export function userKeyRange(files: readonly FileMetadata[]): [Buffer, Buffer] {
  let lo = smallestUserKey(files[0]!);
  let hi = largestUserKey(files[0]!);
  for (const f of files) {
    if (compareBytes(smallestUserKey(f), lo) < 0) lo = smallestUserKey(f);
    if (compareBytes(largestUserKey(f), hi) > 0) hi = largestUserKey(f);
  }
  return [lo, hi];
}

export function totalBytes(files: readonly FileMetadata[]): number {
  let n = 0;
  for (const f of files) n += f.sizeBytes;
  return n;
}

export function sstFileName(fileNumber: number): string {
  return `${String(fileNumber).padStart(6, "0")}.sst`;
}

export function walFileName(fileNumber: number): string {
  return `${String(fileNumber).padStart(6, "0")}.log`;
}

export function manifestFileName(fileNumber: number): string {
  return `MANIFEST-${String(fileNumber).padStart(6, "0")}`;
}

export type ParsedFileName =
  | { readonly kind: "sst" | "wal" | "manifest"; readonly fileNumber: number }
  | { readonly kind: "current" | "lock" | "temp" | "other" };

export function parseFileName(name: string): ParsedFileName {
  let m = /^(\d{6,})\.(sst|log)$/.exec(name);
  if (m) return { kind: m[2] === "sst" ? "sst" : "wal", fileNumber: Number(m[1]) };
  m = /^MANIFEST-(\d{6,})$/.exec(name);
  if (m) return { kind: "manifest", fileNumber: Number(m[1]) };
  if (name === "CURRENT") return { kind: "current" };
  if (name === "LOCK") return { kind: "lock" };
  if (name.endsWith(".tmp")) return { kind: "temp" };
  return { kind: "other" };
}
