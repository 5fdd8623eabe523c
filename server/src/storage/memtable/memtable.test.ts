import { describe, expect, it } from "vitest";
import { ValueKind } from "../internal-key.js";
import { Memtable } from "./memtable.js";
import { XorShift32 } from "./prng.js";

const b = (s: string) => Buffer.from(s);

describe("Memtable", () => {
  const cases: { name: string; seq: number; want: string | "deleted" | undefined }[] = [
    { name: "before any version", seq: 0, want: undefined },
    { name: "first version", seq: 1, want: "v1" },
    { name: "between versions sees the older", seq: 2, want: "v1" },
    { name: "second version", seq: 3, want: "v3" },
    { name: "tombstone", seq: 5, want: "deleted" },
    { name: "after everything", seq: 100, want: "deleted" },
  ];
  const mem = new Memtable(new XorShift32(7), 1);
  mem.add(1, ValueKind.Put, b("k"), b("v1"));
  mem.add(3, ValueKind.Put, b("k"), b("v3"));
  mem.add(5, ValueKind.Delete, b("k"), b(""));
  mem.add(4, ValueKind.Put, b("ka"), b("other key"));
  mem.add(2, ValueKind.Put, b("j"), b("other key"));
  for (const c of cases) {
    it(`get at seq ${c.seq}: ${c.name}`, () => {
      const r = mem.get(b("k"), c.seq);
      if (c.want === undefined) expect(r).toBeUndefined();
      else if (c.want === "deleted") expect(r?.kind).toBe(ValueKind.Delete);
      else expect(r?.value.toString()).toBe(c.want);
    });
  }

  it("does not confuse a key with its prefix or extension", () => {
    expect(mem.get(b("ka"), 100)?.value.toString()).toBe("other key");
    expect(mem.get(b("kaa"), 100)).toBeUndefined();
  });

  it("copies what it stores", () => {
    const m = new Memtable(new XorShift32(1), 1);
    const key = b("key");
    const value = b("value");
    m.add(1, ValueKind.Put, key, value);
    key.fill(0);
    value.fill(0);
    expect(m.get(b("key"), 1)?.value.toString()).toBe("value");
  });

  it("drains once pending writes finish", async () => {
    const m = new Memtable(new XorShift32(1), 1);
    m.reserve(100);
    m.reserve(50);
    expect(m.approximateBytes()).toBe(150);
    let drained = false;
    const p = m.whenDrained().then(() => (drained = true));
    m.finishPendingWrite(100);
    await Promise.resolve();
    expect(drained).toBe(false);
    m.finishPendingWrite(50);
    await p;
    expect(drained).toBe(true);
    expect(m.approximateBytes()).toBe(0);
  });
});
