import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BlockCache } from "../cache/block-cache.js";
import { CorruptionError } from "../errors.js";
import { makeInternalKey, ValueKind } from "../internal-key.js";
import { NodeVfs } from "../vfs.js";
import { decodeFooter, type Footer } from "./footer.js";
import { BLOCK_TRAILER_BYTES, FOOTER_BYTES } from "./format.js";
import { SstReader } from "./reader.js";
import { MemFile } from "./test-support.js";
import { SstWriter } from "./writer.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-sst-corruption-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const vfs = new NodeVfs();
const OPTIONS = { blockSizeBytes: 256, restartInterval: 4, bloomBitsPerKey: 10 };

function userKey(i: number): Buffer {
  return Buffer.from(`key-${String(i).padStart(4, "0")}`);
}

function fill(writer: SstWriter, count: number): void {
  for (let i = 0; i < count; i++) writer.add(makeInternalKey(userKey(i), i + 1, ValueKind.Put), Buffer.from(`value-${i}`));
  writer.setVectorSegment(Buffer.from("vector-segment-bytes"));
  writer.finish();
}

/** Reads every byte the table has through the reader: a full scan, every key, the vector segment. */
function readEverything(file: MemFile | string, count: number): void {
  const f = typeof file === "string" ? vfs.openRead(file) : file;
  const reader = SstReader.open(f, 7, new BlockCache(1 << 20));
  try {
    const it = reader.iterator();
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) n++;
    expect(n).toBe(count);
    for (let i = 0; i < count; i++) expect(reader.get(userKey(i), 1_000_000)?.value.toString()).toBe(`value-${i}`);
    expect(reader.vectorSegment()?.toString()).toBe("vector-segment-bytes");
  } finally {
    reader.close();
  }
}

function footerOf(bytes: Buffer): Footer {
  const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_BYTES));
  if (typeof footer === "string") throw new Error(footer);
  return footer;
}

describe("corruption on disk (NodeVfs)", () => {
  const count = 100;
  const pristine = path.join(dir, "pristine.sst");
  const writeFile = vfs.create(pristine);
  fill(new SstWriter(writeFile, OPTIONS), count);
  writeFile.syncSync();
  writeFile.close();
  const bytes = fs.readFileSync(pristine);
  const footer = footerOf(bytes);

  it("the intact file reads back", () => {
    readEverything(pristine, count);
  });

  it.each([
    ["a data block", 10],
    ["a data block's trailer", footer.meta.offset - 2],
    ["the meta block", footer.meta.offset + 3],
    ["the index block", footer.index.offset + 5],
    ["the index block's type byte", footer.index.offset + footer.index.sizeBytes],
    ["the bloom filter", footer.bloom.offset + 1],
    ["the vector segment", footer.vector!.offset + 2],
    ["the footer's handles", bytes.length - FOOTER_BYTES + 1],
    ["the footer's version", bytes.length - FOOTER_BYTES + 48],
    ["the footer's checksum", bytes.length - 10],
    ["the magic number", bytes.length - 1],
  ])("a flipped byte in %s is a CorruptionError naming the file", (_name, offset) => {
    const damaged = path.join(dir, `flip-${offset}.sst`);
    const copy = Buffer.from(bytes);
    copy[offset]! ^= 0x40;
    fs.writeFileSync(damaged, copy);
    let caught: unknown;
    try {
      readEverything(damaged, count);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CorruptionError);
    const error = caught as CorruptionError;
    expect(error.filePath).toBe(damaged);
    expect(error.message).toContain(damaged);
    expect(error.offset).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ["to nothing", 0],
    ["inside the footer", bytes.length - 3],
    ["to just before the footer", bytes.length - FOOTER_BYTES],
  ])("a file truncated %s fails to open with a CorruptionError", (_name, length) => {
    const damaged = path.join(dir, `truncated-${length}.sst`);
    fs.writeFileSync(damaged, bytes.subarray(0, length));
    expect(() => SstReader.open(vfs.openRead(damaged), 1, new BlockCache(1024))).toThrow(CorruptionError);
  });

  it("reports a damaged data block at the block's offset", () => {
    const damaged = path.join(dir, "data-offset.sst");
    const copy = Buffer.from(bytes);
    copy[3]! ^= 1;
    fs.writeFileSync(damaged, copy);
    const reader = SstReader.open(vfs.openRead(damaged), 3, new BlockCache(1 << 20));
    expect(() => reader.get(userKey(0), 100)).toThrow(expect.objectContaining({ filePath: damaged, offset: 0 }));
    reader.close();
  });
});

describe("corruption anywhere (exhaustive, in memory)", () => {
  it("flipping any single byte of a table is detected by reading everything", () => {
    const count = 30;
    const source = new MemFile("/mem/exhaustive.sst");
    fill(new SstWriter(source, { ...OPTIONS, blockSizeBytes: 128 }), count);
    const bytes = source.bytes;
    const footer = footerOf(bytes);
    expect(footer.meta.offset).toBeGreaterThan(3 * (128 + BLOCK_TRAILER_BYTES) - 1);
    const undetected: number[] = [];
    for (let offset = 0; offset < bytes.length; offset++) {
      const file = new MemFile(`/mem/flip-${offset}.sst`);
      file.bytes = Buffer.from(bytes);
      file.bytes[offset]! ^= 0x01;
      try {
        readEverything(file, count);
        undetected.push(offset);
      } catch (err) {
        if (!(err instanceof CorruptionError) || err.filePath !== file.path) throw err;
      }
    }
    expect(undetected).toEqual([]);
  });
});
