/**
 * WAL replay: yields every payload of every valid record, in order, and repairs a torn tail.
 *
 * What replay can promise follows from the writer's contract (writer.ts): in `always` mode every
 * acknowledged payload was fsynced, so it is replayed; in `interval`/`none` mode only what the OS
 * had flushed before a power loss is. Payloads whose append was rejected may or may not appear.
 *
 * The torn-tail rule: let X be the offset of the first record that does not decode (short,
 * checksum mismatch, absurd length, or zero bytes from preallocation).
 *   - If no valid record can be decoded at any offset after X, the damage is a torn tail — the
 *     writer puts each group commit in one record, so a crash mid-write can only damage the last
 *     one. The file is truncated to X (and synced) and replay reports `truncatedBytes`.
 *   - If a valid record exists after X, bytes that were once durable went bad: replay throws
 *     `CorruptionError(path, X, reason)` and leaves the file untouched for an operator.
 * NB: the scan after X is bounded (`scanBudgetBytes`); if the budget runs out before the scan
 * can prove the tail torn, replay throws `CorruptionError` rather than discard data it cannot
 * judge. A valid record with a type we do not know, or a group that does not parse although its
 * checksum matches, is corruption wherever it sits: the checksum says it was written whole.
 */
import { CorruptionError, StorageError, toStorageError } from "../errors.js";
import type { Vfs, VfsFile } from "../vfs.js";
import { checkGroupStructure, decodeGroup, isWalRecordType, WalRecordType } from "./group.js";
import { decodeRecord, RECORD_HEADER_BYTES, RECORD_MAX_DATA_BYTES, recordChecksum } from "./record.js";

export interface WalReplayResult {
  /** Payloads passed to `onPayload`. */
  payloads: number;
  /** Length of the valid prefix; the file's size after replay. */
  validBytes: number;
  /** Bytes of torn tail cut off (0 if the file ended cleanly). */
  truncatedBytes: number;
}

export interface WalReplayOptions {
  /** Bound on the work (bytes parsed or checksummed) spent deciding whether a bad tail is torn. */
  scanBudgetBytes?: number;
}

const SCAN_BUDGET_BYTES_DEFAULT = 512 * 1024 * 1024;
/** Reads happen in windows this large so small records do not cost a syscall each. */
const READ_WINDOW_BYTES = 1024 * 1024;

/**
 * Replays the WAL at `path`, calling `onPayload(payload, recordOffset)` for each payload in order;
 * `recordOffset` is the file offset of the physical record holding it. Truncates a torn tail and
 * throws `CorruptionError` for damage before the tail (see the file comment). An empty file is
 * fine; a missing one throws.
 * NB: `payload` is a view into a read buffer; copy it to keep it beyond the memtable insert.
 */
export function replayWal(
  vfs: Vfs,
  path: string,
  onPayload: (payload: Buffer, offset: number) => void,
  options: WalReplayOptions = {},
): WalReplayResult {
  let file: VfsFile;
  try {
    file = vfs.openRead(path);
  } catch (err) {
    throw toStorageError(path, err);
  }
  let badOffset: number;
  let payloads = 0;
  const fileBytes = file.sizeBytes();
  try {
    const reader = new WindowReader(file, fileBytes);
    const scan = scanValidPrefix(reader, path, (payload, offset) => {
      payloads++;
      onPayload(payload, offset);
    });
    if (scan.badOffset === null) return { payloads, validBytes: fileBytes, truncatedBytes: 0 };
    badOffset = scan.badOffset;
    const laterRecord = findValidRecordAfter(reader, badOffset, options.scanBudgetBytes ?? SCAN_BUDGET_BYTES_DEFAULT);
    if (laterRecord === "budget-exhausted") {
      throw new CorruptionError(path, badOffset, `${scan.reason}; could not tell a torn tail from corruption within the scan budget`);
    }
    if (laterRecord !== null) {
      throw new CorruptionError(path, badOffset, `${scan.reason}; a valid record follows at offset ${laterRecord}`);
    }
  } catch (err) {
    if (err instanceof StorageError) throw err;
    if (err instanceof Error && "code" in err) throw toStorageError(path, err);
    throw err;
  } finally {
    file.close();
  }
  truncateTail(vfs, path, badOffset);
  return { payloads, validBytes: badOffset, truncatedBytes: fileBytes - badOffset };
}

function truncateTail(vfs: Vfs, path: string, sizeBytes: number): void {
  try {
    const file = vfs.openAppend(path);
    try {
      file.truncate(sizeBytes);
      // The cut must be durable before new records go after it, or a crash could resurrect the
      // torn bytes between two good records and turn a repaired tail into mid-file corruption.
      file.syncSync();
    } finally {
      file.close();
    }
  } catch (err) {
    throw toStorageError(path, err);
  }
}

type PrefixScan = { readonly badOffset: null } | { readonly badOffset: number; readonly reason: string };

/** Decodes records from offset 0 until the end or the first bad one. */
function scanValidPrefix(reader: WindowReader, path: string, onPayload: (payload: Buffer, offset: number) => void): PrefixScan {
  let offset = 0;
  while (offset < reader.fileBytes) {
    const decoded = reader.decodeAt(offset);
    if (decoded.kind === "truncated") return { badOffset: offset, reason: "record runs past the end of the file" };
    if (decoded.kind === "corrupt") return { badOffset: offset, reason: decoded.reason };
    const type = decoded.type;
    if (!isWalRecordType(type)) throw new CorruptionError(path, offset, `unknown WAL record type ${type}`);
    switch (type) {
      case WalRecordType.Group: {
        const group = decodeGroup(decoded.data);
        if (group.kind === "invalid") throw new CorruptionError(path, offset, group.reason);
        for (const payload of group.payloads) onPayload(payload, offset);
        break;
      }
      default: {
        const unhandled: never = type;
        throw new CorruptionError(path, offset, `unhandled WAL record type ${String(unhandled)}`);
      }
    }
    offset = decoded.nextOffset;
  }
  return { badOffset: null };
}

/**
 * The offset of the first valid GROUP record starting after `badOffset`, null if none, or
 * "budget-exhausted". Candidates are filtered cheapest test first (type byte, length fits,
 * group structure) so that only plausible ones pay for a checksum.
 * NB: a payload may itself contain bytes that form a valid record; inside a torn last record
 * that would be misread as corruption. The structure filter and the checksum make this need
 * deliberate crafting; it fails safe (an error, not lost data).
 */
function findValidRecordAfter(reader: WindowReader, badOffset: number, budgetBytes: number): number | null | "budget-exhausted" {
  let spent = 0;
  for (let at = badOffset + 1; at + RECORD_HEADER_BYTES <= reader.fileBytes; at++) {
    spent++;
    if (spent > budgetBytes) return "budget-exhausted";
    // Indexes the window directly: a view per candidate offset would allocate per byte scanned.
    const window = reader.ensure(at, RECORD_HEADER_BYTES);
    const headAt = at - reader.windowStart;
    if (window[headAt + 8] !== WalRecordType.Group) continue;
    const length = window.readUInt32LE(headAt);
    if (length > RECORD_MAX_DATA_BYTES || at + RECORD_HEADER_BYTES + length > reader.fileBytes) continue;
    const record = reader.view(at, RECORD_HEADER_BYTES + length);
    const steps = checkGroupStructure(record, RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length);
    spent += Math.abs(steps);
    if (steps < 0) continue;
    spent += length;
    if (spent > budgetBytes) return "budget-exhausted";
    const data = record.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length);
    if (recordChecksum(WalRecordType.Group, data) === record.readUInt32LE(4)) return at;
  }
  return null;
}

/**
 * Sequential positional reads through a window, so a file of small records costs a syscall per
 * READ_WINDOW_BYTES, not per record. Memory: one window, at most max(READ_WINDOW_BYTES, one record).
 */
class WindowReader {
  private window: Buffer = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly file: VfsFile,
    readonly fileBytes: number,
  ) {}

  /** A view whose index 0 is file offset `offset`, at least `length` long unless the file ends first. */
  view(offset: number, length: number): Buffer {
    return this.ensure(offset, length).subarray(offset - this.start);
  }

  /** The window, made to cover [offset, offset + length) clipped to the file; index it from `windowStart`. */
  ensure(offset: number, length: number): Buffer {
    const wantEnd = Math.min(offset + length, this.fileBytes);
    if (offset >= this.start && wantEnd <= this.start + this.window.length) return this.window;
    const readBytes = Math.min(Math.max(length, READ_WINDOW_BYTES), this.fileBytes - offset);
    // A fresh buffer each time: payload views handed out earlier must stay valid.
    this.window = this.file.read(offset, readBytes);
    this.start = offset;
    return this.window;
  }

  get windowStart(): number {
    return this.start;
  }

  decodeAt(offset: number): ReturnType<typeof decodeRecord> {
    const head = this.view(offset, RECORD_HEADER_BYTES);
    if (head.length < RECORD_HEADER_BYTES) return decodeRecord(head, 0);
    const length = head.readUInt32LE(0);
    if (length > RECORD_MAX_DATA_BYTES) return decodeRecord(head, 0);
    const record = this.view(offset, RECORD_HEADER_BYTES + length);
    const decoded = decodeRecord(record, 0);
    return decoded.kind === "record" ? { ...decoded, nextOffset: offset + decoded.nextOffset } : decoded;
  }
}
