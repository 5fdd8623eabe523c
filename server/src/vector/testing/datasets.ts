/** Seeded test data for the vector layer: the same seed gives the same vectors on every run. */
import { mulberry32 } from "../../common/mulberry32.js";

/** mulberry32: a small, fast 32-bit PRNG, uniform in [0, 1). */
export const seededRandom = mulberry32;

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
