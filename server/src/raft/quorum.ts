/** Majority arithmetic over a set of voters; pure functions. */
import type { NodeId } from "./types.js";

export type VoteResult = "won" | "lost" | "pending";

/** The largest index that a majority of `voters` have acknowledged (`match` per voter). */
export function committedIndex(voters: readonly NodeId[], match: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const acked = voters.map(match).sort((a, b) => b - a);
  return acked[Math.floor(voters.length / 2)] as number;
}

/** Tallies votes: won once a majority granted, lost once a majority can no longer be reached. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const majority = Math.floor(voters.length / 2) + 1;
  if (granted >= majority) return "won";
  if (voters.length - rejected < majority) return "lost";
  return "pending";
}

/** True when a majority of `voters` satisfy `ok`. */
export function hasQuorum(voters: readonly NodeId[], ok: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const id of voters) if (ok(id)) n++;
  return n >= Math.floor(voters.length / 2) + 1;
}
