import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CorruptionError } from "../errors.js";
import { NodeVfs } from "../vfs.js";
import { encodeGroupRecord } from "./group.js";
import { replayWal } from "./reader.js";
import { encodeRecord } from "./record.js";

const vfs = new NodeVfs();
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-wal-replay-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes groups as records; returns the file path and each record's start offset. */
function writeLog(groups: readonly (readonly Uint8Array[])[], name = "wal.log"): { walPath: string; offsets: number[]; bytes: Buffer } {
  const records = groups.map((g) => encodeGroupRecord(g));
  const offsets: number[] = [];
  let at = 0;
  for (const r of records) {
    offsets.push(at);
    at += r.length;
  }
  const walPath = path.join(dir, name);
  const bytes = Buffer.concat(records);
  fs.writeFileSync(walPath, bytes);
  return { walPath, offsets, bytes };
}

function replayAll(walPath: string): { payloads: string[]; result: ReturnType<typeof replayWal> } {
  const payloads: string[] = [];
  const result = replayWal(vfs, walPath, (p) => payloads.push(p.toString()));
  return { payloads, result };
}

const groups = [["a", "bb"], ["ccc"], ["dddd", "e", "ffffff"]].map((g) => g.map((s) => Buffer.from(s)));

describe("replayWal", () => {
  it("accepts an empty file", () => {
    const walPath = path.join(dir, "empty.log");
    fs.writeFileSync(walPath, "");
    expect(replayAll(walPath)).toEqual({ payloads: [], result: { payloads: 0, validBytes: 0, truncatedBytes: 0 } });
  });

  it("returns exactly the appended payloads in order, with record offsets", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.uint8Array({ maxLength: 100 }), { minLength: 1, maxLength: 8 }), { maxLength: 30 }), (gs) => {
        const { walPath, offsets } = writeLog(gs, "prop.log");
        const seen: Array<[Buffer, number]> = [];
        const result = replayWal(vfs, walPath, (p, offset) => seen.push([Buffer.from(p), offset]));
        const expected = gs.flatMap((g, i) => g.map((p): [Buffer, number] => [Buffer.from(p), offsets[i]!]));
        expect(seen).toEqual(expected);
        expect(result.truncatedBytes).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it("truncates a torn last record cut at EVERY byte offset and keeps earlier payloads", () => {
    const { bytes, offsets } = writeLog(groups, "full.log");
    const lastStart = offsets[2]!;
    for (let cut = lastStart + 1; cut < bytes.length; cut++) {
      const walPath = path.join(dir, "torn.log");
      fs.writeFileSync(walPath, bytes.subarray(0, cut));
      const { payloads, result } = replayAll(walPath);
      expect(payloads, `cut at ${cut}`).toEqual(["a", "bb", "ccc"]);
      expect(result, `cut at ${cut}`).toEqual({ payloads: 3, validBytes: lastStart, truncatedBytes: cut - lastStart });
      expect(fs.statSync(walPath).size).toBe(lastStart);
      // Idempotent: a second replay finds a clean file.
      expect(replayAll(walPath).result.truncatedBytes).toBe(0);
    }
  });

  it("treats a damaged byte anywhere in the last record as a torn tail", () => {
    const { bytes, offsets } = writeLog(groups, "full.log");
    const lastStart = offsets[2]!;
    for (let at = lastStart; at < bytes.length; at++) {
      const damaged = Buffer.from(bytes);
      damaged[at] = damaged[at]! ^ 0x40;
      const walPath = path.join(dir, "damaged-last.log");
      fs.writeFileSync(walPath, damaged);
      expect(replayAll(walPath).result, `flip at ${at}`).toMatchObject({ payloads: 3, validBytes: lastStart });
    }
  });

  it("truncates a tail of zeros left by preallocation", () => {
    const { walPath, bytes } = writeLog(groups);
    fs.appendFileSync(walPath, Buffer.alloc(8192));
    const { payloads, result } = replayAll(walPath);
    expect(payloads).toHaveLength(6);
    expect(result).toEqual({ payloads: 6, validBytes: bytes.length, truncatedBytes: 8192 });
  });

  it("throws CorruptionError naming file and offset for a flipped byte before valid records, and leaves the file alone", () => {
    const { bytes, offsets } = writeLog(groups, "full.log");
    for (const [recordIndex, flipAt] of [
      [0, 0],
      [0, 5],
      [0, offsets[1]! - 1],
      [1, offsets[1]! + 9],
    ] as const) {
      const damaged = Buffer.from(bytes);
      damaged[flipAt] = damaged[flipAt]! ^ 0x01;
      const walPath = path.join(dir, "corrupt.log");
      fs.writeFileSync(walPath, damaged);
      let thrown: unknown;
      try {
        replayAll(walPath);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(CorruptionError);
      expect(thrown).toMatchObject({ filePath: walPath, offset: offsets[recordIndex], sqlstate: "XX001" });
      expect((thrown as Error).message).toContain(walPath);
      expect(fs.readFileSync(walPath)).toEqual(damaged);
    }
  });

  it("throws CorruptionError for a whole record of an unknown type", () => {
    const walPath = path.join(dir, "unknown.log");
    fs.writeFileSync(walPath, Buffer.concat([encodeGroupRecord([Buffer.from("x")]), encodeRecord(77, Buffer.from("?"))]));
    expect(() => replayAll(walPath)).toThrow(CorruptionError);
  });

  it("fails safe when the scan budget cannot prove the tail torn", () => {
    const { walPath } = writeLog(groups);
    fs.appendFileSync(walPath, Buffer.alloc(4096, 0xee));
    expect(() => replayWal(vfs, walPath, () => {}, { scanBudgetBytes: 100 })).toThrow(CorruptionError);
    expect(replayWal(vfs, walPath, () => {}).truncatedBytes).toBe(4096);
  });

  it("reads records larger than its read window", () => {
    const big = [[Buffer.alloc(3 * 1024 * 1024, 7)], [Buffer.from("after")]];
    const { walPath } = writeLog(big);
    const { payloads } = replayAll(walPath);
    expect(payloads).toHaveLength(2);
    expect(payloads[1]).toBe("after");
  });
});
