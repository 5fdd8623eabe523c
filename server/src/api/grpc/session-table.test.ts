import { describe, expect, it } from "vitest";
import type { SqlSession } from "../../sql/session/api.js";
import { SessionTable } from "./session-table.js";

/** Only close() is used by the table. */
function fakeSession(): SqlSession & { closed: number } {
  const s = { closed: 0, close: async () => void s.closed++ };
  return s as unknown as SqlSession & { closed: number };
}

describe("SessionTable", () => {
  it("binds a session to its user, runs one call at a time, and is bounded", () => {
    let n = 0;
    const table = new SessionTable({ timeoutMs: 60_000, max: 2, randomId: () => `id${++n}` });
    const a = fakeSession();
    const id = table.add("ann", a);
    expect(table.acquire(id, "ann")).toBe(a);
    expect(() => table.acquire(id, "ann")).toThrow(expect.objectContaining({ sqlstate: "55000" }));
    table.release(id);
    expect(() => table.acquire(id, "bob")).toThrow(expect.objectContaining({ sqlstate: "08003" }));
    expect(() => table.acquire("nope", "ann")).toThrow(expect.objectContaining({ sqlstate: "08003" }));
    table.add("ann", fakeSession());
    expect(() => table.add("ann", fakeSession())).toThrow(expect.objectContaining({ sqlstate: "53300" }));
    table.acquire(id, "ann");
    table.remove(id);
    expect(table.size).toBe(1);
    expect(() => table.acquire(id, "ann")).toThrow(expect.objectContaining({ sqlstate: "08003" }));
  });

  it("closes a session left unused past the timeout, but not one in a call", async () => {
    const expired: string[] = [];
    const table = new SessionTable({ timeoutMs: 30, max: 10, onExpired: (u) => expired.push(u) });
    const idle = fakeSession();
    const busy = fakeSession();
    const idleId = table.add("ann", idle);
    const busyId = table.add("bob", busy);
    table.acquire(busyId, "bob");
    await new Promise((r) => setTimeout(r, 80));
    expect(idle.closed).toBe(1);
    expect(busy.closed).toBe(0);
    expect(expired).toEqual(["ann"]);
    expect(() => table.acquire(idleId, "ann")).toThrow(expect.objectContaining({ sqlstate: "08003" }));
    table.release(busyId);
    await table.closeAll();
    expect(busy.closed).toBe(1);
    expect(table.size).toBe(0);
  });
});
