/**
 * Compact binary encoding of entries, snapshots and messages. Integers are unsigned LEB128
 * varints (terms and indexes are small in practice, so most take one or two bytes); byte strings
 * are length-prefixed. Every decode checks bounds and throws `RaftCodecError` on malformed input,
 * so a damaged frame can never be mistaken for a valid one of a different shape.
 */
import type { ConfChange, ConfState, Entry, HardState, Message, MessageKind, Snapshot, SnapshotMeta } from "./types.js";

export class RaftCodecError extends Error {
  constructor(message: string) {
    super(`raft codec: ${message}`);
    this.name = "RaftCodecError";
  }
}

/** Bound on any decoded collection so a damaged count cannot make us allocate without limit. */
const COUNT_MAX = 1 << 24;

/** Growable output buffer. */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 64) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Writes a non-negative safe integer as a varint. */
  uvarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RaftCodecError(`cannot encode ${value} as uvarint`);
    this.reserve(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buf[this.len++] = value & 0xff;
  }

  bytes(data: Uint8Array): void {
    this.uvarint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** The bytes written so far (a view; copy it to keep it past further writes). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** Bounds-checked input cursor. */
export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  uvarint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(result)) throw new RaftCodecError("varint exceeds the safe integer range");
        return result;
      }
      scale *= 0x80;
    }
    throw new RaftCodecError("varint longer than 8 bytes");
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new RaftCodecError(`unexpected end of input at ${this.pos}`);
    return this.buf[this.pos++] as number;
  }

  bool(): boolean {
    const b = this.u8();
    if (b > 1) throw new RaftCodecError(`bad boolean ${b}`);
    return b === 1;
  }

  bytes(): Uint8Array {
    const n = this.uvarint();
    if (n > this.buf.length - this.pos) throw new RaftCodecError(`byte string of ${n} overruns input`);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  count(): number {
    const n = this.uvarint();
    if (n > COUNT_MAX) throw new RaftCodecError(`count ${n} exceeds bound`);
    return n;
  }

  expectEnd(): void {
    if (this.pos !== this.buf.length) throw new RaftCodecError(`${this.buf.length - this.pos} trailing bytes`);
  }
}

const CONF_CHANGE_TAG: Record<ConfChange["kind"], number> = { "add-learner": 1, "promote-learner": 2, "remove-node": 3 };
const CONF_CHANGE_KINDS = invert(CONF_CHANGE_TAG);

const MESSAGE_TAG: Record<MessageKind, number> = {
  "pre-vote": 1,
  vote: 2,
  "pre-vote-response": 3,
  "vote-response": 4,
  append: 5,
  "append-response": 6,
  heartbeat: 7,
  "heartbeat-response": 8,
  "snapshot-chunk": 9,
  "timeout-now": 10,
  "read-index": 11,
  "read-index-response": 12,
  "snapshot-ack": 13,
};
const MESSAGE_KINDS = invert(MESSAGE_TAG);

function invert<K extends string>(table: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}

function writeIds(w: ByteWriter, ids: readonly number[]): void {
  w.uvarint(ids.length);
  for (const id of ids) w.uvarint(id);
}

function readIds(r: ByteReader): number[] {
  const n = r.count();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(r.uvarint());
  return ids;
}

function writeConfState(w: ByteWriter, cs: ConfState): void {
  writeIds(w, cs.voters);
  writeIds(w, cs.learners);
}

function readConfState(r: ByteReader): ConfState {
  return { voters: readIds(r), learners: readIds(r) };
}

/** Appends `m`; `readSnapshotMeta` is its inverse. */
export function writeSnapshotMeta(w: ByteWriter, m: SnapshotMeta): void {
  w.uvarint(m.index);
  w.uvarint(m.term);
  writeConfState(w, m.confState);
}

/** Reads what `writeSnapshotMeta` wrote; throws `RaftCodecError` on malformed input. */
export function readSnapshotMeta(r: ByteReader): SnapshotMeta {
  return { index: r.uvarint(), term: r.uvarint(), confState: readConfState(r) };
}

/** Appends one entry as `tag | term | index | body`; `readEntry` is its inverse. */
export function writeEntry(w: ByteWriter, e: Entry): void {
  switch (e.kind) {
    case "normal":
      w.u8(0);
      w.uvarint(e.term);
      w.uvarint(e.index);
      w.bytes(e.data);
      return;
    case "conf-change":
      w.u8(CONF_CHANGE_TAG[e.change.kind]);
      w.uvarint(e.term);
      w.uvarint(e.index);
      w.uvarint(e.change.nodeId);
      return;
  }
}

/** Reads what `writeEntry` wrote; throws `RaftCodecError` on malformed input. */
export function readEntry(r: ByteReader): Entry {
  const tag = r.u8();
  const term = r.uvarint();
  const index = r.uvarint();
  if (tag === 0) return { kind: "normal", term, index, data: r.bytes() };
  const kind = CONF_CHANGE_KINDS.get(tag);
  if (kind === undefined) throw new RaftCodecError(`unknown entry tag ${tag}`);
  return { kind: "conf-change", term, index, change: { kind, nodeId: r.uvarint() } };
}

/** Appends a count-prefixed list of entries. */
export function writeEntries(w: ByteWriter, entries: readonly Entry[]): void {
  w.uvarint(entries.length);
  for (const e of entries) writeEntry(w, e);
}

/** Reads what `writeEntries` wrote; the count is bounded. */
export function readEntries(r: ByteReader): Entry[] {
  const n = r.count();
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) out.push(readEntry(r));
  return out;
}

/** Appends `hs`; `readHardState` is its inverse. */
export function writeHardState(w: ByteWriter, hs: HardState): void {
  w.uvarint(hs.term);
  w.uvarint(hs.vote);
  w.uvarint(hs.commit);
}

/** Reads what `writeHardState` wrote. */
export function readHardState(r: ByteReader): HardState {
  return { term: r.uvarint(), vote: r.uvarint(), commit: r.uvarint() };
}

/** Appends a snapshot (meta and data); `readSnapshot` is its inverse. */
export function writeSnapshot(w: ByteWriter, s: Snapshot): void {
  writeSnapshotMeta(w, s.meta);
  w.bytes(s.data);
}

/** Reads what `writeSnapshot` wrote; the data is copied out of the input. */
export function readSnapshot(r: ByteReader): Snapshot {
  return { meta: readSnapshotMeta(r), data: r.bytes() };
}

/** Encodes one entry on its own (for tests and tools); logs batch entries with `writeEntries`. */
export function encodeEntry(e: Entry): Buffer {
  const w = new ByteWriter();
  writeEntry(w, e);
  return Buffer.from(w.finish());
}

/** Inverse of `encodeEntry`; throws `RaftCodecError` on malformed or trailing input. */
export function decodeEntry(buf: Uint8Array): Entry {
  const r = new ByteReader(buf);
  const e = readEntry(r);
  r.expectEnd();
  return e;
}

function writeMessageBody(w: ByteWriter, m: Message): void {
  switch (m.kind) {
    case "pre-vote":
      w.uvarint(m.lastIndex);
      w.uvarint(m.lastTerm);
      return;
    case "vote":
      w.uvarint(m.lastIndex);
      w.uvarint(m.lastTerm);
      w.u8(m.transfer ? 1 : 0);
      return;
    case "pre-vote-response":
    case "vote-response":
      w.u8(m.reject ? 1 : 0);
      return;
    case "append":
      w.uvarint(m.prevIndex);
      w.uvarint(m.prevTerm);
      w.uvarint(m.commit);
      writeEntries(w, m.entries);
      return;
    case "append-response":
      w.uvarint(m.index);
      w.u8(m.reject ? 1 : 0);
      w.uvarint(m.rejectHint);
      w.uvarint(m.logTerm);
      return;
    case "heartbeat":
      w.uvarint(m.commit);
      w.bytes(m.context);
      return;
    case "heartbeat-response":
    case "read-index":
      w.bytes(m.context);
      return;
    case "snapshot-chunk":
      writeSnapshotMeta(w, m.meta);
      w.uvarint(m.offsetBytes);
      w.uvarint(m.totalBytes);
      w.bytes(m.data);
      return;
    case "snapshot-ack":
      w.uvarint(m.snapshotIndex);
      w.uvarint(m.receivedBytes);
      w.u8(m.gap ? 1 : 0);
      return;
    case "timeout-now":
      return;
    case "read-index-response":
      w.uvarint(m.index);
      w.bytes(m.context);
      return;
  }
}

// NB: object spread costs microseconds per call in Node 20 (a slow path), so messages are built
// as plain literals here; this function runs once per message received.
function readMessageBody(r: ByteReader, kind: MessageKind, from: number, to: number, term: number): Message {
  switch (kind) {
    case "pre-vote":
      return { kind, from, to, term, lastIndex: r.uvarint(), lastTerm: r.uvarint() };
    case "vote":
      return { kind, from, to, term, lastIndex: r.uvarint(), lastTerm: r.uvarint(), transfer: r.bool() };
    case "pre-vote-response":
    case "vote-response":
      return { kind, from, to, term, reject: r.bool() };
    case "append":
      return { kind, from, to, term, prevIndex: r.uvarint(), prevTerm: r.uvarint(), commit: r.uvarint(), entries: readEntries(r) };
    case "append-response":
      return { kind, from, to, term, index: r.uvarint(), reject: r.bool(), rejectHint: r.uvarint(), logTerm: r.uvarint() };
    case "heartbeat":
      return { kind, from, to, term, commit: r.uvarint(), context: r.bytes() };
    case "heartbeat-response":
    case "read-index":
      return { kind, from, to, term, context: r.bytes() };
    case "snapshot-chunk":
      return {
        kind,
        from,
        to,
        term,
        meta: readSnapshotMeta(r),
        offsetBytes: r.uvarint(),
        totalBytes: r.uvarint(),
        data: r.bytes(),
      };
    case "snapshot-ack":
      return { kind, from, to, term, snapshotIndex: r.uvarint(), receivedBytes: r.uvarint(), gap: r.bool() };
    case "timeout-now":
      return { kind, from, to, term };
    case "read-index-response":
      return { kind, from, to, term, index: r.uvarint(), context: r.bytes() };
  }
}

/** Encodes a message as `tag | from | to | term | body`. */
export function encodeMessage(m: Message): Buffer {
  const w = new ByteWriter(32);
  w.u8(MESSAGE_TAG[m.kind]);
  w.uvarint(m.from);
  w.uvarint(m.to);
  w.uvarint(m.term);
  writeMessageBody(w, m);
  return Buffer.from(w.finish());
}

/** Inverse of `encodeMessage`; throws `RaftCodecError` on malformed or trailing input. */
export function decodeMessage(buf: Uint8Array): Message {
  const r = new ByteReader(buf);
  const tag = r.u8();
  const kind = MESSAGE_KINDS.get(tag);
  if (kind === undefined) throw new RaftCodecError(`unknown message tag ${tag}`);
  const m = readMessageBody(r, kind, r.uvarint(), r.uvarint(), r.uvarint());
  r.expectEnd();
  return m;
}
