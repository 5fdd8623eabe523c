import { describe, expect, it } from "vitest";
import { BlockCache } from "../cache/block-cache.js";
import { makeInternalKey, ValueKind } from "../internal-key.js";
import { SstReader } from "./reader.js";
import { MemFile } from "./test-support.js";
import { SstWriter } from "./writer.js";

describe("smoke", () => {
  it("round trips", () => {
    const f = new MemFile("/t/1.sst");
    const w = new SstWriter(f, { blockSizeBytes: 256, restartInterval: 4, bloomBitsPerKey: 10 });
    for (let i = 0; i < 1000; i++) {
      const uk = Buffer.from(`key${String(i).padStart(5, "0")}`);
      w.add(makeInternalKey(uk, 2000 + i, ValueKind.Put), Buffer.from(`v${i}b`));
      w.add(makeInternalKey(uk, i, ValueKind.Put), Buffer.from(`v${i}a`));
    }
    const s = w.finish();
    expect(s.sizeBytes).toBe(f.bytes.length);
    const r = SstReader.open(f, 1, new BlockCache(1 << 20));
    expect(r.properties.entryCount).toBe(2000);
    for (let i = 0; i < 1000; i++) {
      const uk = Buffer.from(`key${String(i).padStart(5, "0")}`);
      expect(r.get(uk, 5000)?.value.toString()).toBe(`v${i}b`);
      expect(r.get(uk, 1999)?.value.toString()).toBe(`v${i}a`);
      if (i > 0) expect(r.get(uk, i - 1)).toBeUndefined();
    }
    const it = r.iterator();
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) n++;
    expect(n).toBe(2000);
    n = 0;
    for (it.seekToLast(); it.valid(); it.prev()) n++;
    expect(n).toBe(2000);
  });
});
