import { describe, expect, it } from "vitest";
import { checkClientEncoding, parseMillisecondsSetting, parseOptions, parseStartupParameters } from "./startup-parameters.js";

describe("startup parameters", () => {
  it("defaults the database to the user and separates settings and protocol extensions", () => {
    const r = parseStartupParameters(
      new Map([
        ["user", "u"],
        ["application_name", "app"],
        ["_pq_.x", "1"],
        ["options", "-c DateStyle=German"],
      ]),
    );
    expect(r.database).toBe("u");
    expect(r.options).toBe("-c DateStyle=German");
    expect(Object.fromEntries(r.settings)).toEqual({ application_name: "app", DateStyle: "German" });
    expect(r.protocolExtensions).toEqual(["_pq_.x"]);
  });

  it("requires a user", () => {
    expect(() => parseStartupParameters(new Map([["database", "d"]]))).toThrow(
      expect.objectContaining({ sqlstate: "28000", message: "no PostgreSQL user name specified in startup packet" }),
    );
  });

  const options: { text: string; expected: Record<string, string> | string }[] = [
    { text: "", expected: {} },
    { text: "-c a=1 -c b=2", expected: { a: "1", b: "2" } },
    { text: "-ca=1", expected: { a: "1" } },
    { text: "--search-path=x", expected: { search_path: "x" } },
    { text: "-c application_name=two\\ words", expected: { application_name: "two words" } },
    { text: "  -c   a=1  ", expected: { a: "1" } },
    { text: "-c", expected: "invalid command-line argument for server process: -c" },
    { text: "-c a", expected: "-c a requires a value" },
    { text: "oops", expected: "invalid command-line argument for server process: oops" },
  ];
  it.each(options)("options '$text'", ({ text, expected }) => {
    if (typeof expected === "string") expect(() => parseOptions(text)).toThrow(expected);
    else expect(Object.fromEntries(parseOptions(text))).toEqual(expected);
  });

  const times: { value: string; ms: number | undefined }[] = [
    { value: "0", ms: 0 },
    { value: "250", ms: 250 },
    { value: "2s", ms: 2000 },
    { value: "1.5 min", ms: 90_000 },
    { value: "1h", ms: 3_600_000 },
    { value: "1500us", ms: 2 },
    { value: "soon", ms: undefined },
    { value: "-1", ms: undefined },
    { value: "30d", ms: undefined },
  ];
  it.each(times)("milliseconds setting '$value'", ({ value, ms }) => {
    if (ms === undefined) expect(() => parseMillisecondsSetting("statement_timeout", value)).toThrow(expect.objectContaining({ sqlstate: "22023" }));
    else expect(parseMillisecondsSetting("statement_timeout", value)).toBe(ms);
  });

  it("accepts UTF-8 compatible client encodings only", () => {
    for (const ok of [undefined, "UTF8", "utf-8", "UNICODE", "SQL_ASCII", "auto"]) expect(() => checkClientEncoding(ok)).not.toThrow();
    expect(() => checkClientEncoding("LATIN1")).toThrow(expect.objectContaining({ sqlstate: "22023" }));
  });
});
