/** Parses a byte size: a number of bytes, or a string such as "64MB", "512 MiB", "1GB", "25%" is not a size. */
export function parseSizeBytes(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0 || !Number.isInteger(input)) throw new Error(`invalid size: ${input}`);
    return input;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(input);
  if (!m) throw new Error(`invalid size: "${input}" (expected e.g. 4096, 64MB, 1GiB)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "b").toLowerCase().replace(/i?b$/, "").replace(/i$/, "");
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit];
  if (mult === undefined) throw new Error(`invalid size unit in "${input}"`);
  return Math.round(n * mult);
}

/** Formats bytes for people: 67108864 → "64 MiB". */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
