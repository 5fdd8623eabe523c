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

  /** Row locks held until the transaction ends (SELECT ... FOR SHARE / FOR UPDATE). */
  lockKey(key: Uint8Array, mode: KeyLockMode): Promise<void>;
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
  listPrepared(): Promise<readonly PreparedTransactionInfo[]>;
  commitPrepared(gid: string): Promise<void>;
  rollbackPrepared(gid: string): Promise<void>;
  close(): Promise<void>;
}
