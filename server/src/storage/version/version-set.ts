import { assert } from "../assert.js";
import { CorruptionError } from "../errors.js";
import { joinPath, type Vfs } from "../vfs.js";
import { replayWal } from "../wal/reader.js";
import { WalWriter } from "../wal/writer.js";
import { manifestFileName } from "./file-metadata.js";
import { decodeVersionEdit, encodeVersionEdit, type VersionEdit } from "./version-edit.js";
import { Version } from "./version.js";

export const CURRENT_FILE = "CURRENT";

export interface VersionSetOptions {
  readonly numLevels: number;
  /** The manifest is rewritten as one snapshot edit past this size. */
  readonly maxManifestBytes: number;
}

/**
 * The current version and the manifest that makes it durable: an append-only log of version
 * edits (framed and fsynced like the WAL), found through the CURRENT file. Every change to the
 * set of live files goes through `logAndApply`, one at a time.
 */
export class VersionSet {
  current: Version;
  nextFileNumber = 2;
  /** WAL files numbered below this are flushed. */
  logNumber = 0;
  /** Highest sequence number recorded in the manifest. */
  lastSeq = 0;
  readonly compactPointers = new Map<number, Buffer>();

  private manifest: WalWriter | undefined;
  private manifestPath = "";
  /** Versions pinned by readers; their files must not be deleted. */
  private readonly pinned = new Set<Version>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    private readonly options: VersionSetOptions,
  ) {
    this.current = Version.empty(options.numLevels);
  }

  /** Opens the version set of `dir`: recovers it from CURRENT, or starts an empty one. */
  static async open(vfs: Vfs, dir: string, options: VersionSetOptions): Promise<VersionSet> {
    const vs = new VersionSet(vfs, dir, options);
    const currentPath = joinPath(dir, CURRENT_FILE);
    if (vfs.exists(currentPath)) vs.recover(currentPath);
    await vs.startManifest();
    return vs;
  }

  /** Hands out a new, never reused file number. */
  newFileNumber(): number {
    return this.nextFileNumber++;
  }

  /**
   * Makes `edit` durable in the manifest, then installs the new version. Calls run one at a time
   * in call order. NB: a failure leaves the manifest in an unknown state; the caller must stop
   * writing (the engine enters its failed state).
   */
  logAndApply(edit: VersionEdit): Promise<void> {
    const run = async (): Promise<void> => {
      const next = this.current.apply(edit);
      if (this.manifest!.sizeBytes() > this.options.maxManifestBytes) await this.startManifest();
      await this.manifest!.append(encodeVersionEdit({ ...edit, nextFileNumber: this.nextFileNumber }));
      this.install(next, edit);
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Pins `v` for a reader; pair with `unpin`. */
  pin(v: Version): Version {
    v.refs++;
    this.pinned.add(v);
    return v;
  }

  unpin(v: Version): void {
    assert(v.refs > 0, "unpin of a version that is not pinned");
    if (--v.refs === 0) this.pinned.delete(v);
  }

  /** File numbers that some live version (current or pinned) still uses. */
  liveFileNumbers(): Set<number> {
    const live = new Set(this.current.fileNumbers());
    for (const v of this.pinned) for (const n of v.fileNumbers()) live.add(n);
    return live;
  }

  manifestFileNumber(): number {
    return Number(/(\d+)$/.exec(this.manifestPath)![1]);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.manifest?.close();
    this.manifest = undefined;
  }

  private install(next: Version, edit: VersionEdit): void {
    this.current = next;
    if (edit.logNumber !== undefined) this.logNumber = edit.logNumber;
    if (edit.lastSeq !== undefined) this.lastSeq = Math.max(this.lastSeq, edit.lastSeq);
    for (const [level, key] of edit.compactPointers ?? []) this.compactPointers.set(level, key);
  }

  private recover(currentPath: string): void {
    const name = this.vfs.openRead(currentPath);
    let manifestName: string;
    try {
      manifestName = name.read(0, name.sizeBytes()).toString("utf8").trim();
    } finally {
      name.close();
    }
    if (!/^MANIFEST-\d+$/.test(manifestName)) throw new CorruptionError(currentPath, 0, `CURRENT names "${manifestName}"`);
    const path = joinPath(this.dir, manifestName);
    if (!this.vfs.exists(path)) throw new CorruptionError(path, 0, "the manifest named by CURRENT is missing");
    replayWal(this.vfs, path, (payload, offset) => {
      let edit: VersionEdit;
      try {
        edit = decodeVersionEdit(payload);
        this.install(this.current.apply(edit), edit);
      } catch (e) {
        throw new CorruptionError(path, offset, `bad version edit: ${(e as Error).message}`);
      }
      if (edit.nextFileNumber !== undefined) this.nextFileNumber = Math.max(this.nextFileNumber, edit.nextFileNumber);
    });
    this.manifestPath = path;
  }

  /** Writes a fresh manifest holding one snapshot edit, points CURRENT at it, drops the old one. */
  private async startManifest(): Promise<void> {
    const number = this.newFileNumber();
    const path = joinPath(this.dir, manifestFileName(number));
    const writer = new WalWriter(this.vfs.create(path), { syncMode: "always", syncIntervalMs: 1000 });
    await writer.append(
      encodeVersionEdit({
        logNumber: this.logNumber,
        nextFileNumber: this.nextFileNumber,
        lastSeq: this.lastSeq,
        compactPointers: [...this.compactPointers],
        added: this.current.levels.flatMap((files, level) => files.map((f) => [level, f] as const)),
      }),
    );
    this.vfs.syncDir(this.dir);
    this.setCurrent(manifestFileName(number));
    const old = this.manifest;
    const oldPath = this.manifestPath;
    this.manifest = writer;
    this.manifestPath = path;
    if (old) await old.close();
    if (oldPath) this.vfs.remove(oldPath);
  }

  /** Atomically points CURRENT at `manifestName` (write temp, fsync, rename, fsync dir). */
  private setCurrent(manifestName: string): void {
    const tmp = joinPath(this.dir, `${CURRENT_FILE}.tmp`);
    const f = this.vfs.create(tmp);
    try {
      f.append(Buffer.from(`${manifestName}\n`));
      f.syncSync();
    } finally {
      f.close();
    }
    this.vfs.rename(tmp, joinPath(this.dir, CURRENT_FILE));
    this.vfs.syncDir(this.dir);
  }
}
