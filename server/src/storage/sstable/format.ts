import { crc32 } from "node:zlib";

/**
 * The SSTable file format (version 1). All integers are little-endian unless noted.
 *
 *   data block 0 | … | data block N-1 | properties (meta) block | index block | bloom filter block
 *   | [vector index segment] | footer (68 bytes)
 *
 * Block layout (data, meta and index blocks; LevelDB's):
 *
 *   entry* | restart offset u32 * R | R u32
 *   entry = shared varint | unshared varint | valueLen varint | key[shared..] (unshared bytes) | value
 *
 * `shared` is the length of the prefix shared with the previous entry's key; every
 * `restartInterval`-th entry is a restart point with shared = 0, so a reader binary-searches the
 * restart offsets and scans at most `restartInterval` entries. A block always has R >= 1 (an
 * empty block is a single restart offset 0). Data block keys are internal keys
 * (`internal-key.ts`), strictly increasing by `compareInternalKeys`.
 *
 * Block trailer, after every section (data, meta, index, bloom, vector):
 *
 *   type u8 | crc u32
 *
 * `type` is `blockType << 4 | compression`; compression is always 0 (none): blocks are ~4 KiB of
 * mostly short keys, and a codec can be added later under a new compression code without a
 * format version bump. `crc` is CRC-32 (zlib) of the block contents followed by the type byte, so
 * a damaged type byte fails too. Readers verify it on every read from disk (not on a block-cache
 * hit) and check that the type is the one the handle promised.
 *
 * A block handle is (offset, size) where `size` counts the contents only, not the 5-byte trailer.
 * In the index block a handle is encoded as offset varint | size varint.
 *
 * Meta (properties) block: the block layout with bytewise-sorted string keys; `properties.ts`
 * lists them. Collected user properties are stored under `user.<name>`.
 *
 * Index block: the block layout with restart interval 1; one entry per data block, in order:
 * key = an internal key >= the block's last key and < the next block's first key (a shortened
 * separator where one exists, see `separator.ts`), value = the block's handle.
 *
 * Bloom filter block: `bloom.ts` layout (bit array | k u8) over the distinct USER keys; empty
 * (contents of 0 bytes) when the table was written with 0 bits per key, meaning "no filter".
 *
 * Vector index segment: opaque bytes set by the writer's caller (a serialised HNSW index), with the
 * usual trailer; absent when the footer's flag bit 0 is clear.
 *
 * Footer, fixed size, the last FOOTER_BYTES of the file:
 *
 *   meta handle | index handle | bloom handle | vector handle      (4 × (offset u64 | size u32))
 *   | format version u32 | flags u32 | crc u32 (CRC-32 of the 56 bytes before it) | magic u64
 */
export const FORMAT_VERSION = 1;
/** The last 8 bytes of every table; compared bytewise, so byte order never matters. */
export const FOOTER_MAGIC = Buffer.from("ALPXSST\x01", "latin1");
export const FOOTER_BYTES = 4 * 12 + 4 + 4 + 4 + 8;
export const FOOTER_FLAG_HAS_VECTOR = 1;

export const BLOCK_TRAILER_BYTES = 5;
export const COMPRESSION_NONE = 0;

/** What a section holds; stored in the high nibble of its trailer's type byte. */
export const enum BlockType {
  Data = 1,
  Meta = 2,
  Index = 3,
  Bloom = 4,
  Vector = 5,
}

/** The section's name, for error messages. */
export function blockTypeName(type: BlockType): string {
  switch (type) {
    case BlockType.Data:
      return "data";
    case BlockType.Meta:
      return "meta";
    case BlockType.Index:
      return "index";
    case BlockType.Bloom:
      return "bloom";
    case BlockType.Vector:
      return "vector";
  }
}

/** The trailer's first byte for an uncompressed block of `type`. */
export function trailerTypeByte(type: BlockType): number {
  return (type << 4) | COMPRESSION_NONE;
}

/** CRC-32 of `contents` followed by the trailer's type byte. */
export function blockChecksum(contents: Uint8Array, typeByte: number): number {
  return crc32(TYPE_BYTES[typeByte]!, crc32(contents));
}

// NB: one preallocated 1-byte array per possible type byte, so checksumming allocates nothing.
const TYPE_BYTES: Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));

/**
 * Checks the trailer at the end of `raw` (contents | trailer). Returns undefined when the block is
 * intact, else the reason it is not. Pure: never throws.
 */
export function checkBlockTrailer(raw: Buffer, expected: BlockType): string | undefined {
  if (raw.length < BLOCK_TRAILER_BYTES) return "block shorter than its trailer";
  const t = raw.length - BLOCK_TRAILER_BYTES;
  const typeByte = raw[t]!;
  const stored = raw.readUInt32LE(t + 1);
  if (blockChecksum(raw.subarray(0, t), typeByte) !== stored) return `${blockTypeName(expected)} block checksum mismatch`;
  if (typeByte !== trailerTypeByte(expected)) {
    return `expected a ${blockTypeName(expected)} block, found type byte 0x${typeByte.toString(16)}`;
  }
  return undefined;
}
