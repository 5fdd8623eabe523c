import { SqlStateError } from "../common/sqlstate-error.js";

/**
 * Expected storage failures, typed and carrying the SQLSTATE a client will eventually see.
 * Broken invariants are not errors of this kind: they are assertions (see `assert.ts`).
 */
export class StorageError extends SqlStateError {}

/** Bytes on disk fail their checksum or do not parse. Names the file and the offset. */
export class CorruptionError extends StorageError {
  constructor(
    readonly filePath: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`corruption in ${filePath} at offset ${offset}: ${reason}`, "XX001");
  }
}

/** The disk is full (ENOSPC/EDQUOT). Writes stop; reads still work. */
export class DiskFullError extends StorageError {
  constructor(filePath: string, cause: unknown) {
    super(`disk full while writing ${filePath}`, "53100", { cause });
  }
}

/** An I/O error from the operating system (EIO and friends). */
export class StorageIoError extends StorageError {
  constructor(filePath: string, cause: unknown) {
    super(`I/O error on ${filePath}: ${(cause as Error)?.message ?? String(cause)}`, "58030", { cause });
  }
}

/** The engine was closed, or stopped accepting writes after a failed write or fsync. */
export class EngineClosedError extends StorageError {
  constructor(reason: string, cause?: unknown) {
    super(reason, "57P01", { cause });
  }
}

/** Maps an error thrown by the file layer to a typed storage error. */
export function toStorageError(filePath: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return new DiskFullError(filePath, err);
  return new StorageIoError(filePath, err);
}
