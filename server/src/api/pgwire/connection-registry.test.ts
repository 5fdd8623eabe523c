import { describe, expect, it } from "vitest";
import { ConnectionRegistry } from "./connection-registry.js";

function counter(): { cancels: number; cancelRunningStatement(): void } {
  return {
    cancels: 0,
    cancelRunningStatement() {
      this.cancels++;
    },
  };
}

describe("ConnectionRegistry", () => {
  it("hands out unique process ids and refuses past the limit", () => {
    let key = 41;
    const registry = new ConnectionRegistry(2, () => key++);
    const a = registry.register(counter())!;
    const b = registry.register(counter())!;
    expect(a.processId).not.toBe(b.processId);
    expect(registry.register(counter())).toBeUndefined();
    registry.unregister(a.processId);
    expect(registry.register(counter())).toBeDefined();
  });

  it("cancels only with the right secret key", () => {
    const registry = new ConnectionRegistry(10, () => -5);
    const c = counter();
    const key = registry.register(c)!;
    expect(registry.cancel(key.processId, 5)).toBe(false);
    expect(registry.cancel(key.processId + 1, -5)).toBe(false);
    expect(c.cancels).toBe(0);
    expect(registry.cancel(key.processId, -5)).toBe(true);
    expect(c.cancels).toBe(1);
    registry.unregister(key.processId);
    expect(registry.cancel(key.processId, -5)).toBe(false);
  });
});
