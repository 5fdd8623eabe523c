/**
 * Query results as psql prints them in its default aligned format: a centred header, a rule,
 * values left-aligned (numbers right-aligned), and a row count.
 *
 *  id | name
 * ----+-------
 *   1 | apple
 * (1 row)
 */

export interface TextTable {
  readonly columns: readonly { readonly name: string; readonly numeric: boolean }[];
  /** Values as text; null prints as an empty cell, as psql does by default. */
  readonly rows: readonly (readonly (string | null)[])[];
}

export function formatTable(t: TextTable): string {
  const widths = t.columns.map((c, i) => Math.max(displayWidth(c.name), ...t.rows.map((r) => displayWidth(r[i] ?? ""))));
  const header = t.columns.map((c, i) => center(c.name, widths[i]!)).join(" | ");
  const rule = widths.map((w) => "-".repeat(w + 2)).join("+");
  const lines = [` ${header} `, rule];
  const last = t.columns.length - 1;
  for (const row of t.rows) {
    const cells = t.columns.map((c, i) => {
      const v = row[i] ?? "";
      // psql pads every cell to its column's width except a left-aligned last one.
      if (c.numeric) return " ".repeat(Math.max(0, widths[i]! - displayWidth(v))) + v;
      return i === last ? v : padEndWidth(v, widths[i]!);
    });
    lines.push(` ${cells.join(" | ")}`);
  }
  lines.push(`(${t.rows.length} ${t.rows.length === 1 ? "row" : "rows"})`);
  return lines.join("\n") + "\n";
}

/** Columns a terminal gives the text, as psql counts them: wide (CJK, emoji) 2, combining marks 0. */
export function displayWidth(s: string): number {
  let width = 0;
  for (const ch of s) width += charWidth(ch.codePointAt(0)!);
  return width;
}

const ZERO_WIDTH: readonly (readonly [number, number])[] = [
  [0x0300, 0x036f],
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x200b, 0x200f],
  [0x20d0, 0x20ff],
  [0xfe00, 0xfe0f],
  [0xfe20, 0xfe2f],
];
const DOUBLE_WIDTH: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

function charWidth(cp: number): number {
  const within = (ranges: readonly (readonly [number, number])[]) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
  if (within(ZERO_WIDTH)) return 0;
  return within(DOUBLE_WIDTH) ? 2 : 1;
}

function padEndWidth(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - displayWidth(s)));
}

function center(s: string, width: number): string {
  const pad = width - displayWidth(s);
  const left = Math.floor(pad / 2);
  return " ".repeat(left) + s + " ".repeat(pad - left);
}
