/**
 * SASLprep (RFC 4013) as PostgreSQL applies it to SCRAM passwords (src/common/saslprep.c): a
 * password is normalised before hashing when it can be, and used as raw bytes when it cannot
 * (PostgreSQL accepts any password, so a prohibited character is no error).
 *
 * NB: two tables are approximated. Unassigned code points (RFC 3454 A.1, Unicode 3.2) are taken
 * from the running Unicode version, and the left-to-right class (D.2) is "letters and spacing
 * marks outside the right-to-left table". Both only matter for passwords mixing scripts or
 * holding characters added after Unicode 3.2 *and* something that normalisation changes.
 */

type Range = readonly [number, number];

/** C.1.2, as PostgreSQL's non_ascii_space_ranges: mapped to U+0020. */
const NON_ASCII_SPACE: readonly Range[] = [
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200b],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

/** B.1: commonly mapped to nothing. */
const MAPPED_TO_NOTHING: readonly Range[] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x1806, 0x1806],
  [0x180b, 0x180d],
  [0x200b, 0x200d],
  [0x2060, 0x2060],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

/** C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9. */
const PROHIBITED: readonly Range[] = [
  ...NON_ASCII_SPACE,
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x0340, 0x0341],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x180e, 0x180e],
  [0x200c, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x2063],
  [0x206a, 0x206f],
  [0x2ff0, 0x2ffb],
  [0xd800, 0xdfff],
  [0xe000, 0xf8ff],
  [0xfdd0, 0xfdef],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffd],
  [0xfffe, 0xffff],
  [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001],
  [0xe0020, 0xe007f],
  [0xf0000, 0xffffd],
  [0x100000, 0x10fffd],
];

/** D.1: characters with bidirectional property R or AL. */
const RAND_AL: readonly Range[] = [
  [0x05be, 0x05be],
  [0x05c0, 0x05c0],
  [0x05c3, 0x05c3],
  [0x05d0, 0x05ea],
  [0x05f0, 0x05f4],
  [0x061b, 0x061b],
  [0x061f, 0x061f],
  [0x0621, 0x063a],
  [0x0640, 0x064a],
  [0x066d, 0x066f],
  [0x0671, 0x06d5],
  [0x06dd, 0x06dd],
  [0x06e5, 0x06e6],
  [0x06fa, 0x06fe],
  [0x0700, 0x070d],
  [0x0710, 0x0710],
  [0x0712, 0x072c],
  [0x0780, 0x07a5],
  [0x07b1, 0x07b1],
  [0x200f, 0x200f],
  [0xfb1d, 0xfb1d],
  [0xfb1f, 0xfb28],
  [0xfb2a, 0xfb36],
  [0xfb38, 0xfb3c],
  [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41],
  [0xfb43, 0xfb44],
  [0xfb46, 0xfbb1],
  [0xfbd3, 0xfd3d],
  [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7],
  [0xfdf0, 0xfdfc],
  [0xfe70, 0xfe74],
  [0xfe76, 0xfefc],
];

function inRanges(cp: number, ranges: readonly Range[]): boolean {
  return ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

function isNoncharacter(cp: number): boolean {
  return (cp & 0xfffe) === 0xfffe;
}

const UNASSIGNED = /\p{Cn}/u;
const LEFT_TO_RIGHT = /[\p{L}\p{Mc}]/u;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * The password bytes that SCRAM hashes: the SASLprep'd string when the password is valid for it,
 * the raw UTF-8 bytes otherwise (as PostgreSQL's pg_saslprep falls back).
 */
export function saslprepPassword(password: string): Buffer {
  const prepared = saslprep(password);
  return Buffer.from(prepared ?? password, "utf8");
}

/** RFC 4013 SASLprep, or undefined when the string has prohibited characters or breaks the bidi rule. */
export function saslprep(input: string): string | undefined {
  // PostgreSQL's fast path: an ASCII string is used unchanged (even with control characters).
  if (isAscii(input)) return input;
  let mapped = "";
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(cp, NON_ASCII_SPACE)) mapped += " ";
    else if (!inRanges(cp, MAPPED_TO_NOTHING)) mapped += ch;
  }
  const normalized = mapped.normalize("NFKC");
  const codePoints = Array.from(normalized, (ch) => ch.codePointAt(0)!);
  for (const cp of codePoints) {
    if (inRanges(cp, PROHIBITED) || isNoncharacter(cp) || UNASSIGNED.test(String.fromCodePoint(cp))) return undefined;
  }
  const rtl = codePoints.map((cp) => inRanges(cp, RAND_AL));
  if (rtl.some((r) => r)) {
    if (!rtl[0] || !rtl[rtl.length - 1]) return undefined;
    if (codePoints.some((cp, i) => !rtl[i] && LEFT_TO_RIGHT.test(String.fromCodePoint(cp)))) return undefined;
  }
  return normalized;
}
