import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskFullError, StorageIoError, toStorageError } from "./errors.js";
import { FaultVfs } from "./fault-vfs.js";
import { NodeVfs } from "./vfs.js";

let dir: string;
let vfs: FaultVfs;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-fault-vfs-"));
  vfs = new FaultVfs(new NodeVfs());
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const b = (s: string) => Buffer.from(s);

function caught(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("FaultVfs", () => {
  it("passes through when no fault is armed", async () => {
    const p = path.join(dir, "a");
    const f = vfs.create(p);
    f.append(b("hello"));
    await f.sync();
    f.close();
    expect(fs.readFileSync(p, "utf8")).toBe("hello");
    expect(vfs.durableBytesOf(p)).toBe(5);
  });

  it("fails the Nth append once, with a Node-shaped error that maps to DiskFullError", () => {
    const f = vfs.create(path.join(dir, "a"));
    vfs.failAppend({ code: "ENOSPC", nth: 2 });
    f.append(b("1"));
    const err = caught(() => f.append(b("2")));
    expect(err).toMatchObject({ code: "ENOSPC", syscall: "write" });
    expect(toStorageError(f.path, err)).toBeInstanceOf(DiskFullError);
    f.append(b("3"));
    expect(f.sizeBytes()).toBe(2);
    f.close();
  });

  it("fails every append past a byte budget", () => {
    const f = vfs.create(path.join(dir, "a"));
    vfs.failAppend({ code: "ENOSPC", budgetBytes: 10 });
    f.append(Buffer.alloc(6));
    expect(() => f.append(Buffer.alloc(6))).toThrow(/ENOSPC/);
    f.append(Buffer.alloc(4));
    expect(() => f.append(Buffer.alloc(1))).toThrow(/ENOSPC/);
    f.close();
  });

  it("tears an append: writes a prefix, then throws", () => {
    const p = path.join(dir, "a");
    const f = vfs.create(p);
    vfs.failAppend({ code: "EIO", nth: 1, tornPrefixBytes: 3 });
    const err = caught(() => f.append(b("abcdef")));
    expect(toStorageError(p, err)).toBeInstanceOf(StorageIoError);
    f.close();
    expect(fs.readFileSync(p, "utf8")).toBe("abc");
  });

  it("fails a sync with EIO and does not count it as durable", async () => {
    const p = path.join(dir, "a");
    const f = vfs.create(p);
    vfs.syncDir(dir);
    f.append(b("abc"));
    vfs.failSync({ nth: 1 });
    await expect(f.sync()).rejects.toMatchObject({ code: "EIO" });
    expect(vfs.durableBytesOf(p)).toBe(0);
    vfs.crash();
    expect(fs.readFileSync(p, "utf8")).toBe("");
  });

  it("limits faults to matching paths", () => {
    const wal = vfs.create(path.join(dir, "1.log"));
    const sst = vfs.create(path.join(dir, "1.sst"));
    vfs.failAppend({ code: "EIO", nth: 1, match: (p) => p.endsWith(".log") });
    sst.append(b("fine"));
    expect(() => wal.append(b("x"))).toThrow(/EIO/);
    wal.close();
    sst.close();
  });

  it("crash cuts files back to their last synced length and can keep a prefix of the rest", async () => {
    const p1 = path.join(dir, "one");
    const p2 = path.join(dir, "two");
    const f1 = vfs.create(p1);
    const f2 = vfs.create(p2);
    vfs.syncDir(dir);
    f1.append(b("durable"));
    f1.syncSync();
    f1.append(b("-lost"));
    f2.append(b("abc"));
    await f2.sync();
    f2.append(b("defgh"));
    vfs.crash({ keepUnsyncedBytes: (p) => (p === p2 ? 2 : 0) });
    expect(fs.readFileSync(p1, "utf8")).toBe("durable");
    expect(fs.readFileSync(p2, "utf8")).toBe("abcde");
    expect(() => f1.append(b("x"))).toThrow(/crash/);
    f1.close(); // a no-op on a dead handle
    const again = vfs.openAppend(p1);
    again.append(b("+new"));
    again.close();
    expect(fs.readFileSync(p1, "utf8")).toBe("durable+new");
  });

  it("loses files whose directory entry was never synced, keeps pre-existing ones", () => {
    const old = path.join(dir, "old");
    fs.writeFileSync(old, "before");
    const fresh = path.join(dir, "fresh");
    const f = vfs.create(fresh);
    f.append(b("data"));
    f.syncSync();
    const o = vfs.openAppend(old);
    o.append(b("+unsynced"));
    vfs.crash();
    expect(fs.existsSync(fresh)).toBe(false);
    expect(fs.readFileSync(old, "utf8")).toBe("before");
  });

  it("ignores a sync that completes after the crash", async () => {
    const p = path.join(dir, "a");
    const f = vfs.create(p);
    vfs.syncDir(dir);
    f.append(b("abc"));
    const pending = f.sync().catch(() => {});
    vfs.crash();
    await pending;
    expect(vfs.durableBytesOf(p)).toBeNull();
    expect(fs.readFileSync(p, "utf8")).toBe("");
  });
});
