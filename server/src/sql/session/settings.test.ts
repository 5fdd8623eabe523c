/** work_mem as PostgreSQL 15 parses and shows it (each case checked against a PostgreSQL 15 server). */
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { Settings, workMemBytes } from "./settings.js";

const UNITS_HINT = 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".';

describe("work_mem", () => {
  it.each([
    ["64kB", "64kB"],
    ["4MB", "4MB"],
    ["1024", "1MB"],
    ["1000", "1000kB"],
    ["65", "65kB"],
    ["1.5MB", "1536kB"],
    ["0.5MB", "512kB"],
    [".5MB", "512kB"],
    ["5.MB", "5MB"],
    ["1.5 GB", "1536MB"],
    ["65536B", "64kB"],
    ["1000000B", "977kB"],
    [" 64 kB ", "64kB"],
    ["64kB ", "64kB"],
    ["  1 MB  ", "1MB"],
    ["64.5", "64kB"],
    ["64.6", "65kB"],
    ["1e3", "1000kB"],
    ["1e3kB", "1000kB"],
    ["+100", "100kB"],
    ["0x100", "256kB"],
    ["0100", "64kB"],
    ["1GB", "1GB"],
    ["1TB", "1TB"],
    ["2097151MB", "2097151MB"],
    ["2147483647", "2147483647kB"],
  ])("SET work_mem = '%s' shows %s", (input, shown) => {
    const s = new Settings();
    s.set("work_mem", input);
    expect(s.get("work_mem")).toBe(shown);
    expect(workMemBytes(s.get("work_mem"))).toBe(workMemBytes(input));
  });

  it.each([
    ["4mb", 'invalid value for parameter "work_mem": "4mb"', UNITS_HINT],
    ["64 kb", 'invalid value for parameter "work_mem": "64 kb"', UNITS_HINT],
    ["1MB x", 'invalid value for parameter "work_mem": "1MB x"', UNITS_HINT],
    ["1 M B", 'invalid value for parameter "work_mem": "1 M B"', UNITS_HINT],
    ["08", 'invalid value for parameter "work_mem": "08"', UNITS_HINT],
    ["0x", 'invalid value for parameter "work_mem": "0x"', UNITS_HINT],
    ["abc", 'invalid value for parameter "work_mem": "abc"', undefined],
    ["", 'invalid value for parameter "work_mem": ""', undefined],
    ["nan", 'invalid value for parameter "work_mem": "nan"', undefined],
    ["1e400", 'invalid value for parameter "work_mem": "1e400"', undefined],
    ["2TB", 'invalid value for parameter "work_mem": "2TB"', "Value exceeds integer range."],
    ["2097152MB", 'invalid value for parameter "work_mem": "2097152MB"', "Value exceeds integer range."],
    ["2147483648", 'invalid value for parameter "work_mem": "2147483648"', "Value exceeds integer range."],
    ["63kB", '63 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)', undefined],
    ["-1", '-1 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)', undefined],
    ["-0.4", '0 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)', undefined],
    ["64B", '0 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)', undefined],
    ["100 B", '0 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)', undefined],
    ["010.5", '10 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)', undefined],
  ])("SET work_mem = '%s' fails: %s", (input, message, hint) => {
    const s = new Settings();
    let err: unknown;
    try {
      s.set("work_mem", input);
    } catch (e) {
      err = e;
    }
    expect(sqlstateOf(err)).toBe("22023");
    expect((err as Error).message).toBe(message);
    expect((err as { hint?: string }).hint).toBe(hint);
    expect(s.get("work_mem")).toBe("4MB");
  });

  it("gives the executor bytes, also for values set as session options (which skip SET's check)", () => {
    expect(workMemBytes(new Settings().get("work_mem"))).toBe(4 * 1024 * 1024);
    expect(workMemBytes(new Settings({ work_mem: "65536" }).get("work_mem"))).toBe(64 * 1024 * 1024);
    expect(() => workMemBytes(new Settings({ work_mem: "1kB" }).get("work_mem"))).toThrow(/outside the valid range/);
  });
});
