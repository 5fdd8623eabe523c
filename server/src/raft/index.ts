/**
 * Raft consensus for Alopex ranges: a pure state machine (RaftNode: step/tick/propose/ready/
 * advance), its wire codec and log storage. The caller owns the network, disk and clock; see
 * node.ts for the Ready loop contract.
 */
export { RaftNode, type Ready } from "./node.js";
export type { ProposeResult, RaftConfig, RaftStatus, RandomSource, ReadMode } from "./raft.js";
export { RaftAssertionError } from "./assert.js";
export { decodeEntry, decodeMessage, encodeEntry, encodeMessage, RaftCodecError } from "./codec.js";
export type { InitialState, RaftLogWriter, RaftStorage } from "./storage/storage.js";
export { MemoryStorage, RaftStorageError } from "./storage/memory-storage.js";
export { DiskStorage, type DiskStorageOptions, type RecoveryReport } from "./storage/disk-storage.js";
export { NO_NODE, EMPTY_CONF_STATE, EMPTY_HARD_STATE } from "./types.js";
export type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  MessageKind,
  NodeId,
  RaftRole,
  ReadState,
  Snapshot,
  SnapshotMeta,
  SoftState,
} from "./types.js";
