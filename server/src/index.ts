export * from "./config/index.js";
export * from "./storage/index.js";
export { runWorkload, WORKLOADS, type BenchParams, type KvBenchAdapter, type WorkloadName, type WorkloadResult } from "./bench/kv-workloads.js";
export { openStorageAdapter } from "./bench/storage-adapter.js";
export * from "./kv/index.js";
export * from "./txn/index.js";
export { Database, type DatabaseOptions, type TransactionOptions, type KeyLike } from "./api/embedded.js";
export {
  preloadEngine,
  preloadTxnStore,
  runRawSegment,
  runTxnSegment,
  type RawSegmentResult,
  type TxnBenchParams,
  type TxnSegmentResult,
} from "./bench/txn-workloads.js";
export { clusteredVectors, type ClusteredSpec } from "./vector/testing/datasets.js";
export { spawnServer, type ServerChild, type ServerChildOptions } from "./server/server-child.js";
