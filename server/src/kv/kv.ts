/**
 * The transactional, versioned, ordered key-value interface the SQL engine runs on.
 *
 * The single-node implementation is the storage engine plus the transaction layer (`txn/`); a
 * distributed implementation (ranges over Raft) will implement the same interface. So nothing
 * here may assume one process: every operation is asynchronous, keys and values are bytes,
 * transactions are named by opaque ids, and prepared transactions by global ids.
 */

/** Isolation levels, weakest first. `snapshot` is the default. */
export const ISOLATION_LEVELS = ["read-uncommitted", "read-committed", "repeatable-read", "snapshot", "serializable"] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

/** Active → Committed | Aborted, and Active → Prepared → Committed | Aborted (two-phase commit). */
export type TxnState = "active" | "prepared" | "committed" | "aborted";

/** Row (key) lock modes, for SELECT ... FOR SHARE / FOR UPDATE. */
export type KeyLockMode = "shared" | "exclusive";

/**
 * Table lock modes: the multi-granularity lattice (intention shared/exclusive, shared,
 * shared + intention exclusive, exclusive). `LOCK TABLE` maps PostgreSQL's eight modes onto these.
 */
export type TableLockMode = "intention-shared" | "intention-exclusive" | "shared" | "shared-intention-exclusive" | "exclusive";

export interface BeginOptions {
  /** Default `snapshot`. */
  readonly isolation?: IsolationLevel;
  /** A read-only transaction rejects writes (SQLSTATE 25006) and never fails validation. */
  readonly readOnly?: boolean;
  /** How long a lock wait may take before failing with SQLSTATE 55P03; default from the store. */
  readonly lockTimeoutMs?: number;
}

export interface KvEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** A key range: `start` inclusive, `end` exclusive; a missing bound is open. */
export interface KvRange {
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
}

export interface KvScanOptions extends KvRange {
  readonly reverse?: boolean;
  /** Stop after this many entries. */
  readonly limit?: number;
}

/**
 * An ordered cursor over a range. Pull with `nextBatch` (an empty batch means the end), or
 * iterate with `for await`. Close it (or run it to the end) so the range it covered is recorded
 * for conflict checking and the snapshot it pins is released.
 */
export interface KvCursor extends AsyncIterable<KvEntry> {
  nextBatch(maxEntries?: number): Promise<readonly KvEntry[]>;
  close(): void;
}

/**
 * A vector index whose entries are kv pairs written with `putVector`. The store indexes them
 * (HNSW per memtable, per SSTable, and one graph over all SSTables) so that `vectorSearch` finds
 * the nearest without a scan.
 * Entries belong to one index only if they agree on every field.
 */
export interface VectorIndexSpec {
  /** Unique per index in the store; an integer in [0, 2^32 - 1]. */
  readonly id: number;
  /** 1..16000. */
  readonly dims: number;
  /** l2 orders by `<->` (Euclidean), cosine by `<=>` (1 - cos), inner by `<#>` (the negative inner product). */
  readonly metric: "l2" | "cosine" | "inner";
  /** HNSW neighbours per node, 2..100 (default 16). */
  readonly m?: number;
  /** HNSW build candidate list size, 4..1000 and >= 2m (default 64). */
  readonly efConstruction?: number;
}

export interface KvVectorSearchOptions {
  readonly index: VectorIndexSpec;
  /** Must have `index.dims` finite elements (22000 otherwise). */
  readonly query: Float32Array;
  /** How many entries to return (at most). */
  readonly k: number;
  /** HNSW candidate list size, 1..1000 (default 40, pgvector's); larger is slower and more exact. */
  readonly efSearch?: number;
  /**
   * Only entries with keys in this range count (the index's key span). NB: a serializable
   * transaction records the whole range as read, so without one it conflicts with every write.
   */
  readonly range?: KvRange;
  /** Only entries whose key passes count (a WHERE clause); asked about candidates only, once each. */
  readonly filter?: (key: Uint8Array) => boolean;
  /** Scan the range and compute every distance instead of searching the indexes. */
  readonly exact?: boolean;
  /**
   * When the indexes cannot prove that a short answer is complete, rescan exactly (default true).
   * False returns what the indexes found, with `exhaustive` saying whether it is complete.
   */
  readonly fallbackToExact?: boolean;
}

export interface KvVectorHit {
  readonly key: Uint8Array;
  /** The metric's operator value (`<->`, `<=>` or `<#>`) between the entry and the query. */
  readonly distance: number;
}

export interface KvVectorSearchResult {
  /** Nearest first; ties by key; NaN distances (cosine of a zero vector) last. */
  readonly hits: readonly KvVectorHit[];
  /**
   * True when `hits` holds min(k, n) entries, n being how many visible entries match: a short
   * answer then proves there are no more. False only with `fallbackToExact: false`, when an
   * approximate search may have missed some: run again with `exact: true` to be sure.
   */
  readonly exhaustive: boolean;
}

export interface KvTransaction {
  /** Unique within the store; stable across a restart for prepared transactions. */
  readonly id: string;
  readonly isolation: IsolationLevel;
  readonly readOnly: boolean;
  readonly state: TxnState;

  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  delete(key: Uint8Array): Promise<void>;
  scan(options?: KvScanOptions): KvCursor;

  /**
   * Writes `key` (as `put` does) with the vector as its value, marked as an entry of vector index
   * `index`. `get` and `scan` read it back as the float32 bytes (little-endian); `delete` and
   * `put` replace it as usual. Throws 22000 for a vector of other dimensions or with NaN or
   * infinite elements, 22023 for bad index parameters.
   */
  putVector(key: Uint8Array, index: VectorIndexSpec, vector: Float32Array): Promise<void>;
  /**
   * The k entries of `index` nearest to the query among those this transaction sees (its
   * snapshot plus its own writes; deleted and overwritten entries excluded), nearest first.
   * Approximate (HNSW) unless `exact`, but never short: when the indexes cannot prove that fewer
   * than k match, it falls back to an exact scan of `range` (see `fallbackToExact`). Serializable
   * transactions record `range` as read. Throws 22000 for a query of other dimensions or with
   * NaN or infinite elements, 22023 for bad index parameters or `efSearch`.
   */
  vectorSearch(options: KvVectorSearchOptions): Promise<KvVectorSearchResult>;

  /** Row locks held until the transaction ends (SELECT ... FOR SHARE / FOR UPDATE). */
  lockKey(key: Uint8Array, mode: KeyLockMode): Promise<void>;
  /**
   * lockKey without waiting (NOWAIT, SKIP LOCKED): true when the lock is held now, false when
   * another transaction holds the key in a conflicting mode (nothing is queued then).
   */
  tryLockKey(key: Uint8Array, mode: KeyLockMode): boolean;
  /** Table locks held until the transaction ends (LOCK TABLE, and the SQL layer's DDL/DML locks). */
  lockTable(table: string, mode: TableLockMode): Promise<void>;

  /**
   * Marks the start of a statement. Read Committed takes a fresh snapshot here; the other
   * levels keep the transaction's snapshot. The SQL layer calls it before each statement.
   */
  beginStatement(): void;

  /** Resolves once the commit is durable (under `wal_sync: always`). SQLSTATE 40001 on conflict. */
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /**
   * Phase one of two-phase commit: after it resolves the transaction survives a crash, keeps
   * its locks, and can only be finished by `commitPrepared` / `rollbackPrepared` on the store.
   */
  prepare(gid: string): Promise<void>;

  /**
   * SAVEPOINT: marks the write set so `rollbackToSavepoint` can undo what was written after it.
   * Names may repeat; the newest of a name wins. Reads and locks taken after it are kept.
   */
  savepoint(name: string): void;
  /** RELEASE SAVEPOINT: forgets the savepoint and every later one (their writes stay). 3B001 if unknown. */
  releaseSavepoint(name: string): void;
  /** ROLLBACK TO SAVEPOINT: undoes writes made after it; the savepoint stays. 3B001 if unknown. */
  rollbackToSavepoint(name: string): Promise<void>;
}

export interface PreparedTransactionInfo {
  readonly gid: string;
  readonly txnId: string;
  readonly isolation: IsolationLevel;
  /** Milliseconds since the epoch when the transaction was prepared. */
  readonly preparedAt: number;
}

export interface KvStore {
  begin(options?: BeginOptions): Promise<KvTransaction>;
  /**
   * About how many keys `range` holds, from metadata only (no data is read, nothing is locked,
   * no transaction sees it): for a query planner's row counts. Synchronous, because planning is:
   * the single-node store answers from its tables' key samples and its memtables; a distributed
   * store answers from range statistics it already holds. Upper-ish and possibly stale: keys
   * written since, deleted but not yet collected, or held in several storage levels may count
   * (see StorageEngine.approximateLogicalKeys). Optional: a store without one leaves planners to
   * their defaults.
   */
  approximateCount?(range: KvRange): number;
  listPrepared(): Promise<readonly PreparedTransactionInfo[]>;
  commitPrepared(gid: string): Promise<void>;
  rollbackPrepared(gid: string): Promise<void>;
  close(): Promise<void>;
}
