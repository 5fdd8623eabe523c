import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareKeyValues,
  decodeTuple,
  type Direction,
  encodeTuple,
  escapeBytes,
  KeyEncoder,
  KeyEncodingError,
  type KeyValue,
  prefixEnd,
  unescapeBytes,
} from "./key-encoding.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** NaN with a given bit pattern (V8 keeps payloads when reading typed arrays). */
function nanWithBits(bits: bigint): number {
  return new Float64Array(new BigUint64Array([bits]).buffer)[0]!;
}

function compareTuples(a: readonly KeyValue[], b: readonly KeyValue[], dirs: readonly Direction[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeyValues(a[i]!, b[i]!);
    if (c !== 0) return dirs[i] === "desc" ? -c : c;
  }
  return sign(a.length - b.length);
}

/** What a decoded value looks like: -0 becomes 0, byte strings come back as Buffers. */
function normalise(v: KeyValue): KeyValue {
  if (v === 0) return 0;
  if (v instanceof Uint8Array) return Buffer.from(v);
  return v;
}

// Edge cases are mixed into each generator so that ties, prefixes and boundaries come up often.
const intEdges: bigint[] = [0n, 1n, -1n, INT64_MIN, INT64_MIN + 1n, INT64_MAX, INT64_MAX - 1n];
for (let bytes = 1n; bytes < 8n; bytes++) {
  const p = 1n << (8n * bytes);
  intEdges.push(p - 1n, p, p + 1n, -(p - 1n), -p, -(p + 1n));
}
const bigintArb = fc.oneof(
  fc.constantFrom(...intEdges),
  fc.bigInt({ min: -300n, max: 300n }),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
);

const floatArb = fc.oneof(
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE),
  fc.constantFrom(nanWithBits(0xfff8000000000000n), nanWithBits(0x7ff0000000000001n), nanWithBits(0xffffffffffffffffn)),
  fc.integer({ min: -6, max: 6 }).map((x) => x / 4),
  fc.double(),
);

const charArb = fc.constantFrom("\0", "\x01", "a", "b", "\x7f", "\x80", "é", "\ud7ff", "\ue000", "\ufeff", "\uffff", "\u{10000}", "😀", "\u{10ffff}");
const stringArb = fc.oneof(
  fc.array(charArb, { maxLength: 5 }).map((cs) => cs.join("")),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.string({ maxLength: 6 }),
);

const bytesArb = fc.oneof(
  fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0xfe, 0xff), { maxLength: 5 }).map((bs) => Uint8Array.from(bs)),
  fc.uint8Array({ maxLength: 8 }),
);

const valueArb: fc.Arbitrary<KeyValue> = fc.oneof(fc.constant(null), fc.boolean(), bigintArb, floatArb, stringArb, bytesArb);

type Kind = "bool" | "int" | "float" | "text" | "bytes";
const kindArb = fc.constantFrom<Kind>("bool", "int", "float", "text", "bytes");
const valueOfKind = (kind: Kind): fc.Arbitrary<KeyValue> => {
  const base = { bool: fc.boolean(), int: bigintArb, float: floatArb, text: stringArb, bytes: bytesArb }[kind] as fc.Arbitrary<KeyValue>;
  return fc.oneof({ arbitrary: base, weight: 9 }, { arbitrary: fc.constant(null), weight: 1 });
};
const directionArb = fc.constantFrom<Direction>("asc", "desc");

/** Two tuples of one arity; each column is equal in both with probability 1/2 so later columns matter. */
const tuplePairArb = (mixedTypes: boolean) =>
  fc.integer({ min: 0, max: 4 }).chain((n) =>
    fc
      .record({
        columns: fc.array(
          mixedTypes ? fc.tuple(valueArb, valueArb) : kindArb.chain((k) => fc.tuple(valueOfKind(k), valueOfKind(k))),
          { minLength: n, maxLength: n },
        ),
        same: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        dirs: fc.array(directionArb, { minLength: n, maxLength: n }),
      })
      .map(({ columns, same, dirs }) => ({
        a: columns.map(([x]) => x),
        b: columns.map(([x, y], i) => (same[i] ? x : y)),
        dirs,
      })),
  );

const tupleArb = fc.array(fc.tuple(valueArb, directionArb), { maxLength: 6 }).map((cols) => ({
  values: cols.map(([v]) => v),
  dirs: cols.map(([, d]) => d),
}));

describe("key encoding properties", () => {
  for (const mixed of [true, false]) {
    it(`byte order equals tuple order (${mixed ? "mixed types per column" : "one type per column, with NULLs"})`, () => {
      fc.assert(
        fc.property(tuplePairArb(mixed), ({ a, b, dirs }) => {
          const byBytes = sign(Buffer.compare(encodeTuple(a, dirs), encodeTuple(b, dirs)));
          expect(byBytes).toBe(compareTuples(a, b, dirs));
        }),
        { numRuns: 2000 },
      );
    });
  }

  it("a tuple sorts before its extensions, in either direction, and encodes as a byte prefix of them", () => {
    fc.assert(
      fc.property(tupleArb, tupleArb, (head, tail) => {
        fc.pre(tail.values.length > 0);
        const dirs = [...head.dirs, ...tail.dirs];
        const short = encodeTuple(head.values, head.dirs);
        const long = encodeTuple([...head.values, ...tail.values], dirs);
        expect(Buffer.compare(short, long)).toBe(-1);
        expect(long.subarray(0, short.length)).toEqual(short);
        expect(Buffer.concat([short, encodeTuple(tail.values, tail.dirs)])).toEqual(long);
      }),
      { numRuns: 500 },
    );
  });

  it("decode(encode(t)) returns t (-0 as 0)", () => {
    fc.assert(
      fc.property(tupleArb, ({ values, dirs }) => {
        const decoded = decodeTuple(encodeTuple(values, dirs), dirs);
        expect(decoded).toEqual(values.map(normalise));
      }),
      { numRuns: 2000 },
    );
  });

  it("orders and round-trips long values that share long prefixes (the encoder's bulk paths)", () => {
    const longText = fc.tuple(fc.string({ minLength: 50, maxLength: 140 }), stringArb, stringArb).map(([p, x, y]) => [p + x, p + y] as const);
    const longBytes = fc
      .tuple(fc.uint8Array({ minLength: 50, maxLength: 140 }), bytesArb, bytesArb)
      .map(([p, x, y]) => [Buffer.concat([p, x]), Buffer.concat([p, y])] as const);
    const asciiText = fc
      .tuple(fc.string({ unit: fc.constantFrom("a", "b", "\0", "\x7f"), minLength: 50, maxLength: 140 }), stringArb, stringArb)
      .map(([p, x, y]) => [p + x, p + y] as const);
    fc.assert(
      fc.property(fc.oneof(longText, longBytes, asciiText), directionArb, ([a, b], dir) => {
        const ea = encodeTuple([a], [dir]);
        const eb = encodeTuple([b], [dir]);
        const expected = compareKeyValues(a, b);
        expect(sign(Buffer.compare(ea, eb))).toBe(dir === "desc" ? -expected || 0 : expected);
        expect(decodeTuple(ea, [dir])).toEqual([normalise(a)]);
        expect(decodeTuple(eb, [dir])).toEqual([normalise(b)]);
      }),
      { numRuns: 1000 },
    );
  });

  it("KeyEncoder builds the same bytes as encodeTuple and can be reused after finish", () => {
    const enc = new KeyEncoder(1);
    fc.assert(
      fc.property(tupleArb, ({ values, dirs }) => {
        values.forEach((v, i) => enc.append(v, dirs[i]));
        expect(enc.length).toBe(encodeTuple(values, dirs).length);
        expect(enc.finish()).toEqual(encodeTuple(values, dirs));
        expect(enc.length).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("compareKeyValues orders strings by code point (as UTF-8 bytes do), not by UTF-16 unit", () => {
    const byCodePoints = (a: string, b: string): number => {
      const x = Array.from(a, (c) => c.codePointAt(0)!);
      const y = Array.from(b, (c) => c.codePointAt(0)!);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return sign(x[i]! - y[i]!);
      return sign(x.length - y.length);
    };
    fc.assert(
      fc.property(stringArb, stringArb, (a, b) => {
        expect(compareKeyValues(a, b)).toBe(byCodePoints(a, b));
        expect(compareKeyValues(a, b)).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2000 },
    );
  });

  it("compareKeyValues is antisymmetric and agrees with equality of encodings", () => {
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        expect(compareKeyValues(a, b)).toBe(-compareKeyValues(b, a) || 0);
        expect(compareKeyValues(a, b) === 0).toBe(encodeTuple([a]).equals(encodeTuple([b])));
      }),
      { numRuns: 1000 },
    );
  });

  it("escapeBytes(a) ++ x compares with escapeBytes(b) ++ y as a with b, and unescapes from any offset", () => {
    const suffixArb = fc.oneof(fc.uint8Array({ maxLength: 6 }), fc.constantFrom(Uint8Array.of(0), Uint8Array.of(0xff), Uint8Array.of(0, 0xff)));
    fc.assert(
      fc.property(bytesArb, bytesArb, suffixArb, suffixArb, (a, b, x, y) => {
        const ea = escapeBytes(a);
        if (Buffer.compare(a, b) !== 0) {
          const c = Buffer.compare(Buffer.concat([ea, x]), Buffer.concat([escapeBytes(b), y]));
          expect(sign(c)).toBe(sign(Buffer.compare(a, b)));
        }
        const framed = Buffer.concat([x, ea, y]);
        const r = unescapeBytes(framed, x.length);
        expect(r.bytes).toEqual(Buffer.from(a));
        expect(r.next).toBe(x.length + ea.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("prefixEnd(p) is above every key starting with p and at most any other key above them", () => {
    const keyArb = (maxLength: number) => fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0xfe, 0xff), { maxLength }).map((bs) => Buffer.from(bs));
    fc.assert(
      fc.property(keyArb(4), keyArb(4), keyArb(6), (p, suffix, k) => {
        const end = prefixEnd(p);
        const startsWithP = k.subarray(0, p.length).equals(p);
        if (end === undefined) {
          expect(p.every((b) => b === 0xff)).toBe(true);
          return;
        }
        expect(Buffer.compare(end, Buffer.concat([p, suffix]))).toBe(1);
        if (startsWithP) expect(Buffer.compare(k, end)).toBe(-1);
        else if (Buffer.compare(k, p) > 0) expect(Buffer.compare(end, k)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("key encoding examples", () => {
  // Strictly ascending under compareKeyValues and under the ascending encoding.
  const ascending: KeyValue[] = [
    false,
    true,
    INT64_MIN,
    -65537n,
    -65536n,
    -256n,
    -255n,
    -1n,
    0n,
    1n,
    255n,
    256n,
    2n ** 53n + 1n,
    INT64_MAX,
    -Infinity,
    -Number.MAX_VALUE,
    -1,
    -Number.MIN_VALUE,
    0,
    Number.MIN_VALUE,
    1,
    2 ** 53,
    Number.MAX_VALUE,
    Infinity,
    NaN,
    "",
    "\0",
    "\0\0",
    "\0\x01",
    "\x01",
    "a",
    "a\0",
    "ab",
    "b",
    "\ud7ff",
    "\ue000",
    "\uffff",
    "\u{10000}",
    "😀",
    "\u{10ffff}",
    Uint8Array.of(),
    Uint8Array.of(0),
    Uint8Array.of(0, 0),
    Uint8Array.of(0, 0xff),
    Uint8Array.of(1),
    Uint8Array.of(0xff),
    Uint8Array.of(0xff, 0),
    Uint8Array.of(0xff, 0xff),
    null,
  ];

  it("orders a table of values across and within types, both directions", () => {
    for (let i = 0; i < ascending.length; i++) {
      for (let j = 0; j < ascending.length; j++) {
        const a = ascending[i]!;
        const b = ascending[j]!;
        const expected = sign(i - j);
        expect(compareKeyValues(a, b), `${String(a)} vs ${String(b)}`).toBe(expected);
        expect(sign(Buffer.compare(encodeTuple([a]), encodeTuple([b]))), `asc ${String(a)} vs ${String(b)}`).toBe(expected);
        expect(sign(Buffer.compare(encodeTuple([a], ["desc"]), encodeTuple([b], ["desc"]))), `desc ${String(a)} vs ${String(b)}`).toBe(sign(j - i));
      }
    }
  });

  it("sorts NULL last ascending and first descending", () => {
    expect(Buffer.compare(encodeTuple([null]), encodeTuple([Uint8Array.of(0xff, 0xff)]))).toBe(1);
    expect(Buffer.compare(encodeTuple([null], ["desc"]), encodeTuple([false], ["desc"]))).toBe(-1);
  });

  it("sorts desc 'ab' before desc 'a', and a shorter tuple before its extension", () => {
    expect(Buffer.compare(encodeTuple(["ab"], ["desc"]), encodeTuple(["a"], ["desc"]))).toBe(-1);
    expect(Buffer.compare(encodeTuple(["a", 1n], ["desc"]), encodeTuple(["a"], ["desc"]))).toBe(1);
    expect(Buffer.compare(encodeTuple(["a\0"], ["desc"]), encodeTuple(["a"], ["desc"]))).toBe(-1);
    expect(Buffer.compare(encodeTuple([1n]), encodeTuple([1n, null], ["asc", "desc"]))).toBe(-1);
  });

  it.each<[string, KeyValue, Direction, string]>([
    ["zero", 0n, "asc", "14"],
    ["one", 1n, "asc", "15 01"],
    ["255", 255n, "asc", "15 ff"],
    ["256", 256n, "asc", "16 0100"],
    ["65535", 65535n, "asc", "16 ffff"],
    ["-1", -1n, "asc", "13 fe"],
    ["-255", -255n, "asc", "13 00"],
    ["-256", -256n, "asc", "12 feff"],
    ["int64 max", INT64_MAX, "asc", "1c 7fffffffffffffff"],
    ["int64 min", INT64_MIN, "asc", "0c 7fffffffffffffff"],
    ["2^32", 2n ** 32n, "asc", "19 0100000000"],
    ["1.0", 1, "asc", "20 bff0000000000000"],
    ["-1.0", -1, "asc", "20 400fffffffffffff"],
    ["-0 as 0", -0, "asc", "20 8000000000000000"],
    ["NaN", NaN, "asc", "20 fff8000000000000"],
    ["text with NUL", "a\0", "asc", "30 61 00ff 0001"],
    ["empty text", "", "asc", "30 0001"],
    ["bytes", Uint8Array.of(0, 0xff), "asc", "40 00ff ff 0001"],
    ["false", false, "asc", "02"],
    ["true", true, "asc", "03"],
    ["null", null, "asc", "50"],
    ["null desc", null, "desc", "af"],
    ["text desc", "a", "desc", "cf 9e fffe"],
  ])("encodes %s as %s", (_name, value, dir, expected) => {
    expect(encodeTuple([value], [dir]).toString("hex")).toBe(hex(expected).toString("hex"));
    expect(decodeTuple(hex(expected), [dir])).toEqual([normalise(value)]);
  });

  it("encodes every NaN identically", () => {
    const nans = [NaN, -NaN, nanWithBits(0x7ff0000000000001n), nanWithBits(0xfff8000000000000n), nanWithBits(0xffffffffffffffffn)];
    for (const n of nans) expect(encodeTuple([n])).toEqual(encodeTuple([NaN]));
    expect(encodeTuple([-0], ["desc"])).toEqual(encodeTuple([0], ["desc"]));
  });

  it("round-trips values far beyond the encoder's initial buffer", () => {
    const long = `${"\0".repeat(5000)}x${"😀".repeat(3000)}`;
    const bytes = Uint8Array.from({ length: 20000 }, (_, i) => (i % 3 === 0 ? 0 : i & 0xff));
    const enc = new KeyEncoder(16).append(long).append(bytes, "desc").append(long, "desc");
    expect(decodeTuple(enc.finish(), ["asc", "desc", "desc"])).toEqual([long, Buffer.from(bytes), long]);
  });

  it("rejects values it cannot encode", () => {
    for (const v of [INT64_MAX + 1n, INT64_MIN - 1n, "a\ud800", "\udc00b", {} as KeyValue, undefined as unknown as KeyValue]) {
      expect(() => encodeTuple([v])).toThrow(KeyEncodingError);
    }
    // The shared encoder recovers from a failed encoding.
    expect(encodeTuple([1n])).toEqual(hex("1501"));
  });

  it.each<[string, string, Direction[] | undefined, number, RegExp]>([
    ["unknown tag 0x00", "00", undefined, 0, /unknown type tag 0x00/],
    ["unknown tag 0xff", "ff", undefined, 0, /unknown type tag 0xff/],
    ["trailing garbage", "15 01 07", undefined, 2, /unknown type tag 0x07/],
    ["trailing garbage after text", "30 61 0001 00", undefined, 4, /unknown type tag 0x00/],
    ["truncated integer", "16 01", undefined, 0, /truncated 2-byte integer/],
    ["non-minimal positive integer", "16 0001", undefined, 1, /non-minimal/],
    ["non-minimal negative integer", "12 fffe", undefined, 1, /non-minimal/],
    ["positive integer above int64", "1c 8000000000000000", undefined, 0, /int64 range/],
    ["negative integer below int64", "0c 7ffffffffffffffe", undefined, 0, /int64 range/],
    ["truncated float", "20 bff00000000000", undefined, 0, /truncated float/],
    ["negative zero", "20 7fffffffffffffff", undefined, 1, /negative zero/],
    ["NaN payload", "20 fff8000000000001", undefined, 1, /non-canonical NaN/],
    ["negative NaN", "20 0007ffffffffffff", undefined, 1, /non-canonical NaN/],
    ["unterminated text", "30 6162", undefined, 1, /unterminated/],
    ["text ending inside an escape", "30 61 00", undefined, 2, /truncated escape/],
    ["bad escape", "30 61 0002", undefined, 2, /invalid escape 0x00 0x02/],
    ["invalid UTF-8", "30 ff 0001", undefined, 1, /UTF-8/],
    ["UTF-8 surrogate", "30 eda080 0001", undefined, 1, /UTF-8/],
    ["unterminated bytes", "40", undefined, 1, /unterminated/],
    ["desc text read ascending", "cf 9e fffe", undefined, 0, /unknown type tag 0xcf/],
    ["asc text read descending", "30 61 0001", ["desc"], 0, /unknown type tag 0x30 for descending/],
    ["unterminated desc text", "cf 9e", ["desc"], 1, /unterminated/],
    ["desc text ending inside an escape", "cf 9e ff", ["desc"], 2, /truncated escape/],
    ["bad desc escape", "cf 9e ff01", ["desc"], 2, /invalid escape 0xff 0x01/],
    ["truncated desc integer", "e9 fe", ["desc"], 0, /truncated/],
  ])("rejects %s", (_name, key, dirs, offset, message) => {
    let thrown: unknown;
    try {
      decodeTuple(hex(key), dirs);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KeyEncodingError);
    const err = thrown as KeyEncodingError;
    expect(err.offset).toBe(offset);
    expect(err.sqlstate).toBe("XX000");
    expect(err.message).toContain(`at offset ${offset}`);
    expect(err.message).toMatch(message);
  });

  it("unescapeBytes rejects malformed input and bad offsets", () => {
    expect(() => unescapeBytes(hex("6162"), 0)).toThrow(KeyEncodingError);
    expect(() => unescapeBytes(hex("61 0003"), 0)).toThrow(/invalid escape/);
    expect(() => unescapeBytes(hex("61 00"), 0)).toThrow(/truncated escape/);
    expect(() => unescapeBytes(hex("0001"), 3)).toThrow(KeyEncodingError);
    expect(() => unescapeBytes(hex("0001"), -1)).toThrow(KeyEncodingError);
    expect(unescapeBytes(hex("ee 00ff 0001 99"), 1)).toEqual({ bytes: hex("00"), next: 5 });
  });

  it("prefixEnd increments the last byte that is not 0xff", () => {
    expect(prefixEnd(hex("0102"))).toEqual(hex("0103"));
    expect(prefixEnd(hex("01ff"))).toEqual(hex("02"));
    expect(prefixEnd(hex("01feff ff"))).toEqual(hex("01ff"));
    expect(prefixEnd(hex("ffff"))).toBeUndefined();
    expect(prefixEnd(hex(""))).toBeUndefined();
    const p = hex("0102");
    prefixEnd(p);
    expect(p).toEqual(hex("0102"));
  });

  it("decodes an empty key as the empty tuple", () => {
    expect(encodeTuple([])).toEqual(Buffer.alloc(0));
    expect(decodeTuple(Buffer.alloc(0))).toEqual([]);
  });
});
