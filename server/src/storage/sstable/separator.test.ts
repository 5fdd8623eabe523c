import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareInternalKeys, makeInternalKey, ValueKind } from "../internal-key.js";
import { shortestSeparator } from "./separator.js";

const ik = (user: string, seq: number) => makeInternalKey(Buffer.from(user, "latin1"), seq, ValueKind.Put);

describe("shortestSeparator", () => {
  it.each([
    // [last, next, expected user key of the separator, or "last" when it cannot shorten]
    ["abcdefg", "abzz", "abd"],
    ["helloworld", "hellp", "last"], // "hello" + 1 = "hellp" is not < "hellp"
    ["apple", "banana", "last"], // 'a' + 1 = 'b' is not < 'b'
    ["apple", "cherry", "b"],
    ["abc", "abcd", "last"], // a prefix of the next key
    ["same", "same", "last"], // versions of one user key
    ["a\xffz", "b", "last"], // the first differing byte is followed by nothing shorter to use
    ["\xff\xffa", "\xff\xffc", "last"], // differing at the last byte: nothing shorter
  ])("between %j and %j gives %j", (last, next, expected) => {
    const a = ik(last, 5);
    const b = ik(next, last === next ? 4 : 9);
    const s = shortestSeparator(a, b);
    if (expected === "last") expect(s).toBe(a);
    else expect(s.subarray(0, s.length - 8).toString("latin1")).toBe(expected);
    expect(compareInternalKeys(a, s)).toBeLessThanOrEqual(0);
    expect(compareInternalKeys(s, b)).toBeLessThan(0);
  });

  it("always lies in [last, next) and is never longer than last (property)", () => {
    const key = fc.tuple(fc.uint8Array({ maxLength: 8, min: 250 }), fc.integer({ min: 0, max: 9 }));
    fc.assert(
      fc.property(key, key, ([ua, sa], [ub, sb]) => {
        let a = makeInternalKey(ua, sa, ValueKind.Put);
        let b = makeInternalKey(ub, sb, ValueKind.Delete);
        const c = compareInternalKeys(a, b);
        if (c === 0) return;
        if (c > 0) [a, b] = [b, a];
        const s = shortestSeparator(a, b);
        expect(compareInternalKeys(a, s)).toBeLessThanOrEqual(0);
        expect(compareInternalKeys(s, b)).toBeLessThan(0);
        expect(s.length).toBeLessThanOrEqual(a.length);
      }),
    );
  });
});
