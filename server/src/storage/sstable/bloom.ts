/**
 * Bloom filter over user keys (LevelDB's layout and probing): a bit array followed by one byte
 * holding k, the number of probes. Probes use double hashing over one 32-bit murmur3 hash:
 * h, h + δ, h + 2δ, … with δ = rotr(h, 17), so a lookup hashes the key once.
 *
 * At 10 bits per key, k = round(10 · ln 2) = 7 and the false-positive rate is ~1%.
 * An empty filter (0 bits per key) is "no filter" and matches everything.
 * Pure module: no I/O, no randomness.
 */

/** Largest k a filter may declare; larger values are reserved and read as "may contain". */
export const BLOOM_MAX_PROBES = 30;
const MIN_BITS = 64;
const SEED = 0xbc9f1d34;

/** The filter's hash of `key[start, end)`, without allocating. NB: part of the file format. */
export function bloomHash(key: Uint8Array, start = 0, end = key.length): number {
  return murmur3x86_32(key, SEED, start, end);
}

/** murmur3 (x86, 32-bit) of `key[start, end)` with `seed`. */
export function murmur3x86_32(key: Uint8Array, seed: number, start = 0, end = key.length): number {
  let h = seed | 0;
  const length = end - start;
  const blocksEnd = start + (length & ~3);
  let i = start;
  for (; i < blocksEnd; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = key[i]!;
    if (tail > 1) k |= key[i + 1]! << 8;
    if (tail > 2) k |= key[i + 2]! << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Probes per key for `bitsPerKey`: round(bits · ln 2), clamped to [1, BLOOM_MAX_PROBES]. */
export function bloomProbeCount(bitsPerKey: number): number {
  return Math.max(1, Math.min(BLOOM_MAX_PROBES, Math.round(bitsPerKey * Math.LN2)));
}

/**
 * Builds a filter from `hashes` (one `bloomHash` per distinct key). `bitsPerKey` 0 disables the
 * filter: the result is empty and matches every key.
 */
export function buildBloomFilter(hashes: ArrayLike<number>, bitsPerKey: number): Uint8Array {
  if (bitsPerKey === 0) return new Uint8Array(0);
  const k = bloomProbeCount(bitsPerKey);
  const bytes = Math.ceil(Math.max(MIN_BITS, hashes.length * bitsPerKey) / 8);
  const bits = bytes * 8;
  const filter = new Uint8Array(bytes + 1);
  filter[bytes] = k;
  for (let i = 0; i < hashes.length; i++) {
    let h = hashes[i]! >>> 0;
    const delta = ((h >>> 17) | (h << 15)) >>> 0;
    for (let j = 0; j < k; j++) {
      const bit = h % bits;
      filter[bit >>> 3]! |= 1 << (bit & 7);
      h = (h + delta) >>> 0;
    }
  }
  return filter;
}

/** Why `filter` is not a well-formed filter, or undefined if it is (empty = disabled is well formed). */
export function checkBloomFilter(filter: Uint8Array): string | undefined {
  if (filter.length === 0) return undefined;
  if (filter.length < 2) return `bloom filter of ${filter.length} bytes is too short`;
  const k = filter[filter.length - 1]!;
  if (k < 1 || k > BLOOM_MAX_PROBES) return `bloom filter declares ${k} probes`;
  return undefined;
}

/** False means the key was certainly not added; true means it may have been. */
export function bloomMayContainHash(filter: Uint8Array, hash: number): boolean {
  const bytes = filter.length - 1;
  const k = filter[bytes]!;
  if (bytes < 1 || k > BLOOM_MAX_PROBES) return true;
  const bits = bytes * 8;
  let h = hash >>> 0;
  const delta = ((h >>> 17) | (h << 15)) >>> 0;
  for (let j = 0; j < k; j++) {
    const bit = h % bits;
    if ((filter[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    h = (h + delta) >>> 0;
  }
  return true;
}

/** As `bloomMayContainHash` for the key itself. */
export function bloomMayContain(filter: Uint8Array, key: Uint8Array): boolean {
  return bloomMayContainHash(filter, bloomHash(key));
}
