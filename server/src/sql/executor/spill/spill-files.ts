/**
 * Temporary files for operators that spill past work_mem. Operators see only SpillFileSystem,
 * so tests can count open files or inject write failures.
 *
 * The Node implementation unlinks each file right after creating it (on POSIX systems), so a
 * spill file has no name while it is used: nothing is left behind when the process crashes, and
 * closing the handle frees the disk space. Where unlinking an open file fails (Windows), the
 * file is removed on close instead.
 */
import { rmdirSync } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rmdir, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqlStateError } from "../../../common/sqlstate-error.js";

/** A temporary file, positional reads and writes; it is gone once closed. */
export interface SpillFile {
  /** Writes all of `data` at byte `position`. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Reads up to into.length bytes at `position`; returns how many (0 at the end). */
  read(into: Uint8Array, position: number): Promise<number>;
  /** Releases the file (and its disk space). Safe to call more than once. */
  close(): Promise<void>;
}

export interface SpillFileSystem {
  create(): Promise<SpillFile>;
}

/** The spill directory for a tempDir setting: itself, or when empty a per-process one under the OS temp dir. */
export function spillDirectory(tempDir: string): string {
  return tempDir !== "" ? tempDir : join(tmpdir(), `alopex-spill-${process.pid}`);
}

const systems = new Map<string, SpillFileSystem>();

/** The shared Node file system for a spill directory (created on first use). */
export function nodeSpillFiles(dir: string): SpillFileSystem {
  let s = systems.get(dir);
  if (!s) systems.set(dir, (s = new NodeSpillFiles(dir)));
  return s;
}

let nextFileNumber = 0;

/** Process-wide counters of the Node spill files (what monitoring reads). */
export const spillMetrics = {
  filesCreated: 0,
  filesOpen: 0,
  bytesWritten: 0,
};

class NodeSpillFiles implements SpillFileSystem {
  private ready: Promise<void> | undefined;
  private exitHook = false;

  constructor(private readonly dir: string) {}

  async create(): Promise<SpillFile> {
    await (this.ready ??= this.prepare());
    let recreated = false;
    for (;;) {
      const path = join(this.dir, `spill-${process.pid}-${nextFileNumber++}.tmp`);
      let fh: FileHandle;
      try {
        fh = await open(path, "wx+", 0o600);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A file of an earlier process with the same pid: take the next number.
        if (code === "EEXIST") continue;
        // The directory was removed since first use (a tmp cleaner): make it again, once.
        if (code === "ENOENT" && !recreated) {
          recreated = true;
          await (this.ready = this.prepare());
          continue;
        }
        throw spillError("could not create temporary file", e);
      }
      let unlinked = true;
      try {
        await unlink(path);
      } catch {
        unlinked = false;
      }
      spillMetrics.filesCreated++;
      spillMetrics.filesOpen++;
      return new NodeSpillFile(fh, unlinked ? undefined : path);
    }
  }

  private async prepare(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      this.ready = undefined;
      throw spillError(`could not create directory "${this.dir}"`, e);
    }
    if (!this.exitHook && this.dir.startsWith(join(tmpdir(), "alopex-spill-"))) {
      this.exitHook = true;
      removeAtExit(this.dir);
      await removeDeadProcessDirs();
    }
  }
}

/**
 * Per-process directories of processes that are gone (killed before their exit hook ran): they
 * hold no names, so rmdir (which only removes empty directories) clears them.
 */
async function removeDeadProcessDirs(): Promise<void> {
  let names: string[];
  try {
    names = await readdir(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^alopex-spill-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    await rmdir(join(tmpdir(), name)).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The per-process directory holds no names (files are unlinked), so it can go when the process does. */
function removeAtExit(dir: string): void {
  process.once("exit", () => {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (a file that could not be unlinked while open) or already gone: leave it.
    }
  });
}

class NodeSpillFile implements SpillFile {
  private closed = false;

  constructor(
    private readonly fh: FileHandle,
    /** Set when the file still has a name that close must remove. */
    private readonly path: string | undefined,
  ) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done);
        done += bytesWritten;
        spillMetrics.bytesWritten += bytesWritten;
      }
    } catch (e) {
      throw spillError("could not write to temporary file", e);
    }
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    try {
      const { bytesRead } = await this.fh.read(into, 0, into.length, position);
      return bytesRead;
    } catch (e) {
      throw spillError("could not read from temporary file", e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    spillMetrics.filesOpen--;
    try {
      await this.fh.close();
    } finally {
      if (this.path) await unlink(this.path).catch(() => undefined);
    }
  }
}

/** PostgreSQL reports temp file failures as its file errors: 53100 when the disk is full, else 58030. */
function spillError(what: string, cause: unknown): SqlStateError {
  const code = (cause as NodeJS.ErrnoException).code;
  const message = `${what}: ${(cause as Error).message}`;
  return new SqlStateError(message, code === "ENOSPC" ? "53100" : "58030", { cause });
}

/** The files an operator has open, so that closing the operator releases every one of them. */
export class SpillFileSet {
  private readonly files = new Set<SpillFile>();

  add(f: SpillFile): SpillFile {
    this.files.add(f);
    return f;
  }

  /** Closes one file now (when the operator is done with it). */
  async release(f: SpillFile): Promise<void> {
    this.files.delete(f);
    await f.close();
  }

  get size(): number {
    return this.files.size;
  }

  /** Closes every file; the first failure is rethrown after all were tried. */
  async closeAll(): Promise<void> {
    const files = [...this.files];
    this.files.clear();
    const results = await Promise.allSettled(files.map((f) => f.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
