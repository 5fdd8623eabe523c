/** A tiny seeded PRNG (xorshift32). Storage logic takes randomness from here, never Math.random. */
export interface RandomSource {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
}

export class XorShift32 implements RandomSource {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  nextUint32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}
