import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "./errors.js";

/** Directories locked by this process: a second open in the same process is refused too. */
const lockedHere = new Set<string>();

/**
 * An exclusive claim on a data directory through a LOCK file holding the owner's pid. A lock
 * left by a process that died (SIGKILL) is taken over; one held by a live process is refused.
 * NB: pid liveness is a per-machine check; data directories are not shared across machines.
 */
export class DirLock {
  private constructor(private readonly lockPath: string) {}

  static acquire(dir: string): DirLock {
    const lockPath = path.resolve(dir, "LOCK");
    if (lockedHere.has(lockPath)) throw new DataDirInUseError(dir, process.pid);
    // link(2) is the atomic step: the LOCK file appears already holding our pid, and of two
    // processes racing, one gets EEXIST.
    const tmp = `${lockPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${process.pid}\n`);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          fs.linkSync(tmp, lockPath);
          lockedHere.add(lockPath);
          return new DirLock(lockPath);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        const owner = readOwner(lockPath);
        if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new DataDirInUseError(dir, owner);
        // The owner died without releasing (SIGKILL, power loss): take the lock over.
        fs.rmSync(lockPath, { force: true });
      }
      throw new DataDirInUseError(dir, readOwner(lockPath) ?? 0);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  release(): void {
    if (!lockedHere.delete(this.lockPath)) return;
    if (readOwner(this.lockPath) === process.pid) fs.rmSync(this.lockPath, { force: true });
  }
}

export class DataDirInUseError extends StorageError {
  constructor(dir: string, pid: number) {
    super(`data directory ${dir} is in use by process ${pid}`, "55006");
  }
}

function readOwner(lockPath: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockPath, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
