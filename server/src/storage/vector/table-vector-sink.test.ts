import { describe, expect, it } from "vitest";
import { decodeSegment, decodeVectorSection, vectorIndexKey } from "../../vector/index.js";
import { clusteredVectors } from "../../vector/testing/datasets.js";
import { BuildingVectorSink, PrebuiltVectorSink } from "./table-vector-sink.js";
import { params, rawVectorEntryOf, rawVectorValue } from "./testing/raw-vectors.js";

const A = params({ id: 1, dims: 4, metric: "inner", m: 4, efConstruction: 8 });
const B = params({ id: 1, dims: 4, metric: "l2", m: 4, efConstruction: 8 });
const vectors = clusteredVectors({ count: 200, dims: 4, clusters: 3, spread: 0.2, seed: 4 });

describe("BuildingVectorSink", () => {
  it("builds one segment per index from the puts written, labelled in order", () => {
    const sink = new BuildingVectorSink(rawVectorEntryOf);
    const scratch = Buffer.alloc(8);
    vectors.forEach((v, i) => {
      // The writer may reuse its key buffer: the sink must copy.
      scratch.write(`k${String(i).padStart(3, "0")}`.padEnd(8, "."), "latin1");
      sink.add(scratch, rawVectorValue(i % 4 === 0 ? B : A, v));
      if (i % 10 === 0) sink.add(scratch, Buffer.from("plain"));
    });
    const bytes = sink.finish()!;
    const dir = decodeVectorSection(bytes);
    expect(dir.entries.map((e) => [vectorIndexKey(e.params), e.rows])).toEqual([
      [vectorIndexKey(B), 50],
      [vectorIndexKey(A), 150],
    ]);
    const entry = dir.entries[0]!;
    const segment = decodeSegment(bytes.subarray(entry.offset, entry.offset + entry.length));
    try {
      expect(Buffer.from(segment.rowKeys!.keyOf(1n)).toString()).toBe("k004....");
      const hit = segment.index.search(vectors[8]!, 1);
      expect(Buffer.from(segment.rowKeys!.keyOf(hit.ids[0]!)).toString()).toBe("k008....");
    } finally {
      segment.index.close();
    }
  });

  it("gives tables without vectors no section", () => {
    const sink = new BuildingVectorSink(rawVectorEntryOf);
    sink.add(Buffer.from("k"), Buffer.from("plain"));
    expect(sink.finish()).toBeUndefined();
  });

  it("frees its graphs when the table is abandoned, and refuses use after finishing", () => {
    const sink = new BuildingVectorSink(rawVectorEntryOf);
    sink.add(Buffer.from("k"), rawVectorValue(A, vectors[0]!));
    sink.abandon();
    expect(sink.finish()).toBeUndefined();
    expect(() => sink.add(Buffer.from("k"), rawVectorValue(A, vectors[0]!))).toThrow(/after finish/);
  });
});

describe("PrebuiltVectorSink", () => {
  it("serves exactly one table", () => {
    const sink = new PrebuiltVectorSink(() => Buffer.from("section"));
    sink.add();
    expect(sink.finish()?.toString()).toBe("section");
    expect(() => sink.finish()).toThrow(/one table/);
  });
});
