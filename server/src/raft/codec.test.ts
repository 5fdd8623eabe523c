import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEntry, decodeMessage, encodeEntry, encodeMessage, RaftCodecError } from "./codec.js";
import type { ConfChange, Entry, Message, SnapshotMeta } from "./types.js";

const u = fc.oneof(fc.nat(300), fc.nat(), fc.maxSafeNat());
const id = fc.nat(1000);
const bytes = fc.uint8Array({ maxLength: 64 });

const confChange: fc.Arbitrary<ConfChange> = fc.record({
  kind: fc.constantFrom("add-learner", "promote-learner", "remove-node" as const),
  nodeId: id,
});

export const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant("normal" as const), term: u, index: u, data: bytes }),
  fc.record({ kind: fc.constant("conf-change" as const), term: u, index: u, change: confChange }),
);

const meta: fc.Arbitrary<SnapshotMeta> = fc.record({
  index: u,
  term: u,
  confState: fc.record({ voters: fc.array(id, { maxLength: 7 }), learners: fc.array(id, { maxLength: 3 }) }),
});

const base = { from: id, to: id, term: u };
const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ ...base, kind: fc.constant("pre-vote" as const), lastIndex: u, lastTerm: u }),
  fc.record({ ...base, kind: fc.constant("vote" as const), lastIndex: u, lastTerm: u, transfer: fc.boolean() }),
  fc.record({ ...base, kind: fc.constant("pre-vote-response" as const), reject: fc.boolean() }),
  fc.record({ ...base, kind: fc.constant("vote-response" as const), reject: fc.boolean() }),
  fc.record({
    ...base,
    kind: fc.constant("append" as const),
    prevIndex: u,
    prevTerm: u,
    commit: u,
    entries: fc.array(entryArb, { maxLength: 5 }),
  }),
  fc.record({
    ...base,
    kind: fc.constant("append-response" as const),
    index: u,
    reject: fc.boolean(),
    rejectHint: u,
    logTerm: u,
  }),
  fc.record({ ...base, kind: fc.constant("heartbeat" as const), commit: u, context: bytes }),
  fc.record({ ...base, kind: fc.constant("heartbeat-response" as const), context: bytes }),
  fc.record({
    ...base,
    kind: fc.constant("snapshot-chunk" as const),
    meta,
    offsetBytes: u,
    totalBytes: u,
    data: bytes,
  }),
  fc.record({ ...base, kind: fc.constant("snapshot-ack" as const), snapshotIndex: u, receivedBytes: u, gap: fc.boolean() }),
  fc.record({ ...base, kind: fc.constant("timeout-now" as const) }),
  fc.record({ ...base, kind: fc.constant("read-index" as const), context: bytes }),
  fc.record({ ...base, kind: fc.constant("read-index-response" as const), index: u, context: bytes }),
);

/** Normalises Buffers/Uint8Arrays so `toEqual` compares contents, not classes. */
function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return Array.from(x);
  if (Array.isArray(x)) return x.map(plain);
  if (typeof x === "object" && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

describe("raft codec", () => {
  it("round-trips every message kind", () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(plain(decodeMessage(encodeMessage(m)))).toEqual(plain(m));
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips entries", () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        expect(plain(decodeEntry(encodeEntry(e)))).toEqual(plain(e));
      }),
      { numRuns: 1000 },
    );
  });

  it("rejects every strict prefix and trailing garbage with a typed error", () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), (m, cut) => {
        const buf = encodeMessage(m);
        const prefix = buf.subarray(0, cut % buf.length);
        expect(() => decodeMessage(prefix)).toThrow(RaftCodecError);
        expect(() => decodeMessage(Buffer.concat([buf, Buffer.of(0)]))).toThrow(RaftCodecError);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws anything but RaftCodecError on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (buf) => {
        try {
          decodeMessage(buf);
        } catch (err) {
          expect(err).toBeInstanceOf(RaftCodecError);
        }
      }),
    );
  });

  it("keeps small numbers small", () => {
    const m: Message = { kind: "heartbeat", from: 1, to: 2, term: 5, commit: 100, context: new Uint8Array() };
    expect(encodeMessage(m).length).toBe(6);
  });
});
