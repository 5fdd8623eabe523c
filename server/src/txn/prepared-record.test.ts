import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { validateVectorIndexParams } from "../vector/index.js";
import { decodePreparedRecord, encodePreparedRecord, type PreparedRecord } from "./prepared-record.js";

const record: PreparedRecord = {
  gid: "g",
  txnId: "t-1",
  isolation: "serializable",
  readTs: 123,
  preparedAt: 456,
  writes: [
    { key: Buffer.from("a"), value: Buffer.from("1") },
    { key: Buffer.from("b"), value: undefined },
    { key: Buffer.from("v"), value: Buffer.alloc(12), vector: validateVectorIndexParams({ id: 4, dims: 3, metric: "inner" }) },
  ],
  keyLocks: [{ key: Buffer.from("k"), mode: "shared" }],
  tableLocks: [{ table: "t", mode: "intention-exclusive" }],
  rangeLocks: [{ start: Buffer.from("r"), end: undefined }],
};

describe("prepared records", () => {
  it("round-trip writes, vector writes included", () => {
    expect(decodePreparedRecord(encodePreparedRecord(record))).toEqual(record);
  });

  it("read records written before vector writes existed", () => {
    const old = JSON.parse(encodePreparedRecord(record).toString()) as { writes: unknown[][] };
    old.writes = old.writes.slice(0, 2);
    expect(decodePreparedRecord(Buffer.from(JSON.stringify(old))).writes).toEqual(record.writes.slice(0, 2));
  });

  it.each([
    ["a vector index that is not an object", 7],
    ["bad vector index parameters", { id: 4, dims: 0, metric: "l2" }],
  ])("fail with XX001 on %s", (_, vector) => {
    const damaged = JSON.parse(encodePreparedRecord(record).toString()) as { writes: unknown[][] };
    damaged.writes[2]![2] = vector;
    let error: unknown;
    try {
      decodePreparedRecord(Buffer.from(JSON.stringify(damaged)));
    } catch (e) {
      error = e;
    }
    expect(sqlstateOf(error)).toBe("XX001");
  });
});
