import { ShortReadError, type VfsFile } from "../vfs.js";

/**
 * An in-memory VfsFile for tests: fast, and its bytes can be damaged in place.
 * Not for production use (nothing is durable).
 */
export class MemFile implements VfsFile {
  bytes: Buffer = Buffer.alloc(0);
  closed = false;

  constructor(readonly path: string) {}

  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.bytes.length - position));
    target.set(this.bytes.subarray(position, position + n), targetOffset);
    return n;
  }

  read(position: number, length: number): Buffer {
    if (position + length > this.bytes.length) {
      throw new ShortReadError(this.path, position, length, Math.max(0, this.bytes.length - position));
    }
    return Buffer.from(this.bytes.subarray(position, position + length));
  }

  append(data: Uint8Array): void {
    this.bytes = Buffer.concat([this.bytes, data]);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  syncSync(): void {}

  truncate(sizeBytes: number): void {
    this.bytes = this.bytes.subarray(0, sizeBytes);
  }

  sizeBytes(): number {
    return this.bytes.length;
  }

  close(): void {
    this.closed = true;
  }
}
