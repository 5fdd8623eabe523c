/**
 * Golden traces of scripted scenarios: every delivered message, in order, as text. A change in
 * protocol behaviour shows up as a diff of testdata/<name>.txt. Regenerate after an intended
 * change with `RAFT_REWRITE=1 pnpm exec vitest run src/raft/trace.test.ts` and review the diff.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Cluster } from "./sim/cluster.js";
import { formatMessage } from "./sim/format.js";
import { MemoryStorage } from "./storage/memory-storage.js";
import type { Message } from "./types.js";

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");
const REWRITE = process.env.RAFT_REWRITE === "1";

const scenarios: { name: string; run: (c: Cluster, log: (line: string) => void) => void }[] = [
  {
    name: "election-and-replication",
    run: (c, log) => {
      log("# node 1 campaigns (pre-vote, then vote)");
      c.elect(1);
      log("# propose x; then a heartbeat round");
      c.propose(1, "x");
      c.tickAll(1);
    },
  },
  {
    name: "read-index-from-follower",
    run: (c, log) => {
      c.elect(1);
      log("# node 3 asks for a read index; the leader confirms with a heartbeat round");
      c.node(3).readIndex(Buffer.from("r1"));
      c.stabilize();
    },
  },
  {
    name: "learner-catches-up-by-snapshot",
    run: (c, log) => {
      c.elect(1);
      c.propose(1, "a");
      const leader = c.get(1);
      leader.storage.createSnapshot(leader.node.status().applied, leader.node.confState(), Buffer.from("image"));
      log("# add learner 4 with an empty log; the leader's log is compacted");
      c.start(4, new MemoryStorage());
      c.node(1).proposeConfChange({ kind: "add-learner", nodeId: 4 });
      c.stabilize();
    },
  },
];

describe("golden traces", () => {
  it.each(scenarios)("$name", ({ name, run }) => {
    const c = new Cluster([1, 2, 3], { snapshotChunkBytes: 2 }, 7);
    const lines: string[] = [];
    let seen = 0;
    const flush = (): void => {
      for (; seen < c.sent.length; seen++) lines.push(formatMessage(c.sent[seen] as Message));
    };
    run(c, (line) => {
      flush();
      lines.push(line);
    });
    flush();
    const text = `${lines.join("\n")}\n`;
    const file = path.join(TESTDATA, `${name}.txt`);
    if (REWRITE) {
      fs.mkdirSync(TESTDATA, { recursive: true });
      fs.writeFileSync(file, text);
    }
    expect(fs.existsSync(file), `${file} is missing; run with RAFT_REWRITE=1`).toBe(true);
    expect(text).toBe(fs.readFileSync(file, "utf8"));
  });
});
