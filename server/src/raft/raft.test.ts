import { describe, expect, it } from "vitest";
import { RaftAssertionError } from "./assert.js";
import { Cluster, type ClusterConfig } from "./sim/cluster.js";
import { MemoryStorage } from "./storage/memory-storage.js";
import type { Entry, Message } from "./types.js";
import { NO_NODE } from "./types.js";

const ents = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ kind: "normal", term, index: from + i, data: Buffer.from(`t${term}i${from + i}`) }));

describe("elections", () => {
  it("elects a leader by timeout and replicates to everyone", () => {
    const c = new Cluster([1, 2, 3]);
    c.tickAll(40);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    const lead = leaders[0] as number;
    c.propose(lead, "a");
    c.propose(lead, "b");
    for (const id of [1, 2, 3]) expect(c.appliedData(id)).toEqual(["a", "b"]);
  });

  it("pre-vote keeps a partitioned follower from bumping the term on rejoin", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    c.tickAll(100);
    expect(c.node(3).status().term).toBe(term);
    c.heal();
    c.tickAll(5);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).status().term).toBe(term);
  });

  it("without pre-vote the rejoining follower disrupts the term (control for the test above)", () => {
    const c = new Cluster([1, 2, 3], { preVote: false, checkQuorum: false });
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    c.tickAll(100);
    expect(c.node(3).status().term).toBeGreaterThan(term);
  });

  it("check-quorum makes an isolated leader step down", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.isolate(1);
    c.tickAll(25);
    expect(c.node(1).status().role).not.toBe("leader");
    expect(c.leaders().filter((id) => id !== 1)).toHaveLength(1);
  });

  it("a learner never campaigns", () => {
    const c = new Cluster([1]);
    c.elect(1);
    c.start(2, new MemoryStorage());
    expect(c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 2 }).kind).toBe("accepted");
    c.stabilize();
    expect(c.node(2).status().learners).toEqual([2]);
    c.isolate(1);
    c.tickAll(60);
    expect(c.node(2).status().role).toBe("follower");
    expect(c.node(2).status().term).toBe(c.node(1).status().term);
  });
});

describe("replication", () => {
  /** Node 1 leads term 4 holding an entry of term 2 at index 3 that nobody else has; returns an ack builder. */
  function figure8(config: ClusterConfig): { c: Cluster; ack: (from: number, index: number) => Message } {
    const c = new Cluster([1, 2, 3], config);
    c.get(1).storage.append(ents(2, 2, 1).concat(ents(3, 3, 2)));
    for (const id of [2, 3]) c.get(id).storage.append(ents(2, 2, 1));
    for (const id of [1, 2, 3]) c.get(id).storage.setHardState({ term: 3, vote: NO_NODE, commit: 1 });
    for (const id of [1, 2, 3]) c.start(id, c.get(id).storage);
    c.node(1).campaign();
    c.filter = (m) => m.kind !== "append";
    c.stabilize();
    expect(c.node(1).status().role).toBe("leader");
    const term = c.node(1).status().term;
    const ack = (from: number, index: number): Message => ({
      kind: "append-response",
      from,
      to: 1,
      term,
      index,
      reject: false,
      rejectHint: 0,
      logTerm: 0,
    });
    return { c, ack };
  }

  it("commits only entries of the leader's own term by counting replicas (Raft figure 8)", () => {
    const { c, ack } = figure8({});
    // A majority holds index 3, but it is from term 2: not committed by counting.
    c.node(1).step(ack(2, 3));
    expect(c.node(1).status().commit).toBe(1);
    // Once our own term's no-op (index 4) is on a majority, it and everything before commit.
    c.node(1).step(ack(2, 4));
    expect(c.node(1).status().commit).toBe(4);
  });

  it("the simulator's commit-old-term break does skip the own-term rule", () => {
    // If this knob stopped working, the simulator's figure-8 self-test would pass for nothing.
    const { c, ack } = figure8({ unsafeCommitOldTermEntries: true });
    c.node(1).step(ack(2, 3));
    expect(c.node(1).status().commit).toBe(3);
  });

  it("backtracks a whole conflicting term per round trip", () => {
    const c = new Cluster([1, 2, 3]);
    // Node 3 has 100 entries of an old term 2 that the others never saw.
    c.get(3).storage.append(ents(2, 101, 2));
    for (const id of [1, 2]) c.get(id).storage.append(ents(2, 11, 3));
    for (const id of [1, 2, 3]) c.get(id).storage.setHardState({ term: 3, vote: NO_NODE, commit: 1 });
    for (const id of [1, 2, 3]) c.start(id, c.get(id).storage);
    c.elect(1);
    const rejections = c.sent.filter((m) => m.kind === "append-response" && m.from === 3 && m.reject).length;
    expect(rejections).toBeLessThanOrEqual(2);
    expect(c.node(3).status().lastIndex).toBe(c.node(1).status().lastIndex);
    expect(c.node(3).termAt(11)).toBe(3);
    expect(c.node(3).termAt(50)).toBeUndefined();
  });

  it("bounds appends in flight to a silent follower", () => {
    const c = new Cluster([1, 2, 3], { inflightCountMax: 2, appendBytesMax: 1 });
    c.elect(1);
    c.filter = (m) => m.from !== 3;
    c.sent = [];
    for (let i = 0; i < 20; i++) {
      c.node(1).propose(Buffer.from(`p${i}`));
      c.stabilize();
    }
    const toSilent = c.sent.filter((m) => m.kind === "append" && m.to === 3 && m.entries.length > 0).length;
    expect(toSilent).toBe(2);
    c.heal();
    c.tickAll(3);
    expect(c.appliedData(3)).toHaveLength(20);
  });

  it("bounds bytes in flight to a silent follower", () => {
    const c = new Cluster([1, 2, 3], { inflightBytesMax: 300, appendBytesMax: 1 });
    c.elect(1);
    c.filter = (m) => m.from !== 3;
    c.sent = [];
    for (let i = 0; i < 20; i++) {
      c.node(1).propose(Buffer.alloc(100, 65));
      c.stabilize();
    }
    // Each entry counts ~116 bytes, so the window closes after the third append.
    const toSilent = c.sent.filter((m) => m.kind === "append" && m.to === 3 && m.entries.length > 0).length;
    expect(toSilent).toBe(3);
  });

  it("rejects proposals beyond the bound on uncommitted entries", () => {
    const c = new Cluster([1, 2, 3], { uncommittedEntriesMax: 5 });
    c.elect(1);
    c.filter = () => false;
    const results = Array.from({ length: 8 }, () => c.node(1).propose(Buffer.from("p")).kind);
    expect(results.filter((k) => k === "accepted")).toHaveLength(5);
  });

  it("batches: proposals between two Readies travel in one append", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.sent = [];
    for (let i = 0; i < 50; i++) c.node(1).propose(Buffer.from(`p${i}`));
    c.stabilize();
    const appends = c.sent.filter((m) => m.kind === "append" && m.entries.length > 0);
    expect(appends).toHaveLength(2);
    expect(c.appliedData(2)).toHaveLength(50);
  });
});

describe("snapshots", () => {
  it("sends a compacted leader's snapshot in chunks to a new learner, which restores it", () => {
    const c = new Cluster([1, 2, 3], { snapshotChunkBytes: 7 });
    c.elect(1);
    for (let i = 0; i < 10; i++) c.propose(1, `v${i}`);
    const leader = c.get(1);
    const applied = leader.node.status().applied;
    leader.storage.createSnapshot(applied, leader.node.confState(), Buffer.from("state-machine-image"));
    c.start(4, new MemoryStorage());
    expect(c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 4 }).kind).toBe("accepted");
    c.stabilize();
    c.tickAll(3);
    const chunks = c.sent.filter((m) => m.kind === "snapshot-chunk" && m.to === 4);
    expect(chunks.length).toBe(Math.ceil("state-machine-image".length / 7));
    expect(c.get(4).restoredSnapshots).toBe(1);
    expect(Buffer.from(c.get(4).storage.snapshot().data).toString()).toBe("state-machine-image");
    expect(c.node(4).status().learners).toContain(4);
    c.propose(1, "after");
    expect(c.appliedData(4)).toEqual(["after"]);
  });
});

describe("snapshot flow control", () => {
  function laggingLearner(c: Cluster): void {
    c.elect(1);
    c.propose(1, "a");
    const leader = c.get(1);
    leader.storage.createSnapshot(leader.node.status().applied, leader.node.confState(), Buffer.alloc(100, 66));
    c.start(4, new MemoryStorage());
  }

  it("keeps at most the window of chunks unacknowledged", () => {
    const c = new Cluster([1, 2, 3], { snapshotChunkBytes: 5, snapshotChunksInFlightMax: 3 });
    laggingLearner(c);
    c.filter = (m) => m.kind !== "snapshot-ack";
    c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 4 });
    c.stabilize();
    expect(c.sent.filter((m) => m.kind === "snapshot-chunk")).toHaveLength(3);
    c.heal();
    // Every ack was lost: after an election timeout without progress the leader resends.
    c.tickAll(12);
    expect(c.get(4).restoredSnapshots).toBe(1);
    expect(c.sent.filter((m) => m.kind === "snapshot-chunk")).toHaveLength(23);
  });

  it("resends from the lost chunk instead of starting over", () => {
    const c = new Cluster([1, 2, 3], { snapshotChunkBytes: 5, snapshotChunksInFlightMax: 4 });
    laggingLearner(c);
    let dropped = false;
    c.filter = (m) => {
      if (m.kind !== "snapshot-chunk" || m.offsetBytes !== 30 || dropped) return true;
      dropped = true;
      return false;
    };
    c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 4 });
    c.stabilize();
    c.tickAll(3);
    expect(dropped).toBe(true);
    expect(c.get(4).restoredSnapshots).toBe(1);
    const chunks = c.sent.filter((m) => m.kind === "snapshot-chunk").length;
    expect(chunks).toBeGreaterThan(20);
    expect(chunks).toBeLessThan(30);
  });
});

describe("membership", () => {
  it("refuses to promote a learner that has not caught up, then promotes it", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.start(4, new MemoryStorage());
    c.filter = (m) => m.to !== 4;
    expect(c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 4 }).kind).toBe("accepted");
    c.stabilize();
    expect(c.node(1).proposeConfChange({ kind: "promote-learner", nodeId: 4 })).toMatchObject({ reason: "learner-behind" });
    c.heal();
    c.tickAll(3);
    expect(c.node(1).proposeConfChange({ kind: "promote-learner", nodeId: 4 }).kind).toBe("accepted");
    c.stabilize();
    expect(c.node(1).status().voters).toEqual([1, 2, 3, 4]);
  });

  it("allows one conf change in flight and refuses adding a voter directly", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.kind !== "append";
    expect(c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 4 }).kind).toBe("accepted");
    expect(c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 5 })).toMatchObject({ reason: "conf-change-pending" });
    expect(c.node(1).proposeConfChange({ kind: "promote-learner", nodeId: 2 })).toMatchObject({ kind: "rejected" });
  });

  it("removes the leader itself: it steps down and the rest elect a successor", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    expect(c.node(1).proposeConfChange({ kind: "remove-node", nodeId: 1 }).kind).toBe("accepted");
    c.stabilize();
    expect(c.node(1).status().role).toBe("follower");
    c.tickAll(40);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).not.toBe(1);
    const lead = leaders[0] as number;
    expect(c.node(lead).status().voters).toEqual([2, 3]);
    c.propose(lead, "x");
    expect(c.appliedData(2)).toContain("x");
  });

  it("transfers leadership to an up-to-date voter", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, "a");
    expect(c.node(1).transferLeadership(3)).toBe(true);
    c.stabilize();
    expect(c.leaders()).toEqual([3]);
  });

  it("transfers leadership to a lagging voter once it catches up", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.to !== 3;
    c.propose(1, "a");
    c.heal();
    expect(c.node(1).transferLeadership(3)).toBe(true);
    expect(c.node(1).propose(Buffer.from("refused")).kind).toBe("rejected");
    c.stabilize();
    c.tickAll(2);
    expect(c.leaders()).toEqual([3]);
  });
});

describe("reads", () => {
  it("read-index on the leader waits for a heartbeat quorum", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, "a");
    c.filter = () => false;
    expect(c.node(1).readIndex(Buffer.from("r1"))).toBe(true);
    c.stabilize();
    expect(c.get(1).readStates).toHaveLength(0);
    c.heal();
    c.tickAll(2);
    expect(c.get(1).readStates.map((r) => Buffer.from(r.context).toString())).toEqual(["r1"]);
    expect(c.get(1).readStates[0]?.index).toBe(c.node(1).status().commit);
  });

  it("a follower's read-index is answered through the leader", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, "a");
    expect(c.node(2).readIndex(Buffer.from("r2"))).toBe(true);
    c.stabilize();
    expect(c.get(2).readStates).toHaveLength(1);
    expect(c.get(2).readStates[0]?.index).toBe(c.node(1).status().commit);
  });

  it("lease reads answer at once", () => {
    const c = new Cluster([1, 2, 3], { readMode: "lease" });
    c.elect(1);
    c.filter = () => false;
    expect(c.node(1).readIndex(Buffer.from("r"))).toBe(true);
    c.stabilize();
    expect(c.get(1).readStates).toHaveLength(1);
  });
});

describe("the Ready contract", () => {
  it("refuses a second ready() before advance()", () => {
    const c = new Cluster([1]);
    c.node(1).campaign();
    c.node(1).ready();
    expect(() => c.node(1).ready()).toThrow(RaftAssertionError);
  });

  it("restarts from persisted state only", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, "a");
    const before = c.node(2).status();
    c.start(2, c.get(2).storage);
    const after = c.node(2).status();
    expect(after.term).toBe(before.term);
    expect(after.lastIndex).toBe(before.lastIndex);
    expect(after.commit).toBe(before.commit);
  });
});
