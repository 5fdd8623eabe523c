/** The write-ahead log: group-commit writer, replay with torn-tail repair, and its record types. */
export { WalWriter, WAL_QUEUE_MAX_BYTES_DEFAULT } from "./writer.js";
export type { WalSyncMode, WalTimers, WalWriterOptions, WalWriterStats } from "./writer.js";
export { replayWal } from "./reader.js";
export type { WalReplayOptions, WalReplayResult } from "./reader.js";
export { WalRecordType, encodeGroupRecord, decodeGroup } from "./group.js";
export type { DecodedGroup } from "./group.js";
