/**
 * An in-memory SpillFileSystem for tests: counts files created, open and at most open at once,
 * bytes written, and can fail the n-th write (fault injection).
 */
import { SqlStateError } from "../../../../common/sqlstate-error.js";
import type { SpillFile, SpillFileSystem } from "../spill-files.js";

export class MemorySpillFiles implements SpillFileSystem {
  created = 0;
  open = 0;
  maxOpen = 0;
  bytesWritten = 0;
  writes = 0;
  /** Fail the write with this (1-based) number, as a full disk would. */
  failWriteAt: number | undefined;

  async create(): Promise<SpillFile> {
    this.created++;
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    return new MemoryFile(this);
  }

  /** Called by a file on its first close. */
  closed(): void {
    this.open--;
  }

  /** Called by a file on each write; throws when the injected failure is due. */
  wrote(bytes: number): void {
    this.writes++;
    if (this.failWriteAt !== undefined && this.writes >= this.failWriteAt) throw new SqlStateError("could not write to temporary file: No space left on device", "53100");
    this.bytesWritten += bytes;
  }
}

class MemoryFile implements SpillFile {
  private data = Buffer.alloc(0);
  private size = 0;
  private isClosed = false;

  constructor(private readonly fs: MemorySpillFiles) {}

  async write(bytes: Uint8Array, position: number): Promise<void> {
    if (this.isClosed) throw new Error("write to a closed spill file");
    this.fs.wrote(bytes.length);
    const end = position + bytes.length;
    if (end > this.data.length) {
      const grown = Buffer.alloc(Math.max(end, 2 * this.data.length));
      this.data.copy(grown, 0, 0, this.size);
      this.data = grown;
    }
    this.data.set(bytes, position);
    this.size = Math.max(this.size, end);
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    if (this.isClosed) throw new Error("read from a closed spill file");
    const n = Math.max(0, Math.min(into.length, this.size - position));
    into.set(this.data.subarray(position, position + n));
    return n;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.data = Buffer.alloc(0);
    this.fs.closed();
  }
}
