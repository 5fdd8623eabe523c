/**
 * A `Vfs` that wraps another (the real `NodeVfs` over a temp dir in tests) and injects the faults
 * a storage engine must survive: ENOSPC/EIO on append, a torn append, EIO on fsync, and power loss.
 *
 * The crash model, kept deliberately simple:
 *   - Each file's durable length is its size at its last successful `sync()`/`syncSync()` (for an
 *     async sync, the size when the sync started). Files that existed before this layer first saw
 *     them count as fully durable.
 *   - `crash()` cuts every file back to its durable length, optionally keeping a prefix of the
 *     unsynced bytes (`keepUnsyncedBytes`) to model pages that happened to reach the disk.
 *   - A file created through this layer vanishes on crash unless `syncDir` ran on its directory
 *     after it was created. Renames and removals are treated as durable at once (not modelled).
 *   - Truncation is durable at once (the durable length shrinks with it).
 *   - NB: unsynced bytes are lost only as a suffix; a real disk may also lose a page in the middle
 *     of the unsynced range while keeping a later one. `keepUnsyncedBytes` cannot express that.
 * After `crash()` every handle opened before it throws (except `close`, a no-op); reopen through the vfs.
 *
 * Errors are shaped like Node's (an Error with `code`, `errno`, `syscall`), so `toStorageError`
 * maps them exactly as it maps real ones.
 */
import * as path from "node:path";
import type { Vfs, VfsFile } from "./vfs.js";

export type FaultErrorCode = "ENOSPC" | "EIO";
export type PathPredicate = (filePath: string) => boolean;

export interface AppendFault {
  code: FaultErrorCode;
  /** Fail the Nth matching append from now (1 = the next one), once. */
  nth?: number;
  /**
   * Fail every matching append that would take the bytes appended (to matching files, from now)
   * past this budget — a disk filling up. Persistent until cleared.
   */
  budgetBytes?: number;
  /** Write this many leading bytes of the failing append before throwing (a torn write). */
  tornPrefixBytes?: number;
  match?: PathPredicate;
}

export interface SyncFault {
  code?: FaultErrorCode;
  /** Fail the Nth matching sync from now (1 = the next one), once. */
  nth: number;
  match?: PathPredicate;
}

export interface CrashOptions {
  /** Bytes past the durable length that survive, per file; default 0. Clamped to what was written. */
  keepUnsyncedBytes?: (filePath: string, unsyncedBytes: number) => number;
}

interface FileState {
  durableBytes: number;
  /** False for a file created here whose directory entry was never synced. */
  nameDurable: boolean;
}

interface ArmedAppendFault extends AppendFault {
  seen: number;
  usedBytes: number;
}

interface ArmedSyncFault extends SyncFault {
  seen: number;
}

const ERRNO: Record<FaultErrorCode, number> = { ENOSPC: -28, EIO: -5 };

export function faultError(code: FaultErrorCode, syscall: string, filePath: string): NodeJS.ErrnoException {
  const message = code === "ENOSPC" ? "no space left on device" : "i/o error";
  return Object.assign(new Error(`${code}: ${message}, ${syscall} '${filePath}'`), {
    code,
    errno: ERRNO[code],
    syscall,
    path: filePath,
  });
}

export class FaultVfs implements Vfs {
  private readonly files = new Map<string, FileState>();
  private readonly openFiles = new Set<FaultFile>();
  private appendFaults: ArmedAppendFault[] = [];
  private syncFaults: ArmedSyncFault[] = [];
  private syncHolds: { readonly match: PathPredicate | undefined; readonly gate: Promise<FaultErrorCode | null> }[] = [];
  /** Bumped by `crash()`: a sync that started before a crash must not mark anything durable after it. */
  private epoch = 0;
  readonly counters = { appends: 0, syncs: 0, faults: 0, crashes: 0 };

  constructor(private readonly inner: Vfs) {}

  /** Arms an append fault; it fires once (`nth`) or persistently (`budgetBytes`). */
  failAppend(fault: AppendFault): void {
    if ((fault.nth === undefined) === (fault.budgetBytes === undefined)) {
      throw new Error("an append fault needs exactly one of nth and budgetBytes");
    }
    this.appendFaults.push({ ...fault, seen: 0, usedBytes: 0 });
  }

  /** Arms a sync fault; it fires once. Like Linux, the next sync after a failed one may succeed. */
  failSync(fault: SyncFault): void {
    this.syncFaults.push({ ...fault, seen: 0 });
  }

  /**
   * Holds every matching async sync that starts from now on until `release()`, which lets them
   * go on, or `release(code)`, which fails them: a test acts while a write is in the file but
   * not yet durable.
   */
  holdSyncs(match?: PathPredicate): { release(code?: FaultErrorCode): void } {
    let open!: (code: FaultErrorCode | null) => void;
    const hold = { match, gate: new Promise<FaultErrorCode | null>((resolve) => (open = resolve)) };
    this.syncHolds.push(hold);
    return {
      release: (code) => {
        this.syncHolds = this.syncHolds.filter((h) => h !== hold);
        open(code ?? null);
      },
    };
  }

  /** The gate a sync of `filePath` waits at, if a hold covers it. */
  syncHold(filePath: string): Promise<FaultErrorCode | null> | undefined {
    return this.syncHolds.find((h) => h.match === undefined || h.match(filePath))?.gate;
  }

  clearFaults(): void {
    this.appendFaults = [];
    this.syncFaults = [];
  }

  /** Simulates power loss (see the file comment). Clears armed faults: the machine rebooted. */
  crash(options: CrashOptions = {}): void {
    this.epoch++;
    this.counters.crashes++;
    for (const f of this.openFiles) f.invalidate();
    this.openFiles.clear();
    this.clearFaults();
    for (const [filePath, state] of this.files) {
      if (!this.inner.exists(filePath)) continue;
      if (!state.nameDurable) {
        this.inner.remove(filePath);
        continue;
      }
      const sizeBytes = this.inner.sizeOf(filePath);
      const unsynced = Math.max(0, sizeBytes - state.durableBytes);
      const kept = Math.min(unsynced, Math.max(0, options.keepUnsyncedBytes?.(filePath, unsynced) ?? 0));
      if (state.durableBytes + kept < sizeBytes) {
        const f = this.inner.openAppend(filePath);
        try {
          f.truncate(state.durableBytes + kept);
          f.syncSync();
        } finally {
          f.close();
        }
      }
    }
    this.files.clear();
  }

  openRead(filePath: string): VfsFile {
    this.track(filePath);
    return this.wrap(this.inner.openRead(filePath));
  }

  create(filePath: string): VfsFile {
    const existed = this.inner.exists(filePath);
    const file = this.inner.create(filePath);
    const state = this.track(filePath);
    state.durableBytes = 0;
    // Re-creating a durable name keeps the name; a fresh one needs a syncDir.
    if (!existed) state.nameDurable = false;
    return this.wrap(file);
  }

  openAppend(filePath: string): VfsFile {
    const existed = this.inner.exists(filePath);
    const file = this.inner.openAppend(filePath);
    const state = this.track(filePath);
    if (!existed) {
      state.durableBytes = 0;
      state.nameDurable = false;
    }
    return this.wrap(file);
  }

  exists(filePath: string): boolean {
    return this.inner.exists(filePath);
  }
  list(dirPath: string): string[] {
    return this.inner.list(dirPath);
  }
  mkdirp(dirPath: string): void {
    this.inner.mkdirp(dirPath);
  }
  rename(fromPath: string, toPath: string): void {
    this.inner.rename(fromPath, toPath);
    const state = this.files.get(fromPath);
    this.files.delete(fromPath);
    if (state !== undefined) this.files.set(toPath, state);
    else this.files.delete(toPath);
  }
  remove(filePath: string): void {
    this.inner.remove(filePath);
    this.files.delete(filePath);
  }
  syncDir(dirPath: string): void {
    this.inner.syncDir(dirPath);
    const dir = path.resolve(dirPath);
    for (const [filePath, state] of this.files) {
      if (path.dirname(path.resolve(filePath)) === dir) state.nameDurable = true;
    }
  }
  sizeOf(filePath: string): number {
    return this.inner.sizeOf(filePath);
  }

  /** The durable length this layer tracks for `filePath` (what a crash would leave), or null if untracked. */
  durableBytesOf(filePath: string): number | null {
    return this.files.get(filePath)?.durableBytes ?? null;
  }

  /** State for a path; a file first seen here counts as durable as it stands. */
  private track(filePath: string): FileState {
    let state = this.files.get(filePath);
    if (state === undefined) {
      const sizeBytes = this.inner.exists(filePath) ? this.inner.sizeOf(filePath) : 0;
      state = { durableBytes: sizeBytes, nameDurable: true };
      this.files.set(filePath, state);
    }
    return state;
  }

  private wrap(file: VfsFile): VfsFile {
    const wrapped = new FaultFile(file, this);
    this.openFiles.add(wrapped);
    return wrapped;
  }

  /** @internal Called by FaultFile before an append: returns the fault to inject, if any. */
  takeAppendFault(filePath: string, sizeBytes: number): AppendFault | null {
    this.counters.appends++;
    let fired: AppendFault | null = null;
    for (const fault of this.appendFaults) {
      if (fault.match !== undefined && !fault.match(filePath)) continue;
      fault.seen++;
      if (fault.nth !== undefined && fault.seen === fault.nth) fired ??= fault;
      if (fault.budgetBytes !== undefined) {
        if (fault.usedBytes + sizeBytes > fault.budgetBytes) fired ??= fault;
        else fault.usedBytes += sizeBytes;
      }
    }
    this.appendFaults = this.appendFaults.filter((f) => f.nth === undefined || f.seen < f.nth);
    if (fired !== null) this.counters.faults++;
    return fired;
  }

  /** @internal Called by FaultFile before a sync: the error code to fail with, if any. */
  takeSyncFault(filePath: string): FaultErrorCode | null {
    this.counters.syncs++;
    let fired: FaultErrorCode | null = null;
    for (const fault of this.syncFaults) {
      if (fault.match !== undefined && !fault.match(filePath)) continue;
      fault.seen++;
      if (fault.seen === fault.nth) fired ??= fault.code ?? "EIO";
    }
    this.syncFaults = this.syncFaults.filter((f) => f.seen < f.nth);
    if (fired !== null) this.counters.faults++;
    return fired;
  }

  /** @internal */
  currentEpoch(): number {
    return this.epoch;
  }

  /** @internal A sync of `filePath` covering its first `sizeBytes` completed in `epoch`. */
  markDurable(filePath: string, sizeBytes: number, epoch: number): void {
    if (epoch !== this.epoch) return;
    const state = this.track(filePath);
    state.durableBytes = Math.max(state.durableBytes, sizeBytes);
  }

  /** @internal */
  markTruncated(filePath: string, sizeBytes: number): void {
    const state = this.track(filePath);
    state.durableBytes = Math.min(state.durableBytes, sizeBytes);
  }

  /** @internal */
  forget(file: FaultFile): void {
    this.openFiles.delete(file);
  }
}

class FaultFile implements VfsFile {
  private crashed = false;

  constructor(
    private readonly inner: VfsFile,
    private readonly vfs: FaultVfs,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  invalidate(): void {
    this.crashed = true;
    try {
      this.inner.close();
    } catch {
      // Already closed or broken; a crashed handle is dead either way.
    }
  }

  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number {
    this.checkLive();
    return this.inner.readInto(target, targetOffset, length, position);
  }

  read(position: number, length: number): Buffer {
    this.checkLive();
    return this.inner.read(position, length);
  }

  append(data: Uint8Array): void {
    this.checkLive();
    const fault = this.vfs.takeAppendFault(this.path, data.length);
    if (fault === null) return this.inner.append(data);
    const prefixBytes = Math.min(fault.tornPrefixBytes ?? 0, data.length);
    if (prefixBytes > 0) this.inner.append(data.subarray(0, prefixBytes));
    throw faultError(fault.code, "write", this.path);
  }

  async sync(): Promise<void> {
    this.checkLive();
    const held = this.vfs.syncHold(this.path);
    if (held !== undefined) {
      const failed = await held;
      if (failed !== null) throw faultError(failed, "fdatasync", this.path);
      this.checkLive();
    }
    const code = this.vfs.takeSyncFault(this.path);
    const epoch = this.vfs.currentEpoch();
    const coveredBytes = this.inner.sizeBytes();
    if (code !== null) throw faultError(code, "fdatasync", this.path);
    await this.inner.sync();
    // A sync still in flight when the power went out never reported success to anyone: the
    // process that asked is gone. Resolving here would let a surviving caller act on a lie.
    if (this.vfs.currentEpoch() !== epoch) throw faultError("EIO", "fdatasync", this.path);
    this.vfs.markDurable(this.path, coveredBytes, epoch);
  }

  syncSync(): void {
    this.checkLive();
    const code = this.vfs.takeSyncFault(this.path);
    if (code !== null) throw faultError(code, "fdatasync", this.path);
    const coveredBytes = this.inner.sizeBytes();
    this.inner.syncSync();
    this.vfs.markDurable(this.path, coveredBytes, this.vfs.currentEpoch());
  }

  truncate(sizeBytes: number): void {
    this.checkLive();
    this.inner.truncate(sizeBytes);
    this.vfs.markTruncated(this.path, sizeBytes);
  }

  sizeBytes(): number {
    this.checkLive();
    return this.inner.sizeBytes();
  }

  close(): void {
    // Cleanup code that closes after a crash should not fail: the handle is already dead.
    if (this.crashed) return;
    this.vfs.forget(this);
    this.inner.close();
  }

  private checkLive(): void {
    if (this.crashed) throw new Error(`${this.path}: handle used after a simulated crash`);
  }
}
