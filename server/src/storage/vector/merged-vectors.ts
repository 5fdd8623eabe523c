import { vectorIndexKey, type ValidVectorIndexParams, type VectorSegmentCache } from "../../vector/index.js";
import type { SstReader } from "../sstable/reader.js";
import type { VersionEdit } from "../version/version-edit.js";
import { MergedVectorIndex } from "./merged-index.js";
import type { TableVectors } from "./table-vectors.js";

/** The state (and budget reservation) key of an index's merged graph. */
function ownerOf(params: ValidVectorIndexParams): string {
  return `merged/${vectorIndexKey(params)}`;
}

/** What the merged indexes need from the engine. */
export interface MergedVectorsHost {
  /** The live tables, newest version. */
  liveFiles(): readonly number[];
  reader(fileNumber: number): SstReader;
}

/** Graph nodes added per background step: about 10-30 ms of work at 128 dimensions. */
export const MERGED_INSERTS_PER_STEP = 128;

/** One vector index's merged graph, or why it has none. */
interface MergedState {
  readonly params: ValidVectorIndexParams;
  readonly owner: string;
  index: MergedVectorIndex | undefined;
  /** Live tables not accounted yet (the initial build), oldest first. */
  readonly unaccounted: Set<number>;
  /**
   * Without an index: the live tables when it was refused (too large for the budget), so that a
   * search re-estimates only after they change; or a table that failed to read, so that the
   * index is tried again only once that table is gone.
   */
  refusedAt?: string;
  failedFile?: number;
}

export interface MergedVectorsStats {
  /** Vector indexes with a merged graph. */
  readonly indexes: number;
  /** Vector indexes searched table by table instead: the graph would not fit the budget, or a table failed to read. */
  readonly refused: number;
  readonly entries: number;
  readonly bytes: number;
  /** Tables the graphs do not cover yet (still searched on their own). */
  readonly uncoveredFiles: number;
  readonly inserts: number;
  readonly removes: number;
  readonly builds: number;
  /** Search hits whose version was proved visible without a read (see MergedIndexCounters). */
  readonly unreadHits: number;
}

/**
 * The engine's merged vector indexes: for each vector index searched, one HNSW graph over the
 * entries of every live table (`MergedVectorIndex`), built lazily from the tables' segments at
 * the first search and then kept up to date by the version edits that install and retire tables.
 *
 * A table is covered once it is accounted and its new entries are in the graph; until then it is
 * searched on its own, as every table is without a merged index. The work (reading a table's
 * entries, adding graph nodes) runs a slice at a time through `step`; a version edit accounts the
 * tables it adds at once (their bytes were just written), before it retires the ones it deletes,
 * so that entries a compaction moves keep their nodes.
 *
 * Memory: each graph's bytes are reserved in the segment cache (`vector_index_memory`); an index
 * whose estimated size does not fit is not built, and one that outgrows the budget is dropped;
 * both are searched table by table. A table that fails to read (damage) drops its index too, and
 * the table-by-table search reports the damage.
 */
export class MergedVectors {
  private readonly states = new Map<string, MergedState>();

  private builds = 0;
  private droppedCounters = { inserts: 0, removes: 0, unreadHits: 0 };

  constructor(
    private readonly tables: TableVectors,
    private readonly budget: VectorSegmentCache,
    private readonly host: MergedVectorsHost,
  ) {}

  /**
   * The merged index of `params` for a search, creating it (empty, every live table unaccounted)
   * on first use; undefined while it is refused. Tables it does not `covers` must be searched on
   * their own.
   */
  indexFor(params: ValidVectorIndexParams): MergedVectorIndex | undefined {
    const owner = ownerOf(params);
    let state = this.states.get(owner);
    if (state === undefined) this.states.set(owner, (state = { params, owner, index: undefined, unaccounted: new Set() }));
    if (state.index === undefined) this.maybeCreate(state);
    return state.index;
  }

  /**
   * Whether the merged index of `params` covers every live table that holds entries of it (none is
   * waiting to be accounted or to have its entries added), so no table needs a search of its own.
   */
  coversAll(params: ValidVectorIndexParams): boolean {
    const state = this.states.get(ownerOf(params));
    return state?.index !== undefined && state.unaccounted.size === 0 && state.index.pendingFiles === 0;
  }

  /** Whether `step` has anything to do. */
  hasWork(): boolean {
    for (const s of this.states.values()) if (s.index !== undefined && (s.unaccounted.size > 0 || s.index.pendingFiles > 0)) return true;
    return false;
  }

  /**
   * One slice of work: accounts one unaccounted table, or adds up to MERGED_INSERTS_PER_STEP graph
   * nodes. Failures drop the index concerned (see the class comment); never throws.
   */
  step(): void {
    for (const state of this.states.values()) {
      const index = state.index;
      if (index === undefined) continue;
      const [next] = state.unaccounted;
      if (next !== undefined) {
        state.unaccounted.delete(next);
        this.guarded(state, () => this.account(state, index, next), () => next);
        return;
      }
      if (index.pendingFiles > 0) {
        this.guarded(state, () => index.insertPending(MERGED_INSERTS_PER_STEP));
        if (state.index !== undefined && index.pendingFiles === 0 && state.unaccounted.size === 0) this.releaseSegments(state.params);
        return;
      }
    }
  }

  /**
   * Follows a version edit that was just installed: accounts the tables it adds, then forgets the
   * ones it deletes (a table both added and deleted moved level and stays as it is).
   */
  applyEdit(edit: VersionEdit): void {
    const added = new Set((edit.added ?? []).map(([, f]) => f.fileNumber));
    const deleted = new Set((edit.deleted ?? []).map(([, n]) => n));
    for (const state of this.states.values()) {
      const index = state.index;
      if (index === undefined) continue;
      let reading: number | undefined;
      this.guarded(state, () => {
        for (const n of added) {
          if (deleted.has(n)) continue;
          reading = n;
          this.account(state, index, n);
        }
        reading = undefined;
        for (const n of deleted) if (!added.has(n) && !state.unaccounted.delete(n)) index.removeFile(n);
      }, () => reading);
    }
  }

  stats(): MergedVectorsStats {
    let indexes = 0;
    let refused = 0;
    let entries = 0;
    let bytes = 0;
    let uncovered = 0;
    let { inserts, removes, unreadHits } = this.droppedCounters;
    for (const s of this.states.values()) {
      if (s.index === undefined) {
        refused++;
        continue;
      }
      indexes++;
      entries += s.index.size;
      bytes += s.index.memoryBytes();
      uncovered += s.unaccounted.size + s.index.pendingFiles;
      inserts += s.index.counters.inserts;
      removes += s.index.counters.removes;
      unreadHits += s.index.counters.unreadHits;
    }
    return { indexes, refused, entries, bytes, uncoveredFiles: uncovered, inserts, removes, builds: this.builds, unreadHits };
  }

  close(): void {
    for (const s of this.states.values()) this.drop(s);
    this.states.clear();
  }

  /**
   * The index now covers every live table: their cached segments of it (loaded by searches made
   * while it was being built) would only take memory, so they go.
   */
  private releaseSegments(params: ValidVectorIndexParams): void {
    for (const n of this.host.liveFiles()) this.tables.dropSegment(n, params);
  }

  private maybeCreate(state: MergedState): void {
    const live = this.host.liveFiles();
    if (state.failedFile !== undefined && live.includes(state.failedFile)) return;
    const signature = live.join(",");
    if (state.refusedAt === signature) return;
    let rows = 0;
    const files: number[] = [];
    for (const n of live) {
      let r: number;
      try {
        r = this.tables.rows(this.host.reader(n), state.params);
      } catch {
        // A damaged directory: the table-by-table search reports it.
        state.failedFile = n;
        return;
      }
      if (r === 0) continue;
      rows += r;
      files.push(n);
    }
    // Keys are guessed at 32 bytes (an MVCC version key of a short primary key); the real bytes
    // are reserved as they arrive.
    const estimate = MergedVectorIndex.estimateMemoryBytes(state.params, rows, 32 * rows);
    if (estimate > this.budget.capacityBytes - this.budget.reservedBytes()) {
      state.refusedAt = signature;
      return;
    }
    state.refusedAt = undefined;
    state.failedFile = undefined;
    state.index = new MergedVectorIndex(state.params, this);
    for (const n of files) state.unaccounted.add(n);
    this.builds++;
    this.charge(state);
  }

  /** Accounts table `fileNumber` in `index` if it holds entries of it. */
  private account(state: MergedState, index: MergedVectorIndex, fileNumber: number): void {
    const entries = this.tables.readEntries(this.host.reader(fileNumber), state.params);
    if (entries !== undefined) index.addFile(fileNumber, entries);
  }

  /**
   * Runs `work` on the state's index, then charges the index's memory; drops the index when either
   * fails, remembering the table `failing()` names (the one being read, if any).
   */
  private guarded(state: MergedState, work: () => unknown, failing: () => number | undefined = () => undefined): void {
    try {
      work();
    } catch {
      // The table-by-table search reads the same table and reports what is wrong with it.
      this.drop(state);
      state.failedFile = failing();
      return;
    }
    this.charge(state);
  }

  /** Reserves the index's bytes in the budget; an index that no longer fits is dropped. */
  private charge(state: MergedState): void {
    if (state.index !== undefined && !this.budget.reserve(state.owner, state.index.memoryBytes())) {
      this.drop(state);
      state.refusedAt = this.host.liveFiles().join(",");
    }
  }

  private drop(state: MergedState): void {
    if (state.index === undefined) return;
    this.droppedCounters.inserts += state.index.counters.inserts;
    this.droppedCounters.removes += state.index.counters.removes;
    this.droppedCounters.unreadHits += state.index.counters.unreadHits;
    state.index.close();
    state.index = undefined;
    state.unaccounted.clear();
    this.budget.reserve(state.owner, 0);
  }
}
