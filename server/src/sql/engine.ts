/**
 * The SQL engine over a kv store: what sessions of one database share (the catalog cache, the
 * statement cache, table statistics).
 */
import type { KvStore } from "../kv/kv.js";
import { CatalogCache } from "./catalog/index.js";
import type { StatsSource } from "./optimizer/stats.js";
import { storeRowEstimates } from "./optimizer/store-stats.js";
import { newStatementCache, Session, type SessionOptions, type StatementCache } from "./session/session.js";

export interface SqlEngineOptions {
  readonly stats?: StatsSource;
  readonly tempDir?: string;
}

export class SqlEngine {
  readonly catalogCache = new CatalogCache();
  readonly statementCache: StatementCache = newStatementCache();
  /**
   * What planning knows of tables beyond their ANALYZE statistics (which sessions load from the
   * catalog and which win): by default the store's row estimates (optimizer/store-stats.ts).
   */
  stats: StatsSource;
  /** What sessions are given: reads `stats` when asked, so replacing it reaches every session. */
  private readonly sessionStats: StatsSource = {
    tableStats: (t) => this.stats.tableStats(t),
    approximateRows: (t) => this.stats.approximateRows?.(t),
  };

  constructor(
    readonly store: KvStore,
    private readonly options: SqlEngineOptions = {},
  ) {
    this.stats = options.stats ?? storeRowEstimates(store);
  }

  session(options?: Partial<Pick<SessionOptions, "user" | "database" | "settings" | "backendPid">>): Session {
    // Database.sql() asks for a session per statement, without options: those are made once.
    if (options === undefined) return new Session((this.defaultSessionOptions ??= this.sessionOptions({})));
    return new Session(this.sessionOptions(options));
  }

  private defaultSessionOptions: SessionOptions | undefined;

  private sessionOptions(options: Partial<Pick<SessionOptions, "user" | "database" | "settings" | "backendPid">>): SessionOptions {
    return {
      store: this.store,
      catalogCache: this.catalogCache,
      statementCache: this.statementCache,
      stats: this.sessionStats,
      ...(this.options.tempDir && { tempDir: this.options.tempDir }),
      ...options,
    };
  }
}
