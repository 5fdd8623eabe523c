/** The system catalog snapshot a statement execution reads (system tables and functions share it). */
import { loadSystemSnapshot, type SessionInfo, type SystemSnapshot } from "../system/index.js";
import type { ExecContext } from "./context.js";

/** Snapshots by evaluation context: a statement execution gets a fresh one (and one only). */
const snapshots = new WeakMap<object, Promise<SystemSnapshot>>();

const NO_SESSION: SessionInfo = {
  user: "alopex",
  database: "alopex",
  backendPid: 0,
  startedAtUs: 0,
  setting: () => undefined,
  setSetting: (name) => {
    throw new Error(`cannot set "${name}" without a session`);
  },
  settings: () => [],
};

/** The system snapshot of the statement `ctx` runs (loaded on first use). */
export function systemSnapshotOf(ctx: ExecContext): Promise<SystemSnapshot> {
  let s = snapshots.get(ctx.evalContext);
  if (!s) {
    s = loadSystemSnapshot(ctx.catalog, ctx.session ?? NO_SESSION);
    snapshots.set(ctx.evalContext, s);
  }
  return s;
}
