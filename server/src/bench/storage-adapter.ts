import { StorageEngine, type EngineOptions } from "../storage/engine.js";
import type { KvBenchAdapter } from "./kv-workloads.js";

/** Our engine behind the benchmark adapter, through its single-operation API. */
export async function openStorageAdapter(dir: string, options: EngineOptions): Promise<KvBenchAdapter & { engine: StorageEngine }> {
  const engine = await StorageEngine.open(dir, options);
  return {
    name: "alopex",
    engine,
    put: (key, value) => engine.put(key, value),
    get: async (key) => engine.get(key),
    seek: async (start, limit) => {
      let n = 0;
      for (const _ of engine.scan({ start, limit })) n++;
      return n;
    },
    readAll: async () => {
      let n = 0;
      for (const _ of engine.scan()) n++;
      return n;
    },
    close: () => engine.close(),
  };
}
