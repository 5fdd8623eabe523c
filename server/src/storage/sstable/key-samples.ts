/**
 * A table's key-distribution summary: how many distinct logical keys it holds and an ordered
 * sample of them with their ranks, so a cost model can estimate how many keys of a range a table
 * holds without reading it (`StorageEngine.approximateLogicalKeys`).
 *
 * Logical keys are what `EngineOptions.logicalKeyLength` makes of user keys (for MVCC: one user
 * key, whatever number of versions it has); without it every user key is its own logical key.
 * `LogicalKeySampleCollector` writes the summary into the properties meta block under
 * `user.` + KEY_SAMPLES_PROPERTY; `SstReader.open` decodes it into `KeySamples`.
 *
 * Sampling: every `stride`-th logical key from rank 0, the stride doubling (and every other sample
 * dropped) whenever 2 × KEY_SAMPLES_MIN samples pile up, plus the last key. So a table keeps
 * between KEY_SAMPLES_MIN and 2 × KEY_SAMPLES_MIN + 1 samples (all its keys if it has fewer),
 * chosen in one pass without knowing the count in advance, and two neighbouring samples are at
 * most `stride` ranks apart.
 *
 * Encoding (all varints): format (1), count, deleted-only count, sample count, then per sample:
 * rank minus the previous sample's rank, bytes shared with the previous sample's key, the
 * remaining byte count, the remaining bytes. Row keys sampled at a stride share long prefixes, so
 * a sample costs a few bytes beyond its distinct suffix: ~1–2 KiB per table for MVCC row keys.
 */
import { kindOf, TRAILER_BYTES, ValueKind } from "../internal-key.js";
import type { LogicalKeyLength } from "../memtable/memtable.js";
import { decodeVarint } from "../varint.js";
import { ByteBuffer } from "./byte-buffer.js";
import type { TablePropertiesCollector } from "./properties.js";

/** The user property (`user.` + this in the meta block) that holds the summary. */
export const KEY_SAMPLES_PROPERTY = "alopex.logical-keys";
/** Fewest samples a table with at least this many logical keys keeps (see above). */
export const KEY_SAMPLES_MIN = 64;
const FORMAT = 1;
/** Bytes of the key suffix after a common prefix that interpolation looks at (fits a double exactly). */
const INTERPOLATION_BYTES = 6;
/** Fixed cost of a decoded summary: the object and its three typed-array headers. */
const DECODED_OVERHEAD_BYTES = 256;

/** Records the summary of one table; make one per table written. */
export class LogicalKeySampleCollector implements TablePropertiesCollector {
  private last = Buffer.allocUnsafe(64);
  private lastLength = -1;
  private lastLive = false;
  private count = 0;
  private deletedOnly = 0;
  private stride = 1;
  private readonly samples: Buffer[] = [];
  private readonly ranks: number[] = [];

  constructor(private readonly logicalKeyLength?: LogicalKeyLength) {}

  add(internalKey: Buffer, _value: Buffer): void {
    const userLength = internalKey.length - TRAILER_BYTES;
    const length = this.logicalKeyLength ? this.logicalKeyLength(internalKey, userLength) : userLength;
    const live = kindOf(internalKey) !== ValueKind.Delete;
    if (length === this.lastLength && this.last.compare(internalKey, 0, length, 0, length) === 0) {
      if (live) this.lastLive = true;
      return;
    }
    if (this.lastLength >= 0 && !this.lastLive) this.deletedOnly++;
    if (length > this.last.length) this.last = Buffer.allocUnsafe(Math.max(length, this.last.length * 2));
    internalKey.copy(this.last, 0, 0, length);
    this.lastLength = length;
    this.lastLive = live;
    const rank = this.count++;
    if (rank % this.stride !== 0) return;
    this.samples.push(Buffer.from(internalKey.subarray(0, length)));
    this.ranks.push(rank);
    if (this.samples.length === 2 * KEY_SAMPLES_MIN) this.thin();
  }

  finish(): Record<string, Uint8Array> {
    if (this.lastLength < 0) return {};
    if (!this.lastLive) this.deletedOnly++;
    if (this.ranks[this.ranks.length - 1] !== this.count - 1) {
      this.samples.push(Buffer.from(this.last.subarray(0, this.lastLength)));
      this.ranks.push(this.count - 1);
    }
    return { [KEY_SAMPLES_PROPERTY]: encodeKeySamples(this.count, this.deletedOnly, this.samples, this.ranks) };
  }

  /** Keeps every other sample (ranks that are multiples of the doubled stride). */
  private thin(): void {
    let j = 0;
    for (let i = 0; i < this.samples.length; i += 2, j++) {
      this.samples[j] = this.samples[i]!;
      this.ranks[j] = this.ranks[i]!;
    }
    this.samples.length = j;
    this.ranks.length = j;
    this.stride *= 2;
  }
}

/** The property's bytes (see the file comment). Samples ascending, ranks strictly increasing. */
export function encodeKeySamples(count: number, deletedOnly: number, samples: readonly Uint8Array[], ranks: readonly number[]): Buffer {
  const out = new ByteBuffer(64 + samples.reduce((n, s) => n + s.length + 3, 0));
  out.pushVarint(FORMAT);
  out.pushVarint(count);
  out.pushVarint(deletedOnly);
  out.pushVarint(samples.length);
  let prev: Uint8Array = Buffer.alloc(0);
  let prevRank = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    let shared = 0;
    const max = Math.min(s.length, prev.length);
    while (shared < max && s[shared] === prev[shared]) shared++;
    out.pushVarint(ranks[i]! - prevRank);
    out.pushVarint(shared);
    out.pushVarint(s.length - shared);
    out.pushBytes(s, shared);
    prev = s;
    prevRank = ranks[i]!;
  }
  return Buffer.from(out.view());
}

/**
 * A decoded summary. Keys sit in one buffer (`offsets` delimit them), ranks in a typed array: a
 * table's summary is a handful of objects however many samples it has.
 */
export class KeySamples {
  private constructor(
    /** Distinct logical keys in the table. */
    readonly count: number,
    /** Of them, those with only deletions in this table. */
    readonly deletedOnly: number,
    private readonly keys: Buffer,
    private readonly offsets: Uint32Array,
    private readonly ranks: Float64Array,
  ) {}

  /** Decodes the property, or returns what is malformed. */
  static decode(bytes: Uint8Array): KeySamples | string {
    const cursor = { pos: 0 };
    const limit = bytes.length;
    const next = (): number => decodeVarint(bytes, cursor, limit);
    if (next() !== FORMAT) return "unknown key sample format";
    const count = next();
    const deletedOnly = next();
    const n = next();
    if (count < 0 || deletedOnly < 0 || n < 0 || deletedOnly > count || n > count || n > limit) return "malformed key sample header";
    if ((count === 0) !== (n === 0)) return "key samples do not match their count";
    const offsets = new Uint32Array(n + 1);
    const ranks = new Float64Array(n);
    const parts: Buffer[] = [];
    let total = 0;
    let rank = 0;
    let prev = Buffer.alloc(0);
    for (let i = 0; i < n; i++) {
      const delta = next();
      const shared = next();
      const rest = next();
      if (delta < 0 || shared < 0 || rest < 0 || (i > 0 && delta === 0) || shared > prev.length || cursor.pos + rest > limit) return `malformed key sample ${i}`;
      rank += delta;
      const key = Buffer.allocUnsafe(shared + rest);
      prev.copy(key, 0, 0, shared);
      key.set(bytes.subarray(cursor.pos, cursor.pos + rest), shared);
      cursor.pos += rest;
      if (i > 0 && Buffer.compare(prev, key) >= 0) return `key sample ${i} is out of order`;
      parts.push(key);
      ranks[i] = rank;
      total += key.length;
      offsets[i + 1] = total;
      prev = key;
    }
    if (cursor.pos !== limit) return "trailing bytes after the key samples";
    if (n > 0 && (ranks[0] !== 0 || ranks[n - 1] !== count - 1)) return "key samples do not span the table";
    return new KeySamples(count, deletedOnly, Buffer.concat(parts, total), offsets, ranks);
  }

  /** Memory held (keys, offsets, ranks and a fixed overhead), charged with the reader's pinned bytes. */
  get bytes(): number {
    return this.keys.length + this.offsets.byteLength + this.ranks.byteLength + DECODED_OVERHEAD_BYTES;
  }

  get sampleCount(): number {
    return this.ranks.length;
  }

  /** Rank of sample `i` among the table's logical keys. */
  rankOf(i: number): number {
    return this.ranks[i]!;
  }

  /** Sample `i` (a view). */
  keyOf(i: number): Buffer {
    return this.keys.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }

  /**
   * Estimated logical keys below `key`. Exact at and beyond the
   * samples; between samples j-1 < key <= j the true count lies in [rank(j-1) + 1, rank(j)], and
   * the estimate interpolates there by where `key` falls between the two samples' bytes.
   */
  countBelow(key: Uint8Array): number {
    const n = this.ranks.length;
    // j: samples below key.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareSample(mid, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    const j = lo;
    if (j === 0) return 0;
    if (j === n) return this.count;
    const low = this.ranks[j - 1]! + 1;
    const high = this.ranks[j]!;
    if (high <= low) return low;
    return low + (high - low) * this.fractionBetween(j - 1, j, key);
  }

  /** Estimated live logical keys in [start, end): deleted-only keys are taken out in proportion. */
  countBetween(start: Uint8Array | undefined, end: Uint8Array | undefined): number {
    if (this.count === 0) return 0;
    const n = Math.max(0, (end === undefined ? this.count : this.countBelow(end)) - (start === undefined ? 0 : this.countBelow(start)));
    return this.deletedOnly === 0 ? n : (n * (this.count - this.deletedOnly)) / this.count;
  }

  private compareSample(i: number, key: Uint8Array): number {
    return this.keys.compare(key, 0, key.length, this.offsets[i]!, this.offsets[i + 1]!);
  }

  /** Where `key` lies between samples a < key <= b, in [0, 1], from the bytes after their common prefix. */
  private fractionBetween(a: number, b: number, key: Uint8Array): number {
    const aStart = this.offsets[a]!;
    const aEnd = this.offsets[a + 1]!;
    const bStart = this.offsets[b]!;
    const bEnd = this.offsets[b + 1]!;
    let p = 0;
    while (aStart + p < aEnd && bStart + p < bEnd && this.keys[aStart + p] === this.keys[bStart + p]) p++;
    let va = 0;
    let vb = 0;
    let vk = 0;
    for (let i = 0; i < INTERPOLATION_BYTES; i++) {
      va = va * 256 + (aStart + p + i < aEnd ? this.keys[aStart + p + i]! : 0);
      vb = vb * 256 + (bStart + p + i < bEnd ? this.keys[bStart + p + i]! : 0);
      vk = vk * 256 + (p + i < key.length ? key[p + i]! : 0);
    }
    if (vb <= va) return 0.5;
    return Math.min(1, Math.max(0, (vk - va) / (vb - va)));
  }
}
