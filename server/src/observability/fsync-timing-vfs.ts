/**
 * A `Vfs` that passes everything through to another and reports how long each WAL fsync took,
 * so the server can export WAL fsync latency without the storage engine knowing about metrics.
 */
import * as path from "node:path";
import type { Vfs, VfsFile } from "../storage/index.js";

/** WAL files are `<number>.log` (storage/version/file-metadata.ts). */
const WAL_FILE = /^\d+\.log$/;

export class FsyncTimingVfs implements Vfs {
  constructor(
    private readonly inner: Vfs,
    /** Called after every WAL sync with its duration in seconds (successful or not). */
    private readonly onWalSync: (seconds: number) => void,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  private wrap(file: VfsFile): VfsFile {
    return WAL_FILE.test(path.basename(file.path)) ? new TimedFile(file, this.onWalSync, this.nowMs) : file;
  }

  openRead(filePath: string): VfsFile {
    return this.inner.openRead(filePath);
  }
  create(filePath: string): VfsFile {
    return this.wrap(this.inner.create(filePath));
  }
  openAppend(filePath: string): VfsFile {
    return this.wrap(this.inner.openAppend(filePath));
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
  }
  remove(filePath: string): void {
    this.inner.remove(filePath);
  }
  syncDir(dirPath: string): void {
    this.inner.syncDir(dirPath);
  }
  sizeOf(filePath: string): number {
    return this.inner.sizeOf(filePath);
  }
}

class TimedFile implements VfsFile {
  constructor(
    private readonly inner: VfsFile,
    private readonly onSync: (seconds: number) => void,
    private readonly nowMs: () => number,
  ) {}

  get path(): string {
    return this.inner.path;
  }
  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number {
    return this.inner.readInto(target, targetOffset, length, position);
  }
  read(position: number, length: number): Buffer {
    return this.inner.read(position, length);
  }
  append(data: Uint8Array): void {
    this.inner.append(data);
  }
  async sync(): Promise<void> {
    const start = this.nowMs();
    try {
      await this.inner.sync();
    } finally {
      this.onSync((this.nowMs() - start) / 1000);
    }
  }
  syncSync(): void {
    const start = this.nowMs();
    try {
      this.inner.syncSync();
    } finally {
      this.onSync((this.nowMs() - start) / 1000);
    }
  }
  truncate(sizeBytes: number): void {
    this.inner.truncate(sizeBytes);
  }
  sizeBytes(): number {
    return this.inner.sizeBytes();
  }
  close(): void {
    this.inner.close();
  }
}
