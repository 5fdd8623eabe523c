import { assert, AssertionFailure } from "../assert.js";
import type { BlockCache } from "../cache/block-cache.js";
import { CorruptionError, toStorageError } from "../errors.js";
import { isValueKind, TRAILER_BYTES, ValueKind, writeTrailer } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import { ShortReadError, type VfsFile } from "../vfs.js";
import { Block, BlockIterator } from "./block.js";
import { decodeBlockHandleInto, type BlockHandle } from "./block-handle.js";
import { bloomHash, bloomMayContainHash, checkBloomFilter } from "./bloom.js";
import { decodeFooter, type Footer } from "./footer.js";
import { BLOCK_TRAILER_BYTES, BlockType, checkBlockTrailer, FOOTER_BYTES } from "./format.js";
import { KEY_SAMPLES_PROPERTY, KeySamples } from "./key-samples.js";
import { decodeProperties, type TableProperties } from "./properties.js";
import { TwoLevelIterator, type DataBlockLoader } from "./two-level-iterator.js";
import type { VarintCursor } from "../varint.js";

/** One version found by `SstReader.get`. `value` is a copy the caller may keep (empty for a deletion). */
export interface SstGetResult {
  kind: ValueKind;
  seq: number;
  value: Buffer;
}

/**
 * An open SSTable. `open` verifies the footer, meta, index and bloom sections and keeps the
 * index and filter in memory; data blocks are read on demand through the shared block cache,
 * each checked against its CRC when it comes from disk.
 *
 * Any damage found is a CorruptionError naming the file and offset; a reader never returns
 * bytes that failed a check. NB: single-threaded by design: `get` reuses per-reader cursors.
 */
export class SstReader implements DataBlockLoader {
  readonly sizeBytes: number;
  private readonly userPropertyBytes: number;
  private readonly indexIterForGet: BlockIterator;
  private readonly dataIterForGet = new BlockIterator();
  private readonly handle = { offset: 0, sizeBytes: 0 };
  private readonly cursor: VarintCursor = { pos: 0 };
  private lookupScratch = Buffer.allocUnsafe(256);
  private closed = false;

  private constructor(
    private readonly file: VfsFile,
    readonly fileNumber: number,
    private readonly cache: BlockCache,
    private readonly footer: Footer,
    private readonly indexBlock: Block,
    private readonly bloom: Uint8Array,
    readonly properties: TableProperties,
    /** The table's key-distribution summary; undefined for a table written without one. */
    readonly keySamples: KeySamples | undefined,
  ) {
    this.sizeBytes = file.sizeBytes();
    let n = 0;
    for (const v of properties.userProperties.values()) n += v.length;
    this.userPropertyBytes = n;
    this.indexIterForGet = new BlockIterator(indexBlock);
  }

  /** Opens the table in `file` (which the reader then owns). Throws CorruptionError naming the file. */
  static open(file: VfsFile, fileNumber: number, cache: BlockCache): SstReader {
    const size = file.sizeBytes();
    if (size < FOOTER_BYTES) throw new CorruptionError(file.path, 0, `file of ${size} bytes is shorter than a footer`);
    const footerAt = size - FOOTER_BYTES;
    const footer = decodeFooter(readExactly(file, footerAt, FOOTER_BYTES));
    if (typeof footer === "string") throw new CorruptionError(file.path, footerAt, footer);
    const sections: [BlockHandle | undefined, string][] = [
      [footer.meta, "meta"],
      [footer.index, "index"],
      [footer.bloom, "bloom"],
      [footer.vector, "vector"],
    ];
    for (const [h, name] of sections) {
      if (h && h.offset + h.sizeBytes + BLOCK_TRAILER_BYTES > footerAt) {
        throw new CorruptionError(file.path, footerAt, `${name} handle (${h.offset}, ${h.sizeBytes}) points past the footer`);
      }
    }
    const metaBlock = new Block(readSection(file, footer.meta, BlockType.Meta), file.path, footer.meta.offset);
    const properties = decodeProperties(metaBlock);
    if (typeof properties === "string") throw new CorruptionError(file.path, footer.meta.offset, properties);
    const samplesBytes = properties.userProperties.get(KEY_SAMPLES_PROPERTY);
    const keySamples = samplesBytes && KeySamples.decode(samplesBytes);
    if (typeof keySamples === "string") throw new CorruptionError(file.path, footer.meta.offset, keySamples);
    const indexBlock = new Block(readSection(file, footer.index, BlockType.Index), file.path, footer.index.offset);
    const bloom = readSection(file, footer.bloom, BlockType.Bloom);
    const bloomProblem = checkBloomFilter(bloom);
    if (bloomProblem) throw new CorruptionError(file.path, footer.bloom.offset, bloomProblem);
    return new SstReader(file, fileNumber, cache, footer, indexBlock, bloom, properties, keySamples);
  }

  /**
   * Bytes this reader keeps in memory outside the block cache (index block, bloom filter, the
   * collected properties and the decoded key samples), so the engine can count them against its
   * memory budget.
   */
  pinnedBytes(): number {
    return this.indexBlock.chargedBytes + this.bloom.length + this.userPropertyBytes + (this.keySamples?.bytes ?? 0);
  }

  /** False means no version of `userKey` is in the table; true means one may be. */
  mayContain(userKey: Uint8Array): boolean {
    // A filter keyed on logical keys cannot answer for a whole user key without knowing its prefix.
    return this.properties.bloomKey === "logical" || bloomMayContainHash(this.bloom, bloomHash(userKey));
  }

  /**
   * False means the table holds no key of the logical key key[0, length); true means it may (and
   * always for a table whose filter is keyed on whole user keys: see TableProperties.bloomKey).
   */
  mayContainLogicalKey(key: Uint8Array, length: number): boolean {
    return this.mayContainLogicalKeyHash(bloomHash(key, 0, length));
  }

  /** mayContainLogicalKey by the key's `bloomHash(key, 0, length)`: one hash for every table a read asks. */
  mayContainLogicalKeyHash(hash: number): boolean {
    return this.properties.bloomKey !== "logical" || bloomMayContainHash(this.bloom, hash);
  }

  /** Newest entry for userKey with seq <= `seq`; checks the bloom filter first. Returns undefined if no version is visible. */
  get(userKey: Uint8Array, seq: number): SstGetResult | undefined {
    if (this.closed || !(seq >= 0)) throw new AssertionFailure(this.closed ? "get() on a closed SstReader" : `get() at snapshot ${seq}`);
    if (!this.mayContain(userKey)) return undefined;
    const targetLength = userKey.length + TRAILER_BYTES;
    if (targetLength > this.lookupScratch.length) this.lookupScratch = Buffer.allocUnsafe(targetLength * 2);
    const target = this.lookupScratch;
    target.set(userKey, 0);
    writeTrailer(target, userKey.length, seq, ValueKind.Put);
    const data = this.seekPoint(target, targetLength);
    return data !== undefined && data.userKeyEquals(userKey) ? this.currentEntry(data) : undefined;
  }

  /**
   * What `iterator().seek(target[0, targetLength))` would be positioned on, without making an
   * iterator: the cursor of this reader's point reads, or undefined past the last entry.
   * NB: shared with `get` and the next `seekPoint`; read it before the next point read.
   */
  seekPoint(target: Buffer, targetLength: number): BlockIterator | undefined {
    assert(!this.closed, "seekPoint() on a closed SstReader");
    const index = this.indexIterForGet;
    const data = this.dataIterForGet;
    index.seekWithLength(target, targetLength);
    // A later block holds only keys above the target, so seeking in it finds its first entry.
    for (; index.valid(); index.next()) {
      data.reset(this.loadDataBlock(index.blockData(), index.valueStart, index.valueEnd));
      data.seekWithLength(target, targetLength);
      if (data.valid()) return data;
    }
    return undefined;
  }

  /** A fresh iterator over every entry (two-level: index → data blocks). Close it when done. */
  iterator(): InternalIterator {
    assert(!this.closed, "iterator() on a closed SstReader");
    return new TwoLevelIterator(new BlockIterator(this.indexBlock), this);
  }

  /** The vector index section, read and verified from disk on each call; undefined if the table has none. */
  vectorSegment(): Buffer | undefined {
    assert(!this.closed, "vectorSegment() on a closed SstReader");
    if (!this.footer.vector) return undefined;
    return readSection(this.file, this.footer.vector, BlockType.Vector);
  }

  /** The file this reader reads, for error messages. */
  get filePath(): string {
    return this.file.path;
  }

  /** Where the vector section starts in the file and its size, or undefined if the table has none. */
  vectorSectionHandle(): BlockHandle | undefined {
    return this.footer.vector;
  }

  /**
   * Bytes [offset, offset + length) of the vector section's contents, read without checking the
   * section's CRC (which covers all of it), so that one segment can be read without the others.
   * NB: unverified bytes: only for a format whose parts carry their own checksums (vector
   * sections do); `vectorSegment()` reads and verifies the whole section.
   */
  readVectorSection(offset: number, length: number): Buffer {
    assert(!this.closed, "readVectorSection() on a closed SstReader");
    const h = this.footer.vector;
    assert(h !== undefined, "readVectorSection() on a table without a vector section");
    if (!(offset >= 0 && length >= 0 && offset + length <= h.sizeBytes)) {
      throw new CorruptionError(this.file.path, h.offset, `vector section read (${offset}, ${length}) outside its ${h.sizeBytes} bytes`);
    }
    return readExactly(this.file, h.offset + offset, length);
  }

  /**
   * Closes the file. Idempotent. Blocks already in the cache stay there until evicted.
   * NB: close this reader's iterators first; one that then needs an uncached block fails.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.close();
  }

  /** DataBlockLoader: the data block whose handle is `indexValue[start, end)`, via the block cache. */
  loadDataBlock(indexValue: Buffer, start: number, end: number): Block {
    const h = this.handle;
    if (!decodeBlockHandleInto(indexValue, start, end, this.cursor, h)) {
      throw new CorruptionError(this.file.path, this.footer.index.offset + start, "malformed block handle in the index");
    }
    const cached = this.cache.get(this.fileNumber, h.offset);
    if (cached !== undefined) return cached;
    if (h.offset + h.sizeBytes + BLOCK_TRAILER_BYTES > this.footer.meta.offset) {
      throw new CorruptionError(this.file.path, this.footer.index.offset + start, `data block handle (${h.offset}, ${h.sizeBytes}) points past the data`);
    }
    const block = new Block(readSection(this.file, h, BlockType.Data), this.file.path, h.offset);
    this.cache.set(this.fileNumber, h.offset, block);
    return block;
  }

  private currentEntry(data: BlockIterator): SstGetResult {
    const key = data.keyBuffer();
    const t = data.keyLength - TRAILER_BYTES;
    const kind = key[t + 7]!;
    if (!isValueKind(kind)) throw new CorruptionError(this.file.path, this.footer.index.offset, `unknown value kind ${kind}`);
    const seq = ((key[t]! << 16) | (key[t + 1]! << 8) | key[t + 2]!) * 0x1_0000_0000 + key.readUInt32BE(t + 3);
    const value = Buffer.allocUnsafe(data.valueEnd - data.valueStart);
    data.blockData().copy(value, 0, data.valueStart, data.valueEnd);
    return { kind, seq, value };
  }
}

/** Reads one section with its trailer and returns the verified contents. */
function readSection(file: VfsFile, handle: BlockHandle, type: BlockType): Buffer {
  const raw = readExactly(file, handle.offset, handle.sizeBytes + BLOCK_TRAILER_BYTES);
  const problem = checkBlockTrailer(raw, type);
  if (problem) throw new CorruptionError(file.path, handle.offset, problem);
  return raw.subarray(0, handle.sizeBytes);
}

function readExactly(file: VfsFile, offset: number, length: number): Buffer {
  try {
    return file.read(offset, length);
  } catch (err) {
    if (err instanceof ShortReadError) throw new CorruptionError(file.path, offset, `file ends inside a ${length}-byte section`);
    throw toStorageError(file.path, err);
  }
}
