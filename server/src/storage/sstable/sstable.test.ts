import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BlockCache } from "../cache/block-cache.js";
import { DiskFullError } from "../errors.js";
import { compareInternalKeys, kindOf, makeInternalKey, seqOf, userKeyOf, ValueKind } from "../internal-key.js";
import type { InternalIterator } from "../iterator.js";
import type { TablePropertiesCollector } from "./properties.js";
import { SstReader } from "./reader.js";
import { MemFile } from "./test-support.js";
import { SstWriter, type SstWriterOptions } from "./writer.js";

interface Entry {
  key: Buffer;
  value: Buffer;
}

/** Writes `entries` (sorted, distinct) to a fresh in-memory file and opens it. */
function writeTable(entries: Entry[], options: SstWriterOptions, cache = new BlockCache(1 << 20), vector?: Uint8Array) {
  const file = new MemFile("/mem/000042.sst");
  const writer = new SstWriter(file, options);
  for (const e of entries) writer.add(e.key, e.value);
  if (vector) writer.setVectorSegment(vector);
  const summary = writer.finish();
  return { file, summary, reader: SstReader.open(file, 42, cache) };
}

/** The naive model of `get`: the first entry (newest) of the user key with seq <= snapshot. */
function modelGet(entries: Entry[], userKey: Buffer, seq: number): Entry | undefined {
  return entries.find((e) => userKeyOf(e.key).equals(userKey) && seqOf(e.key) <= seq);
}

function drainForward(it: InternalIterator): string[] {
  const out: string[] = [];
  for (; it.valid(); it.next()) out.push(`${it.key().toString("hex")}:${it.value().toString("hex")}`);
  return out;
}

function drainBackward(it: InternalIterator): string[] {
  const out: string[] = [];
  for (; it.valid(); it.prev()) out.push(`${it.key().toString("hex")}:${it.value().toString("hex")}`);
  return out;
}

const show = (e: Entry) => `${e.key.toString("hex")}:${e.value.toString("hex")}`;

// Small alphabets so user keys collide (many versions per key) and share prefixes.
const userKeyArb = fc.uint8Array({ minLength: 0, maxLength: 6, max: 4 });
const versionArb = fc.record({
  userKey: userKeyArb,
  seq: fc.integer({ min: 0, max: 60 }),
  kind: fc.constantFrom(ValueKind.Put, ValueKind.Put, ValueKind.Delete),
  value: fc.uint8Array({ maxLength: 40 }),
});
const optionsArb = fc.record({
  blockSizeBytes: fc.constantFrom(1, 64, 200, 4096),
  restartInterval: fc.integer({ min: 1, max: 16 }),
  bloomBitsPerKey: fc.constantFrom(0, 1, 10),
});

function toEntries(raw: { userKey: Uint8Array; seq: number; kind: ValueKind; value: Uint8Array }[]): Entry[] {
  const entries = raw.map((r) => ({
    key: makeInternalKey(r.userKey, r.seq, r.kind),
    value: r.kind === ValueKind.Delete ? Buffer.alloc(0) : Buffer.from(r.value),
  }));
  entries.sort((a, b) => compareInternalKeys(a.key, b.key));
  return entries.filter((e, i) => i === 0 || compareInternalKeys(entries[i - 1]!.key, e.key) !== 0);
}

describe("SstWriter + SstReader against a sorted-array model", () => {
  it("get at random snapshots, full scans both ways and random seeks match the model", () => {
    fc.assert(
      fc.property(
        fc.array(versionArb, { minLength: 1, maxLength: 300 }),
        fc.array(fc.tuple(userKeyArb, fc.integer({ min: 0, max: 70 }), fc.constantFrom(ValueKind.Put, ValueKind.Delete)), {
          maxLength: 40,
        }),
        optionsArb,
        fc.integer({ min: 200, max: 1 << 20 }),
        (raw, probes, options, cacheBytes) => {
          const entries = toEntries(raw);
          const { reader, summary } = writeTable(entries, options, new BlockCache(cacheBytes));

          expect(summary.entryCount).toBe(entries.length);
          expect(summary.smallestKey.equals(entries[0]!.key)).toBe(true);
          expect(summary.largestKey.equals(entries.at(-1)!.key)).toBe(true);

          const expected = entries.map(show);
          const it = reader.iterator();
          it.seekToFirst();
          expect(drainForward(it)).toEqual(expected);
          it.seekToLast();
          expect(drainBackward(it)).toEqual([...expected].reverse());

          // Every stored user key, plus the probes (mostly absent keys), at several snapshots.
          const lookups = [...entries.map((e) => [userKeyOf(e.key), seqOf(e.key)] as const), ...probes.map(([u, s]) => [Buffer.from(u), s] as const)];
          for (const [userKey, seq] of lookups) {
            for (const snapshot of [seq, seq + 1, Math.max(0, seq - 1), 1000]) {
              const want = modelGet(entries, userKey, snapshot);
              const got = reader.get(userKey, snapshot);
              if (!want) expect(got).toBeUndefined();
              else {
                expect(got).toEqual({ kind: kindOf(want.key), seq: seqOf(want.key), value: want.value });
                expect(reader.mayContain(userKey)).toBe(true);
              }
            }
          }

          for (const [u, s, k] of probes) {
            const target = makeInternalKey(u, s, k);
            const ge = entries.findIndex((e) => compareInternalKeys(e.key, target) >= 0);
            // The point-read cursor lands where a seek does (a longer buffer: only the prefix counts).
            const point = reader.seekPoint(Buffer.concat([target, Buffer.from([0xff, 0])]), target.length);
            expect(point === undefined ? undefined : show({ key: point.key(), value: point.value() })).toEqual(ge < 0 ? undefined : expected[ge]);
            it.seek(target);
            expect(drainForward(it)).toEqual(ge < 0 ? [] : expected.slice(ge));
            // A get in between (it shares the cursor) does not change where the next one lands.
            reader.get(Buffer.from(u), s);
            expect(reader.seekPoint(target, target.length)?.key().equals(entries[ge]!.key) ?? ge < 0).toBe(true);
            let le = -1;
            for (let i = entries.length - 1; i >= 0; i--) {
              if (compareInternalKeys(entries[i]!.key, target) <= 0) {
                le = i;
                break;
              }
            }
            it.seekForPrev(target);
            expect(drainBackward(it)).toEqual(le < 0 ? [] : expected.slice(0, le + 1).reverse());
            // Direction changes mid-scan.
            it.seek(target);
            if (it.valid()) {
              it.prev();
              expect(it.valid() ? show({ key: it.key(), value: it.value() }) : undefined).toEqual(ge > 0 ? expected[ge - 1] : undefined);
            }
          }
          it.close();
          it.close();
          expect(it.valid()).toBe(false);
          reader.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("table properties and sections", () => {
  const options: SstWriterOptions = { blockSizeBytes: 128, restartInterval: 4, bloomBitsPerKey: 10 };

  it("records statistics and user-collected properties", () => {
    const entries: Entry[] = [];
    for (let i = 0; i < 50; i++) {
      const kind = i % 5 === 0 ? ValueKind.Delete : ValueKind.Put;
      entries.push({ key: makeInternalKey(Buffer.from(`k${String(i).padStart(3, "0")}`), 100 + i, kind), value: Buffer.from(kind ? `v${i}` : "") });
    }
    let maxValueBytes = 0;
    const collector: TablePropertiesCollector = {
      add: (_key, value) => void (maxValueBytes = Math.max(maxValueBytes, value.length)),
      finish: () => ({ "max-value-bytes": Uint8Array.of(maxValueBytes) }),
    };
    const { reader } = writeTable(entries, { ...options, collectors: [collector], creationTimeMs: 1_700_000_000_000, createdBy: "test" });
    const p = reader.properties;
    expect(p.entryCount).toBe(50);
    expect(p.deletionCount).toBe(10);
    expect(p.rawKeyBytes).toBe(entries.reduce((n, e) => n + e.key.length, 0));
    expect(p.rawValueBytes).toBe(entries.reduce((n, e) => n + e.value.length, 0));
    expect(p.dataBlockCount).toBeGreaterThan(3);
    expect(p.smallestKey.equals(entries[0]!.key)).toBe(true);
    expect(p.largestKey.equals(entries[49]!.key)).toBe(true);
    expect([p.smallestSeq, p.largestSeq]).toEqual([100, 149]);
    expect(p.creationTimeMs).toBe(1_700_000_000_000);
    expect(p.createdBy).toBe("test");
    expect([...p.userProperties]).toEqual([["max-value-bytes", Buffer.of(3)]]);
    expect(reader.pinnedBytes()).toBeGreaterThan(p.dataBlockCount * 10);
  });

  it.each([
    ["absent", undefined],
    ["empty", new Uint8Array(0)],
    ["small", Uint8Array.from([1, 2, 3])],
    ["larger than an output chunk", new Uint8Array(300_000).fill(7)],
  ])("round trips a vector segment that is %s", (_name, vector) => {
    const entries = [{ key: makeInternalKey(Buffer.from("a"), 1, ValueKind.Put), value: Buffer.from("x") }];
    const { reader, summary, file } = writeTable(entries, options, undefined, vector);
    expect(summary.sizeBytes).toBe(file.bytes.length);
    expect(reader.sizeBytes).toBe(file.bytes.length);
    const got = reader.vectorSegment();
    if (vector === undefined) expect(got).toBeUndefined();
    else expect(got?.equals(vector)).toBe(true);
  });

  it("keys its bloom filter on logical keys when given bloomKeyLength, and says so in its properties", () => {
    // Logical key: the user key without its last 2 bytes (like MVCC's timestamp suffix).
    const logical = (key: Uint8Array, userKeyLength: number) => userKeyLength - 2;
    const present = (i: number) => Buffer.from(`row${String(i * 2).padStart(5, "0")}`);
    const absent = (i: number) => Buffer.from(`row${String(i * 2 + 1).padStart(5, "0")}`);
    const entries: Entry[] = [];
    for (let i = 0; i < 500; i++) {
      // Three versions per logical key, each a different user key (as MVCC versions are).
      for (const v of [3, 2, 1]) entries.push({ key: makeInternalKey(Buffer.concat([present(i), Buffer.of(0, v)]), 10 * i + v, ValueKind.Put), value: Buffer.from(`v${v}`) });
    }
    entries.sort((a, b) => compareInternalKeys(a.key, b.key));
    const { reader } = writeTable(entries, { ...options, bloomKeyLength: logical });
    expect(reader.properties.bloomKey).toBe("logical");
    for (let i = 0; i < 500; i++) expect(reader.mayContainLogicalKey(Buffer.concat([present(i), Buffer.of(9, 9)]), present(i).length)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 500; i++) if (reader.mayContainLogicalKey(Buffer.concat([absent(i), Buffer.of(9, 9)]), absent(i).length)) falsePositives++;
    // 10 bits per key: about 1%; a filter of all versions or of nothing would be far off.
    expect(falsePositives).toBeLessThan(25);
    // Whole user keys cannot be judged by a filter of logical keys: "maybe".
    expect(reader.mayContain(Buffer.concat([absent(0), Buffer.of(0, 1)]))).toBe(true);
    // ...so a point get still finds what is there.
    expect(reader.get(userKeyOf(entries[0]!.key), 1_000_000)?.value.equals(entries[0]!.value)).toBe(true);

    // Without bloomKeyLength: user-key filter, no property, and logical lookups answer "maybe".
    const plain = writeTable(entries, options).reader;
    expect(plain.properties.bloomKey).toBeUndefined();
    expect(plain.mayContainLogicalKey(absent(0), absent(0).length)).toBe(true);
  });

  it("estimatedSizeBytes grows with the data and ends near the file size", () => {
    const file = new MemFile("/mem/1.sst");
    const writer = new SstWriter(file, options);
    let last = 0;
    for (let i = 0; i < 200; i++) {
      writer.add(makeInternalKey(Buffer.from(`key-${String(i).padStart(4, "0")}`), i, ValueKind.Put), Buffer.alloc(20, i));
      const estimate = writer.estimatedSizeBytes();
      expect(estimate).toBeGreaterThanOrEqual(last);
      last = estimate;
    }
    const { sizeBytes } = writer.finish();
    expect(last).toBeLessThanOrEqual(sizeBytes);
    expect(last).toBeGreaterThan(sizeBytes * 0.7);
  });

  it.each([
    ["equal keys", [["a", 5], ["a", 5]]],
    ["a lower version after a newer one of a smaller key", [["b", 5], ["a", 9]]],
    ["an older seq before a newer one", [["a", 1], ["a", 2]]],
  ] as const)("asserts on out-of-order keys: %s", (_name, keys) => {
    const writer = new SstWriter(new MemFile("/mem/2.sst"), options);
    writer.add(makeInternalKey(Buffer.from(keys[0][0]), keys[0][1], ValueKind.Put), Buffer.alloc(0));
    expect(() => writer.add(makeInternalKey(Buffer.from(keys[1][0]), keys[1][1], ValueKind.Put), Buffer.alloc(0))).toThrow(/strictly increasing/);
  });

  it("finds versions of one user key that span many blocks", () => {
    const entries: Entry[] = [];
    for (let seq = 500; seq >= 1; seq--) entries.push({ key: makeInternalKey(Buffer.from("hot"), seq * 2, ValueKind.Put), value: Buffer.from(`v${seq * 2}`) });
    entries.push({ key: makeInternalKey(Buffer.from("hot2"), 7, ValueKind.Put), value: Buffer.from("other") });
    const { reader } = writeTable(entries, { ...options, blockSizeBytes: 64 });
    expect(reader.properties.dataBlockCount).toBeGreaterThan(50);
    for (const snapshot of [1000, 999, 501, 2, 3]) {
      const even = snapshot - (snapshot % 2);
      expect(reader.get(Buffer.from("hot"), snapshot)?.value.toString()).toBe(`v${even}`);
    }
    expect(reader.get(Buffer.from("hot"), 1)).toBeUndefined();
    expect(reader.get(Buffer.from("hot2"), 7)?.value.toString()).toBe("other");
  });
});

describe("table iterator random walks", () => {
  type Op = { op: "next" | "prev" | "first" | "last" } | { op: "seek" | "seekForPrev"; target: Buffer };
  const targetArb = fc.tuple(userKeyArb, fc.integer({ min: 0, max: 70 })).map(([u, s]) => makeInternalKey(u, s, ValueKind.Put));
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constantFrom<Op>({ op: "next" }, { op: "prev" }, { op: "first" }, { op: "last" }),
    targetArb.map((target): Op => ({ op: "seek", target })),
    targetArb.map((target): Op => ({ op: "seekForPrev", target })),
  );

  it("moves like a cursor over the sorted array, across block boundaries and direction changes", () => {
    fc.assert(
      fc.property(fc.array(versionArb, { minLength: 1, maxLength: 150 }), fc.array(opArb, { maxLength: 60 }), optionsArb, (raw, ops, options) => {
        const entries = toEntries(raw);
        const { reader } = writeTable(entries, options);
        const it = reader.iterator();
        let pos = -1; // the model: an index into entries, or -1 when invalid
        for (const o of ops) {
          if ((o.op === "next" || o.op === "prev") && pos < 0) continue; // undefined in the contract
          switch (o.op) {
            case "next":
              it.next();
              pos = pos + 1 < entries.length ? pos + 1 : -1;
              break;
            case "prev":
              it.prev();
              pos = pos - 1;
              break;
            case "first":
              it.seekToFirst();
              pos = 0;
              break;
            case "last":
              it.seekToLast();
              pos = entries.length - 1;
              break;
            case "seek":
              it.seek(o.target);
              pos = entries.findIndex((e) => compareInternalKeys(e.key, o.target) >= 0);
              break;
            case "seekForPrev":
              it.seekForPrev(o.target);
              pos = -1;
              entries.forEach((e, i) => {
                if (compareInternalKeys(e.key, o.target) <= 0) pos = i;
              });
              break;
          }
          expect(it.valid()).toBe(pos >= 0);
          if (pos >= 0) expect(show({ key: it.key(), value: it.value() })).toBe(show(entries[pos]!));
        }
        it.close();
      }),
      { numRuns: 200 },
    );
  });
});

describe("write failures", () => {
  it("reports ENOSPC from the file as a DiskFullError", () => {
    const file = new MemFile("/mem/full.sst");
    file.append = () => {
      throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    };
    const writer = new SstWriter(file, { blockSizeBytes: 4096, restartInterval: 16, bloomBitsPerKey: 10 });
    writer.add(makeInternalKey(Buffer.from("k"), 1, ValueKind.Put), Buffer.from("v"));
    expect(() => writer.finish()).toThrow(DiskFullError);
  });
});
