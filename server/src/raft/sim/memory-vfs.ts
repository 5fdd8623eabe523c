/**
 * An in-memory `Vfs` with a power-loss model, so the simulator can run replicas on the real
 * disk log without real I/O. Each file's durable length is its size at its last sync; `crash()`
 * keeps that plus a chosen prefix of the unsynced bytes (a torn write when the cut lands inside a
 * record). NB: names are durable at once (directory syncs are not modelled) and unsynced bytes
 * are lost only as a suffix; see storage/fault-vfs.ts for the same simplifications.
 */
import { ShortReadError, type Vfs, type VfsFile } from "../../storage/vfs.js";

interface MemFileState {
  data: Buffer;
  size: number;
  durable: number;
}

class MemFile implements VfsFile {
  constructor(
    readonly path: string,
    private readonly s: MemFileState,
  ) {}

  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.s.size - position));
    target.set(this.s.data.subarray(position, position + n), targetOffset);
    return n;
  }

  read(position: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    const got = this.readInto(out, 0, length, position);
    if (got !== length) throw new ShortReadError(this.path, position, length, got);
    return out;
  }

  append(data: Uint8Array): void {
    const need = this.s.size + data.length;
    if (need > this.s.data.length) {
      const grown = Buffer.alloc(Math.max(need, this.s.data.length * 2, 1024));
      this.s.data.copy(grown, 0, 0, this.s.size);
      this.s.data = grown;
    }
    this.s.data.set(data, this.s.size);
    this.s.size = need;
  }

  sync(): Promise<void> {
    this.syncSync();
    return Promise.resolve();
  }

  syncSync(): void {
    this.s.durable = this.s.size;
  }

  truncate(sizeBytes: number): void {
    this.s.size = Math.min(this.s.size, sizeBytes);
    this.s.durable = Math.min(this.s.durable, this.s.size);
  }

  sizeBytes(): number {
    return this.s.size;
  }

  close(): void {}
}

export class MemoryVfs implements Vfs {
  private readonly files = new Map<string, MemFileState>();

  private state(filePath: string): MemFileState {
    const s = this.files.get(filePath);
    if (s === undefined) throw Object.assign(new Error(`ENOENT: ${filePath}`), { code: "ENOENT" });
    return s;
  }

  openRead(filePath: string): VfsFile {
    return new MemFile(filePath, this.state(filePath));
  }
  create(filePath: string): VfsFile {
    const s = { data: Buffer.alloc(1024), size: 0, durable: 0 };
    this.files.set(filePath, s);
    return new MemFile(filePath, s);
  }
  openAppend(filePath: string): VfsFile {
    return this.files.has(filePath) ? new MemFile(filePath, this.state(filePath)) : this.create(filePath);
  }
  exists(filePath: string): boolean {
    return this.files.has(filePath);
  }
  list(dirPath: string): string[] {
    const prefix = dirPath.endsWith("/") ? dirPath : `${dirPath}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)).sort();
  }
  mkdirp(): void {}
  rename(fromPath: string, toPath: string): void {
    this.files.set(toPath, this.state(fromPath));
    this.files.delete(fromPath);
  }
  remove(filePath: string): void {
    this.files.delete(filePath);
  }
  syncDir(): void {}
  sizeOf(filePath: string): number {
    return this.state(filePath).size;
  }

  /** Power loss: every file keeps its durable bytes plus `keepUnsynced(unsyncedBytes)` more. */
  crash(keepUnsynced: (unsyncedBytes: number) => number): void {
    for (const s of this.files.values()) {
      const unsynced = s.size - s.durable;
      s.size = s.durable + Math.max(0, Math.min(unsynced, keepUnsynced(unsynced)));
      s.durable = s.size;
    }
  }
}
