/**
 * The server's Prometheus metrics (prom-client). Statement counts and latencies and WAL fsync
 * latencies are recorded as they happen; everything the storage engine, the transaction store
 * and the wire server already count is read from their stats() when /metrics is scraped, so
 * the hot paths pay nothing for it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, Registry } from "prom-client";
import type { PgServerStats } from "../api/pgwire/index.js";
import type { EngineStats } from "../storage/index.js";
import type { TxnStoreStats } from "../txn/index.js";

/** Which client API a statement or connection came through. */
export type ApiName = "pgwire" | "rest" | "grpc";

export interface MetricsSources {
  /** undefined until the database is open (recovery runs first). */
  database(): { readonly transactions: TxnStoreStats; readonly storage: EngineStats } | undefined;
  pgwire(): PgServerStats | undefined;
}

const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const FSYNC_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** One (api, command) series of statement latencies: per-bucket counts (the last one past every bound), sum, count. */
interface DurationSeries {
  readonly labels: { readonly api: ApiName; readonly command: string };
  readonly buckets: number[];
  sum: number;
  count: number;
}

/**
 * alopex_query_duration_seconds, in prom-client's histogram exposition. Statements are counted
 * into plain arrays and laid out only when scraped: prom-client's observe() validates, builds
 * and hashes the label set on every call, which showed in profiles of short statements.
 */
class StatementDurations {
  readonly name = "alopex_query_duration_seconds";
  readonly help = "Statement latency from execution start to the last row";
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly series = new Map<ApiName, Map<string, DurationSeries>>();

  observe(api: ApiName, command: string, seconds: number): void {
    let byCommand = this.series.get(api);
    if (byCommand === undefined) this.series.set(api, (byCommand = new Map()));
    let s = byCommand.get(command);
    if (s === undefined) byCommand.set(command, (s = { labels: { api, command }, buckets: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0), sum: 0, count: 0 }));
    let b = 0;
    while (b < LATENCY_BUCKETS_SECONDS.length && seconds > LATENCY_BUCKETS_SECONDS[b]!) b++;
    s.buckets[b]!++;
    s.sum += seconds;
    s.count++;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    const bucket = `${this.name}_bucket`;
    for (const byCommand of this.series.values()) {
      for (const s of byCommand.values()) {
        let acc = 0;
        for (let i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) {
          acc += s.buckets[i]!;
          values.push({ labels: { le: LATENCY_BUCKETS_SECONDS[i]!, ...s.labels }, value: acc, metricName: bucket });
        }
        values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: bucket });
        values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
        values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
      }
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.series.clear();
  }
}

/** A counter whose value is read from a cumulative source at scrape time. */
function sourcedCounter(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      this.reset();
      if (v !== undefined) this.inc(v);
    },
  });
}

function sourcedGauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      if (v === undefined) this.reset();
      else this.set(v);
    },
  });
}

export class ServerMetrics {
  readonly registry = new Registry();
  /** Statements finished, by API and command, with their latencies (alopex_queries_total counts them too). */
  private readonly queryDuration = new StatementDurations();
  private readonly queryErrors: Counter<"api" | "sqlstate_class">;
  private readonly walFsync: Histogram;
  /** Open connections and connections since start of the APIs this class counts itself (pgwire reports its own). */
  private readonly open = { rest: 0, grpc: 0 };
  private readonly opened = { rest: 0, grpc: 0 };

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const durations = this.queryDuration;
    new Counter({
      name: "alopex_queries_total",
      help: "Statements finished, by API and command (SELECT, INSERT, CREATE TABLE, ...)",
      labelNames: ["api", "command"],
      registers,
      collect() {
        this.reset();
        for (const byCommand of durations.series.values()) for (const s of byCommand.values()) this.inc(s.labels, s.count);
      },
    });
    this.queryErrors = new Counter({ name: "alopex_query_errors_total", help: "Statements that failed, by API and SQLSTATE class (first two characters)", labelNames: ["api", "sqlstate_class"], registers });
    // Not one of prom-client's classes, but what its registry reads of one (get, reset and the names).
    this.registry.registerMetric(durations as unknown as Metric);
    this.walFsync = new Histogram({ name: "alopex_wal_fsync_duration_seconds", help: "Latency of WAL fsyncs (one per commit group)", buckets: FSYNC_BUCKETS_SECONDS, registers });
    this.connectionMetrics();
    this.storageMetrics();
    this.transactionMetrics();
    this.pgwireMetrics();
  }

  /** One statement finished: `command` is its command tag without counts ("INSERT"), or undefined if it failed before it had one. */
  statementFinished(api: ApiName, command: string | undefined, seconds: number, sqlstate: string | undefined): void {
    if (sqlstate !== undefined) {
      this.queryErrors.inc({ api, sqlstate_class: sqlstate.slice(0, 2) });
      return;
    }
    this.queryDuration.observe(api, command === undefined || command === "" ? "EMPTY" : command, seconds);
  }

  walSynced(seconds: number): void {
    this.walFsync.observe(seconds);
  }

  connectionOpened(api: "rest" | "grpc"): void {
    this.open[api]++;
    this.opened[api]++;
  }

  connectionClosed(api: "rest" | "grpc"): void {
    this.open[api]--;
  }

  /** The text exposition format for /metrics. */
  async exposition(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private connectionMetrics(): void {
    const sources = this.sources;
    const open = this.open;
    const opened = this.opened;
    new Gauge({
      name: "alopex_connections",
      help: "Open connections: pgwire sessions, REST sockets, gRPC transaction sessions",
      labelNames: ["api"],
      registers: [this.registry],
      collect() {
        this.set({ api: "pgwire" }, sources.pgwire()?.sessions ?? 0);
        this.set({ api: "rest" }, open.rest);
        this.set({ api: "grpc" }, open.grpc);
      },
    });
    new Counter({
      name: "alopex_connections_opened_total",
      help: "Connections since start: pgwire sessions started, REST sockets accepted, gRPC transaction sessions begun",
      labelNames: ["api"],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ api: "pgwire" }, sources.pgwire()?.sessionsStarted ?? 0);
        this.inc({ api: "rest" }, opened.rest);
        this.inc({ api: "grpc" }, opened.grpc);
      },
    });
  }

  private storageMetrics(): void {
    const r = this.registry;
    const s = (): EngineStats | undefined => this.sources.database()?.storage;
    sourcedGauge(r, "alopex_memtable_bytes", "Bytes in the active and immutable memtables", () => s()?.memtableBytes);
    sourcedGauge(r, "alopex_immutable_memtables", "Memtables waiting to be flushed", () => s()?.immutableMemtables);
    sourcedGauge(r, "alopex_block_cache_bytes", "Bytes of parsed blocks in the block cache", () => s()?.blockCache.sizeBytes);
    sourcedGauge(r, "alopex_block_cache_capacity_bytes", "The block cache's byte budget (block_cache_size)", () => s()?.blockCache.capacityBytes);
    sourcedGauge(r, "alopex_block_cache_hit_ratio", "Block cache hits / lookups since start", () => s()?.blockCache.hitRatio);
    sourcedCounter(r, "alopex_block_cache_hits_total", "Block cache hits", () => s()?.blockCache.hits);
    sourcedCounter(r, "alopex_block_cache_misses_total", "Block cache misses", () => s()?.blockCache.misses);
    sourcedGauge(r, "alopex_pinned_table_bytes", "Index blocks and bloom filters of open tables (outside the block cache)", () => s()?.pinnedTableBytes);
    sourcedGauge(r, "alopex_vector_index_bytes", "Loaded HNSW segments of tables (within vector_index_memory)", () => s()?.vectorIndex.sizeBytes);
    sourcedCounter(r, "alopex_wal_written_bytes_total", "Bytes appended to the WAL", () => s()?.walBytesWritten);
    sourcedCounter(r, "alopex_user_written_bytes_total", "Bytes of keys and values written by transactions", () => s()?.userBytesWritten);
    sourcedCounter(r, "alopex_flush_written_bytes_total", "Bytes written by memtable flushes", () => s()?.flushBytesWritten);
    sourcedCounter(r, "alopex_flushes_total", "Memtable flushes", () => s()?.flushes);
    sourcedCounter(r, "alopex_compaction_read_bytes_total", "Bytes read by compactions", () => s()?.compactionBytesRead);
    sourcedCounter(r, "alopex_compaction_written_bytes_total", "Bytes written by compactions", () => s()?.compactionBytesWritten);
    sourcedCounter(r, "alopex_compactions_total", "Compactions run", () => s()?.compactions);
    sourcedGauge(r, "alopex_compaction_pending_bytes", "Bytes above their level's target, waiting for compaction", () => s()?.pendingCompactionBytes);
    sourcedGauge(r, "alopex_write_amplification", "(flushed + compacted bytes) / user bytes", () => s()?.writeAmplification);
    sourcedCounter(r, "alopex_write_slowdowns_total", "Writes slowed down by L0 files or immutable memtables piling up", () => s()?.writeSlowdowns);
    sourcedCounter(r, "alopex_write_stalls_total", "Writes that waited at a stop trigger", () => s()?.writeStalls);
    sourcedGauge(r, "alopex_storage_failed", "1 once a background write failed and the engine refuses writes", () => {
      const st = s();
      return st === undefined ? undefined : st.failure === undefined ? 0 : 1;
    });
    const sources = this.sources;
    const levelGauge = (name: string, help: string, pick: (l: EngineStats["levels"][number]) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ["level"],
        registers: [r],
        collect() {
          this.reset();
          for (const l of sources.database()?.storage.levels ?? []) this.set({ level: String(l.level) }, pick(l));
        },
      });
    };
    levelGauge("alopex_level_files", "SSTables per LSM level", (l) => l.files);
    levelGauge("alopex_level_bytes", "Bytes of SSTables per LSM level", (l) => l.bytes);
  }

  private transactionMetrics(): void {
    const r = this.registry;
    const t = (): TxnStoreStats | undefined => this.sources.database()?.transactions;
    sourcedCounter(r, "alopex_transactions_committed_total", "Transactions committed", () => t()?.commits);
    sourcedCounter(r, "alopex_transactions_aborted_total", "Transactions rolled back or aborted", () => t()?.aborts);
    sourcedCounter(r, "alopex_serialization_failures_total", "Transactions aborted with 40001", () => t()?.serializationFailures);
    sourcedGauge(r, "alopex_transactions_active", "Transactions open now", () => t()?.active);
    sourcedGauge(r, "alopex_transactions_prepared", "Prepared (two-phase) transactions waiting for COMMIT/ROLLBACK PREPARED", () => t()?.prepared);
    sourcedCounter(r, "alopex_newest_value_hits_total", "Point reads answered by the cache of newest committed values", () => t()?.newestValueHits);
    sourcedCounter(r, "alopex_newest_value_misses_total", "Point reads that went to storage", () => t()?.newestValueMisses);
    sourcedGauge(r, "alopex_newest_value_entries", "Keys held by the cache of newest committed values", () => t()?.newestValueEntries);
  }

  private pgwireMetrics(): void {
    const r = this.registry;
    const p = (): PgServerStats | undefined => this.sources.pgwire();
    sourcedCounter(r, "alopex_pgwire_connections_accepted_total", "TCP connections accepted by the wire server", () => p()?.connectionsAccepted);
    sourcedCounter(r, "alopex_pgwire_connections_refused_total", "Connections refused at max_connections (53300)", () => p()?.connectionsRefusedLimit);
    sourcedCounter(r, "alopex_pgwire_connections_dropped_total", "Connections dropped because too many were in startup", () => p()?.connectionsDroppedPending);
    sourcedCounter(r, "alopex_pgwire_authentication_failures_total", "Failed authentications", () => p()?.authenticationFailures);
    sourcedCounter(r, "alopex_pgwire_protocol_violations_total", "Connections ended with FATAL 08P01", () => p()?.protocolViolations);
    sourcedCounter(r, "alopex_pgwire_cancel_requests_total", "CancelRequests received", () => p()?.cancelRequests);
    sourcedGauge(r, "alopex_pgwire_pending_connections", "Connections in startup or authentication", () => p()?.pendingConnections);
  }
}
