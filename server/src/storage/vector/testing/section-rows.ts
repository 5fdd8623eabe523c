import * as fs from "node:fs";
import * as path from "node:path";
import { decodeVectorSection, vectorIndexKey } from "../../../vector/index.js";
import { decodeFooter } from "../../sstable/footer.js";
import { FOOTER_BYTES } from "../../sstable/format.js";

/**
 * Rows per vector index (`vectorIndexKey`) in the vector sections of every table in `dir`, read
 * straight from the files. NB: counts every .sst present: close the engine (or let it settle)
 * so that no compaction output is half written and no obsolete table is left.
 */
export function sectionRows(dir: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".sst"))) {
    const bytes = fs.readFileSync(path.join(dir, name));
    const footer = decodeFooter(bytes.subarray(bytes.length - FOOTER_BYTES));
    if (typeof footer === "string") throw new Error(`${name}: ${footer}`);
    if (footer.vector === undefined) continue;
    const section = bytes.subarray(footer.vector.offset, footer.vector.offset + footer.vector.sizeBytes);
    for (const e of decodeVectorSection(section).entries) rows.set(vectorIndexKey(e.params), (rows.get(vectorIndexKey(e.params)) ?? 0) + e.rows);
  }
  return rows;
}
