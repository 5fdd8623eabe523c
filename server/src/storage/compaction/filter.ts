/**
 * The hook through which the layer above (MVCC) decides which old versions compaction may drop.
 * The engine calls `decide` in ascending user-key order, once per user key, for the version that
 * every engine snapshot sees (its newest with seq <= the oldest snapshot), and only for puts.
 * "remove" drops it at the bottom of the tree and writes a tombstone in its place elsewhere, so
 * an older version further down cannot reappear.
 */
export interface CompactionFilter {
  decide(userKey: Buffer, value: Buffer): "keep" | "remove";
}

export interface CompactionFilterFactory {
  /** A fresh filter for one compaction (filters may carry state across consecutive keys). */
  create(context: { readonly outputLevel: number; readonly bottommost: boolean }): CompactionFilter;
  /**
   * How a background worker thread builds the factory `create` would use now: a module it
   * imports, the function it calls there and that function's (structured-cloneable) arguments.
   * Called when a compaction starts. Without it, compactions run on the engine's thread.
   */
  forWorker?(): { readonly moduleUrl: string; readonly exportName: string; readonly args: readonly unknown[] };
}
