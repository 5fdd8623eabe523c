/**
 * A small versioned key layout for engine tests that a background worker can import: a user key
 * is a logical key followed by one version byte, and the property collector counts a table's
 * entries (to see that collectors reach every table, wherever it is built).
 */
import type { TablePropertiesCollector } from "../sstable/properties.js";
import type { TableCollectorFactory } from "../table-collectors.js";

/** The logical key: every byte but the last (keys shorter than two bytes are their own). */
export function lastByteVersionLength(_key: Uint8Array, userKeyLength: number): number {
  return userKeyLength < 2 ? userKeyLength : userKeyLength - 1;
}

export const lastByteVersionLengthModule = { moduleUrl: import.meta.url, exportName: "lastByteVersionLength" } as const;

export function lastByteVersionBounds(key: Buffer): readonly [Buffer, Buffer] {
  const lo = key.subarray(0, lastByteVersionLength(key, key.length));
  return lo.length === key.length ? [lo, lo] : [lo, Buffer.concat([lo, Buffer.of(0xff)])];
}

/** Records the table's entry count under `name`; buildable in a worker. */
export function entryCountingCollectors(name: string): TableCollectorFactory {
  return {
    create: () => {
      let n = 0;
      const c: TablePropertiesCollector = {
        add: () => void n++,
        finish: () => ({ [name]: Buffer.from(String(n)) }),
      };
      return [c];
    },
    forWorker: () => ({ moduleUrl: import.meta.url, exportName: "entryCountingCollectors", args: [name] }),
  };
}
