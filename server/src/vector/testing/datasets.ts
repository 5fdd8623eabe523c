/** Seeded test data for the vector layer: the same seed gives the same vectors on every run. */

/** mulberry32: a small, fast 32-bit PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface ClusteredSpec {
  readonly count: number;
  readonly dims: number;
  readonly clusters: number;
  /** Standard deviation of points around their centre; centres are standard normal. */
  readonly spread: number;
  readonly seed: number;
}

/**
 * Points around random centres: closer to real embeddings than uniform noise (which has no
 * structure for a graph index to exploit and makes every neighbour almost equally far).
 */
export function clusteredVectors(spec: ClusteredSpec): Float32Array[] {
  const random = seededRandom(spec.seed);
  const centres = Array.from({ length: spec.clusters }, () => Float32Array.from({ length: spec.dims }, () => gaussian(random)));
  return Array.from({ length: spec.count }, () => {
    const centre = centres[Math.floor(random() * spec.clusters)]!;
    return Float32Array.from(centre, (c) => c + spec.spread * gaussian(random));
  });
}
