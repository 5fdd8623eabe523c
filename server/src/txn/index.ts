export { TxnStore, type TxnStoreOptions, type TxnStoreStats } from "./txn-store.js";
export { HybridLogicalClock, type PhysicalClock, type Timestamp } from "./hlc.js";
export * from "./errors.js";
