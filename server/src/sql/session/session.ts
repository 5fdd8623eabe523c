/**
 * A SQL session: the state of one connection (its transaction, settings, sequences) and the
 * statement pipeline parse → analyze → plan → execute.
 *
 * Transactions. Outside BEGIN each statement runs in a transaction of its own, committed when
 * its result has been read to the end (or closed). Inside BEGIN ... COMMIT statements share the
 * block's transaction; after an error the block is failed (25P02 for everything but ROLLBACK).
 * A multi-statement simple query outside a block runs each statement in its own transaction
 * (PostgreSQL runs them in one; see docs/ARCHITECTURE.md).
 *
 * Plans. A prepared statement keeps its plan and the tables it used with their versions; each
 * execution locks those tables again (as analysis would) and replans if any changed.
 */
import { SqlStateError, sqlstateOf } from "../../common/sqlstate-error.js";
import type { BeginOptions, IsolationLevel, KvStore, KvTransaction, TableLockMode } from "../../kv/kv.js";
import { AnalyzerContext, ParamTypes, type TableUse, type ViewUse } from "../analyzer/context.js";
import { analyzeStatement, innermostStatement, isPlannable } from "../analyzer/statement.js";
import { Catalog, type CatalogCache, type Index, SequenceSession } from "../catalog/index.js";
import { buildOperator } from "../executor/build.js";
import { compileExpr } from "../executor/compile.js";
import type { ExecContext, NodeStats } from "../executor/context.js";
import type { Operator, Row } from "../executor/operator.js";
import { analyzeTables } from "../optimizer/analyze.js";
import { planQuery, type PlannerOptions } from "../optimizer/planner.js";
import { RecordedEstimates } from "../optimizer/estimate-drift.js";
import { loadTableStats, statsSourceOf } from "../optimizer/stats-store.js";
import { NO_STATS, type StatsSource } from "../optimizer/stats.js";
import { parseSql, type Statement } from "../parser/index.js";
import type * as ast from "../parser/index.js";
import { explainPlan } from "../plan/explain.js";
import { type ScalarExpr, walkExpr } from "../plan/expr.js";
import { nodeExprs } from "../plan/columns.js";
import { inputsOf, type LogicalPlan } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { type SqlType, type SqlValue, TEXT } from "../types/index.js";
import type { PreparedStatement, QueryResult, ResultColumn, SessionNotice, SqlSession, StatementResult, TransactionStatus } from "./api.js";
import type { SessionInfo } from "../system/index.js";
import { startCopy } from "./copy.js";
import { type DdlHost, isDdl, runDdl } from "./ddl.js";
import { toParamValue } from "./params.js";
import { durationMs, Settings, workMemBytes } from "./settings.js";
import type * as pg from "pgsql-ast-parser";
import { LRUCache } from "lru-cache";

export interface SessionOptions {
  readonly store: KvStore;
  readonly catalogCache?: CatalogCache;
  readonly user?: string;
  readonly database?: string;
  readonly settings?: Readonly<Record<string, string>>;
  readonly stats?: StatsSource;
  readonly tempDir?: string;
  /** Statements run() has prepared, shared by the sessions of one engine (plans are revalidated on use). */
  readonly statementCache?: StatementCache;
  /** The process id clients see (pgwire's BackendKeyData); pg_backend_pid() reports it. Default: a number of the session's own. */
  readonly backendPid?: number;
}

/** Prepared statements by SQL text. */
export type StatementCache = LRUCache<string, object>;

export function newStatementCache(max = 512): StatementCache {
  return new LRUCache<string, object>({ max });
}

interface Planned {
  readonly logical: LogicalPlan;
  readonly physical: PhysicalPlan;
  readonly uses: readonly TableUse[];
  /** The views the statement reads (their definitions are in the plan). */
  readonly viewUses: readonly ViewUse[];
  /** The locks a reuse takes again: the tables', and the views' (intention-shared). */
  readonly locks: readonly { readonly id: number; readonly mode: TableLockMode }[];
  /** What the plan was made with (subqueries are planned with it too). */
  readonly planner: PlannerOptions;
  /** Version of the statistics each analysed table had: new statistics mean a new plan. */
  readonly statsVersions: ReadonlyMap<number, number>;
  /** The storage row estimates of the tables without statistics: one that moved far means a new plan. */
  readonly estimates: RecordedEstimates;
  /** Reads only (no writes, row locks or sequence calls): runs in a read-only transaction when implicit. */
  readonly readOnly: boolean;
  /**
   * Its operator trees can run again once reset: it reads only, or it is one INSERT, UPDATE or
   * DELETE over reads only (the write operators take their transaction anew when opened).
   */
  readonly reusable: boolean;
  /** Built operator trees not in use, for reuse by the next execution (reusable plans only). */
  readonly idle: OperatorTree[];
  /**
   * A shared catalog version (Catalog.sharedVersion) under which `uses` and `statsVersions` were
   * last found current: while a statement sees that version, relocking the tables revalidates.
   */
  catalogVersion?: string;
}

function locksOf(tables: readonly TableUse[], views: readonly ViewUse[]): readonly { readonly id: number; readonly mode: TableLockMode }[] {
  return views.length === 0 ? tables : [...tables, ...views.map((v) => ({ id: v.id, mode: "intention-shared" as const }))];
}

let nextExecution = 1;

/** Longest stretch a statement computes before letting other work (cancels, timers, clients) run. */
const YIELD_EVERY_MS = 10;
let lastYield = Date.now();

function yieldIfDue(): Promise<void> | undefined {
  // Date.now(): performance.now() showed in profiles of short statements (it is asked once per batch).
  const now = Date.now();
  // A wall clock set back counts as due, rather than as no yield until it catches up.
  if (now - lastYield < YIELD_EVERY_MS && now >= lastYield) return undefined;
  lastYield = now;
  return new Promise((resolve) => setImmediate(resolve));
}

/** ExecContext.planSubquery for plans made with `planner` (made here rather than as a named property, which costs a name to set per context). */
function subqueryPlanner(planner: PlannerOptions): (plan: LogicalPlan, existence?: boolean) => PhysicalPlan {
  return (plan, existence) => planQuery(plan, planner, existence ? "existence" : "rows");
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Operator trees kept per plan; more concurrent executions than this build their own. */
const MAX_IDLE_TREES = 4;

interface OperatorTree {
  readonly op: Operator;
  readonly ctx: ExecContext;
}

/**
 * Settings as statements use them, parsed once per change of the settings (parsing them per
 * statement showed in profiles). Each is computed when first needed, so a bad value fails only
 * what uses it, as before.
 */
interface ParsedSettings {
  readonly version: number;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  isolation?: IsolationLevel;
  exec?: ExecContext["settings"];
  /** What implicit transactions and blocks without modes of their own begin with. */
  beginReadOnly?: BeginOptions;
  beginReadWrite?: BeginOptions;
}

/**
 * ParsedSettings of sessions that start with the defaults (version 0 of their settings), shared
 * between them by temp directory (which exec settings carry): Database.sql() makes a session per call.
 */
const parsedDefaults = new Map<string, ParsedSettings>();
const MAX_PARSED_DEFAULTS = 16;

function parsedDefaultsFor(tempDir: string): ParsedSettings {
  let p = parsedDefaults.get(tempDir);
  if (!p) {
    if (parsedDefaults.size >= MAX_PARSED_DEFAULTS) parsedDefaults.clear();
    parsedDefaults.set(tempDir, (p = { version: 0 }));
  }
  return p;
}

interface Prepared extends PreparedStatement {
  readonly ast: Statement;
  planned?: Planned;
  /** Not analysed yet (simple query, embedded run): types and columns come from the first execution. */
  lazy?: boolean;
  /** Kept by run()'s cache and described to no client, so a new plan may return other columns (a view or table changed). */
  internal?: boolean;
  paramTypes: readonly SqlType[];
  columns: readonly ResultColumn[];
}

const ISOLATION: Record<string, IsolationLevel> = {
  "read uncommitted": "read-uncommitted",
  "read committed": "read-committed",
  "repeatable read": "repeatable-read",
  snapshot: "snapshot",
  serializable: "serializable",
};

const TX_CONTROL = new Set(["begin", "commit", "rollback", "savepoint", "release savepoint", "rollback to savepoint", "set transaction", "prepare transaction", "commit prepared", "rollback prepared"]);

export class Session implements SqlSession {
  private tx: KvTransaction | undefined;
  /** Inside BEGIN ... COMMIT. */
  private block = false;
  private failed = false;
  /** SET TRANSACTION / BEGIN modes for the block's transaction, applied when it starts. */
  private modes: { isolation?: IsolationLevel; readOnly?: boolean } = {};
  /** Results of implicit transactions still being read. */
  private openImplicit = 0;
  private notices: SessionNotice[] = [];
  private cancelled = false;
  private deadline = 0;
  private readonly settings: Settings;
  private readonly sequences = new SequenceSession();
  /** Settings as they were at BEGIN, restored if the block rolls back. */
  private settingsAtBegin: Map<string, string> | undefined;
  /** SET LOCAL in the current block: each setting's value to go back to when the block ends. */
  private localSettings: Map<string, string | undefined> | undefined;
  private closed = false;
  /** Statements run() has seen, with their plans (revalidated on every use). */
  private readonly runCache: StatementCache;
  private parsed: ParsedSettings;
  private boundCheckCancel: (() => void) | undefined;
  /** The catalog of this.tx, or of the transaction this.tx was last (see catalogOf). */
  private txCatalog: Catalog | undefined;

  constructor(private readonly options: SessionOptions) {
    this.settings = new Settings(options.settings, options.user ?? "alopex");
    this.runCache = options.statementCache ?? newStatementCache(64);
    // Only session_authorization differs from the defaults, and nothing parsed depends on it.
    this.parsed = options.settings === undefined ? parsedDefaultsFor(options.tempDir ?? "") : { version: -1 };
    this.info = new InfoOfSession(options.user ?? "alopex", options.database ?? "alopex", options.backendPid ?? nextBackendPid++, Date.now() * 1000, this.settings, this.show.bind(this));
  }

  /** What system tables and functions read of the session (current_user, pg_settings, set_config...). */
  private readonly info: SessionInfo;

  get transactionStatus(): TransactionStatus {
    if (!this.block) return "I";
    return this.failed ? "E" : "T";
  }

  get reportedSettings(): ReadonlyMap<string, string> {
    return this.settings.reported();
  }

  takeNotices(): SessionNotice[] {
    const n = this.notices;
    // Asked after every statement, nearly always with nothing to give: no new array then.
    if (n.length > 0) this.notices = [];
    return n;
  }

  cancel(): void {
    this.cancelled = true;
  }

  // ---- preparing -----------------------------------------------------------------------------

  async prepare(sql: string, paramTypes: readonly (SqlType | undefined)[] = []): Promise<PreparedStatement> {
    const statements = parseSql(sql);
    if (statements.length > 1) throw new SqlStateError("cannot insert multiple commands into a prepared statement", "42601");
    if (statements.length === 0) return { sql, paramTypes: [], columns: [], command: "", ast: { type: "empty" } as unknown as Statement } as Prepared;
    return this.prepareAst(sql, statements[0]!, paramTypes);
  }

  private async prepareAst(sql: string, stmt: Statement, paramTypes: readonly (SqlType | undefined)[]): Promise<Prepared> {
    const command = commandOf(stmt);
    if (!isPlannable(stmt)) {
      const columns = utilityColumns(stmt);
      return { sql, paramTypes: paramTypes.map((t) => t ?? TEXT), columns, command, ast: stmt };
    }
    if (this.block && this.failed) throw abortedBlock();
    // Analysis needs a transaction (catalog reads, table locks): the block's, or a short one.
    const own = !this.tx;
    const tx = this.tx ?? (await this.options.store.begin({ isolation: "snapshot", readOnly: true }));
    try {
      const params = new ParamTypes(paramTypes);
      const planned = await this.analyzeAndPlan(stmt, tx, params);
      const resolved = params.resolved();
      const columns = resultColumns(stmt, planned.logical);
      return { sql, paramTypes: resolved, columns, command, ast: stmt, ...(!own && { planned }) };
    } catch (e) {
      if (!own) this.markFailed();
      throw e;
    } finally {
      if (own) await tx.rollback();
    }
  }

  private catalogOf(tx: KvTransaction): Catalog {
    const kept = this.txCatalog;
    if (kept !== undefined && kept.tx === tx) return kept;
    const options = { store: this.options.store, ...(this.options.catalogCache && { cache: this.options.catalogCache }), session: this.sequences };
    if (tx !== this.tx) return Catalog.of(tx, options);
    // The current transaction's catalog is kept here, so it need not be registered for
    // Catalog.of (see Catalog.unregistered); the one it replaces is, if its transaction goes on.
    if (kept !== undefined && kept.tx.state === "active") kept.register();
    return (this.txCatalog = Catalog.unregistered(tx, options));
  }

  private async analyzeAndPlan(stmt: Statement, tx: KvTransaction, params: ParamTypes): Promise<Planned> {
    const catalog = this.catalogOf(tx);
    const versionBefore = await catalog.sharedVersion();
    const ctx = new AnalyzerContext(catalog, params);
    const target = stmt.type === "explain" ? ((stmt as ast.ExplainStatement).statement as Statement) : stmt;
    const logical = await analyzeStatement(target, ctx);
    const indexes = await this.indexesOf(catalog, ctx.tableUses);
    const loaded = await loadTableStats(catalog, ctx.tableUses.map((u) => u.id));
    const estimates = new RecordedEstimates(statsSourceOf(loaded, this.options.stats ?? NO_STATS), Date.now());
    const planner: PlannerOptions = { indexes: (id) => indexes.get(id) ?? [], stats: estimates.stats };
    const physical = planQuery(logical, planner);
    const statsVersions = new Map([...loaded].map(([id, st]) => [id, st.version] as const));
    const readOnly = isReadOnlyPlan(logical);
    const planned: Planned = { logical, physical, uses: ctx.tableUses, viewUses: ctx.viewUses, locks: locksOf(ctx.tableUses, ctx.viewUses), planner, statsVersions, estimates, readOnly, reusable: readOnly || isSingleWritePlan(logical), idle: [] };
    // Read Committed's snapshot may move during analysis (useTable): the same version before and after means it did not cross a catalog change.
    if (versionBefore !== undefined && (await catalog.sharedVersion()) === versionBefore) planned.catalogVersion = versionBefore;
    return planned;
  }

  private async indexesOf(catalog: Catalog, uses: readonly TableUse[]): Promise<Map<number, readonly Index[]>> {
    const m = new Map<number, readonly Index[]>();
    for (const u of uses) if (!m.has(u.id)) m.set(u.id, await catalog.indexesOf(u.id));
    return m;
  }

  /** Locks the plan's tables again; the plan is still good if none changed. */
  private async revalidate(planned: Planned, catalog: Catalog): Promise<boolean> {
    // The common case: the catalog has not changed since the plan was last found good, so the
    // locks are all there is to do (no table or statistics lookups).
    const versionBefore = planned.catalogVersion === undefined ? await catalog.sharedVersion() : await catalog.relockTables(planned.locks);
    if (versionBefore !== undefined && versionBefore === planned.catalogVersion) return !planned.estimates.stale(Date.now());
    for (const u of planned.uses) {
      let t;
      try {
        t = await catalog.useTable(u.name, u.mode as TableLockMode);
      } catch (e) {
        // Gone, or now a view: plan again (which reports it if the statement no longer makes sense).
        if (sqlstateOf(e) === "42P01" || sqlstateOf(e) === "42809") return false;
        throw e;
      }
      if (t.id !== u.id || t.version !== u.version) return false;
    }
    for (const u of planned.viewUses) {
      const v = await catalog.useView(u.name);
      if (v?.id !== u.id || v.version !== u.version) return false;
    }
    const loaded = await loadTableStats(catalog, planned.uses.map((u) => u.id));
    if (loaded.size !== planned.statsVersions.size) return false;
    for (const [id, st] of loaded) if (planned.statsVersions.get(id) !== st.version) return false;
    if (planned.estimates.stale(Date.now())) return false;
    if (versionBefore !== undefined && (await catalog.sharedVersion()) === versionBefore) planned.catalogVersion = versionBefore;
    return true;
  }

  // ---- executing -----------------------------------------------------------------------------

  async execute(statement: PreparedStatement, params: readonly SqlValue[] = []): Promise<StatementResult> {
    const p = statement as Prepared;
    if (this.closed) throw new SqlStateError("session is closed", "08003");
    this.cancelled = false;
    this.startDeadline();
    if (!p.ast || (p.ast as { type: string }).type === "empty") return done([], "");
    if (!p.lazy && p.paramTypes.length > params.length) throw new SqlStateError(`bind message supplies ${params.length} parameters, but prepared statement "" requires ${p.paramTypes.length}`, "08P01");
    return this.executePrepared(p, () => params);
  }

  private async executePrepared(p: Prepared, params: (types: readonly SqlType[]) => readonly SqlValue[]): Promise<StatementResult> {
    const stmt = p.ast;
    if (TX_CONTROL.has(stmt.type)) {
      try {
        return await this.transactionControl(stmt);
      } catch (e) {
        this.markFailed();
        throw e;
      }
    }
    if (this.block && this.failed) throw abortedBlock();
    if (!isPlannable(stmt)) return this.utility(stmt);
    return this.runPlanned(p, params);
  }

  /** A statement parsed but not analysed: analysis happens in the transaction that runs it. */
  private lazyPrepared(sql: string, stmt: Statement): Prepared {
    return { sql, paramTypes: [], columns: isPlannable(stmt) ? [] : utilityColumns(stmt), command: commandOf(stmt), ast: stmt, lazy: true };
  }

  /** `readOnly`: an implicit transaction for a plan known to only read (cheaper to run and commit). */
  private beginTx(readOnly = false): Promise<KvTransaction> {
    const m = this.modes;
    if (m.isolation === undefined && m.readOnly === undefined) {
      // Outside BEGIN's modes the options follow the settings alone: made once per change of them.
      const p = this.parsedSettings();
      const options = readOnly ? (p.beginReadOnly ??= this.beginOptions(true)) : (p.beginReadWrite ??= this.beginOptions(this.defaultReadOnly()));
      return this.options.store.begin(options);
    }
    return this.options.store.begin(this.beginOptions((m.readOnly ?? this.defaultReadOnly()) || readOnly));
  }

  /** default_transaction_read_only: what a transaction without READ ONLY / READ WRITE is. */
  private defaultReadOnly(): boolean {
    return this.settings.get("default_transaction_read_only") === "on";
  }

  private beginOptions(readOnly: boolean): BeginOptions {
    const isolation = this.modes.isolation ?? this.defaultIsolation();
    const lockTimeout = this.lockTimeoutMs();
    return { isolation, ...(readOnly && { readOnly: true }), ...(lockTimeout > 0 && { lockTimeoutMs: lockTimeout }) };
  }

  /**
   * The transaction a utility statement (COPY, DDL, LOCK, ANALYZE) runs in: the block's, or a new
   * implicit one, which the statement must end with endImplicit.
   */
  private async statementTx(): Promise<{ readonly implicit: boolean; readonly tx: KvTransaction }> {
    const implicit = !this.block;
    if (!this.tx) this.tx = await this.beginTx();
    if (implicit) this.openImplicit++;
    return { implicit, tx: this.tx };
  }

  private async runPlanned(p: Prepared, paramsFor: (types: readonly SqlType[]) => readonly SqlValue[]): Promise<StatementResult> {
    // statementTx inline: this runs per statement, and an extra async frame and object showed.
    const implicit = !this.block;
    if (!this.tx) this.tx = await this.beginTx(implicit && p.planned?.readOnly === true && p.ast.type !== "explain");
    const tx = this.tx;
    if (implicit) this.openImplicit++;
    let op: Operator | undefined;
    const analyze = p.ast.type === "explain" && (p.ast as ast.ExplainStatement).analyze ? new Map<PhysicalPlan, NodeStats>() : undefined;
    try {
      const catalog = this.catalogOf(tx);
      catalog.beginStatement();
      let planned = p.planned;
      if (!planned || !(await this.revalidate(planned, catalog))) {
        const types = new ParamTypes(p.paramTypes);
        planned = await this.analyzeAndPlan(p.ast, tx, types);
        const columns = resultColumns(p.ast, planned.logical);
        if (p.lazy) {
          p.lazy = false;
          p.paramTypes = types.resolved();
          p.columns = columns;
        } else if (p.internal) {
          p.columns = columns;
        } else if (columns.length !== p.columns.length) {
          throw new SqlStateError("cached plan must not change result type", "0A000");
        }
        p.planned = planned;
      }
      const command = innermostStatement(p.ast).type;
      if (tx.readOnly && (command === "insert" || command === "update" || command === "delete")) {
        throw new SqlStateError(`cannot execute ${command.toUpperCase()} in a read-only transaction`, "25006");
      }
      const params = paramsFor(p.paramTypes);
      const reusable = planned.reusable && !analyze;
      const tree = this.treeFor(planned, tx, catalog, params, analyze);
      // A point lookup reads its rows at once (see Operator.readAll): fewer turns than open, next and close.
      const all = reusable && planned.readOnly && p.ast.type !== "explain" ? tree.op.readAll?.() : undefined;
      if (all !== undefined) return await this.readAllResult(all, planned, tree, implicit, tx, p.columns);
      op = tree.op;
      await op.open();
      if (p.ast.type === "explain") {
        const e = p.ast as ast.ExplainStatement;
        if (analyze) for (let b = await op.next(); b; b = await op.next());
        await op.close();
        const costs = !e.options.some((o) => o.name === "costs" && (o.value === false || o.value === "off" || o.value === "false"));
        const timing = !e.options.some((o) => o.name === "timing" && (o.value === false || o.value === "off" || o.value === "false"));
        const lines = explainPlan(planned.physical, { costs, ...(analyze && { actual: analyze, timing }) });
        const rows = lines.map((l) => [l] as Row);
        op = undefined;
        return await this.finishEager(implicit, rows, p.columns, "EXPLAIN");
      }
      const idle = planned.idle;
      return new OperatorResult(
        op,
        p.columns,
        p.ast,
        planned.logical,
        async (err) => {
          if (reusable && err === undefined && idle.length < MAX_IDLE_TREES) idle.push(tree);
          await this.endImplicit(implicit, tx, err);
        },
        () => this.checkCancel(),
      );
    } catch (e) {
      if (op) await op.close().catch(() => undefined);
      await this.endImplicit(implicit, tx, e);
      throw e;
    }
  }

  /**
   * The result of a statement whose rows readAll read: the statement is over (its implicit
   * transaction ended, its tree idle again) before the client fetches. A failure is kept for
   * the first fetch, where the lazy path would have met it.
   */
  private async readAllResult(all: Promise<Row[]>, planned: Planned, tree: OperatorTree, implicit: boolean, tx: KvTransaction, columns: readonly ResultColumn[]): Promise<StatementResult> {
    let rows: Row[];
    try {
      rows = await all;
    } catch (e) {
      await this.endImplicit(implicit, tx, e);
      return new ReadRowsResult([], columns, 0, e);
    }
    if (planned.idle.length < MAX_IDLE_TREES) planned.idle.push(tree);
    try {
      await this.endImplicit(implicit, tx, undefined);
    } catch (e) {
      return new ReadRowsResult([], columns, 0, e);
    }
    return new ReadRowsResult(rows, columns, planned.logical.columns.length, undefined);
  }

  /** An operator tree for an execution of the plan: one the plan keeps idle (reusable plans), reset, or a new one. */
  private treeFor(planned: Planned, tx: KvTransaction, catalog: Catalog, params: readonly SqlValue[], analyze: Map<PhysicalPlan, NodeStats> | undefined): OperatorTree {
    const cached = planned.reusable && !analyze ? planned.idle.pop() : undefined;
    if (cached) {
      this.resetContext(cached.ctx, tx, catalog, params);
      return cached;
    }
    const ctx = this.execContext(tx, catalog, params, analyze, planned.planner);
    return { op: buildOperator(planned.physical, ctx), ctx };
  }

  /**
   * run() of a read-only statement planned before, outside a block: what runPlanned and
   * OperatorResult do, without a result to fetch from (the rows are all read at once). When the
   * plan must be made again, runGeneric plans and runs the statement in the transaction begun here.
   */
  private async runReadOnly(p: Prepared, planned: Planned, params: readonly unknown[]): Promise<QueryResult> {
    const tx = await this.beginTx(true);
    this.tx = tx;
    this.openImplicit++;
    let open: OperatorTree | undefined;
    let rows: Row[] | undefined;
    try {
      const catalog = this.catalogOf(tx);
      catalog.beginStatement();
      if (await this.revalidate(planned, catalog)) {
        const values: SqlValue[] = [];
        for (let i = 0; i < p.paramTypes.length; i++) values.push(toParamValue(params[i], p.paramTypes[i]!, i));
        const tree = this.treeFor(planned, tx, catalog, values, undefined);
        open = tree;
        const width = planned.logical.columns.length;
        const out: Row[] = [];
        const all = tree.op.readAll?.();
        if (all !== undefined) {
          for (const r of await all) out.push(r.length > width ? r.slice(0, width) : r);
          open = undefined;
        } else {
          await tree.op.open();
          for (;;) {
            this.checkCancel();
            const batch = await tree.op.next();
            if (!batch) break;
            for (const r of batch) out.push(r.length > width ? r.slice(0, width) : r);
          }
          open = undefined;
          await tree.op.close();
        }
        if (planned.idle.length < MAX_IDLE_TREES) planned.idle.push(tree);
        rows = out;
      }
    } catch (e) {
      if (open) await open.op.close().catch(() => undefined);
      await this.endImplicit(true, tx, e);
      throw e;
    }
    if (rows === undefined) {
      // Handed over, still this.tx, to the path that plans.
      this.openImplicit--;
      return this.runGeneric(p, params);
    }
    await this.endImplicit(true, tx, undefined);
    return { columns: p.columns, rows, commandTag: `SELECT ${rows.length}`, rowCount: rows.length };
  }

  private async finishEager(implicit: boolean, rows: Row[], columns: readonly ResultColumn[], tag: string): Promise<StatementResult> {
    await this.endImplicit(implicit, this.tx, undefined);
    return done(rows, tag, columns);
  }

  /** Ends a statement: an implicit transaction commits (or rolls back on error); a block is marked failed on error. */
  private endImplicit(implicit: boolean, tx: KvTransaction | undefined, err: unknown): Promise<void> {
    if (!implicit) {
      if (err !== undefined) this.markFailed();
      return RESOLVED;
    }
    this.openImplicit--;
    if (this.openImplicit > 0 || !tx || this.tx !== tx) return RESOLVED;
    this.tx = undefined;
    if (err !== undefined) return tx.state === "active" ? tx.rollback() : RESOLVED;
    return tx.commit();
  }

  private markFailed(): void {
    if (this.block) this.failed = true;
  }

  private execContext(tx: KvTransaction, catalog: Catalog, params: readonly SqlValue[], analyze: Map<PhysicalPlan, NodeStats> | undefined, planner: PlannerOptions): ExecContext {
    return {
      tx,
      catalog,
      params,
      evalContext: { now: Date.now() * 1000 },
      settings: this.execSettings(),
      outer: new Map(),
      ctes: new Map(),
      execution: nextExecution++,
      planSubquery: subqueryPlanner(planner),
      checkCancel: this.cancelCheck(),
      yieldIfDue,
      session: this.info,
      ...(analyze && { analyze }),
    };
  }

  /** What ALTER TABLE needs of the executor (see DdlHost), inside the statement's transaction. */
  private ddlHost(tx: KvTransaction, catalog: Catalog): DdlHost {
    const planner: PlannerOptions = { indexes: () => [], stats: NO_STATS };
    return {
      evaluate: async (e) => compileExpr(e, new Map(), this.execContext(tx, catalog, [], undefined, planner)).eval([]),
      rowEvaluator: (e, columnIds) => compileExpr(e, new Map(columnIds.map((id, i) => [id, i])), this.execContext(tx, catalog, [], undefined, planner)).eval,
      anyRow: async (sql) => {
        const planned = await this.analyzeAndPlan(parseSql(sql)[0]!, tx, new ParamTypes());
        const op = buildOperator(planned.physical, this.execContext(tx, catalog, [], undefined, planned.planner));
        await op.open();
        try {
          const batch = await op.next();
          return batch !== null && batch.length > 0;
        } finally {
          await op.close();
        }
      },
    };
  }

  private resetContext(ctx: ExecContext, tx: KvTransaction, catalog: Catalog, params: readonly SqlValue[]): void {
    ctx.tx = tx;
    ctx.catalog = catalog;
    ctx.params = params;
    ctx.evalContext = { now: Date.now() * 1000 };
    ctx.settings = this.execSettings();
    // A reused tree may have been built by another session (the statement cache is shared).
    ctx.session = this.info;
    ctx.checkCancel = this.cancelCheck();
    // clear() allocates a new table even for an empty map.
    if (ctx.outer.size > 0) ctx.outer.clear();
    if (ctx.ctes.size > 0) ctx.ctes.clear();
    ctx.execution = nextExecution++;
  }

  private parsedSettings(): ParsedSettings {
    const version = this.settings.version;
    if (this.parsed.version !== version) this.parsed = { version };
    return this.parsed;
  }

  private execSettings(): ExecContext["settings"] {
    const p = this.parsedSettings();
    return (p.exec ??= { efSearch: Number(this.settings.get("hnsw.ef_search")), workMemBytes: workMemBytes(this.settings.get("work_mem")), tempDir: this.options.tempDir ?? "" });
  }

  private lockTimeoutMs(): number {
    const p = this.parsedSettings();
    return (p.lockTimeoutMs ??= durationMs("lock_timeout", this.settings.get("lock_timeout")));
  }

  private defaultIsolation(): IsolationLevel {
    const p = this.parsedSettings();
    return (p.isolation ??= ISOLATION[this.settings.get("default_transaction_isolation")] ?? "snapshot");
  }

  /** Starts statement_timeout's clock for the statement about to run. */
  private startDeadline(): void {
    const p = this.parsedSettings();
    const timeout = (p.statementTimeoutMs ??= durationMs("statement_timeout", this.settings.get("statement_timeout")));
    this.deadline = timeout > 0 ? Date.now() + timeout : 0;
  }

  /** checkCancel as a function for execution contexts, made once per session. */
  private cancelCheck(): () => void {
    return (this.boundCheckCancel ??= this.checkCancel.bind(this));
  }

  private checkCancel(): void {
    if (this.cancelled) {
      this.cancelled = false;
      throw new SqlStateError("canceling statement due to user request", "57014");
    }
    if (this.deadline && Date.now() > this.deadline) throw new SqlStateError("canceling statement due to statement timeout", "57014");
  }

  // ---- transaction control -------------------------------------------------------------------

  private async transactionControl(stmt: Statement): Promise<StatementResult> {
    switch (stmt.type) {
      case "begin": {
        const b = stmt as ast.BeginStatement;
        if (this.block) {
          this.notices.push({ severity: "WARNING", sqlstate: "25001", message: "there is already a transaction in progress" });
          return done([], "BEGIN");
        }
        if (this.tx) await this.endImplicitNow();
        this.block = true;
        this.failed = false;
        this.modes = modesOf(b);
        this.settingsAtBegin = this.settings.snapshot();
        return done([], "BEGIN");
      }
      case "set transaction": {
        const s = stmt as ast.SetTransactionStatement;
        if (s.session) {
          if (s.isolationLevel) this.settings.set("default_transaction_isolation", s.isolationLevel);
          return done([], "SET");
        }
        if (!this.block) {
          this.notices.push({ severity: "WARNING", sqlstate: "25P01", message: "SET TRANSACTION can only be used in transaction blocks" });
          return done([], "SET");
        }
        if (this.failed) throw abortedBlock();
        if (this.tx && s.isolationLevel) throw new SqlStateError("SET TRANSACTION ISOLATION LEVEL must be called before any query", "25001");
        this.modes = { ...this.modes, ...modesOf(s) };
        return done([], "SET");
      }
      case "commit": {
        if (!this.block) {
          this.notices.push({ severity: "WARNING", sqlstate: "25P01", message: "there is no transaction in progress" });
          return done([], "COMMIT");
        }
        const tx = this.tx;
        const failed = this.failed;
        this.endBlockSettings(!failed);
        this.resetBlock();
        if (failed) {
          if (tx && tx.state === "active") await tx.rollback();
          return done([], "ROLLBACK");
        }
        if (tx) await tx.commit();
        return done([], "COMMIT");
      }
      case "rollback": {
        if (!this.block) {
          this.notices.push({ severity: "WARNING", sqlstate: "25P01", message: "there is no transaction in progress" });
          return done([], "ROLLBACK");
        }
        const tx = this.tx;
        this.endBlockSettings(false);
        this.resetBlock();
        if (tx && tx.state === "active") await tx.rollback();
        return done([], "ROLLBACK");
      }
      case "prepare transaction": {
        const gid = (stmt as ast.PrepareTransactionStatement).gid;
        if (!this.block) throw new SqlStateError("PREPARE TRANSACTION can only be used in transaction blocks", "25P01");
        const tx = this.tx ?? (await this.beginTx());
        const failed = this.failed;
        this.endBlockSettings(!failed);
        this.resetBlock();
        if (failed) {
          if (tx.state === "active") await tx.rollback();
          return done([], "ROLLBACK");
        }
        await tx.prepare(gid);
        return done([], "PREPARE TRANSACTION");
      }
      case "commit prepared":
      case "rollback prepared": {
        if (this.block) throw new SqlStateError(`${stmt.type.toUpperCase()} cannot run inside a transaction block`, "25001");
        const gid = (stmt as ast.CommitPreparedStatement).gid;
        if (stmt.type === "commit prepared") await this.options.store.commitPrepared(gid);
        else await this.options.store.rollbackPrepared(gid);
        return done([], stmt.type.toUpperCase());
      }
      default:
        return this.savepoint(stmt);
    }
  }

  private async savepoint(stmt: Statement): Promise<StatementResult> {
    if (!this.block) throw new SqlStateError(`${stmt.type.toUpperCase()} can only be used in transaction blocks`, "25P01");
    const tx = this.tx ?? (this.tx = await this.beginTx());
    const name = (stmt as ast.SavepointStatement).name.name;
    switch (stmt.type) {
      case "savepoint":
        if (this.failed) throw abortedBlock();
        tx.savepoint(name);
        return done([], "SAVEPOINT");
      case "release savepoint":
        if (this.failed) throw abortedBlock();
        tx.releaseSavepoint(name);
        return done([], "RELEASE");
      default:
        await tx.rollbackToSavepoint(name);
        this.catalogOf(tx).rolledBackToSavepoint();
        this.failed = false;
        return done([], "ROLLBACK");
    }
  }

  /**
   * Settings when a block ends: a rolled-back block's SET and RESET are undone (as PostgreSQL
   * treats settings as transactional); a committed one keeps them, except SET LOCAL's.
   */
  private endBlockSettings(committed: boolean): void {
    if (!committed && this.settingsAtBegin) this.settings.restore(this.settingsAtBegin);
    else if (this.localSettings) for (const [name, value] of this.localSettings) this.settings.restoreValue(name, value);
    this.settingsAtBegin = undefined;
    this.localSettings?.clear();
  }

  private resetBlock(): void {
    this.block = false;
    this.failed = false;
    this.modes = {};
    this.tx = undefined;
  }

  private async endImplicitNow(): Promise<void> {
    const tx = this.tx;
    this.tx = undefined;
    this.openImplicit = 0;
    if (tx && tx.state === "active") await tx.commit();
  }

  // ---- utility statements --------------------------------------------------------------------

  private async utility(stmt: Statement): Promise<StatementResult> {
    switch (stmt.type) {
      case "set": {
        const s = stmt as pg.SetGlobalStatement;
        const value = setValue(s);
        if (s.variable.name.toLowerCase() === "transaction_isolation") return this.transactionControl({ type: "set transaction", session: false, isolationLevel: value.toLowerCase() } as ast.SetTransactionStatement);
        const name = s.variable.name.toLowerCase();
        // SET x TO DEFAULT is RESET x.
        const isDefault = (s.set as { type: string }).type === "default";
        if ((s as { scope?: string }).scope === "local") {
          if (!this.block) {
            this.notices.push({ severity: "WARNING", sqlstate: "25P01", message: "SET LOCAL can only be used in transaction blocks" });
            return done([], "SET");
          }
          const before = this.settings.setValue(name);
          if (isDefault) this.settings.reset(name);
          else this.settings.set(name, value);
          const local = (this.localSettings ??= new Map());
          if (!local.has(name)) local.set(name, before);
          return done([], "SET");
        }
        if (isDefault) this.settings.reset(name);
        else this.settings.set(name, value);
        // A plain SET outlasts an earlier SET LOCAL of the same block.
        if (this.localSettings?.has(name)) this.localSettings.set(name, this.settings.setValue(name));
        return done([], "SET");
      }
      case "reset":
        this.settings.reset((stmt as ast.ResetStatement).variable.name);
        return done([], "RESET");
      case "reset all":
        this.settings.resetAll();
        return done([], "RESET");
      case "show": {
        const name = (stmt as pg.ShowStatement).variable.name;
        return done([[this.show(name)]], "SHOW", [textColumn(name.toLowerCase())]);
      }
      case "show all":
        return done(
          this.settings.all().map(([n, v]) => [n, v]),
          "SHOW",
          [textColumn("name"), textColumn("setting")],
        );
      case "copy":
        return this.copy(stmt as ast.CopyStatement);
      default:
        return this.inTransaction(stmt);
    }
  }

  /** COPY: the data moves through the result's stream (copy.ts), which ends the statement. */
  private async copy(stmt: ast.CopyStatement): Promise<StatementResult> {
    const { implicit, tx } = await this.statementTx();
    try {
      const catalog = this.catalogOf(tx);
      catalog.beginStatement();
      return await startCopy(stmt, {
        catalog,
        plan: async (target, paramTypes) => {
          const planned = await this.analyzeAndPlan(target, tx, new ParamTypes(paramTypes));
          return {
            physical: planned.physical,
            columns: resultColumns(target, planned.logical),
            context: (params) => this.execContext(tx, catalog, params, undefined, planned.planner),
          };
        },
        checkCancel: () => this.checkCancel(),
        end: (err) => this.endImplicit(implicit, tx, err),
      });
    } catch (e) {
      await this.endImplicit(implicit, tx, e);
      throw e;
    }
  }

  private show(name: string): string {
    const key = name.toLowerCase();
    if (key === "transaction_isolation") {
      const level = this.tx?.isolation ?? this.modes.isolation ?? this.defaultIsolation();
      return level.replace(/-/g, " ");
    }
    if (key === "transaction_read_only") return this.tx?.readOnly || (this.modes.readOnly ?? this.defaultReadOnly()) ? "on" : "off";
    return this.settings.get(name);
  }

  /** Utility statements that need the transaction: DDL, LOCK. */
  private async inTransaction(stmt: Statement): Promise<StatementResult> {
    const { implicit, tx } = await this.statementTx();
    try {
      const catalog = this.catalogOf(tx);
      catalog.beginStatement();
      let tag: string;
      if (isDdl(stmt)) {
        // PostgreSQL names the command (the catalog write would fail anyway, less clearly).
        if (tx.readOnly) throw new SqlStateError(`cannot execute ${stmt.type.toUpperCase()} in a read-only transaction`, "25006");
        const r = await runDdl(stmt, catalog, this.options.user ?? "alopex", this.ddlHost(tx, catalog));
        this.notices.push(...r.notices);
        tag = r.tag;
      } else if (stmt.type === "lock") {
        if (implicit) throw new SqlStateError("LOCK TABLE can only be used in transaction blocks", "25P01");
        const l = stmt as ast.LockStatement;
        for (const t of l.tables) await catalog.useTable(t.name, lockModeOf(l.mode));
        tag = "LOCK TABLE";
      } else if (stmt.type === "analyze") {
        await this.analyze(catalog, (stmt as ast.AnalyzeStatement).tables);
        tag = "ANALYZE";
      } else if (stmt.type === "vacuum") {
        // Nothing to vacuum (compaction drops old versions); VACUUM ANALYZE still analyses.
        if (!implicit) throw new SqlStateError("VACUUM cannot run inside a transaction block", "25001");
        const v = stmt as ast.VacuumStatement;
        if (v.analyze) await this.analyze(catalog, v.tables);
        else for (const t of v.tables) await catalog.requireTable(publicName(t));
        tag = "VACUUM";
      } else {
        throw new SqlStateError(`${stmt.type.toUpperCase()} is not supported`, "0A000");
      }
      await this.endImplicit(implicit, tx, undefined);
      return done([], tag);
    } catch (e) {
      await this.endImplicit(implicit, tx, e);
      throw e;
    }
  }

  private async analyze(catalog: Catalog, tables: readonly pg.QName[]): Promise<void> {
    const r = await analyzeTables(catalog, tables.map(publicName), { checkCancel: () => this.checkCancel() });
    for (const message of r.warnings) this.notices.push({ severity: "WARNING", sqlstate: "01000", message });
  }

  // ---- simple query and conveniences ---------------------------------------------------------

  async *query(sql: string): AsyncIterable<StatementResult> {
    const statements = parseSql(sql);
    for (const stmt of statements) {
      const text = sql.slice(stmt.span.start, stmt.span.end);
      this.cancelled = false;
      // The session's statement_timeout (SET statement_timeout) applies to each statement here too.
      this.startDeadline();
      const result = await this.executePrepared(this.lazyPrepared(text, stmt), () => []);
      try {
        yield result;
      } finally {
        await result.close();
      }
    }
  }

  run(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    // Not async itself: the read-only path below is the one async step of a cached point read.
    let prepared: Prepared;
    try {
      prepared = this.preparedForRun(sql);
      this.cancelled = false;
      this.startDeadline();
    } catch (e) {
      return Promise.reject(e);
    }
    const planned = prepared.planned;
    if (planned?.readOnly && !this.block && !this.tx && prepared.ast.type !== "explain") return this.runReadOnly(prepared, planned, params);
    return this.runGeneric(prepared, params);
  }

  private preparedForRun(sql: string): Prepared {
    let prepared = this.runCache.get(sql) as Prepared | undefined;
    if (!prepared) {
      const statements = parseSql(sql);
      if (statements.length !== 1) throw new SqlStateError(statements.length === 0 ? "empty query" : "cannot run multiple commands with parameters; use query()", "42601");
      prepared = this.lazyPrepared(sql, statements[0]!);
      prepared.internal = true;
      if (isPlannable(prepared.ast)) this.runCache.set(sql, prepared);
    }
    return prepared;
  }

  /** run() through executePrepared and a result read to the end. */
  private async runGeneric(prepared: Prepared, params: readonly unknown[]): Promise<QueryResult> {
    const result = await this.executePrepared(prepared, (types) => types.map((t, i) => toParamValue(params[i], t, i)));
    const rows: (readonly SqlValue[])[] = [];
    try {
      for (;;) {
        const b = await result.fetch();
        rows.push(...b.rows);
        if (b.done) break;
      }
    } finally {
      await result.close();
    }
    const count = /^(?:INSERT \d+|SELECT|UPDATE|DELETE|COPY|MOVE|FETCH) (\d+)$/.exec(result.commandTag);
    return { columns: result.columns, rows, commandTag: result.commandTag, ...(count && { rowCount: Number(count[1]) }) };
  }

  close(): Promise<void> {
    if (this.closed) return RESOLVED;
    this.closed = true;
    const tx = this.tx;
    this.tx = undefined;
    this.block = false;
    return tx && tx.state === "active" ? tx.rollback() : RESOLVED;
  }
}

/** A table name that must be in the one schema there is. */
function publicName(t: pg.QName): string {
  if (t.schema && t.schema !== "public") throw new SqlStateError(`relation "${t.schema}.${t.name}" does not exist`, "42P01");
  return t.name;
}

/** Sessions not given a process id by the wire protocol number themselves from here. */
let nextBackendPid = 100_000;

/** A session's SessionInfo. A class: every Database.sql() call makes a session, and closures per session showed in profiles. */
class InfoOfSession implements SessionInfo {
  constructor(
    readonly user: string,
    readonly database: string,
    readonly backendPid: number,
    readonly startedAtUs: number,
    private readonly values: Settings,
    private readonly show: (name: string) => string,
  ) {}

  setting(name: string): string | undefined {
    try {
      return this.show(name);
    } catch {
      return undefined;
    }
  }

  setSetting(name: string, value: string): string {
    this.values.set(name, value);
    return this.values.get(name);
  }

  settings(): [string, string][] {
    return this.values.all();
  }
}

function abortedBlock(): SqlStateError {
  return new SqlStateError("current transaction is aborted, commands ignored until end of transaction block", "25P02");
}

function modesOf(m: ast.TransactionModes): { isolation?: IsolationLevel; readOnly?: boolean } {
  return { ...(m.isolationLevel && { isolation: ISOLATION[m.isolationLevel] }), ...(m.writeable && { readOnly: m.writeable === "read only" }) };
}

function lockModeOf(mode: ast.LockMode): TableLockMode {
  switch (mode) {
    case "access share":
      return "intention-shared";
    case "row share":
    case "row exclusive":
      return "intention-exclusive";
    case "share update exclusive":
    case "share row exclusive":
      return "shared-intention-exclusive";
    case "share":
      return "shared";
    default:
      return "exclusive";
  }
}

/** A SET value as text: a string's or number's value, an identifier's name (SET x = on). */
function setValue(s: pg.SetGlobalStatement): string {
  const v = s.set as SetValueNode & { values?: SetValueNode[] };
  if (v.type === "default") return "";
  if (v.type === "list" && v.values) return v.values.map(setValueText).join(", ");
  return setValueText(v);
}

interface SetValueNode {
  readonly type: string;
  readonly value?: unknown;
  readonly name?: string;
}

function setValueText(v: SetValueNode): string {
  return v.type === "identifier" ? String(v.name) : String(v.value);
}

function textColumn(name: string): ResultColumn {
  return { name, type: TEXT, tableOid: 0, columnNumber: 0 };
}

function utilityColumns(stmt: Statement): ResultColumn[] {
  if (stmt.type === "show") return [textColumn((stmt as pg.ShowStatement).variable.name.toLowerCase())];
  if (stmt.type === "show all") return [textColumn("name"), textColumn("setting")];
  return [];
}

function resultColumns(stmt: Statement, logical: LogicalPlan): ResultColumn[] {
  if (stmt.type === "explain") return [textColumn("QUERY PLAN")];
  return logical.columns.map((c) => ({ name: c.name, type: c.type, tableOid: c.tableOid, columnNumber: c.columnNumber }));
}

/** Whether a plan only reads: no writes, row locks or sequence functions anywhere in it. */
function isReadOnlyPlan(p: LogicalPlan): boolean {
  let ro = true;
  const visitExpr = (e: ScalarExpr) =>
    walkExpr(e, (x) => {
      if (x.kind === "call" && x.fn.volatile && SEQUENCE_CALLS.has(x.name)) ro = false;
      if (x.kind === "subquery" && !isReadOnlyPlan(x.plan)) ro = false;
    });
  const visit = (q: LogicalPlan) => {
    if (q.kind === "insert" || q.kind === "update" || q.kind === "delete") ro = false;
    if (q.kind === "scan" && q.lock) ro = false;
    for (const e of nodeExprs(q)) visitExpr(e);
    for (const i of inputsOf(q)) visit(i);
  };
  visit(p);
  return ro;
}

const SEQUENCE_CALLS = new Set(["nextval", "setval", "currval", "lastval"]);

/** One INSERT, UPDATE or DELETE whose inputs and expressions only read (no sequence calls, no writing subqueries). */
function isSingleWritePlan(p: LogicalPlan): boolean {
  if (p.kind !== "insert" && p.kind !== "update" && p.kind !== "delete") return false;
  let ro = true;
  for (const e of nodeExprs(p)) {
    walkExpr(e, (x) => {
      if (x.kind === "call" && x.fn.volatile && SEQUENCE_CALLS.has(x.name)) ro = false;
      if (x.kind === "subquery" && !isReadOnlyPlan(x.plan)) ro = false;
    });
  }
  return ro && inputsOf(p).every(isReadOnlyPlan);
}

/** The command tag's first words for a statement. */
function commandOf(stmt: Statement): string {
  if (stmt.type === "with") return commandOf(innermostStatement(stmt));
  switch (stmt.type) {
    case "select":
    case "values":
    case "union":
    case "union all":
    case "intersect":
    case "intersect all":
    case "except":
    case "except all":
      return "SELECT";
    case "release savepoint":
      return "RELEASE";
    case "rollback to savepoint":
      return "ROLLBACK";
    case "show all":
      return "SHOW";
    case "reset all":
      return "RESET";
    case "lock":
      return "LOCK TABLE";
    default:
      return stmt.type.toUpperCase();
  }
}

/** A finished result held in memory. */
function done(rows: Row[], tag: string, columns: readonly ResultColumn[] = []): StatementResult {
  let at = 0;
  return {
    columns,
    commandTag: tag,
    async fetch(maxRows?: number) {
      const n = maxRows && maxRows > 0 ? maxRows : rows.length - at;
      const out = rows.slice(at, at + n);
      at += out.length;
      return { rows: out, done: at >= rows.length };
    },
    async close() {
      at = rows.length;
    },
  };
}

/**
 * Rows a read-only statement has read already (or the error it failed with), fetched as an
 * OperatorResult's: a fetch that fills its limit exactly does not report the end, and the tag
 * counts the rows fetched so far.
 */
class ReadRowsResult implements StatementResult {
  private at = 0;

  constructor(
    private readonly rows: Row[],
    readonly columns: readonly ResultColumn[],
    private readonly width: number,
    private error: unknown,
  ) {}

  get commandTag(): string {
    return `SELECT ${this.at}`;
  }

  fetch(maxRows?: number): Promise<{ rows: readonly (readonly SqlValue[])[]; done: boolean }> {
    if (this.error !== undefined) {
      const e = this.error;
      this.error = undefined;
      return Promise.reject(e);
    }
    const rows = this.rows;
    const limit = maxRows && maxRows > 0 ? maxRows : Infinity;
    const take = Math.min(limit, rows.length - this.at);
    const out: Row[] = [];
    for (let i = this.at; i < this.at + take; i++) {
      const r = rows[i]!;
      out.push(r.length > this.width ? r.slice(0, this.width) : r);
    }
    this.at += take;
    return Promise.resolve({ rows: out, done: take < limit });
  }

  close(): Promise<void> {
    this.error = undefined;
    return RESOLVED;
  }
}

/** A result pulled from an operator tree as the client fetches. */
class OperatorResult implements StatementResult {
  private buffer: Row[] = [];
  private finished = false;
  private count = 0;
  private ended = false;
  private affectedAtEnd: number | undefined;
  private readonly width: number;

  constructor(
    private readonly op: Operator,
    readonly columns: readonly ResultColumn[],
    private readonly stmt: Statement,
    logical: LogicalPlan,
    private readonly onEnd: (err: unknown) => Promise<void>,
    private readonly checkCancel: () => void,
  ) {
    this.width = logical.columns.length;
  }

  get commandTag(): string {
    const affected = this.affectedAtEnd ?? (this.op as { affected?: number }).affected;
    switch (innermostStatement(this.stmt).type) {
      case "insert":
        return `INSERT 0 ${affected ?? this.count}`;
      case "update":
        return `UPDATE ${affected ?? this.count}`;
      case "delete":
        return `DELETE ${affected ?? this.count}`;
      default:
        return `SELECT ${this.count}`;
    }
  }

  async fetch(maxRows?: number): Promise<{ rows: readonly (readonly SqlValue[])[]; done: boolean }> {
    const limit = maxRows && maxRows > 0 ? maxRows : Infinity;
    const out: Row[] = [];
    try {
      while (out.length < limit) {
        if (this.buffer.length === 0) {
          if (this.finished) break;
          this.checkCancel();
          const b = await this.op.next();
          if (!b) {
            this.finished = true;
            break;
          }
          this.buffer = b;
        }
        const take = Math.min(limit - out.length, this.buffer.length);
        for (let i = 0; i < take; i++) {
          const r = this.buffer[i]!;
          out.push(r.length > this.width ? r.slice(0, this.width) : r);
        }
        this.buffer = this.buffer.slice(take);
      }
    } catch (e) {
      await this.end(e);
      throw e;
    }
    this.count += out.length;
    const isDone = this.finished && this.buffer.length === 0;
    if (isDone) await this.end(undefined);
    return { rows: out, done: isDone };
  }

  private async end(err: unknown): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      await this.op.close();
    } finally {
      // onEnd may hand the tree to the next execution, which starts its count again.
      this.affectedAtEnd = (this.op as { affected?: number }).affected;
      await this.onEnd(err);
    }
  }

  async close(): Promise<void> {
    await this.end(undefined);
  }
}
