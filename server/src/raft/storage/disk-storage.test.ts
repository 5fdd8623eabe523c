import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CorruptionError } from "../../storage/errors.js";
import { NodeVfs } from "../../storage/vfs.js";
import type { Entry } from "../types.js";
import { DiskStorage } from "./disk-storage.js";
import { MemoryStorage } from "./memory-storage.js";

const vfs = new NodeVfs();
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "raft-disk-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function ents(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push({ kind: "normal", term, index: i, data: Buffer.from(`e${i}t${term}`) });
  return out;
}

const logFile = (): string => path.join(dir, "raft.log");

function contents(s: { firstIndex(): number; lastIndex(): number; entries(lo: number, hi: number, m: number): Entry[] }): string[] {
  if (s.lastIndex() < s.firstIndex()) return [];
  return s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity).map((e) => `${e.index}/${e.term}`);
}

describe("DiskStorage", () => {
  it("replays entries, overwritten suffixes, hard state and snapshots like MemoryStorage", async () => {
    const disk = DiskStorage.open(vfs, dir);
    const mem = new MemoryStorage();
    const script: ((s: DiskStorage | MemoryStorage) => void)[] = [
      (s) => s.append(ents(1, 10, 1)),
      (s) => s.setHardState({ term: 2, vote: 3, commit: 4 }),
      (s) => s.append(ents(6, 12, 2)),
      (s) => s.createSnapshot(5, { voters: [1, 2, 3], learners: [4] }, Buffer.from("state@5")),
      (s) => s.append(ents(13, 20, 3)),
      (s) => s.applySnapshot({ meta: { index: 30, term: 4, confState: { voters: [1], learners: [] } }, data: Buffer.from("s30") }),
      (s) => s.append(ents(31, 33, 4)),
    ];
    for (const step of script) {
      step(disk);
      step(mem);
    }
    await disk.sync();
    disk.close();
    const again = DiskStorage.open(vfs, dir);
    expect(contents(again)).toEqual(contents(mem));
    expect(again.initialState()).toEqual(mem.initialState());
    expect(again.snapshot().meta).toEqual(mem.snapshot().meta);
    expect(Buffer.from(again.snapshot().data).toString()).toBe("s30");
    again.close();
  });

  it("truncates a torn tail and keeps everything before it", () => {
    const disk = DiskStorage.open(vfs, dir);
    disk.append(ents(1, 5, 1));
    disk.append(ents(6, 8, 1));
    disk.close();
    const size = fs.statSync(logFile()).size;
    for (const cut of [1, 5, 12]) {
      fs.truncateSync(logFile(), size - cut);
      const again = DiskStorage.open(vfs, dir);
      expect(again.lastIndex(), `cut ${cut}`).toBe(5);
      expect(again.recovery.truncatedBytes).toBeGreaterThan(0);
      again.append(ents(6, 8, 1));
      again.close();
      // The repaired file takes new records cleanly: no garbage is left between old and new.
      const reopened = DiskStorage.open(vfs, dir);
      expect(reopened.lastIndex()).toBe(8);
      expect(reopened.recovery.truncatedBytes).toBe(0);
      reopened.close();
    }
  });

  it("reports mid-file corruption with the file and offset", () => {
    const disk = DiskStorage.open(vfs, dir);
    disk.append(ents(1, 5, 1));
    disk.append(ents(6, 8, 1));
    disk.close();
    const buf = fs.readFileSync(logFile());
    buf[12] = (buf[12] as number) ^ 0xff;
    fs.writeFileSync(logFile(), buf);
    let caught: unknown;
    try {
      DiskStorage.open(vfs, dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CorruptionError);
    expect((caught as CorruptionError).offset).toBe(0);
    expect((caught as CorruptionError).message).toContain(logFile());
  });

  it("rewrites a file full of compacted garbage and recovers from the rewrite", () => {
    const disk = DiskStorage.open(vfs, dir, { rewriteFloorBytes: 4096 });
    for (let i = 1; i <= 400; i++) {
      disk.append(ents(i, i, 1));
      if (i % 50 === 0) disk.createSnapshot(i - 10, { voters: [1], learners: [] }, Buffer.from(`s${i}`));
    }
    disk.close();
    expect(fs.statSync(logFile()).size).toBeLessThan(4096 * 4);
    const again = DiskStorage.open(vfs, dir);
    expect(again.firstIndex()).toBe(391);
    expect(again.lastIndex()).toBe(400);
    again.close();
  });
});

describe("DiskStorage under power loss", () => {
  it("recovers exactly a prefix of the saves that includes every synced one", async () => {
    const { FaultVfs } = await import("../../storage/fault-vfs.js");
    const { Prng } = await import("../sim/prng.js");
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Prng(seed);
      const fvfs = new FaultVfs(vfs);
      const sub = path.join(dir, `s${seed}`);
      let disk = DiskStorage.open(fvfs, sub, { rewriteFloorBytes: 2048 });
      const model = new MemoryStorage();
      const states: string[] = [render(model)];
      let synced = 0;
      let term = 1;
      for (let step = 0; step < 60; step++) {
        const roll = rng.float();
        if (roll < 0.6) {
          // Append, sometimes overwriting an uncommitted suffix with a newer term.
          const from = rng.chance(0.2) ? Math.max(model.firstIndex(), model.lastIndex() - rng.intBelow(3)) : model.lastIndex() + 1;
          if (from !== model.lastIndex() + 1) term++;
          const batch = ents(Math.max(from, model.firstIndex()), model.lastIndex() + 1 + rng.intBelow(4), term);
          disk.save({ entries: batch, hardState: { term, vote: 1, commit: model.firstIndex() - 1 } });
          model.append(batch);
          model.setHardState({ term, vote: 1, commit: model.firstIndex() - 1 });
        } else if (roll < 0.75 && model.lastIndex() > model.firstIndex()) {
          const at = model.firstIndex() + rng.intBelow(model.lastIndex() - model.firstIndex());
          disk.createSnapshot(at, { voters: [1], learners: [] }, Buffer.from(`snap${at}`));
          model.createSnapshot(at, { voters: [1], learners: [] }, Buffer.from(`snap${at}`));
        } else {
          await disk.sync();
          synced = states.length;
          states.push(render(model));
          continue;
        }
        states.push(render(model));
      }
      fvfs.crash({ keepUnsyncedBytes: (_f, n) => rng.intBelow(n + 1) });
      disk = DiskStorage.open(fvfs, sub);
      const got = render(disk);
      const k = states.lastIndexOf(got);
      expect(k, `seed ${seed}: recovered ${got}`).toBeGreaterThanOrEqual(synced - 1);
      disk.close();
    }
  });
});

/** A canonical rendering of a log's visible state. */
function render(s: DiskStorage | MemoryStorage): string {
  const snap = s.snapshot().meta;
  return JSON.stringify({ snap: [snap.index, snap.term], hs: s.initialState().hardState, log: contents(s) });
}
