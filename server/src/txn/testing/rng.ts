import { XorShift32 } from "../../storage/memtable/prng.js";

/** A seeded PRNG for randomized transaction tests: the same parts give the same sequence. */
export class TestRng {
  private readonly x: XorShift32;

  constructor(...parts: readonly number[]) {
    let s = 0x2545f491;
    for (const p of parts) s = Math.imul(s ^ (p >>> 0), 0x9e3779b1) ^ (s >>> 15);
    this.x = new XorShift32(s >>> 0);
    // Neighbouring seeds start out correlated in xorshift; a few rounds spread them.
    for (let i = 0; i < 8; i++) this.x.nextUint32();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return this.x.nextUint32() % n;
  }

  chance(p: number): boolean {
    return this.x.nextUint32() / 2 ** 32 < p;
  }
}
