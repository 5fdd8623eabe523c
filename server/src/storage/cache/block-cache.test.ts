import { describe, expect, it } from "vitest";
import { makeInternalKey, ValueKind } from "../internal-key.js";
import { Block, BLOCK_OVERHEAD_BYTES } from "../sstable/block.js";
import { BlockBuilder } from "../sstable/block-builder.js";
import { SstReader } from "../sstable/reader.js";
import { MemFile } from "../sstable/test-support.js";
import { SstWriter } from "../sstable/writer.js";
import { BlockCache } from "./block-cache.js";

/** A valid block whose contents are `contentBytes` long. */
function blockOf(contentBytes: number): Block {
  const b = new BlockBuilder(1);
  b.add(Buffer.alloc(8), Buffer.alloc(contentBytes - 8 - 3 - 8 - (contentBytes - 19 >= 128 ? 1 : 0)));
  const data = Buffer.from(b.finish());
  expect(data.length).toBe(contentBytes);
  return new Block(data, "/mem/cache", 0);
}

describe("BlockCache", () => {
  const charged = 1000 + BLOCK_OVERHEAD_BYTES;

  it("stays within capacity and evicts the least recently used block", () => {
    const cache = new BlockCache(3 * charged);
    for (let i = 0; i < 3; i++) cache.set(1, i * 1000, blockOf(1000));
    expect(cache.sizeBytes()).toBe(3 * charged);
    expect(cache.get(1, 0)).toBeDefined(); // 0 is now the most recent; 1000 the least
    cache.set(1, 3000, blockOf(1000));
    expect(cache.sizeBytes()).toBeLessThanOrEqual(cache.capacityBytes);
    expect(cache.get(1, 1000)).toBeUndefined();
    expect(cache.get(1, 0)).toBeDefined();
    expect(cache.get(1, 2000)).toBeDefined();
    expect(cache.get(1, 3000)).toBeDefined();
  });

  it("never exceeds capacity under a stream of differently sized blocks", () => {
    const cache = new BlockCache(20_000);
    for (let i = 0; i < 500; i++) {
      cache.set(i % 7, i * 4096, blockOf(100 + ((i * 7919) % 3000)));
      expect(cache.sizeBytes()).toBeLessThanOrEqual(20_000);
    }
    expect(cache.blockCount()).toBeGreaterThan(3);
  });

  it("keeps files apart and counts hits and misses", () => {
    const cache = new BlockCache(1 << 20);
    const a = blockOf(100);
    const b = blockOf(200);
    cache.set(1, 0, a);
    cache.set(2, 0, b);
    expect(cache.get(1, 0)).toBe(a);
    expect(cache.get(2, 0)).toBe(b);
    expect(cache.get(3, 0)).toBeUndefined();
    expect(cache.stats).toEqual({ hits: 2, misses: 1 });
    expect(cache.hitRatio()).toBeCloseTo(2 / 3);
  });

  it("does not cache a block larger than the whole capacity", () => {
    const cache = new BlockCache(500);
    cache.set(1, 0, blockOf(1000));
    expect(cache.get(1, 0)).toBeUndefined();
    expect(cache.sizeBytes()).toBe(0);
  });

  it.each([
    [-1, 0],
    [2 ** 20, 0],
    [1.5, 0],
    [1, 2 ** 33],
  ])("asserts on a key out of range: file %d, offset %d", (fileNumber, offset) => {
    expect(() => new BlockCache(100).get(fileNumber, offset)).toThrow(/out of the block cache's key range/);
  });

  it("serves a reader's repeated gets from memory", () => {
    const file = new MemFile("/mem/9.sst");
    const writer = new SstWriter(file, { blockSizeBytes: 4096, restartInterval: 16, bloomBitsPerKey: 10 });
    for (let i = 0; i < 1000; i++) writer.add(makeInternalKey(Buffer.from(`k${i + 10_000}`), 1, ValueKind.Put), Buffer.alloc(50));
    writer.finish();
    const cache = new BlockCache(1 << 20);
    const reader = SstReader.open(file, 9, cache);
    for (let round = 0; round < 3; round++) for (let i = 0; i < 1000; i++) reader.get(Buffer.from(`k${i + 10_000}`), 5);
    expect(cache.stats.misses).toBe(reader.properties.dataBlockCount);
    expect(cache.hitRatio()).toBeGreaterThan(0.9);
    expect(cache.sizeBytes()).toBeGreaterThan((reader.properties.dataBlockCount - 1) * 4096);
  });
});
