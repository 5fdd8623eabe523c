/**
 * The WAL under injected faults and power loss, checked against the durability contract:
 * nothing acknowledged is lost (in `always` mode), nothing never appended appears, and what
 * replays is an in-order prefix of what was appended. fast-check prints the seed of a failure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskFullError, StorageIoError } from "../errors.js";
import { FaultVfs, type AppendFault, type SyncFault } from "../fault-vfs.js";
import { NodeVfs } from "../vfs.js";
import { replayWal } from "./reader.js";
import { WalWriter, type WalSyncMode } from "./writer.js";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-wal-fault-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A payload that names its index, padded to a varying size. */
function payloadFor(index: number, padBytes: number): Buffer {
  return Buffer.concat([Buffer.from(`#${index};`), Buffer.alloc(padBytes, index & 0xff)]);
}

function indexOf(payload: Buffer): number {
  const text = payload.toString("latin1");
  const end = text.indexOf(";");
  return Number(text.slice(1, end));
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

type Fault = { kind: "none" } | { kind: "append"; fault: AppendFault } | { kind: "sync"; fault: SyncFault };

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant<Fault>({ kind: "none" }),
  fc.record({ code: fc.constantFrom("ENOSPC" as const, "EIO" as const), nth: fc.integer({ min: 1, max: 12 }), tornPrefixBytes: fc.nat({ max: 200 }) }).map(
    (fault): Fault => ({ kind: "append", fault }),
  ),
  fc.integer({ min: 50, max: 4000 }).map((budgetBytes): Fault => ({ kind: "append", fault: { code: "ENOSPC", budgetBytes } })),
  fc.integer({ min: 1, max: 12 }).map((nth): Fault => ({ kind: "sync", fault: { nth } })),
);

const scenarioArb = fc.record({
  syncMode: fc.constantFrom<WalSyncMode>("always", "always", "interval", "none"),
  bursts: fc.array(fc.array(fc.nat({ max: 300 }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 10 }),
  fault: faultArb,
  /** Crash after this many bursts (may be before the last append settles). */
  crashAfterBursts: fc.nat({ max: 10 }),
  keepUnsyncedFraction: fc.double({ min: 0, max: 1, noNaN: true }),
});

let run = 0;

describe("WAL under faults and crashes", () => {
  it("never loses an acknowledged payload nor invents one", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const vfs = new FaultVfs(new NodeVfs());
        const walPath = path.join(dir, `${run++}.log`);
        const writer = new WalWriter(vfs.create(walPath), { syncMode: s.syncMode, syncIntervalMs: 1 });
        vfs.syncDir(dir);
        if (s.fault.kind === "append") vfs.failAppend(s.fault.fault);
        if (s.fault.kind === "sync") vfs.failSync(s.fault.fault);

        let crashed = false;
        const acknowledged = new Set<number>();
        const settled: Promise<unknown>[] = [];
        let appended = 0;
        for (const [b, burst] of s.bursts.entries()) {
          if (b === s.crashAfterBursts) break;
          for (const padBytes of burst) {
            const index = appended++;
            settled.push(
              writer.append(payloadFor(index, padBytes)).then(
                () => {
                  if (!crashed) acknowledged.add(index);
                },
                (err: unknown) => {
                  if (crashed) return;
                  // Only the typed errors, never a raw one.
                  expect(err instanceof DiskFullError || err instanceof StorageIoError).toBe(true);
                },
              ),
            );
          }
          await yieldToIo();
        }
        if (s.crashAfterBursts >= s.bursts.length) await Promise.all(settled);
        crashed = true;
        vfs.crash({ keepUnsyncedBytes: (_p, unsynced) => Math.floor(unsynced * s.keepUnsyncedFraction) });
        await Promise.allSettled(settled);

        const replayed: number[] = [];
        replayWal(new NodeVfs(), walPath, (p) => replayed.push(indexOf(p)));
        // An in-order prefix of what was appended: nothing invented, nothing reordered.
        expect(replayed).toEqual(Array.from({ length: replayed.length }, (_, i) => i));
        expect(replayed.length).toBeLessThanOrEqual(appended);
        if (s.syncMode === "always") {
          for (const index of acknowledged) expect(index).toBeLessThan(replayed.length);
        }
        // Recovery leaves a clean log.
        expect(replayWal(new NodeVfs(), walPath, () => {}).truncatedBytes).toBe(0);
      }),
      // ALOPEX_WAL_FAULT_RUNS=5000 for a longer soak.
      { numRuns: Number(process.env.ALOPEX_WAL_FAULT_RUNS ?? 150) },
    );
  });

  it("rejects everything after a failure, and replay keeps what was acknowledged before it", async () => {
    const vfs = new FaultVfs(new NodeVfs());
    const walPath = path.join(dir, "sequence.log");
    const writer = new WalWriter(vfs.create(walPath), { syncMode: "always", syncIntervalMs: 0 });
    vfs.syncDir(dir);
    await writer.append(payloadFor(0, 10));
    await writer.append(payloadFor(1, 10));
    vfs.failAppend({ code: "ENOSPC", nth: 1, tornPrefixBytes: 7 });
    await expect(writer.append(payloadFor(2, 10))).rejects.toBeInstanceOf(DiskFullError);
    await expect(writer.append(payloadFor(3, 10))).rejects.toBeInstanceOf(DiskFullError);
    await expect(writer.close()).rejects.toBeInstanceOf(DiskFullError);
    vfs.crash({ keepUnsyncedBytes: (_p, n) => n });
    const replayed: number[] = [];
    const result = replayWal(new NodeVfs(), walPath, (p) => replayed.push(indexOf(p)));
    expect(replayed).toEqual([0, 1]);
    expect(result.truncatedBytes).toBe(7);
  });
});
