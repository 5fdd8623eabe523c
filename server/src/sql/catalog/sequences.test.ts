import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { Catalog } from "./catalog.js";
import type { CreateSequenceSpec } from "./model.js";
import { nextValue, reserve, sequenceFromSpec, SequenceSession } from "./sequences.js";
import { expectSqlError, TestStore } from "./testing/catalog-store.js";

describe("sequence arithmetic", () => {
  it.each([
    { spec: {}, want: { start: 1n, increment: 1n, min: 1n, max: 2n ** 63n - 1n } },
    { spec: { increment: -1n }, want: { start: -1n, increment: -1n, min: -(2n ** 63n), max: -1n } },
    { spec: { type: "int2" as const }, want: { start: 1n, increment: 1n, min: 1n, max: 32767n } },
    { spec: { type: "int4" as const, increment: -3n }, want: { start: -1n, increment: -3n, min: -2147483648n, max: -1n } },
    { spec: { min: 10n, max: 20n }, want: { start: 10n, increment: 1n, min: 10n, max: 20n } },
  ])("defaults as PostgreSQL's: $spec", ({ spec, want }) => {
    expect(sequenceFromSpec({ name: "s", ...spec }, 1)).toMatchObject(want);
  });

  it.each([
    { state: { value: 1n, isCalled: false }, want: 1n },
    { state: { value: 1n, isCalled: true }, want: 2n },
    { state: { value: 3n, isCalled: true }, want: undefined },
    { state: { value: 3n, isCalled: true }, cycle: true, want: 1n },
  ])("next value after $state (cycle $cycle)", ({ state, cycle, want }) => {
    const seq = sequenceFromSpec({ name: "s", max: 3n, cycle: cycle ?? false }, 1);
    expect(nextValue(seq, state)).toBe(want);
  });

  it("a reservation stops at the bound and never wraps inside", () => {
    const seq = sequenceFromSpec({ name: "s", max: 10n, increment: 4n, cycle: true, cache: 5 }, 1);
    const r1 = reserve(seq, "s", { value: 1n, isCalled: false }, 5);
    expect(r1).toEqual({ first: 1n, count: 3, state: { value: 9n, isCalled: true } });
    expect(reserve(seq, "s", r1.state, 5)).toEqual({ first: 1n, count: 3, state: { value: 9n, isCalled: true } });
  });

  it("handing out reservations one by one gives the same values as stepping nextValue", () => {
    fc.assert(
      fc.property(
        fc.record({
          increment: fc.bigInt({ min: -7n, max: 7n }).filter((n) => n !== 0n),
          lo: fc.bigInt({ min: -40n, max: 40n }),
          span: fc.bigInt({ min: 1n, max: 60n }),
          cycle: fc.boolean(),
          cache: fc.integer({ min: 1, max: 9 }),
          calls: fc.integer({ min: 1, max: 60 }),
        }),
        ({ increment, lo, span, cycle, cache, calls }) => {
          const seq = sequenceFromSpec({ name: "s", increment, min: lo, max: lo + span, cycle, cache }, 1);
          const stepped: bigint[] = [];
          let state = { value: seq.start, isCalled: false };
          for (let i = 0; i < calls; i++) {
            const v = nextValue(seq, state);
            if (v === undefined) break;
            stepped.push(v);
            state = { value: v, isCalled: true };
          }
          const reserved: bigint[] = [];
          let rstate = { value: seq.start, isCalled: false };
          while (reserved.length < calls) {
            let r;
            try {
              r = reserve(seq, "s", rstate, cache);
            } catch (e) {
              expect(sqlstateOf(e)).toBe("2200H");
              break;
            }
            for (let i = 0; i < r.count && reserved.length < calls; i++) reserved.push(r.first + BigInt(i) * increment);
            rstate = r.state;
          }
          expect(reserved).toEqual(stepped);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("nextval against a store", () => {
  let ts: TestStore;

  beforeEach(async () => {
    ts = await TestStore.open();
  });

  afterEach(async () => {
    await ts.close();
  });

  async function create(spec: Omit<CreateSequenceSpec, "name">): Promise<void> {
    await ts.run((cat) => cat.createSequence({ name: "s", ...spec }));
  }

  /** n nextvals, each in its own transaction. */
  async function take(n: number, name = "s"): Promise<bigint[]> {
    const out: bigint[] = [];
    for (let i = 0; i < n; i++) out.push(await ts.run((cat) => cat.nextval(name)));
    return out;
  }

  it.each([
    { spec: {}, want: [1n, 2n, 3n, 4n] },
    { spec: { start: 10n, increment: 5n }, want: [10n, 15n, 20n, 25n] },
    { spec: { increment: -2n }, want: [-1n, -3n, -5n, -7n] },
    { spec: { min: 1n, max: 3n, cycle: true }, want: [1n, 2n, 3n, 1n, 2n] },
    { spec: { min: 1n, max: 3n, increment: -1n, cycle: true }, want: [3n, 2n, 1n, 3n] },
    { spec: { cache: 3 }, want: [1n, 2n, 3n, 4n, 5n] },
  ])("gives $want for $spec", async ({ spec, want }) => {
    await create(spec);
    expect(await take(want.length)).toEqual(want);
  });

  it.each([
    { spec: { max: 3n }, message: 'nextval: reached maximum value of sequence "s" (3)', before: [1n, 2n, 3n] },
    { spec: { increment: -1n, min: -2n }, message: 'nextval: reached minimum value of sequence "s" (-2)', before: [-1n, -2n] },
    { spec: { type: "int2" as const, start: 32766n }, message: 'nextval: reached maximum value of sequence "s" (32767)', before: [32766n, 32767n] },
  ])("stops with 2200H: $message", async ({ spec, before, message }) => {
    await create(spec);
    expect(await take(before.length)).toEqual(before);
    await expectSqlError(
      ts.run((cat) => cat.nextval("s")),
      { sqlstate: "2200H", message },
    );
    // And keeps failing; the failure consumed nothing.
    await expectSqlError(
      ts.run((cat) => cat.nextval("s")),
      { sqlstate: "2200H", message },
    );
  });

  it("is not undone by a rollback", async () => {
    await create({});
    const { tx, cat } = await ts.begin();
    expect(await cat.nextval("s")).toBe(1n);
    await tx.rollback();
    expect(await take(1)).toEqual([2n]);
  });

  it("concurrent callers get distinct values, in order within the process", async () => {
    await create({});
    const txs = await Promise.all(Array.from({ length: 30 }, () => ts.begin()));
    const values = await Promise.all(txs.map(({ cat }) => cat.nextval("s")));
    await Promise.all(txs.map(({ tx }) => tx.commit()));
    expect([...values].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i + 1)));
  });

  it.each([1, 4])("concurrent callers in a tight loop never share a value (cache %i)", async (cache) => {
    await create({ cache });
    const { tx, cat } = await ts.begin();
    const values = await Promise.all(Array.from({ length: 50 }, () => cat.nextval("s")));
    await tx.commit();
    expect(new Set(values).size).toBe(50);
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i + 1)));
  });

  it("is monotonic across a reopen; cached values not handed out are skipped, as in PostgreSQL", async () => {
    await ts.run(async (cat) => {
      await cat.createSequence({ name: "s" });
      await cat.createSequence({ name: "c", cache: 10 });
    });
    expect(await take(3)).toEqual([1n, 2n, 3n]);
    expect(await take(2, "c")).toEqual([1n, 2n]);
    await ts.reopen();
    expect(await take(2)).toEqual([4n, 5n]);
    expect(await take(2, "c")).toEqual([11n, 12n]);
  });

  it("setval moves the sequence, and with is_called false returns the value next", async () => {
    await create({ cache: 5 });
    expect(await take(2)).toEqual([1n, 2n]);
    expect(await ts.run((cat) => cat.setval("s", 100n))).toBe(100n);
    expect(await take(2)).toEqual([101n, 102n]);
    await ts.run((cat) => cat.setval("s", 7n, false));
    expect(await take(2)).toEqual([7n, 8n]);
  });

  it("currval and lastval follow the session", async () => {
    await ts.run(async (cat) => {
      await cat.createSequence({ name: "s" });
      await cat.createSequence({ name: "q", start: 50n });
    });
    const session = new SequenceSession();
    const other = new SequenceSession();
    await ts.run(async (cat) => {
      await cat.nextval("s");
      await cat.nextval("s");
      await cat.nextval("q");
    }, {}, { session });
    await ts.run((cat) => cat.nextval("s"), {}, { session: other });
    await ts.run(async (cat) => {
      expect(await cat.currval("s")).toBe(2n);
      expect(await cat.currval("q")).toBe(50n);
      expect(session.lastval()).toBe(50n);
    }, {}, { session });
    expect(() => new SequenceSession().lastval()).toThrow(expect.objectContaining({ sqlstate: "55000", message: "lastval is not yet defined in this session" }));
  });

  it("a sequence created in the same transaction is used inside it, and vanishes with a rollback", async () => {
    const { tx, cat } = await ts.begin();
    await cat.createSequence({ name: "s", cache: 10 });
    expect([await cat.nextval("s"), await cat.nextval("s")]).toEqual([1n, 2n]);
    await tx.rollback();
    await ts.run(async (c) => expect(await c.getSequence("s")).toBeUndefined());
    await ts.run(async (c) => {
      await c.createSequence({ name: "s" });
      expect(await c.nextval("s")).toBe(1n);
    });
    expect(await take(2)).toEqual([2n, 3n]);
  });

  it("without a store, nextval is transactional", async () => {
    await create({});
    const tx = await ts.store.begin();
    const cat = Catalog.of(tx);
    expect(await cat.nextval("s")).toBe(1n);
    await tx.rollback();
    const tx2 = await ts.store.begin();
    expect(await Catalog.of(tx2).nextval("s")).toBe(1n);
    await tx2.commit();
  });

  it("fails with 42P01 when the sequence was dropped after the caller's snapshot", async () => {
    await create({});
    const old = await ts.begin();
    await ts.run((cat) => cat.dropSequence("s"));
    await expectSqlError(old.cat.nextval("s"), { sqlstate: "42P01", message: 'relation "s" does not exist' });
    await old.tx.rollback();
  });

  it("DROP SEQUENCE at snapshot isolation is not disturbed by nextval calls after its snapshot", async () => {
    await create({});
    const ddl = await ts.begin();
    await ddl.cat.getSequence("s");
    expect(await take(2)).toEqual([1n, 2n]);
    await ddl.cat.dropSequence("s");
    await ddl.tx.commit();
  });

  it("hidden row ids are unique", async () => {
    await ts.run((cat) => cat.createTable({ name: "h", columns: [] }));
    const ids = await ts.run(async (cat) => {
      const t = (await cat.getTable("h"))!;
      return Promise.all(Array.from({ length: 250 }, () => cat.nextRowId(t)));
    });
    expect(new Set(ids).size).toBe(250);
  });
});
