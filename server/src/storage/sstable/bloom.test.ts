import { describe, expect, it } from "vitest";
import { bloomHash, bloomMayContain, bloomProbeCount, buildBloomFilter, checkBloomFilter, murmur3x86_32 } from "./bloom.js";

/** Deterministic key source (xorshift32), so the measured rate is reproducible. */
function randomKeys(count: number, seed: number, length: number): Buffer[] {
  let s = seed >>> 0 || 1;
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const key = Buffer.allocUnsafe(length);
    for (let j = 0; j < length; j++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      key[j] = s & 0xff;
    }
    out.push(key);
  }
  return out;
}

describe("bloom filter", () => {
  it.each([
    [10, 7],
    [1, 1],
    [5, 3],
    [20, 14],
    [64, 30],
  ])("uses k = round(%d · ln 2) = %d probes", (bits, k) => {
    expect(bloomProbeCount(bits)).toBe(k);
  });

  it.each([
    ["", 0, 0],
    ["", 1, 0x514e28b7],
    ["hello", 0, 0x248bfa47],
    ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
  ])("murmur3 of %j with seed %d is the reference value", (text, seed, expected) => {
    expect(murmur3x86_32(Buffer.from(text), seed)).toBe(expected);
  });

  it("hashes a sub-range like the bytes alone", () => {
    expect(bloomHash(Buffer.from("xabcdey"), 1, 6)).toBe(bloomHash(Buffer.from("abcde")));
  });

  it.each([
    { keys: 1_000, keyBytes: 8 },
    { keys: 10_000, keyBytes: 16 },
    { keys: 50_000, keyBytes: 5 },
  ])("has no false negatives and < 2% false positives at 10 bits/key ($keys keys of $keyBytes bytes)", ({ keys, keyBytes }) => {
    const members = randomKeys(keys, 0x1234 + keys, keyBytes);
    const filter = buildBloomFilter(
      members.map((k) => bloomHash(k)),
      10,
    );
    expect(checkBloomFilter(filter)).toBeUndefined();
    for (const k of members) expect(bloomMayContain(filter, k)).toBe(true);
    // Probe keys one byte longer than the members, so none can be a member.
    const probes = randomKeys(20_000, 0xbeef + keys, keyBytes + 1);
    let falsePositives = 0;
    for (const k of probes) if (bloomMayContain(filter, k)) falsePositives++;
    const rate = falsePositives / probes.length;
    expect(rate).toBeLessThan(0.02);
  });

  it("an empty filter rejects everything", () => {
    const filter = buildBloomFilter([], 10);
    expect(filter.length).toBe(9);
    expect(bloomMayContain(filter, Buffer.from("x"))).toBe(false);
  });

  it("0 bits per key gives an empty filter that matches everything", () => {
    const filter = buildBloomFilter([1, 2, 3], 0);
    expect(filter.length).toBe(0);
    expect(checkBloomFilter(filter)).toBeUndefined();
    expect(bloomMayContain(filter, Buffer.from("anything"))).toBe(true);
  });

  it.each([
    ["too short", Uint8Array.of(7)],
    ["zero probes", Uint8Array.of(0, 0)],
    ["too many probes", Uint8Array.of(0, 31)],
  ])("checkBloomFilter rejects a filter with %s", (_name, filter) => {
    expect(checkBloomFilter(filter)).toBeTypeOf("string");
  });
});
