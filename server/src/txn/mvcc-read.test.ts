import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageEngine } from "../storage/engine.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../storage/testing/temp-dir.js";
import { encodeVersionKey, encodeVersionValue } from "./mvcc-key.js";
import { versionSource, visibleVersions, type VisibleVersion } from "./mvcc-read.js";

let dir: string;
beforeEach(() => {
  dir = makeTempDir("alopex-mvcc-read-");
});
afterEach(() => removeTempDir(dir));

const show = (v: VisibleVersion) => `${v.key.toString("hex")}=${v.value === undefined ? "(deleted)" : v.value.toString("hex")}`;

function drain(source: ReturnType<typeof versionSource>): string[] {
  const out: string[] = [];
  for (let v = source.next(); v !== undefined; v = source.next()) out.push(show(v));
  source.close();
  return out;
}

/** Per user key in [start, end), in key order, the latest write of its newest version at or below readTs. */
function model(versions: readonly { key: Uint8Array; ts: number; value: Uint8Array | undefined }[], readTs: number, range: { start: Buffer; end: Buffer } | undefined): string[] {
  const newest = new Map<string, { ts: number; value: Uint8Array | undefined }>();
  for (const v of versions) {
    const k = Buffer.from(v.key).toString("hex");
    if (v.ts > readTs) continue;
    const seen = newest.get(k);
    if (seen === undefined || v.ts >= seen.ts) newest.set(k, { ts: v.ts, value: v.value });
  }
  return [...newest]
    .map(([k, v]) => ({ key: Buffer.from(k, "hex"), value: v.value && Buffer.from(v.value) }))
    .filter((v) => range === undefined || (Buffer.compare(v.key, range.start) >= 0 && Buffer.compare(v.key, range.end) < 0))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(show);
}

describe("versionSource", () => {
  it("yields what visibleVersions does, forward and reverse, over memtables and tables", async () => {
    // User keys with zero bytes (escaped in version keys) and prefixes of each other.
    const userKey = fc.uint8Array({ minLength: 0, maxLength: 4, max: 3 });
    const version = fc.record({ key: userKey, ts: fc.integer({ min: 1, max: 40 }), value: fc.option(fc.uint8Array({ maxLength: 30 }), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(version, { maxLength: 200 }), fc.integer({ min: 0, max: 45 }), fc.option(fc.tuple(userKey, userKey), { nil: undefined }), fc.boolean(), async (versions, readTs, bounds, flushHalf) => {
        removeTempDir(dir);
        dir = makeTempDir("alopex-mvcc-read-");
        const engine = await StorageEngine.open(dir, { config: { ...SMALL_ENGINE_CONFIG, wal_sync: "none" }, backgroundWorkers: false });
        try {
          for (const [i, v] of versions.entries()) {
            await engine.put(encodeVersionKey(v.key, v.ts), encodeVersionValue(v.value));
            if (flushHalf && i === versions.length >> 1) await engine.flush();
          }
          const range = bounds && { start: Buffer.from(bounds[0]), end: Buffer.from(bounds[1]) };
          const want = model(versions, readTs, range);
          for (const reverse of [false, true]) {
            const order = reverse ? [...want].reverse() : want;
            expect([...visibleVersions(engine, readTs, { ...range, reverse })].map(show)).toEqual(order);
            expect(drain(versionSource(engine, readTs, { ...range, reverse }))).toEqual(order);
          }
          // Closed early (or before it started), it yields nothing more.
          const early = versionSource(engine, readTs, {});
          early.next();
          early.close();
          expect(early.next()).toBeUndefined();
          expect(() => versionSource(engine, readTs, {}).close()).not.toThrow();
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
