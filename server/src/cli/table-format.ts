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
  const lines = [` ${header.trimEnd()}`, rule];
  for (const row of t.rows) {
    const cells = t.columns.map((c, i) => {
      const v = row[i] ?? "";
      return c.numeric ? v.padStart(widths[i]!) : padEndWidth(v, widths[i]!);
    });
    lines.push(` ${cells.join(" | ")}`.trimEnd());
  }
  lines.push(`(${t.rows.length} ${t.rows.length === 1 ? "row" : "rows"})`);
  return lines.join("\n") + "\n";
}

function displayWidth(s: string): number {
  return [...s].length;
}

function padEndWidth(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - displayWidth(s)));
}

function center(s: string, width: number): string {
  const pad = width - displayWidth(s);
  const left = Math.floor(pad / 2);
  return " ".repeat(left) + s + " ".repeat(pad - left);
}
