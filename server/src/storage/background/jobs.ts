/**
 * The messages between the engine and its background worker threads, and how the values in them
 * cross the thread boundary (structured clone turns a Buffer into a plain Uint8Array and drops
 * error classes, so both are converted explicitly).
 */
import type { CompactionPick } from "../compaction/picker.js";
import type { CompactionResult } from "../compaction/run-compaction.js";
import { StorageError } from "../errors.js";
import type { SharedSkipList } from "../memtable/skiplist.js";
import type { SstWriterOptions } from "../sstable/writer.js";
import type { FileMetadata } from "../version/file-metadata.js";

/** A function a worker imports: the export `exportName` of the module at `moduleUrl`. */
export interface WorkerExport {
  readonly moduleUrl: string;
  readonly exportName: string;
}

/** A call a worker makes: it imports `moduleUrl` and calls its export `exportName` with `args` (structured-cloneable). */
export interface WorkerCall {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
}

/** How a worker builds a compaction filter: the call returns a `CompactionFilterFactory`. */
export type WorkerFilterSpec = WorkerCall;

/**
 * How a worker makes the property collectors of each table it writes (see table-collectors.ts):
 * whether and how to sample logical keys (`logicalKeyLength` names the engine's function; none
 * with `keySamples` means user keys are the logical keys), and a call that returns the engine's
 * `TableCollectorFactory`, if it has one.
 */
export interface WorkerCollectorSpec {
  readonly keySamples: boolean;
  readonly logicalKeyLength: WorkerExport | undefined;
  readonly factory: WorkerCall | undefined;
}

export interface FlushJob {
  readonly kind: "flush";
  readonly id: number;
  readonly dir: string;
  readonly sst: SstWriterOptions;
  readonly memtable: SharedSkipList;
  /** File numbers reserved for the outputs; more are asked for if they run out. */
  readonly fileNumbers: readonly number[];
  /** The table's vector section, encoded from the memtable's indexes; none: no vector entries. */
  readonly vectorSection?: Uint8Array;
  /** Where to import the writer's `bloomKeyLength` (functions do not cross threads; see sstForWorker). */
  readonly bloomKeyLength: WorkerExport | undefined;
  readonly collectors: WorkerCollectorSpec;
}

export interface CompactionJob {
  readonly kind: "compaction";
  readonly id: number;
  readonly dir: string;
  readonly sst: SstWriterOptions;
  /** The pinned version's files by level (for "is this the bottom for a key"). */
  readonly levels: readonly (readonly FileMetadata[])[];
  readonly pick: CompactionPick;
  readonly smallestSnapshot: number;
  readonly filter: WorkerFilterSpec | undefined;
  /** The engine's VectorEntryOf, when it has one: each output table gets its vector section. */
  readonly vectorEntryOf: WorkerExport | undefined;
  readonly bloomKeyLength: WorkerExport | undefined;
  readonly targetFileBytes: number;
  readonly fileNumbers: readonly number[];
  readonly collectors: WorkerCollectorSpec;
}

export type Job = FlushJob | CompactionJob;

/** A job error as it crosses threads: enough to rebuild the error the engine would have seen. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly sqlstate?: string;
  /** errno code (ENOSPC, EIO, ...) of a file-layer error. */
  readonly code?: string;
}

export type WorkerMessage =
  | { readonly kind: "need-file-numbers"; readonly id: number }
  | { readonly kind: "flushed"; readonly id: number; readonly files: readonly FileMetadata[] }
  | { readonly kind: "compacted"; readonly id: number; readonly result: CompactionResult }
  | { readonly kind: "failed"; readonly id: number; readonly error: WireError };

/**
 * The worker's file-number mailbox (a SharedArrayBuffer): word 0 is 1 while numbers wait to be
 * taken, word 1 their count, and from byte 8 on the numbers as float64s.
 */
export const FILE_NUMBER_BATCH = 16;
export const FILE_NUMBER_MAILBOX_BYTES = 8 + FILE_NUMBER_BATCH * 8;

/** Writer options without their function (structured clone refuses functions). */
export function sstForWorker(sst: SstWriterOptions): SstWriterOptions {
  if (sst.bloomKeyLength === undefined) return sst;
  const { bloomKeyLength: _, ...rest } = sst;
  return rest;
}

/** A FileMetadata whose keys are Buffers again after crossing threads. */
export function fileFromWire(f: FileMetadata): FileMetadata {
  return { ...f, smallest: toBuffer(f.smallest), largest: toBuffer(f.largest) };
}

/** Copies the keys into exact-size buffers, so cloning does not carry the 8 KiB pools they may sit in. */
export function fileToWire(f: FileMetadata): FileMetadata {
  return { ...f, smallest: exactCopy(f.smallest), largest: exactCopy(f.largest) };
}

export function pickFromWire(p: CompactionPick): CompactionPick {
  return { ...p, inputs: p.inputs.map(fileFromWire), overlaps: p.overlaps.map(fileFromWire) };
}

export function pickToWire(p: CompactionPick): CompactionPick {
  return { ...p, inputs: p.inputs.map(fileToWire), overlaps: p.overlaps.map(fileToWire) };
}

export function errorToWire(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  const sqlstate = err instanceof StorageError ? err.sqlstate : undefined;
  return { name: err.name, message: err.message, ...(sqlstate !== undefined && { sqlstate }), ...(typeof code === "string" && { code }) };
}

/** The error to hand the engine: a StorageError if it was one, else an Error with its errno code. */
export function errorFromWire(w: WireError): Error {
  if (w.sqlstate !== undefined) return new StorageError(w.message, w.sqlstate);
  const err = new Error(w.message) as NodeJS.ErrnoException;
  err.name = w.name;
  if (w.code !== undefined) err.code = w.code;
  return err;
}

function exactCopy(b: Uint8Array): Buffer {
  return Buffer.from(new Uint8Array(b).buffer);
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
