import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskFullError, EngineClosedError, StorageIoError } from "../errors.js";
import { NodeVfs, type VfsFile } from "../vfs.js";
import { replayWal } from "./reader.js";
import { WAL_PAYLOAD_MAX_BYTES, WalWriter, type WalTimers } from "./writer.js";

/** An in-memory file whose syncs complete only when the test says so, and whose failures are scripted. */
class ScriptedFile implements VfsFile {
  readonly path = "/mem/wal.log";
  data = Buffer.alloc(0);
  appendSizes: number[] = [];
  pendingSyncs: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  syncCalls = 0;
  closed = false;
  failNextAppend: Error | null = null;
  autoSync = false;

  readInto(): number {
    throw new Error("not used");
  }
  read(): Buffer {
    throw new Error("not used");
  }
  append(data: Uint8Array): void {
    if (this.failNextAppend !== null) {
      const err = this.failNextAppend;
      this.failNextAppend = null;
      throw err;
    }
    this.data = Buffer.concat([this.data, data]);
    this.appendSizes.push(data.length);
  }
  sync(): Promise<void> {
    this.syncCalls++;
    if (this.autoSync) return Promise.resolve();
    return new Promise((resolve, reject) => this.pendingSyncs.push({ resolve, reject }));
  }
  syncSync(): void {}
  truncate(): void {}
  sizeBytes(): number {
    return this.data.length;
  }
  close(): void {
    this.closed = true;
  }
  completeSync(err?: Error): void {
    const next = this.pendingSyncs.shift();
    if (next === undefined) throw new Error("no sync pending");
    if (err) next.reject(err);
    else next.resolve();
  }
}

function nodeError(code: string): Error {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** Lets every queued microtask and promise callback run, and the event-loop turn a group waits for. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await nextTurn();
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

class ManualTimers implements WalTimers {
  /** What `now()` says, in milliseconds; tests move it. */
  time = 0;
  private nextId = 1;
  readonly armed = new Map<number, { callback: () => void; delayMs: number }>();
  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.armed.set(id, { callback, delayMs });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.armed.delete(handle as number);
  }
  now(): number {
    return this.time;
  }
  fireAll(): void {
    const due = [...this.armed.values()];
    this.armed.clear();
    for (const t of due) t.callback();
  }
}

const bytes = (s: string) => Buffer.from(s);

describe("WalWriter with a scripted file", () => {
  it("starts writing when idle in the next event-loop turn under sync always, in the same tick otherwise, never after a timer", async () => {
    const file = new ScriptedFile();
    const timers = new ManualTimers();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 1000, timers });
    void w.append(bytes("a"));
    await Promise.resolve();
    expect(file.appendSizes).toHaveLength(0);
    await nextTurn();
    expect(file.appendSizes).toHaveLength(1);
    expect(file.syncCalls).toBe(1);
    expect(timers.armed.size).toBe(0);

    const unsynced = new ScriptedFile();
    const none = new WalWriter(unsynced, { syncMode: "none", syncIntervalMs: 0, timers });
    void none.append(bytes("a"));
    await Promise.resolve();
    expect(unsynced.appendSizes).toHaveLength(1);
    expect(timers.armed.size).toBe(0);
  });

  it("puts committers still running microtasks into the first group under sync always", async () => {
    const file = new ScriptedFile();
    file.autoSync = true;
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0 });
    // Like transactions whose commit comes a few awaited steps apart.
    const done = [w.append(bytes("a"))];
    for (const p of ["b", "c", "d"]) {
      await Promise.resolve();
      await Promise.resolve();
      done.push(w.append(bytes(p)));
    }
    await Promise.all(done);
    expect(w.stats).toMatchObject({ records: 4, groups: 1, syncs: 1 });
  });

  it("groups every append made during an fsync into one append and one fsync", async () => {
    const file = new ScriptedFile();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0 });
    const resolved: number[] = [];
    const first = w.append(bytes("first")).then(() => resolved.push(0));
    await settle();
    const rest = Array.from({ length: 99 }, (_, i) => w.append(bytes(`p${i + 1}`)).then(() => resolved.push(i + 1)));
    await settle();
    // Nothing is acknowledged before its fsync completes.
    expect(resolved).toEqual([]);
    file.completeSync();
    await settle();
    expect(resolved).toEqual([0]);
    expect(file.appendSizes).toHaveLength(2);
    expect(file.syncCalls).toBe(2);
    file.completeSync();
    await Promise.all([first, ...rest]);
    expect(resolved).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(w.stats).toMatchObject({ records: 100, groups: 2, syncs: 2, bytes: file.data.length });
  });

  it("under sync always splits a turn of committers that outlasts an fsync into two groups, acknowledged in order", async () => {
    const file = new ScriptedFile();
    const timers = new ManualTimers();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0, timers });
    // A group of 8 whose fsync takes 1 ms; its turn took no time, so it went out whole.
    const first = Array.from({ length: 8 }, (_, i) => w.append(bytes(`a${i}`)));
    await settle();
    expect(file.appendSizes).toHaveLength(1);
    timers.time += 1;
    file.completeSync();
    await Promise.all(first);

    // In the turn of that acknowledgement, 8 committers 0.25 ms apart: once 4 (half the last
    // group) are in, 1 ms, an fsync's time, has passed since it, so their group is written and
    // synced at once, within the turn.
    const order: number[] = [];
    const second: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      timers.time += 0.25;
      second.push(w.append(bytes(`b${i}`)).then(() => void order.push(i)));
      expect(file.appendSizes).toHaveLength(i < 3 ? 1 : 2);
    }
    expect(file.syncCalls).toBe(2);
    await settle();
    // The rest wait for that fsync (one in flight at a time), and nobody is acknowledged before his.
    expect(file.appendSizes).toHaveLength(2);
    expect(order).toEqual([]);
    file.completeSync();
    await settle();
    expect(order).toEqual([0, 1, 2, 3]);
    expect(file.appendSizes).toHaveLength(3);
    file.completeSync();
    await Promise.all(second);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    // A turn that takes no time is not split, however many join it.
    const third = Array.from({ length: 8 }, (_, i) => w.append(bytes(`c${i}`)));
    await settle();
    expect(file.appendSizes).toHaveLength(4);
    file.completeSync();
    await Promise.all(third);
    expect(w.stats).toMatchObject({ records: 24, groups: 4, syncs: 4, bytes: file.data.length });
  });

  it("when the committers have just grown in number, splits a turn only once its first part took an fsync's time", async () => {
    const file = new ScriptedFile();
    const timers = new ManualTimers();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0, timers });
    const alone = w.append(bytes("a"));
    await settle();
    timers.time += 1;
    file.completeSync();
    await alone;
    // Recent groups held 1, but the first 2 committers, 0.5 ms after the acknowledgement, are too
    // early: the group goes out at the 4th, 1 ms (an fsync's time) after it.
    const turn: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      timers.time += 0.25;
      turn.push(w.append(bytes(`b${i}`)));
      expect(file.appendSizes).toHaveLength(i < 3 ? 1 : 2);
    }
    file.completeSync();
    await settle();
    file.completeSync();
    await Promise.all(turn);
    expect(w.stats).toMatchObject({ records: 9, groups: 3, syncs: 3 });
  });

  it("makes a straggler queued behind a big group wait for the turn of that group's committers, not go out alone", async () => {
    const file = new ScriptedFile();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0, timers: new ManualTimers() });
    const order: string[] = [];
    const big = Array.from({ length: 8 }, (_, i) => w.append(bytes(`a${i}`)).then(() => void order.push(`a${i}`)));
    await settle();
    expect(file.appendSizes).toHaveLength(1);
    const straggler = w.append(bytes("s")).then(() => void order.push("s"));
    await settle();
    expect(file.appendSizes).toHaveLength(1);
    // The group's committers commit again as soon as they are acknowledged.
    const again = big.map((p, i) => p.then(() => w.append(bytes(`b${i}`)).then(() => void order.push(`b${i}`))));
    file.completeSync();
    await settle();
    expect(file.appendSizes).toHaveLength(2);
    expect(w.stats.records).toBe(17);
    file.completeSync();
    await Promise.all([straggler, ...again]);
    const a = Array.from({ length: 8 }, (_, i) => `a${i}`);
    expect(order).toEqual([...a, "s", ...a.map((x) => x.replace("a", "b"))]);
    expect(w.stats).toMatchObject({ groups: 2, syncs: 2 });
  });

  it("fails both halves of a split turn when the first half's fsync fails", async () => {
    const file = new ScriptedFile();
    const timers = new ManualTimers();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0, timers });
    const first = Array.from({ length: 4 }, (_, i) => w.append(bytes(`a${i}`)));
    await settle();
    timers.time += 1;
    file.completeSync();
    await Promise.all(first);
    const turn: Promise<void>[] = [];
    for (let i = 0; i < 4; i++) {
      timers.time += 0.5;
      turn.push(w.append(bytes(`b${i}`)));
    }
    expect(file.appendSizes).toHaveLength(2);
    file.completeSync(nodeError("EIO"));
    for (const p of turn) await expect(p).rejects.toBeInstanceOf(StorageIoError);
    expect(file.appendSizes).toHaveLength(2);
    expect(file.syncCalls).toBe(2);
  });

  it("bounds the queue in bytes: appenders beyond it wait, keep FIFO order, and groups stay bounded", async () => {
    const file = new ScriptedFile();
    file.autoSync = true;
    const queueMaxBytes = 1000;
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0, queueMaxBytes });
    const order: number[] = [];
    const all = Array.from({ length: 200 }, (_, i) => w.append(Buffer.alloc(99, i)).then(() => order.push(i)));
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(w.stats.appendsWaited).toBeGreaterThan(0);
    for (const size of file.appendSizes) expect(size).toBeLessThanOrEqual(queueMaxBytes + 9 + 5);
    expect(w.stats.records).toBe(200);
  });

  it("sends a payload bigger than the queue bound out alone, in order, and refuses one bigger than a record without failing", async () => {
    const file = new ScriptedFile();
    file.autoSync = true;
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0, queueMaxBytes: 1000 });
    const order: number[] = [];
    const sizes = [100, 5000, 100, 100, 7000, 100];
    await Promise.all(sizes.map((n, i) => w.append(Buffer.alloc(n, i)).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    // Each oversize payload had a group to itself.
    expect(file.appendSizes.filter((s) => s > 1000 + 9 + 5)).toHaveLength(2);
    // Only its length is read before it is refused.
    const tooBig = { length: WAL_PAYLOAD_MAX_BYTES + 1 } as Uint8Array;
    await expect(w.append(tooBig)).rejects.toMatchObject({ sqlstate: "54000" });
    await w.append(Buffer.alloc(10));
    expect(w.stats.records).toBe(7);
    await w.close();
  });

  it("rejects appends beyond the waiting bound with a typed error", async () => {
    const file = new ScriptedFile();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0, queueMaxBytes: 10, waitingAppendsMax: 2 });
    const a = w.append(Buffer.alloc(9)); // admitted, goes out first
    await settle();
    const b = w.append(Buffer.alloc(9)); // admitted behind the fsync
    const c = w.append(Buffer.alloc(9)); // waits
    const d = w.append(Buffer.alloc(9)); // waits
    await expect(w.append(Buffer.alloc(9))).rejects.toMatchObject({ sqlstate: "53000" });
    file.autoSync = true;
    file.completeSync();
    await Promise.all([a, b, c, d]);
  });

  it("in interval mode acknowledges after the write and fsyncs from one bounded timer", async () => {
    const file = new ScriptedFile();
    const timers = new ManualTimers();
    const w = new WalWriter(file, { syncMode: "interval", syncIntervalMs: 50, timers });
    await Promise.all([w.append(bytes("a")), w.append(bytes("b"))]);
    expect(file.syncCalls).toBe(0);
    await w.append(bytes("c"));
    expect(timers.armed.size).toBe(1);
    expect([...timers.armed.values()][0]!.delayMs).toBe(50);
    timers.fireAll();
    expect(file.syncCalls).toBe(1);
    await w.append(bytes("d")); // lands during the sync: re-armed after it
    file.completeSync();
    await settle();
    expect(timers.armed.size).toBe(1);
    const closing = w.close();
    await settle();
    expect(timers.armed.size).toBe(0); // cleared on close
    file.completeSync(); // close's final sync
    await closing;
    expect(file.closed).toBe(true);
    expect(w.stats.syncs).toBe(2);
  });

  it("in none mode never fsyncs until close", async () => {
    const file = new ScriptedFile();
    file.autoSync = true;
    const w = new WalWriter(file, { syncMode: "none", syncIntervalMs: 0 });
    for (let i = 0; i < 10; i++) await w.append(bytes(`x${i}`));
    expect(file.syncCalls).toBe(0);
    await w.close();
    expect(file.syncCalls).toBe(1);
    await expect(w.append(bytes("late"))).rejects.toBeInstanceOf(EngineClosedError);
  });

  it("close writes and syncs what is queued", async () => {
    const file = new ScriptedFile();
    file.autoSync = true;
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0 });
    const appends = [w.append(bytes("a")), w.append(bytes("b"))];
    await w.close();
    await Promise.all(appends);
    expect(w.stats.records).toBe(2);
    expect(file.closed).toBe(true);
  });

  it("ENOSPC on append fails the group, the queue and every later append with DiskFullError", async () => {
    const file = new ScriptedFile();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0 });
    const ok = w.append(bytes("ok"));
    await settle();
    file.failNextAppend = nodeError("ENOSPC");
    const doomed = [w.append(bytes("x")), w.append(bytes("y"))];
    file.completeSync();
    await ok;
    for (const p of doomed) await expect(p).rejects.toBeInstanceOf(DiskFullError);
    await expect(w.append(bytes("z"))).rejects.toBeInstanceOf(DiskFullError);
    await expect(w.close()).rejects.toBeInstanceOf(DiskFullError);
    expect(file.closed).toBe(true);
  });

  it("EIO on fsync rejects the unsynced group and everything after, and is never retried", async () => {
    const file = new ScriptedFile();
    const w = new WalWriter(file, { syncMode: "always", syncIntervalMs: 0 });
    const first = w.append(bytes("a"));
    await settle();
    const queued = w.append(bytes("b"));
    file.completeSync(nodeError("EIO"));
    await expect(first).rejects.toBeInstanceOf(StorageIoError);
    await expect(queued).rejects.toBeInstanceOf(StorageIoError);
    await expect(w.append(bytes("c"))).rejects.toBeInstanceOf(StorageIoError);
    expect(file.syncCalls).toBe(1);
    expect(file.appendSizes).toHaveLength(1);
  });

  it("a failed interval fsync fails later appends", async () => {
    const file = new ScriptedFile();
    const timers = new ManualTimers();
    const w = new WalWriter(file, { syncMode: "interval", syncIntervalMs: 10, timers });
    await w.append(bytes("a"));
    timers.fireAll();
    file.completeSync(nodeError("EIO"));
    await settle();
    await expect(w.append(bytes("b"))).rejects.toBeInstanceOf(StorageIoError);
    await expect(w.close()).rejects.toBeInstanceOf(StorageIoError);
  });
});

describe("WalWriter on the real file system", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-wal-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("shares fsyncs among concurrent appends, resolves all, and replays exactly what was appended", async () => {
    const vfs = new NodeVfs();
    const walPath = path.join(dir, "000001.log");
    const w = new WalWriter(vfs.create(walPath), { syncMode: "always", syncIntervalMs: 0 });
    const n = 500;
    const payloads = Array.from({ length: n }, (_, i) => Buffer.from(`batch-${i}-${"v".repeat(i % 37)}`));
    await Promise.all(payloads.map((p) => w.append(p)));
    expect(w.stats.records).toBe(n);
    expect(w.stats.syncs).toBeLessThan(n / 10);
    expect(w.sizeBytes()).toBe(vfs.sizeOf(walPath));
    await w.close();
    const replayed: Buffer[] = [];
    const result = replayWal(vfs, walPath, (p) => replayed.push(Buffer.from(p)));
    expect(replayed).toEqual(payloads);
    expect(result).toEqual({ payloads: n, validBytes: vfs.sizeOf(walPath), truncatedBytes: 0 });
  });

  it("appends after what an existing log already holds", async () => {
    const vfs = new NodeVfs();
    const walPath = path.join(dir, "000002.log");
    const w1 = new WalWriter(vfs.create(walPath), { syncMode: "always", syncIntervalMs: 0 });
    await w1.append(bytes("one"));
    await w1.close();
    const w2 = new WalWriter(vfs.openAppend(walPath), { syncMode: "always", syncIntervalMs: 0 });
    await w2.append(bytes("two"));
    await w2.close();
    const replayed: string[] = [];
    replayWal(vfs, walPath, (p) => replayed.push(p.toString()));
    expect(replayed).toEqual(["one", "two"]);
  });
});
