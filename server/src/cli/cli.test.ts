import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "alopex.js");
const dir = makeTempDir("alopex-cli-");
afterAll(() => removeTempDir(dir));

function alopex(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, "--data-dir", dir, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("alopex CLI", () => {
  it("puts, gets, scans and deletes on the embedded data directory", () => {
    expect(alopex("kv", "put", "b", "2").code).toBe(0);
    expect(alopex("kv", "put", "a", "1").code).toBe(0);
    expect(alopex("kv", "get", "a")).toMatchObject({ code: 0, out: "1\n" });
    expect(alopex("kv", "scan").out).toBe("a\t1\nb\t2\n");
    expect(alopex("kv", "scan", "--reverse", "--limit", "1").out).toBe("b\t2\n");
    expect(alopex("kv", "delete", "a").code).toBe(0);
    expect(alopex("kv", "get", "a")).toMatchObject({ code: 1, err: "key not found: a\n" });
    expect(JSON.parse(alopex("kv", "stats").out)).toMatchObject({ transactions: { active: 0 }, storage: { levels: expect.any(Array) } });
  });

  it("rejects a bad config with the offending key named", () => {
    const r = spawnSync(process.execPath, [BIN, "--data-dir", dir, "--sync", "sometimes", "kv", "get", "a"], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^alopex: invalid config:\n {2}storage\.wal_sync \(from --sync\): /);
  });
});
