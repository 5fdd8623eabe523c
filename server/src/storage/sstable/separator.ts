import { TRAILER_BYTES } from "../internal-key.js";

/**
 * An internal key `s` with `last <= s < next` (internal-key order), as short as cheaply possible,
 * for an index entry between two data blocks (LevelDB's FindShortestSeparator). When the user keys
 * differ at byte i and last[i] + 1 < next[i], the separator is last[0..i] + (last[i] + 1) with the
 * largest trailer (all 0xff), which sorts before every real version of that user key. Otherwise it
 * is `last` itself.
 */
export function shortestSeparator(last: Buffer, next: Buffer): Buffer {
  const lastUserLength = last.length - TRAILER_BYTES;
  const nextUserLength = next.length - TRAILER_BYTES;
  const max = Math.min(lastUserLength, nextUserLength);
  let i = 0;
  while (i < max && last[i] === next[i]) i++;
  if (i >= max) return last; // one user key is a prefix of the other (or they are equal)
  const byte = last[i]!;
  if (byte >= 0xff || byte + 1 >= next[i]! || i + 1 >= lastUserLength) return last;
  const out = Buffer.allocUnsafe(i + 1 + TRAILER_BYTES);
  last.copy(out, 0, 0, i);
  out[i] = byte + 1;
  out.fill(0xff, i + 1);
  return out;
}
