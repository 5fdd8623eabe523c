import { describe, expect, it } from "vitest";
import { ConfigError, parseStorageConfig, type StorageConfigInput } from "./storage-config.js";

describe("parseStorageConfig", () => {
  it("fills the documented defaults", () => {
    const c = parseStorageConfig();
    expect(c.vector_index_memory).toBe(1024 ** 3);
    expect(c.memtable_size).toBe(64 * 1024 ** 2);
  });

  it.each<[StorageConfigInput, number]>([
    [{ vector_index_memory: "256MB" }, 256 * 1024 ** 2],
    [{ vector_index_memory: 4096 }, 4096],
    [{ vector_index_memory: "2GiB" }, 2 * 1024 ** 3],
  ])("parses vector_index_memory %j", (input, bytes) => {
    expect(parseStorageConfig(input).vector_index_memory).toBe(bytes);
  });

  it.each<[StorageConfigInput, RegExp]>([
    [{ vector_index_memory: 0 }, /vector_index_memory: vector_index_memory must be at least 1 byte/],
    [{ vector_index_memory: "lots" }, /vector_index_memory: invalid size/],
    [{ memtable_size: -1 }, /memtable_size/],
    [{ l0_compaction_trigger: 9, l0_slowdown_trigger: 8 }, /l0_compaction_trigger <= l0_slowdown_trigger/],
  ])("rejects %j naming the key", (input, message) => {
    expect(() => parseStorageConfig(input)).toThrow(ConfigError);
    expect(() => parseStorageConfig(input)).toThrow(message);
  });
});
