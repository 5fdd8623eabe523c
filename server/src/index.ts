export * from "./config/index.js";
export * from "./storage/index.js";
export { runWorkload, WORKLOADS, type BenchParams, type KvBenchAdapter, type WorkloadName, type WorkloadResult } from "./bench/kv-workloads.js";
export { openStorageAdapter } from "./bench/storage-adapter.js";
