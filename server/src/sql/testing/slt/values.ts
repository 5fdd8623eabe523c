/**
 * How result values are written in a file and compared: rendering per type letter, reading a
 * result block, sorting, hashing, and the row diff shown on failures.
 */
import { createHash } from "node:crypto";
import type { SltExpectedResults, SltSortMode } from "./types.js";

export const HASH_LINE = /^(\d+) values? hashing to ([0-9a-f]{32})$/;

const INTEGER = /^-?\d+$/;
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The file form of one value of a column with type letter `type`, or an error string when the
 * value does not have the form the letter demands (a test that says I but gets 1.5 is wrong, and
 * coercing as SQLite's runner does would hide it).
 */
export function renderValue(v: string | null, type: string): { ok: true; text: string } | { ok: false; error: string } {
  if (v === null) return { ok: true, text: "NULL" };
  switch (type) {
    case "I":
      if (!INTEGER.test(v)) return { ok: false, error: `${JSON.stringify(v)} is not an integer` };
      return { ok: true, text: v };
    case "R": {
      if (v === "NaN" || v === "Infinity" || v === "-Infinity") return { ok: true, text: v };
      if (!REAL.test(v)) return { ok: false, error: `${JSON.stringify(v)} is not a number` };
      return { ok: true, text: formatReal3(Number(v)) };
    }
    case "B":
      if (v !== "t" && v !== "f") return { ok: false, error: `${JSON.stringify(v)} is not a boolean (t or f)` };
      return { ok: true, text: v };
    default:
      if (v === "") return { ok: true, text: "(empty)" };
      // A line break or tab inside a value would break the line structure of the file; SQLite's
      // runner shows control characters as '@' for the same reason.
      // eslint-disable-next-line no-control-regex
      return { ok: true, text: v.replace(/[\x00-\x1f\x7f]/g, "@") };
  }
}

/**
 * C's printf("%.3f", x), exactly: rounding uses the double's exact binary value with ties to
 * even, and large magnitudes print all their digits (toFixed rounds ties away from zero and
 * switches to exponent form at 1e21).
 */
export function formatReal3(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const negative = x < 0 || Object.is(x, -0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * 1000n;
  } else {
    const numerator = mantissa * 1000n;
    const denominator = 1n << BigInt(-exponent);
    scaled = numerator / denominator;
    const twice = (numerator % denominator) * 2n;
    if (twice > denominator || (twice === denominator && (scaled & 1n) === 1n)) scaled += 1n;
  }
  const digits = scaled.toString().padStart(4, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -3)}.${digits.slice(-3)}`;
}

function tokens(line: string): string[] {
  const t = line.trim();
  return t === "" ? [] : t.split(/[ \t]+/);
}

/**
 * Reads the lines of a result block for `columns` columns. One line of the form `N values hashing
 * to H` is a hash. Otherwise, with several columns, the block is one row per line when every line
 * has exactly `columns` space- or tab-separated tokens, and one value per line if not; with one
 * column every line is one value (so single values may contain spaces).
 */
export function readResultLines(lines: readonly string[], columns: number): SltExpectedResults {
  const hash = lines.length === 1 ? HASH_LINE.exec(lines[0]!) : null;
  if (hash) return { kind: "hash", count: Number(hash[1]), hash: hash[2]! };
  if (columns > 1 && lines.length > 0 && lines.every((l) => tokens(l).length === columns)) {
    return { kind: "values", values: lines.flatMap(tokens), layout: "row" };
  }
  return { kind: "values", values: [...lines], layout: "value" };
}

/** md5 over the values, each followed by a newline, as sqllogictest hashes results. */
export function hashValues(values: readonly string[]): string {
  const h = createHash("md5");
  for (const v of values) h.update(v + "\n", "utf8");
  return h.digest("hex");
}

export function hashLine(values: readonly string[]): string {
  return `${values.length} values hashing to ${hashValues(values)}`;
}

// strcmp on UTF-8 bytes, as SQLite's runner sorts (code-unit order differs above the BMP).
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function groupRows(values: readonly string[], columns: number): string[][] {
  const rows: string[][] = [];
  const width = Math.max(columns, 1);
  for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
  return rows;
}

/**
 * Sorts values for a sort mode. `rowsort` needs whole rows; when the count is not a multiple of
 * the column count (an expected block that is already wrong) the values are left in order so the
 * diff shows the block as written.
 */
export function sortValues(values: readonly string[], columns: number, mode: SltSortMode): string[] {
  if (mode === "valuesort") return [...values].sort(compareBytes);
  if (mode === "rowsort" && columns > 0 && values.length % columns === 0) {
    const rows = groupRows(values, columns);
    rows.sort((a, b) => {
      for (let i = 0; i < a.length; i++) {
        const c = compareBytes(a[i]!, b[i]!);
        if (c !== 0) return c;
      }
      return 0;
    });
    return rows.flat();
  }
  return [...values];
}

/**
 * The result lines to write for `values` (rewrite mode): a hash above the threshold; rows on
 * lines when no value contains a space; one value per line otherwise. Values a file cannot hold
 * (whitespace-only, or with leading or trailing whitespace, which editors strip) and layouts that
 * would read back differently are written as a hash, which always reads back exactly.
 */
export function writeResultLines(values: readonly string[], columns: number, hashThreshold: number): string[] {
  const hashed = [hashLine(values)];
  if (hashThreshold > 0 && values.length > hashThreshold) return hashed;
  if (values.some((v) => v.trim() !== v || v === "")) return hashed;
  const lines =
    columns > 1 && values.every((v) => !/[ \t]/.test(v)) && values.length % columns === 0
      ? groupRows(values, columns).map((r) => r.join(" "))
      : [...values];
  const back = readResultLines(lines, columns);
  if (back.kind !== "values" || !sameValues(back.values, values)) return hashed;
  return lines;
}

export function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const MAX_DIFF_CELLS = 4_000_000;
const MAX_DIFF_LINES = 200;

/**
 * A row diff of expected against actual values: unchanged rows prefixed with two spaces, missing
 * ones with "- ", unexpected ones with "+ ". Rows are shown as their values joined by a space, or
 * by " | " when some value holds whitespace, so values stay apart.
 */
export function diffRows(expected: readonly string[], actual: readonly string[], columns: number): string {
  const spaced = columns > 1 && [...expected, ...actual].some((v) => /[ \t]/.test(v));
  const joint = spaced ? " | " : " ";
  const e = groupRows(expected, columns).map((r) => r.join(joint));
  const a = groupRows(actual, columns).map((r) => r.join(joint));
  const out: string[] = [];
  if (e.length * a.length > MAX_DIFF_CELLS) {
    for (const l of e) out.push(`- ${l}`);
    for (const l of a) out.push(`+ ${l}`);
  } else {
    // Longest common subsequence, walked from the front.
    const n = e.length;
    const m = a.length;
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i]![j] = e[i] === a[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && e[i] === a[j]) {
        out.push(`  ${e[i]}`);
        i++;
        j++;
      } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
        out.push(`- ${e[i]}`);
        i++;
      } else {
        out.push(`+ ${a[j]}`);
        j++;
      }
    }
  }
  if (out.length > MAX_DIFF_LINES) {
    const rest = out.length - MAX_DIFF_LINES;
    out.length = MAX_DIFF_LINES;
    out.push(`... ${rest} more lines`);
  }
  return out.join("\n");
}
