/**
 * The property collectors of the tables an engine writes (flushes, compactions, the table WAL
 * replay makes at open): the engine's own logical-key samples (sstable/key-samples.ts) plus
 * those of `EngineOptions.tableCollectors`. A table built in a background worker gets the same
 * collectors, made there from descriptions that cross the thread boundary (functions do not).
 */
import type { WorkerCall, WorkerCollectorSpec, WorkerExport } from "./background/jobs.js";
import type { LogicalKeyLength } from "./memtable/memtable.js";
import { LogicalKeySampleCollector } from "./sstable/key-samples.js";
import type { TablePropertiesCollector } from "./sstable/properties.js";

/** Makes the caller's collectors for one table; `create` is called once per table written. */
export interface TableCollectorFactory {
  create(): TablePropertiesCollector[];
  /**
   * How a background worker builds this factory: a module it imports, the function it calls there
   * and that function's (structured-cloneable) arguments. Without it, flushes and compactions run
   * on the engine's thread.
   */
  forWorker?(): WorkerCall;
}

/** The collectors of one table built on the engine's thread. */
export function collectorMaker(logicalKeyLength: LogicalKeyLength | undefined, factory: TableCollectorFactory | undefined): () => TablePropertiesCollector[] {
  if (factory === undefined) return () => [new LogicalKeySampleCollector(logicalKeyLength)];
  return () => [new LogicalKeySampleCollector(logicalKeyLength), ...factory.create()];
}

/**
 * What a worker needs to make the same collectors, or undefined when the factory cannot go there.
 * An engine with logical keys but no module to import their function from has its worker-built
 * tables written without key samples (the estimate then falls back to their entry counts)
 * rather than moving all table building to its own thread.
 */
export function workerCollectorSpec(
  hasLogicalKeys: boolean,
  logicalKeyLengthModule: WorkerExport | undefined,
  factory: TableCollectorFactory | undefined,
): WorkerCollectorSpec | undefined {
  if (factory !== undefined && factory.forWorker === undefined) return undefined;
  const call = factory?.forWorker?.();
  return {
    keySamples: !hasLogicalKeys || logicalKeyLengthModule !== undefined,
    logicalKeyLength: hasLogicalKeys ? logicalKeyLengthModule : undefined,
    factory: call,
  };
}

/** In a worker: the collector maker a spec describes. `load` imports a module's export. */
export async function collectorMakerInWorker(spec: WorkerCollectorSpec, load: <F>(e: WorkerExport) => Promise<F>): Promise<() => TablePropertiesCollector[]> {
  const lkl = spec.keySamples && spec.logicalKeyLength !== undefined ? await load<LogicalKeyLength>(spec.logicalKeyLength) : undefined;
  let factory: TableCollectorFactory | undefined;
  if (spec.factory !== undefined) {
    const make = await load<(...args: readonly unknown[]) => TableCollectorFactory>(spec.factory);
    factory = make(...spec.factory.args);
  }
  const keySamples = spec.keySamples;
  return () => {
    const out: TablePropertiesCollector[] = keySamples ? [new LogicalKeySampleCollector(lkl)] : [];
    if (factory !== undefined) out.push(...factory.create());
    return out;
  };
}
