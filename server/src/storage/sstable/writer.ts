import { assert } from "../assert.js";
import { toStorageError } from "../errors.js";
import { compareInternalKeys, isValueKind, kindOf, seqOf, TRAILER_BYTES, ValueKind } from "../internal-key.js";
import type { VfsFile } from "../vfs.js";
import type { BlockHandle } from "./block-handle.js";
import { encodeBlockHandle } from "./block-handle.js";
import { BlockBuilder } from "./block-builder.js";
import { bloomHash, buildBloomFilter } from "./bloom.js";
import { ByteBuffer } from "./byte-buffer.js";
import { encodeFooter } from "./footer.js";
import { BLOCK_TRAILER_BYTES, blockChecksum, BlockType, FOOTER_BYTES, FORMAT_VERSION, trailerTypeByte } from "./format.js";
import { encodeProperties, type TableProperties, type TablePropertiesCollector } from "./properties.js";
import { shortestSeparator } from "./separator.js";

export interface SstWriterOptions {
  /** Target size of a data block's contents; a block is cut once it reaches this. */
  blockSizeBytes: number;
  /** Entries between restart points in data blocks. */
  restartInterval: number;
  /** Bloom filter bits per distinct key it holds (10 → ~1% false positives; 0 → no filter). */
  bloomBitsPerKey: number;
  /**
   * Key the bloom filter on each entry's logical key, key[0, bloomKeyLength(key, userKeyLength)),
   * instead of its whole user key (recorded as the table's `bloomKey` property). NB: a function,
   * so a background worker is sent where to import it instead (see background/jobs.ts).
   */
  bloomKeyLength?: (key: Uint8Array, userKeyLength: number) => number;
  collectors?: TablePropertiesCollector[];
  /** Recorded in the properties; passed in because the storage layer reads no clock. Default 0 (unknown). */
  creationTimeMs?: number;
  /** Recorded in the properties. */
  createdBy?: string;
}

/** What the engine records about a finished table (for the manifest and level metadata). */
export interface SstSummary {
  sizeBytes: number;
  entryCount: number;
  smallestKey: Buffer;
  largestKey: Buffer;
  smallestSeq: number;
  largestSeq: number;
}

/** Output is handed to the file in chunks of about this size, not one syscall per block. */
const OUTPUT_CHUNK_BYTES = 256 * 1024;
/** Largest section a footer or index handle can describe (size is a u32 in the footer). */
const SECTION_MAX_BYTES = 0xffff_ffff;

/**
 * Writes one SSTable (format in `format.ts`) from entries added in strictly increasing
 * internal-key order. NB: bytes reach the file in chunks, so the file is incomplete until
 * `finish()` returns; the caller then fsyncs and closes it (the writer does neither).
 */
export class SstWriter {
  private readonly dataBlock: BlockBuilder;
  private readonly indexBlock = new BlockBuilder(1);
  private readonly handleScratch = new ByteBuffer(32);
  private readonly output = new ByteBuffer(OUTPUT_CHUNK_BYTES + 8192);
  /** Bytes appended to the file plus bytes waiting in `output`. */
  private offset = 0;
  /** The last flushed data block, whose index entry waits for the next key (for a short separator). */
  private pendingHandle: BlockHandle | undefined;
  private lastKey: Buffer | undefined;
  private smallestKey: Buffer | undefined;
  private userKeyHashes = new Uint32Array(1024);
  private userKeyCount = 0;
  private lastKeyHash = 0;
  private vectorSegment: Uint8Array | undefined;
  private entryCount = 0;
  private deletionCount = 0;
  private rawKeyBytes = 0;
  private rawValueBytes = 0;
  private dataBlockCount = 0;
  private smallestSeq = Number.MAX_SAFE_INTEGER;
  private largestSeq = 0;
  private finished = false;

  constructor(
    private readonly file: VfsFile,
    private readonly options: SstWriterOptions,
  ) {
    assert(Number.isInteger(options.blockSizeBytes) && options.blockSizeBytes >= 1, "blockSizeBytes must be >= 1");
    assert(options.bloomBitsPerKey >= 0 && options.bloomBitsPerKey <= 64, "bloomBitsPerKey must be in [0, 64]");
    assert(file.sizeBytes() === 0, `SstWriter needs an empty file, ${file.path} has ${file.sizeBytes()} bytes`);
    this.dataBlock = new BlockBuilder(options.restartInterval);
  }

  /** Adds one entry. Asserts that `internalKey` sorts after the previous one and has a valid kind. */
  add(internalKey: Buffer, value: Buffer): void {
    assert(!this.finished, "add() after finish()");
    assert(internalKey.length >= TRAILER_BYTES, "internal key shorter than its trailer");
    const kind = kindOf(internalKey);
    assert(isValueKind(kind), `unknown value kind ${kind}`);
    const last = this.lastKey;
    if (last) {
      assert(compareInternalKeys(last, internalKey) < 0, "SstWriter keys must be strictly increasing");
      if (this.pendingHandle) {
        this.addIndexEntry(shortestSeparator(last, internalKey), this.pendingHandle);
        this.pendingHandle = undefined;
      }
    }
    const userLength = internalKey.length - TRAILER_BYTES;
    const bloomKeyLength = this.options.bloomKeyLength;
    if (bloomKeyLength !== undefined) {
      // Versions of one logical key are adjacent: its hash repeats, and once in the filter is enough.
      const h = bloomHash(internalKey, 0, bloomKeyLength(internalKey, userLength));
      if (this.userKeyCount === 0 || h !== this.lastKeyHash) this.addUserKeyHash(h);
      this.lastKeyHash = h;
    } else if (!last || last.length !== internalKey.length || last.compare(internalKey, 0, userLength, 0, userLength) !== 0) {
      this.addUserKeyHash(bloomHash(internalKey, 0, userLength));
    }
    const seq = seqOf(internalKey);
    if (seq < this.smallestSeq) this.smallestSeq = seq;
    if (seq > this.largestSeq) this.largestSeq = seq;
    this.entryCount++;
    if (kind === ValueKind.Delete) this.deletionCount++;
    this.rawKeyBytes += internalKey.length;
    this.rawValueBytes += value.length;
    for (const c of this.options.collectors ?? []) c.add(internalKey, value);

    this.dataBlock.add(internalKey, value);
    this.lastKey = Buffer.from(internalKey);
    this.smallestKey ??= this.lastKey;
    if (this.dataBlock.estimatedSizeBytes() >= this.options.blockSizeBytes) this.flushDataBlock();
  }

  /**
   * Sets the opaque vector index section. NB: kept by reference, not copied; do not modify
   * `data` before `finish()`.
   */
  setVectorSegment(data: Uint8Array): void {
    assert(!this.finished, "setVectorSegment() after finish()");
    assert(data.length <= SECTION_MAX_BYTES, "vector segment larger than 4 GiB");
    this.vectorSegment = data;
  }

  /** Bytes written so far plus the data block being built: what the file would be without its tail sections. */
  estimatedSizeBytes(): number {
    return this.offset + (this.dataBlock.isEmpty() ? 0 : this.dataBlock.estimatedSizeBytes());
  }

  /** Writes the last data block, meta, index, bloom, vector sections and the footer. Needs >= 1 entry. */
  finish(): SstSummary {
    assert(!this.finished, "finish() called twice");
    assert(this.entryCount > 0 && this.lastKey && this.smallestKey, "an SSTable needs at least one entry");
    if (!this.dataBlock.isEmpty()) this.flushDataBlock();
    if (this.pendingHandle) {
      this.addIndexEntry(this.lastKey, this.pendingHandle);
      this.pendingHandle = undefined;
    }
    const meta = this.writeBlock(encodeProperties(this.properties()), BlockType.Meta);
    const index = this.writeBlock(this.indexBlock.finish(), BlockType.Index);
    const filter = buildBloomFilter(this.userKeyHashes.subarray(0, this.userKeyCount), this.options.bloomBitsPerKey);
    const bloom = this.writeBlock(filter, BlockType.Bloom);
    const vector = this.vectorSegment ? this.writeBlock(this.vectorSegment, BlockType.Vector) : undefined;
    this.output.pushBytes(encodeFooter({ meta, index, bloom, vector }));
    this.offset += FOOTER_BYTES;
    this.flushOutput();
    this.finished = true;
    return {
      sizeBytes: this.offset,
      entryCount: this.entryCount,
      smallestKey: this.smallestKey,
      largestKey: this.lastKey,
      smallestSeq: this.smallestSeq,
      largestSeq: this.largestSeq,
    };
  }

  private properties(): TableProperties {
    const userProperties = new Map<string, Buffer>();
    for (const c of this.options.collectors ?? []) {
      for (const [name, value] of Object.entries(c.finish())) {
        assert(!userProperties.has(name), `two property collectors both produced "${name}"`);
        userProperties.set(name, Buffer.from(value));
      }
    }
    return {
      entryCount: this.entryCount,
      deletionCount: this.deletionCount,
      rawKeyBytes: this.rawKeyBytes,
      rawValueBytes: this.rawValueBytes,
      dataBlockCount: this.dataBlockCount,
      smallestKey: this.smallestKey!,
      largestKey: this.lastKey!,
      smallestSeq: this.smallestSeq,
      largestSeq: this.largestSeq,
      creationTimeMs: this.options.creationTimeMs ?? 0,
      ...(this.options.bloomKeyLength !== undefined && { bloomKey: "logical" as const }),
      createdBy: this.options.createdBy ?? `alopex sstable v${FORMAT_VERSION}`,
      userProperties,
    };
  }

  private addUserKeyHash(hash: number): void {
    if (this.userKeyCount === this.userKeyHashes.length) {
      const grown = new Uint32Array(this.userKeyHashes.length * 2);
      grown.set(this.userKeyHashes);
      this.userKeyHashes = grown;
    }
    this.userKeyHashes[this.userKeyCount++] = hash;
  }

  private flushDataBlock(): void {
    this.pendingHandle = this.writeBlock(this.dataBlock.finish(), BlockType.Data);
    this.dataBlock.reset();
    this.dataBlockCount++;
  }

  private addIndexEntry(separator: Buffer, handle: BlockHandle): void {
    this.handleScratch.reset();
    encodeBlockHandle(this.handleScratch, handle.offset, handle.sizeBytes);
    this.indexBlock.add(separator, this.handleScratch.view());
  }

  /** Queues `contents` and its trailer for the file; returns its handle. */
  private writeBlock(contents: Uint8Array, type: BlockType): BlockHandle {
    assert(contents.length <= SECTION_MAX_BYTES, "block larger than 4 GiB");
    const handle = { offset: this.offset, sizeBytes: contents.length };
    const typeByte = trailerTypeByte(type);
    const checksum = blockChecksum(contents, typeByte);
    if (contents.length >= OUTPUT_CHUNK_BYTES) {
      // A large section (the vector segment) goes straight to the file rather than through a copy.
      this.flushOutput();
      this.append(contents);
    } else {
      this.output.pushBytes(contents);
    }
    this.output.pushByte(typeByte);
    this.output.pushU32(checksum);
    this.offset += contents.length + BLOCK_TRAILER_BYTES;
    if (this.output.length >= OUTPUT_CHUNK_BYTES) this.flushOutput();
    return handle;
  }

  private flushOutput(): void {
    if (this.output.length === 0) return;
    this.append(this.output.view());
    this.output.reset();
  }

  private append(data: Uint8Array): void {
    try {
      this.file.append(data);
    } catch (err) {
      throw toStorageError(this.file.path, err);
    }
  }
}
