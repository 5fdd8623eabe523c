import type { StorageEngine } from "../storage/index.js";
import { unescapeBytes } from "../kv/key-encoding.js";
import type { Timestamp } from "./hlc.js";
import { DATA_END, DATA_START, decodeVersionValue, encodeKeyBound, PointReadBounds, versionPrefixOf, versionTsOf } from "./mvcc-key.js";

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
