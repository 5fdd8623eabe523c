import { encodeSegment, encodeVectorSection, HnswIndex, vectorIndexKey, type ValidVectorIndexParams } from "../../vector/index.js";
import { assert } from "../assert.js";
import type { VectorEntryOf } from "./vector-entries.js";

/**
 * Receives the puts written to one output table and produces that table's vector section. The
 * table writer calls `add` for every put it writes and `finish` before it writes the table's
 * tail; `abandon` when the table is given up.
 */
export interface TableVectorSink {
  /** NB: `userKey` and `value` may be views into buffers that are reused; copy what is kept. */
  add(userKey: Buffer, value: Buffer): void;
  /** The section bytes, or undefined when the table holds no vector entries. */
  finish(): Buffer | undefined;
  abandon(): void;
}

/** One index's entries of the table being written, and the graph growing over them. */
interface IndexBuild {
  readonly params: ValidVectorIndexParams;
  readonly index: HnswIndex;
  readonly keys: Buffer[];
}

/**
 * Builds each index's graph while the table is written, one insert per entry, so the work is
 * spread over the slices in which flushes and compactions run instead of stalling the event loop
 * at the end. Labels are entry order; versions GC dropped never arrive, so they drop out.
 */
export class BuildingVectorSink implements TableVectorSink {
  private readonly builds = new Map<string, IndexBuild>();
  private done = false;

  constructor(private readonly entryOf: VectorEntryOf) {}

  add(userKey: Buffer, value: Buffer): void {
    assert(!this.done, "vector sink used after finish()");
    const entry = this.entryOf(userKey, value);
    if (entry === undefined) return;
    const key = vectorIndexKey(entry.index);
    let build = this.builds.get(key);
    if (build === undefined) this.builds.set(key, (build = { params: entry.index, index: HnswIndex.create(entry.index), keys: [] }));
    build.index.add(BigInt(build.keys.length), entry.vector);
    build.keys.push(Buffer.from(userKey));
  }

  finish(): Buffer | undefined {
    assert(!this.done, "vector sink finished twice");
    this.done = true;
    try {
      if (this.builds.size === 0) return undefined;
      return encodeVectorSection(
        [...this.builds.values()].map((b) => ({ params: b.params, rows: b.keys.length, bytes: encodeSegment(b.index, { columnId: b.params.id, rowKeys: b.keys }) })),
      );
    } finally {
      this.abandon();
    }
  }

  abandon(): void {
    for (const b of this.builds.values()) b.index.close();
    this.builds.clear();
  }
}

/**
 * A sink for a table that holds exactly the entries of one memtable (a flush): its section was
 * built from the memtable's own indexes, so the entries written need no second look.
 */
export class PrebuiltVectorSink implements TableVectorSink {
  private finished = false;

  constructor(private readonly section: () => Buffer | undefined) {}

  add(): void {}

  finish(): Buffer | undefined {
    // One table per flush: a second would get a section naming entries it does not hold.
    assert(!this.finished, "a prebuilt vector section serves one table");
    this.finished = true;
    return this.section();
  }

  abandon(): void {}
}
