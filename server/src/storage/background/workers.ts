/**
 * Worker threads that build SSTables for the engine's flushes and compactions, so that work runs
 * on another core instead of in slices between the engine's writes.
 *
 * One thread runs one job at a time: queued flushes before queued compactions (a flush frees a
 * memtable writers may be waiting for), each kind in FIFO order. One thread, because each costs
 * tens of MiB (its own heap and module copies) and the engine's thread keeps the other core of a
 * small machine busy. A flush reads the immutable memtable in place (its arena is shared
 * memory); a compaction opens its input tables itself. Both write through the real file system; the engine's thread keeps the manifest, file
 * numbers and everything else, and installs the results.
 *
 * Failure: a job that throws rejects with the error the same code would have thrown on the
 * engine's thread (see jobs.ts). A thread that dies (uncaught error, exit, failed start) rejects
 * its job with a StorageError (XX000); the pool starts a new thread for the next job. Nothing
 * waits on a dead thread.
 *
 * Threads hold the process open only while they have a job; an idle pool lets it exit.
 */
import { Worker } from "node:worker_threads";
import type { CompactionFilterFactory } from "../compaction/filter.js";
import type { CompactionPick } from "../compaction/picker.js";
import type { CompactionResult } from "../compaction/run-compaction.js";
import { StorageError } from "../errors.js";
import type { SharedSkipList } from "../memtable/skiplist.js";
import type { SstWriterOptions } from "../sstable/writer.js";
import type { FileMetadata } from "../version/file-metadata.js";
import type { Version } from "../version/version.js";
import { errorFromWire, FILE_NUMBER_BATCH, FILE_NUMBER_MAILBOX_BYTES, fileFromWire, fileToWire, pickToWire, sstForWorker, type Job, type WorkerCollectorSpec, type WorkerExport, type WorkerMessage } from "./jobs.js";

export interface BackgroundWorkersOptions {
  /** The worker's entry module; tests pass one that fails on purpose. */
  readonly entry?: URL;
}

export interface FlushRequest {
  readonly dir: string;
  readonly sst: SstWriterOptions;
  readonly memtable: SharedSkipList;
  readonly newFileNumber: () => number;
  /** The table's encoded vector section, if the memtable holds vector entries. */
  readonly vectorSection?: Buffer;
  /** Where the worker imports `sst.bloomKeyLength` from; without it, its tables' filters key on user keys. */
  readonly bloomKeyLength: WorkerExport | undefined;
  readonly collectors: WorkerCollectorSpec;
}

export interface CompactionRequest {
  readonly dir: string;
  readonly sst: SstWriterOptions;
  readonly version: Version;
  readonly pick: CompactionPick;
  readonly smallestSnapshot: number;
  readonly filterFactory: CompactionFilterFactory | undefined;
  readonly vectorEntryOf: WorkerExport | undefined;
  readonly bloomKeyLength: WorkerExport | undefined;
  readonly collectors: WorkerCollectorSpec;
  readonly targetFileBytes: number;
  readonly newFileNumber: () => number;
}

// From source (tsx) the entry is TypeScript; compiled, it sits beside this file as JavaScript.
const DEFAULT_ENTRY = new URL(import.meta.url.endsWith(".ts") ? "./worker-main.ts" : "./worker-main.js", import.meta.url);
const TSX_BOOTSTRAP = new URL("./tsx-bootstrap.mjs", import.meta.url);

/** The flush and compaction thread. Engines share one per process (`sharedBackgroundWorkers`). */
export class BackgroundWorkers {
  private readonly lane: Lane;

  constructor(options: BackgroundWorkersOptions = {}) {
    this.lane = new Lane(options.entry ?? DEFAULT_ENTRY);
  }

  /**
   * Starts the thread now if it is not running, so the first flush does not wait for it to load
   * (a few hundred milliseconds). It holds the process open only while it has a job.
   */
  warmUp(): void {
    this.lane.warmUp();
  }

  /** Jobs run and failed, and threads started, since the pool was made. */
  stats(): BackgroundWorkerStats {
    return this.lane.stats();
  }

  /** Whether a compaction with this filter can run in a worker (the filter must say how to build it there). */
  canCompact(filterFactory: CompactionFilterFactory | undefined): boolean {
    return filterFactory === undefined || filterFactory.forWorker !== undefined;
  }

  /** Writes the memtable as L0 tables; resolves with them once they are durable. */
  async flush(req: FlushRequest): Promise<FileMetadata[]> {
    const reply = await this.lane.run(
      "flush",
      (id) => ({
        kind: "flush",
        id,
        dir: req.dir,
        sst: sstForWorker(req.sst),
        bloomKeyLength: req.bloomKeyLength,
        collectors: req.collectors,
        memtable: req.memtable,
        fileNumbers: [req.newFileNumber()],
        ...(req.vectorSection && { vectorSection: req.vectorSection }),
      }),
      req.newFileNumber,
    );
    if (reply.kind !== "flushed") throw new Error(`background flush: unexpected reply ${reply.kind}`);
    return reply.files.map(fileFromWire);
  }

  /** Runs a compaction (see runCompaction); resolves once its outputs are durable. */
  async compact(req: CompactionRequest): Promise<CompactionResult> {
    const filter = req.filterFactory?.forWorker?.();
    if (req.filterFactory !== undefined && filter === undefined) throw new Error("this compaction filter cannot run in a worker");
    const inputBytes = [...req.pick.inputs, ...req.pick.overlaps].reduce((n, f) => n + f.sizeBytes, 0);
    // Enough numbers for the usual output count; the worker asks for more if it needs them.
    const reserve = Math.min(FILE_NUMBER_BATCH, Math.ceil(inputBytes / req.targetFileBytes) + 1);
    const reply = await this.lane.run(
      "compaction",
      (id) => ({
        kind: "compaction",
        id,
        dir: req.dir,
        sst: sstForWorker(req.sst),
        bloomKeyLength: req.bloomKeyLength,
        levels: req.version.levels.map((files) => files.map(fileToWire)),
        pick: pickToWire(req.pick),
        smallestSnapshot: req.smallestSnapshot,
        filter,
        vectorEntryOf: req.vectorEntryOf,
        collectors: req.collectors,
        targetFileBytes: req.targetFileBytes,
        fileNumbers: Array.from({ length: reserve }, () => req.newFileNumber()),
      }),
      req.newFileNumber,
    );
    if (reply.kind !== "compacted") throw new Error(`background compaction: unexpected reply ${reply.kind}`);
    return { ...reply.result, outputs: reply.result.outputs.map(fileFromWire) };
  }

  /** Stops the thread (a running job fails). The pool starts a new one if used again. */
  async close(): Promise<void> {
    await this.lane.close();
  }
}

let shared: BackgroundWorkers | undefined;

/** The process-wide pool engines use by default. */
export function sharedBackgroundWorkers(): BackgroundWorkers {
  return (shared ??= new BackgroundWorkers());
}

export interface BackgroundWorkerStats {
  readonly flushes: number;
  readonly compactions: number;
  readonly failures: number;
  readonly threadsStarted: number;
  /** Jobs waiting for the thread. */
  readonly queued: number;
}

type JobKind = Job["kind"];

interface Pending {
  readonly kind: JobKind;
  readonly makeJob: (id: number) => Job;
  readonly newFileNumber: () => number;
  readonly resolve: (m: WorkerMessage) => void;
  readonly reject: (e: Error) => void;
}

/** One worker thread and its queues of jobs (flushes first). */
class Lane {
  private worker: Worker | undefined;
  private mailbox: Int32Array | undefined;
  private readonly queues: Record<JobKind, Pending[]> = { flush: [], compaction: [] };
  private current: (Pending & { readonly id: number }) | undefined;
  private nextId = 1;
  private readonly counters = { flushes: 0, compactions: 0, failures: 0, threadsStarted: 0 };

  constructor(private readonly entry: URL) {}

  run(kind: JobKind, makeJob: (id: number) => Job, newFileNumber: () => number): Promise<WorkerMessage> {
    return new Promise((resolve, reject) => {
      this.queues[kind].push({ kind, makeJob, newFileNumber, resolve, reject });
      this.startNext();
    });
  }

  stats(): BackgroundWorkerStats {
    return { ...this.counters, queued: this.queues.flush.length + this.queues.compaction.length };
  }

  warmUp(): void {
    if (this.worker !== undefined) return;
    this.spawn().unref();
  }

  async close(): Promise<void> {
    const queued = [...this.queues.flush.splice(0), ...this.queues.compaction.splice(0)];
    for (const p of queued) p.reject(new StorageError(`background ${p.kind} not run: the worker pool was closed`, "57P01"));
    const w = this.worker;
    if (w === undefined) return;
    await w.terminate();
  }

  private startNext(): void {
    if (this.current !== undefined) return;
    const next = this.queues.flush.shift() ?? this.queues.compaction.shift();
    if (next === undefined) return;
    const id = this.nextId++;
    let job: Job;
    try {
      job = next.makeJob(id);
    } catch (e) {
      next.reject(e as Error);
      this.startNext();
      return;
    }
    const worker = this.worker ?? this.spawn();
    try {
      worker.postMessage(job);
    } catch (e) {
      // A job that cannot cross to the thread (a value structured clone refuses) fails alone.
      next.reject(e as Error);
      this.startNext();
      return;
    }
    this.current = { ...next, id };
    worker.ref();
    if (next.kind === "flush") this.counters.flushes++;
    else this.counters.compactions++;
  }

  private spawn(): Worker {
    const mailbox = new SharedArrayBuffer(FILE_NUMBER_MAILBOX_BYTES);
    const data = { mailbox, entry: this.entry.href };
    const fromSource = this.entry.pathname.endsWith(".ts");
    // execArgv: []: the thread loads what it needs itself; the process's flags (a profiler, a
    // loader) are not meant for it.
    const opts = { workerData: data, execArgv: [] };
    const worker = fromSource ? new Worker(TSX_BOOTSTRAP, opts) : new Worker(this.entry, opts);
    this.worker = worker;
    this.mailbox = new Int32Array(mailbox, 0, 2);
    this.counters.threadsStarted++;
    worker.on("message", (m: WorkerMessage) => this.onMessage(worker, m));
    worker.on("error", (e) => this.onDeath(worker, `failed: ${e.message}`));
    worker.on("messageerror", (e) => this.onDeath(worker, `sent a message that could not be read: ${e.message}`));
    worker.on("exit", (code) => this.onDeath(worker, `exited with code ${code}`));
    return worker;
  }

  private onMessage(worker: Worker, m: WorkerMessage): void {
    const cur = this.current;
    if (worker !== this.worker || cur === undefined || m.id !== cur.id) return;
    if (m.kind === "need-file-numbers") {
      this.giveFileNumbers(cur.newFileNumber);
      return;
    }
    this.current = undefined;
    worker.unref();
    if (m.kind === "failed") {
      this.counters.failures++;
      cur.reject(errorFromWire(m.error));
    } else {
      cur.resolve(m);
    }
    this.startNext();
  }

  private giveFileNumbers(newFileNumber: () => number): void {
    const flag = this.mailbox!;
    const numbers = new Float64Array(flag.buffer, 8, FILE_NUMBER_BATCH);
    for (let i = 0; i < FILE_NUMBER_BATCH; i++) numbers[i] = newFileNumber();
    Atomics.store(flag, 1, FILE_NUMBER_BATCH);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }

  /** The thread is gone: its job fails, and the next job gets a new thread. */
  private onDeath(worker: Worker, how: string): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.mailbox = undefined;
    void worker.terminate();
    const cur = this.current;
    this.current = undefined;
    if (cur !== undefined) {
      this.counters.failures++;
      cur.reject(new StorageError(`background ${cur.kind} thread ${how}`, "XX000"));
    }
    this.startNext();
  }
}
