import { copyPrefix, type ForwardVisibleCursor, type StorageEngine } from "../storage/index.js";
import { unescapeBytes } from "../kv/key-encoding.js";
import type { Timestamp } from "./hlc.js";
import {
  DATA_END,
  DATA_START,
  decodeVersionValue,
  encodeKeyBound,
  PointReadBounds,
  readInvertedTs,
  TS_BYTES,
  versionPrefixOf,
  versionTsOf,
} from "./mvcc-key.js";

/** One user key as a snapshot sees it; `value` undefined is a delete (tombstone). */
export interface VisibleVersion {
  readonly key: Buffer;
  readonly value: Buffer | undefined;
}

const WITHIN_LOGICAL_KEY = { withinLogicalKey: true } as const;

const bounds = new PointReadBounds();

/** The value of `key` a snapshot at `readTs` sees: undefined when it has no version or a delete. */
export function readValue(engine: StorageEngine, key: Uint8Array, readTs: Timestamp): Buffer | undefined {
  bounds.set(key, readTs);
  const found = engine.seekFirstValue(bounds.start, bounds.end, WITHIN_LOGICAL_KEY);
  return found && decodeVersionValue(found);
}

export interface VersionRange {
  readonly start?: Uint8Array | undefined;
  readonly end?: Uint8Array | undefined;
  readonly reverse?: boolean | undefined;
}

function userKeyOfPrefix(prefix: Buffer): Buffer {
  return unescapeBytes(prefix, 1).bytes;
}

/**
 * Per user key in [start, end), the version a snapshot at `readTs` sees, in key order (or
 * reverse), tombstones included so a caller can merge other layers over it. `decode` turns the
 * stored value into what is yielded (default: the user's bytes, undefined for a tombstone).
 */
export function visibleVersions(engine: StorageEngine, readTs: Timestamp, range: VersionRange): Generator<VisibleVersion>;
export function visibleVersions<V>(engine: StorageEngine, readTs: Timestamp, range: VersionRange, decode: (stored: Buffer) => V): Generator<{ readonly key: Buffer; readonly value: V }>;
export function* visibleVersions<V>(
  engine: StorageEngine,
  readTs: Timestamp,
  range: VersionRange,
  decode: (stored: Buffer) => V = decodeVersionValue as (stored: Buffer) => V,
): Generator<{ readonly key: Buffer; readonly value: V }> {
  const storage = engine.scan({
    start: range.start ? encodeKeyBound(range.start) : DATA_START,
    end: range.end ? encodeKeyBound(range.end) : DATA_END,
    reverse: range.reverse ?? false,
  });
  let current: Buffer | undefined;
  if (!range.reverse) {
    // Newest version first: the first one at or below readTs is the visible one; skip the rest.
    let found = false;
    for (const [k, v] of storage) {
      const prefix = versionPrefixOf(k);
      if (current === undefined || !prefix.equals(current)) {
        current = prefix;
        found = false;
      } else if (found) continue;
      if (versionTsOf(k) > readTs) continue;
      found = true;
      yield { key: userKeyOfPrefix(prefix), value: decode(v) };
    }
    return;
  }
  // Reverse: a key's versions come oldest first; the last one at or below readTs is visible.
  let candidate: Buffer | undefined;
  let candidatePrefix: Buffer | undefined;
  for (const [k, v] of storage) {
    const prefix = versionPrefixOf(k);
    if (current === undefined || !prefix.equals(current)) {
      if (candidate !== undefined) yield { key: userKeyOfPrefix(candidatePrefix!), value: decode(candidate) };
      candidate = undefined;
      current = prefix;
    }
    if (versionTsOf(k) <= readTs) {
      candidate = v;
      candidatePrefix = prefix;
    }
  }
  if (candidate !== undefined) yield { key: userKeyOfPrefix(candidatePrefix!), value: decode(candidate) };
}

/** Visible versions one at a time, in scan order (see visibleVersions); `close` ends the scan. */
export interface VersionSource {
  /** The next version, or undefined past the last. */
  next(): VisibleVersion | undefined;
  /** Releases what the scan holds. Idempotent; later `next` calls return undefined. */
  close(): void;
}

/**
 * visibleVersions as a VersionSource: forward through the engine's copy-free cursor, so that
 * only what is returned is copied (the unescaped key and the user's bytes); reverse through the
 * generator. The engine's scan starts at the first `next`, as the generator's would.
 */
export function versionSource(engine: StorageEngine, readTs: Timestamp, range: VersionRange): VersionSource {
  return range.reverse ? new GeneratorVersions(visibleVersions(engine, readTs, range)) : new ForwardVersions(engine, readTs, range);
}

class GeneratorVersions implements VersionSource {
  constructor(private readonly versions: Generator<VisibleVersion>) {}

  next(): VisibleVersion | undefined {
    const n = this.versions.next();
    return n.done ? undefined : n.value;
  }

  close(): void {
    this.versions.return(undefined);
  }
}

class ForwardVersions implements VersionSource {
  private cursor: ForwardVisibleCursor | undefined;
  private closed = false;
  /** The escaped user key (version key without its timestamp) of the versions being passed. */
  private prefix = Buffer.allocUnsafe(64);
  private prefixLength = -1;
  /** The current user key's visible version was returned: the rest of its versions are older. */
  private found = false;

  constructor(
    private readonly engine: StorageEngine,
    private readonly readTs: Timestamp,
    private readonly range: VersionRange,
  ) {}

  next(): VisibleVersion | undefined {
    if (this.closed) return undefined;
    const c = (this.cursor ??= this.engine.forwardScan({
      start: this.range.start ? encodeKeyBound(this.range.start) : DATA_START,
      end: this.range.end ? encodeKeyBound(this.range.end) : DATA_END,
    }));
    while (c.next()) {
      const k = c.keyBuffer();
      const pl = c.keyLength - TS_BYTES;
      if (pl !== this.prefixLength || !samePrefix(k, this.prefix, pl)) {
        if (pl > this.prefix.length) this.prefix = Buffer.allocUnsafe(2 * pl);
        copyPrefix(k, this.prefix, pl);
        this.prefixLength = pl;
        this.found = false;
      } else if (this.found) continue;
      if (readInvertedTs(k, pl) > this.readTs) continue;
      this.found = true;
      const value = decodeVersionValue(c.value());
      return { key: userKeyOfPrefix(k.subarray(0, pl)), value: value && Buffer.from(value) };
    }
    return undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cursor?.close();
  }
}

/** a[0, n) equals b[0, n). A loop: for keys this short Buffer's native compare costs more. */
function samePrefix(a: Buffer, b: Buffer, n: number): boolean {
  for (let i = n - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}
