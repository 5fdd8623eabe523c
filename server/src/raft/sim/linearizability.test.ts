import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyKv, kvModel, kvPartitionKey, type KvInput, type KvOperation, type KvOutput } from "./kv-model.js";
import { checkHistory, checkOperations } from "./linearizability.js";

const put = (key: string, value: string): KvInput => ({ kind: "put", key, value });
const get = (key: string): KvInput => ({ kind: "get", key });
const cas = (key: string, expected: string | null, value: string): KvInput => ({ kind: "cas", key, expected, value });
const PUT: KvOutput = { kind: "put" };
const got = (value: string | null): KvOutput => ({ kind: "get", value });
const casOk = (ok: boolean): KvOutput => ({ kind: "cas", ok });

function op(clientId: number, input: KvInput, output: KvOutput | undefined, callAt: number, returnAt: number): KvOperation {
  return { clientId, input, output, callAt, returnAt };
}

const cases: { name: string; ok: boolean; ops: KvOperation[] }[] = [
  { name: "empty", ok: true, ops: [] },
  { name: "read your write", ok: true, ops: [op(1, put("x", "a"), PUT, 0, 1), op(1, get("x"), got("a"), 2, 3)] },
  { name: "stale read after a completed write", ok: false, ops: [op(1, put("x", "a"), PUT, 0, 1), op(2, get("x"), got(null), 2, 3)] },
  { name: "concurrent read may see either", ok: true, ops: [op(1, put("x", "a"), PUT, 0, 10), op(2, get("x"), got(null), 1, 2), op(3, get("x"), got("a"), 3, 4)] },
  {
    name: "reads going back in time",
    ok: false,
    ops: [op(1, put("x", "a"), PUT, 0, 10), op(2, get("x"), got("a"), 1, 2), op(3, get("x"), got(null), 3, 4)],
  },
  {
    name: "two cas with the same expectation both succeed",
    ok: false,
    ops: [op(1, put("x", "0"), PUT, 0, 1), op(2, cas("x", "0", "a"), casOk(true), 2, 10), op(3, cas("x", "0", "b"), casOk(true), 3, 11)],
  },
  {
    name: "cas fails although nothing changed the value",
    ok: false,
    ops: [op(1, put("x", "0"), PUT, 0, 1), op(2, cas("x", "0", "a"), casOk(false), 2, 3)],
  },
  {
    name: "a timed-out write may show up later",
    ok: true,
    ops: [op(1, put("x", "a"), undefined, 0, Infinity), op(2, get("x"), got(null), 1, 2), op(3, get("x"), got("a"), 5, 6)],
  },
  {
    name: "a timed-out write cannot take effect before its call",
    ok: false,
    ops: [op(2, get("x"), got("a"), 0, 1), op(1, put("x", "a"), undefined, 2, Infinity)],
  },
  {
    name: "keys are independent but each must be linearizable",
    ok: false,
    ops: [op(1, put("x", "a"), PUT, 0, 1), op(1, put("y", "b"), PUT, 2, 3), op(2, get("y"), got("b"), 4, 5), op(2, get("x"), got(null), 6, 7)],
  },
  {
    name: "lost update: a value overwritten and then resurrected",
    ok: false,
    ops: [
      op(1, put("x", "a"), PUT, 0, 1),
      op(2, put("x", "b"), PUT, 2, 3),
      op(3, get("x"), got("a"), 4, 5),
    ],
  },
];

describe("linearizability checker", () => {
  it.each(cases)("$name", ({ ok, ops }) => {
    const r = checkHistory(kvModel, ops, kvPartitionKey);
    expect(r.kind).toBe(ok ? "ok" : "violation");
  });

  it("agrees with a brute-force search on random small histories", () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const fast = checkOperations(kvModel, ops, 1_000_000);
        expect(fast).toBe(bruteForce(ops) ? "ok" : "violation");
      }),
      { numRuns: 400 },
    );
  });

  it("handles a long sequential history quickly", () => {
    const ops: KvOperation[] = [];
    for (let i = 0; i < 2000; i++) ops.push(op(i % 4, put("k", `v${i}`), PUT, 2 * i, 2 * i + 1));
    expect(checkHistory(kvModel, ops, kvPartitionKey).kind).toBe("ok");
  });
});

/** Random histories over one key with small value domains, so real violations are common. */
const historyArb = fc
  .array(
    fc.record({
      input: fc.oneof(
        fc.record({ kind: fc.constant("get" as const), key: fc.constant("k") }),
        fc.record({ kind: fc.constant("put" as const), key: fc.constant("k"), value: fc.constantFrom("a", "b") }),
        fc.record({
          kind: fc.constant("cas" as const),
          key: fc.constant("k"),
          expected: fc.constantFrom(null, "a", "b"),
          value: fc.constantFrom("a", "b"),
        }),
      ),
      start: fc.nat(20),
      length: fc.integer({ min: 1, max: 8 }),
      output: fc.oneof(fc.constant(undefined), fc.constantFrom<string | null>(null, "a", "b"), fc.boolean()),
      clientId: fc.nat(3),
    }),
    { maxLength: 6 },
  )
  .map((raw) =>
    raw.map((r): KvOperation => {
      const unknown = r.output === undefined && r.input.kind !== "get";
      const output: KvOutput | undefined = unknown
        ? undefined
        : r.input.kind === "get"
          ? got(typeof r.output === "string" ? r.output : null)
          : r.input.kind === "put"
            ? PUT
            : casOk(r.output === true);
      return op(r.clientId, r.input, output, r.start, unknown ? Infinity : r.start + r.length);
    }),
  );

/** Tries every order consistent with real time (an op of unknown outcome fits anywhere after its call). */
function bruteForce(ops: readonly KvOperation[]): boolean {
  const used = new Array<boolean>(ops.length).fill(false);
  const search = (state: string | null, done: number): boolean => {
    if (done === ops.length) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      const o = ops[i] as KvOperation;
      // o can go next only if no pending op returned before o was called.
      const blocked = ops.some((p, j) => !used[j] && j !== i && p.returnAt < o.callAt);
      if (blocked) continue;
      const r = applyKv(state, o.input);
      const fits = o.output === undefined || JSON.stringify(r.output) === JSON.stringify(o.output);
      if (!fits) continue;
      used[i] = true;
      const ok = search(r.next, done + 1);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return search(null, 0);
}
