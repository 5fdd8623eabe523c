import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The file layer under the storage engine. Everything that touches a disk goes through a `Vfs`
 * so tests can inject faults (ENOSPC, EIO, torn writes) and so the engine never calls `fs` itself.
 *
 * Reads and appends are synchronous: the engine runs on one thread, page-cache reads cost a few
 * microseconds and an async round trip through the libuv pool costs more than that. Only `sync()`
 * is async, because fsync is the one call that waits for a device and group commit overlaps it
 * with the next batch of writers.
 */
export interface Vfs {
  /** Opens an existing file for reading (and positional reads). Throws ENOENT if absent. */
  openRead(filePath: string): VfsFile;
  /** Creates (or truncates) a file and opens it for appending. */
  create(filePath: string): VfsFile;
  /** Opens an existing file for appending at its end, creating it if absent. */
  openAppend(filePath: string): VfsFile;
  exists(filePath: string): boolean;
  /** Names (not paths) of the entries in a directory, sorted. */
  list(dirPath: string): string[];
  mkdirp(dirPath: string): void;
  /** Atomic replace, as rename(2). */
  rename(fromPath: string, toPath: string): void;
  remove(filePath: string): void;
  /** Makes a directory's entries (creates, renames, removes) durable. */
  syncDir(dirPath: string): void;
  sizeOf(filePath: string): number;
}

export interface VfsFile {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into `target` at `targetOffset`; returns bytes read. */
  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number;
  /** Reads exactly `length` bytes at `position`; throws `ShortReadError` past end of file. */
  read(position: number, length: number): Buffer;
  /** Appends all of `data` at the end of the file (to the OS, not yet durable). */
  append(data: Uint8Array): void;
  /** Makes everything appended so far durable (fdatasync). */
  sync(): Promise<void>;
  syncSync(): void;
  truncate(sizeBytes: number): void;
  sizeBytes(): number;
  close(): void;
}

export class ShortReadError extends Error {
  constructor(
    readonly filePath: string,
    readonly position: number,
    readonly wanted: number,
    readonly got: number,
  ) {
    super(`${filePath}: short read at offset ${position}: wanted ${wanted} bytes, got ${got}`);
    this.name = "ShortReadError";
  }
}

class NodeFile implements VfsFile {
  private size: number;

  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {
    this.size = fs.fstatSync(fd).size;
  }

  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, target, targetOffset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  read(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    const got = this.readInto(buf, 0, length, position);
    if (got !== length) throw new ShortReadError(this.path, position, length, got);
    return buf;
  }

  append(data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      done += fs.writeSync(this.fd, data, done, data.length - done, this.size + done);
    }
    this.size += data.length;
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  syncSync(): void {
    fs.fdatasyncSync(this.fd);
  }

  truncate(sizeBytes: number): void {
    fs.ftruncateSync(this.fd, sizeBytes);
    this.size = sizeBytes;
  }

  sizeBytes(): number {
    return this.size;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The real file system. */
export class NodeVfs implements Vfs {
  openRead(filePath: string): VfsFile {
    return new NodeFile(filePath, fs.openSync(filePath, "r"));
  }
  create(filePath: string): VfsFile {
    return new NodeFile(filePath, fs.openSync(filePath, "w+"));
  }
  openAppend(filePath: string): VfsFile {
    // "a+" would force O_APPEND, which ignores positions; we track the end ourselves.
    const fd = fs.openSync(filePath, fs.constants.O_RDWR | fs.constants.O_CREAT);
    return new NodeFile(filePath, fd);
  }
  exists(filePath: string): boolean {
    return fs.existsSync(filePath);
  }
  list(dirPath: string): string[] {
    return fs.readdirSync(dirPath).sort();
  }
  mkdirp(dirPath: string): void {
    fs.mkdirSync(dirPath, { recursive: true });
  }
  rename(fromPath: string, toPath: string): void {
    fs.renameSync(fromPath, toPath);
  }
  remove(filePath: string): void {
    fs.rmSync(filePath, { force: true });
  }
  syncDir(dirPath: string): void {
    const fd = fs.openSync(dirPath, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  sizeOf(filePath: string): number {
    return fs.statSync(filePath).size;
  }
}

/** Joins path segments; kept here so storage code imports one module for file concerns. */
export function joinPath(...parts: string[]): string {
  return path.join(...parts);
}
