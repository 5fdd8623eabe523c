import { sqlstateOf } from "../common/sqlstate-error.js";
import type { IsolationLevel, KvEntry, KvScanOptions, KvStore, KvTransaction, PreparedTransactionInfo } from "../kv/kv.js";
import type { EngineStats } from "../storage/index.js";
import { TxnStore, type TxnStoreOptions, type TxnStoreStats } from "../txn/txn-store.js";
import { SqlEngine } from "../sql/engine.js";
import type { QueryResult } from "../sql/session/api.js";
import type { Session } from "../sql/session/session.js";
import { Catalog } from "../sql/catalog/index.js";
import type { Role, RoleSpec } from "../sql/catalog/index.js";

/** Bytes, or a string taken as UTF-8. */
export type KeyLike = Uint8Array | string;

export interface DatabaseOptions extends TxnStoreOptions {
  /** Isolation of `transaction()` and of the plain operations; default `snapshot`. */
  readonly isolation?: IsolationLevel;
  /** How many times `transaction()` reruns a function that hit a serialization failure or deadlock (default 10). */
  readonly maxRetries?: number;
  /** First retry delay in milliseconds; doubles per attempt with jitter, capped at 100 ms (default 1). */
  readonly retryDelayMs?: number;
}

export interface TransactionOptions {
  readonly isolation?: IsolationLevel;
  readonly readOnly?: boolean;
  readonly maxRetries?: number;
  readonly lockTimeoutMs?: number;
}

const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_RETRY_DELAY_MS = 100;

function toBytes(k: KeyLike): Uint8Array {
  return typeof k === "string" ? Buffer.from(k, "utf8") : k;
}

/**
 * The embedded library: a database in a directory, used in-process.
 *
 * ```ts
 * const db = await Database.open("./data");
 * await db.transaction(async (tx) => {
 *   const n = Number((await tx.get(Buffer.from("n")))?.toString() ?? 0);
 *   await tx.put(Buffer.from("n"), Buffer.from(String(n + 1)));
 * }, { isolation: "serializable" });
 * await db.close();
 * ```
 */
export class Database {
  private readonly engine: SqlEngine;

  private constructor(
    private readonly store: TxnStore,
    private readonly options: DatabaseOptions,
  ) {
    this.engine = new SqlEngine(store);
  }

  static async open(dir: string, options: DatabaseOptions = {}): Promise<Database> {
    return new Database(await TxnStore.open(dir, options), options);
  }

  /** The transactional key-value interface (what the SQL engine runs on). */
  get kv(): KvStore {
    return this.store;
  }

  /**
   * Runs `fn` in a transaction and commits it. When the transaction fails with a serialization
   * failure (40001) or as a deadlock victim (40P01), it reruns `fn` in a fresh transaction, up
   * to `maxRetries` times with growing, jittered delays; `fn` must therefore be safe to rerun.
   * Any other error rolls back and propagates.
   */
  async transaction<T>(fn: (tx: KvTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const maxRetries = options.maxRetries ?? this.options.maxRetries ?? 10;
    let delay = this.options.retryDelayMs ?? 1;
    for (let attempt = 0; ; attempt++) {
      const tx = await this.store.begin({
        isolation: options.isolation ?? this.options.isolation ?? "snapshot",
        readOnly: options.readOnly ?? false,
        ...(options.lockTimeoutMs !== undefined && { lockTimeoutMs: options.lockTimeoutMs }),
      });
      try {
        const result = await fn(tx);
        await tx.commit();
        return result;
      } catch (e) {
        if (tx.state === "active") await tx.rollback();
        if (!RETRYABLE.has(sqlstateOf(e) ?? "") || attempt >= maxRetries) throw e;
      }
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }

  /**
   * Runs one SQL statement in a transaction of its own and returns all its rows. Parameters
   * (`$1`, `$2`, ...) may be given as JS values: numbers, bigints, strings (read as the
   * parameter's type), booleans, Buffers, Float32Arrays or arrays for vectors, Dates.
   *
   * ```ts
   * await db.sql("CREATE TABLE t (id int PRIMARY KEY, name text)");
   * await db.sql("INSERT INTO t VALUES ($1, $2)", [1, "one"]);
   * const { rows } = await db.sql("SELECT name FROM t WHERE id = $1", [1]);
   * ```
   */
  async sql(text: string, params: readonly unknown[] = []): Promise<QueryResult> {
    const session = this.engine.session();
    try {
      return await session.run(text, params);
    } finally {
      await session.close();
    }
  }

  /**
   * A session for several statements (BEGIN ... COMMIT, SET, prepared statements). Close it when
   * done. `settings` are run-time settings as SET takes them (e.g. statement_timeout).
   */
  session(options: { readonly user?: string; readonly database?: string; readonly settings?: Readonly<Record<string, string>>; readonly backendPid?: number } = {}): Session {
    return this.engine.session(options);
  }

  /** A role of the SQL catalog as of the latest commit (what the network APIs authenticate against). */
  async getRole(name: string): Promise<Role | undefined> {
    return this.transaction((tx) => this.catalogOf(tx).getRole(name), { readOnly: true });
  }

  /** Creates the role, or sets its login, superuser and password as given when it exists. */
  async ensureRole(spec: RoleSpec): Promise<Role> {
    return this.transaction(async (tx) => {
      const catalog = this.catalogOf(tx);
      if ((await catalog.getRole(spec.name)) === undefined) return catalog.createRole(spec);
      return catalog.alterRole(spec.name, {
        ...(spec.login !== undefined && { login: spec.login }),
        ...(spec.superuser !== undefined && { superuser: spec.superuser }),
        ...(spec.passwordScram !== undefined && { passwordScram: spec.passwordScram }),
      });
    });
  }

  private catalogOf(tx: KvTransaction): Catalog {
    return Catalog.of(tx, { store: this.store, cache: this.engine.catalogCache });
  }

  /** The latest committed value. */
  async get(key: KeyLike): Promise<Uint8Array | undefined> {
    return this.transaction((tx) => tx.get(toBytes(key)), { readOnly: true });
  }

  /** Resolves when durable. */
  async put(key: KeyLike, value: KeyLike): Promise<void> {
    await this.transaction((tx) => tx.put(toBytes(key), toBytes(value)));
  }

  async delete(key: KeyLike): Promise<void> {
    await this.transaction((tx) => tx.delete(toBytes(key)));
  }

  /** Entries of one consistent snapshot, in key order (or reverse). */
  async scan(options: Omit<KvScanOptions, "start" | "end"> & { readonly start?: KeyLike; readonly end?: KeyLike } = {}): Promise<KvEntry[]> {
    return this.transaction(
      async (tx) => {
        const out: KvEntry[] = [];
        const { start, end, ...rest } = options;
        for await (const e of tx.scan({ ...rest, ...(start !== undefined && { start: toBytes(start) }), ...(end !== undefined && { end: toBytes(end) }) })) out.push(e);
        return out;
      },
      { readOnly: true },
    );
  }

  listPrepared(): Promise<readonly PreparedTransactionInfo[]> {
    return this.store.listPrepared();
  }

  commitPrepared(gid: string): Promise<void> {
    return this.store.commitPrepared(gid);
  }

  rollbackPrepared(gid: string): Promise<void> {
    return this.store.rollbackPrepared(gid);
  }

  stats(): { readonly transactions: TxnStoreStats; readonly storage: EngineStats } {
    return { transactions: this.store.stats(), storage: this.store.engine.stats() };
  }

  /** Flushes memtables and compacts everything into the last level (dropping versions no snapshot needs). */
  compact(): Promise<void> {
    return this.store.engine.compact();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
