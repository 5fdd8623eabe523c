/**
 * The body of a background worker thread: builds SSTables for flushes and compactions that the
 * engine's thread hands over (see workers.ts), one job at a time, with the same code the engine
 * runs on its own thread (`writeMemtable`, `runCompaction`, `TableOutput`) over the real file
 * system.
 */
import { parentPort, workerData } from "node:worker_threads";
import { BlockCache } from "../cache/block-cache.js";
import type { CompactionFilterFactory } from "../compaction/filter.js";
import { runCompaction } from "../compaction/run-compaction.js";
import { writeMemtable } from "../flush.js";
import { SkipList } from "../memtable/skiplist.js";
import { collectorMakerInWorker } from "../table-collectors.js";
import { TableCache } from "../table-cache.js";
import type { SstWriterOptions } from "../sstable/writer.js";
import { TableOutput } from "../table-output.js";
import { NodeVfs } from "../vfs.js";
import type { VectorEntryOf } from "../vector/vector-entries.js";
import { BuildingVectorSink, PrebuiltVectorSink } from "../vector/table-vector-sink.js";
import { Version } from "../version/version.js";
import { errorToWire, FILE_NUMBER_BATCH, fileFromWire, fileToWire, pickFromWire, type CompactionJob, type FlushJob, type Job, type WorkerExport, type WorkerFilterSpec, type WorkerMessage } from "./jobs.js";

/** Blocks a compaction reads stay cached for: it reads each block once, in order. */
const COMPACTION_BLOCK_CACHE_BYTES = 256 * 1024;
/** How long to wait for file numbers before failing the job rather than hanging. */
const FILE_NUMBER_WAIT_MS = 60_000;

const port = parentPort;
if (port === null) throw new Error("worker-main.ts runs as a worker thread");
const { mailbox } = workerData as { mailbox: SharedArrayBuffer };
const mailboxFlag = new Int32Array(mailbox, 0, 2);
const mailboxNumbers = new Float64Array(mailbox, 8, FILE_NUMBER_BATCH);
const vfs = new NodeVfs();

port.on("message", (job: Job) => void run(job));

async function run(job: Job): Promise<void> {
  const reserved = [...job.fileNumbers];
  const newFileNumber = (): number => {
    if (reserved.length === 0) reserved.push(...askForFileNumbers(job.id));
    return reserved.shift()!;
  };
  let reply: WorkerMessage;
  try {
    reply = job.kind === "flush" ? await flush(job, newFileNumber) : await compact(job, newFileNumber);
  } catch (e) {
    reply = { kind: "failed", id: job.id, error: errorToWire(e) };
  }
  port!.postMessage(reply);
}

async function flush(job: FlushJob, newFileNumber: () => number): Promise<WorkerMessage> {
  const section = job.vectorSection && Buffer.from(job.vectorSection.buffer, job.vectorSection.byteOffset, job.vectorSection.byteLength);
  const newCollectors = await collectorMakerInWorker(job.collectors, importExport);
  const out = new TableOutput(vfs, job.dir, await sstOptions(job), newFileNumber, { ...(section && { newVectorSink: () => new PrebuiltVectorSink(() => section) }), newCollectors });
  await writeMemtable(SkipList.fromShared(job.memtable), out);
  return { kind: "flushed", id: job.id, files: out.finish().map(fileToWire) };
}

async function compact(job: CompactionJob, newFileNumber: () => number): Promise<WorkerMessage> {
  const tables = new TableCache(vfs, job.dir, new BlockCache(COMPACTION_BLOCK_CACHE_BYTES));
  const entryOf = job.vectorEntryOf && (await importExport<VectorEntryOf>(job.vectorEntryOf));
  const newCollectors = await collectorMakerInWorker(job.collectors, importExport);
  try {
    const result = await runCompaction(
      {
        version: new Version(job.levels.map((files) => files.map(fileFromWire))),
        pick: pickFromWire(job.pick),
        smallestSnapshot: job.smallestSnapshot,
        ...(job.filter && { filterFactory: await loadFilter(job.filter) }),
        targetFileBytes: job.targetFileBytes,
        // Nothing else runs on this thread.
        yieldToEventLoop: () => Promise.resolve(),
        entriesPerYield: Infinity,
      },
      tables,
      new TableOutput(vfs, job.dir, await sstOptions(job), newFileNumber, { ...(entryOf && { newVectorSink: () => new BuildingVectorSink(entryOf) }), newCollectors }),
    );
    return { kind: "compacted", id: job.id, result: { ...result, outputs: result.outputs.map(fileToWire) } };
  } finally {
    tables.close();
  }
}

/** The job's writer options with the function they lost on the way here. */
async function sstOptions(job: Job): Promise<SstWriterOptions> {
  if (job.bloomKeyLength === undefined) return job.sst;
  return { ...job.sst, bloomKeyLength: await importExport<NonNullable<SstWriterOptions["bloomKeyLength"]>>(job.bloomKeyLength) };
}

async function loadFilter(spec: WorkerFilterSpec): Promise<CompactionFilterFactory> {
  const make = await importExport<(...args: readonly unknown[]) => CompactionFilterFactory>(spec);
  return make(...spec.args);
}

/** NB: the caller names the function's type; nothing checks it beyond "is a function". */
async function importExport<F>(spec: WorkerExport): Promise<F> {
  const mod = (await import(spec.moduleUrl)) as Record<string, unknown>;
  const f = mod[spec.exportName];
  if (typeof f !== "function") throw new Error(`${spec.moduleUrl} has no function ${spec.exportName}`);
  return f as F;
}

/**
 * Asks the engine's thread for more file numbers and waits for them (TableOutput takes numbers
 * synchronously). NB: this blocks the worker, never the engine's thread, which answers from its
 * event loop.
 */
function askForFileNumbers(id: number): number[] {
  port!.postMessage({ kind: "need-file-numbers", id } satisfies WorkerMessage);
  if (Atomics.wait(mailboxFlag, 0, 0, FILE_NUMBER_WAIT_MS) === "timed-out") throw new Error("timed out waiting for file numbers from the engine");
  const count = Atomics.load(mailboxFlag, 1);
  const numbers = Array.from(mailboxNumbers.subarray(0, count));
  Atomics.store(mailboxFlag, 0, 0);
  return numbers;
}
