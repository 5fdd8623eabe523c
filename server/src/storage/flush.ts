import type { SortedEntries } from "./memtable/memtable.js";
import type { TableOutput } from "./table-output.js";

/** Entries written between two yields when a flush runs on the engine's thread. */
export const FLUSH_ENTRIES_PER_YIELD = 4096;

/**
 * Writes every entry of a memtable into `out` (one L0 table), yielding now and then if asked
 * (on the engine's thread; a worker thread has nothing to yield to). On failure it abandons
 * what it wrote. The caller finishes `out`.
 */
export async function writeMemtable(mem: SortedEntries, out: TableOutput, yieldFn?: () => Promise<void>): Promise<void> {
  const it = mem.iterator();
  let n = 0;
  try {
    for (it.seekToFirst(); it.valid(); it.next()) {
      out.add(it.key(), it.value());
      if (yieldFn && ++n % FLUSH_ENTRIES_PER_YIELD === 0) await yieldFn();
    }
  } catch (e) {
    out.abandon();
    throw e;
  } finally {
    it.close();
  }
}
