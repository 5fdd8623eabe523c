/**
 * A scripted SqlSession for the wire protocol's tests, standing in for the SQL engine. It knows a
 * fixed repertoire of statements (matched by pattern, case-insensitive), enough to exercise every
 * path of the protocol:
 *
 *   SELECT 1                                  one int4 row
 *   SELECT * FROM things                      three rows of twelve typed columns (one with NULLs)
 *   SELECT generate_series(1, N)              N int4 rows
 *   SELECT $1, $2::int8, ...                  echoes its parameters (types from casts or Parse)
 *   SELECT 1/0                                fails with 22012 while fetching (after RowDescription)
 *   SELECT <name>                             42703 with a position
 *   SELECT pg_sleep(S)                        sleeps S seconds; cancel() ends it with 57014
 *   CREATE TABLE IF NOT EXISTS t (...)        a NOTICE, then "CREATE TABLE"
 *   DO ... RAISE NOTICE 'text' ...            a NOTICE, then "DO"
 *   INSERT INTO sink VALUES ($1)              appends to the shared sink
 *   COPY things TO STDOUT [WITH (FORMAT csv)] the things rows
 *   COPY sink FROM STDIN                      lines appended to the sink; a line "bad" fails (22P02)
 *   BEGIN / COMMIT / ROLLBACK                 the transaction status, with 25P02 in a failed block
 *   SET name = value / SET name TO value      changes reportedSettings for reported names
 *
 * Anything else is a 42601 syntax error at its first word.
 */
import { SqlStateError } from "../../../common/sqlstate-error.js";
import { SqlPositionedError } from "../../../sql/parser/errors.js";
import type {
  CopyStream,
  PreparedStatement,
  QueryResult,
  ResultColumn,
  SessionNotice,
  SqlSession,
  StatementResult,
  TransactionStatus,
} from "../../../sql/session/api.js";
import {
  BOOL,
  BYTEA,
  DATE,
  FLOAT8,
  formatText,
  INT4,
  INT8,
  JSONB,
  parseText,
  type SqlType,
  type SqlValue,
  TEXT,
  TIMESTAMPTZ,
  typeFromName,
  UUID,
} from "../../../sql/types/index.js";

/** State shared by every session of one scripted "database". */
export class ScriptedDatabase {
  /** Rows stored by INSERT INTO sink and COPY sink FROM STDIN, as text. */
  readonly sink: string[] = [];
  readonly sessions: ScriptedSession[] = [];
  /** The startup values each session was created with. */
  readonly startups: ScriptedStartup[] = [];
  closedSessions = 0;

  /** A sessionFactory for PgServer. */
  readonly factory = async (startup: ScriptedStartup): Promise<SqlSession> => {
    if (startup.database === "nowhere") throw new SqlStateError(`database "nowhere" does not exist`, "3D000");
    const session = new ScriptedSession(this, startup);
    this.sessions.push(session);
    this.startups.push(startup);
    return session;
  };
}

export interface ScriptedStartup {
  readonly user: string;
  readonly database: string;
  readonly options?: string;
  readonly parameters?: ReadonlyMap<string, string>;
}

const THINGS_TABLE_OID = 16384;

const THINGS_COLUMNS: readonly ResultColumn[] = (
  [
    ["id", INT4],
    ["name", TEXT],
    ["price", typeFromName("numeric(10,2)")],
    ["active", BOOL],
    ["big", INT8],
    ["ratio", FLOAT8],
    ["born", DATE],
    ["at", TIMESTAMPTZ],
    ["data", BYTEA],
    ["uid", UUID],
    ["doc", JSONB],
    ["embedding", typeFromName("vector(3)")],
  ] as const
).map(([name, type], i) => ({ name, type, tableOid: THINGS_TABLE_OID, columnNumber: i + 1 }));

/** The things rows in text form (parsed once per use so each test sees fresh values). */
const THINGS_TEXT: readonly (readonly (string | null)[])[] = [
  ["1", "apple", "1.50", "t", "9007199254740993", "0.5", "2024-02-29", "2024-02-29 12:34:56.789+00", "\\xdeadbeef", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", '{"a": [1, 2.5, null]}', "[1,2,3]"],
  ["2", "bänana \"quoted\"", "-0.01", "f", "-1", "-1e+300", "1999-12-31", "1970-01-01 00:00:00+00", "\\x", "00000000-0000-0000-0000-000000000000", "[]", "[0.5,-1.25,3e-05]"],
  ["3", null, null, null, null, null, null, null, null, null, null, null],
];

export function thingsRows(): SqlValue[][] {
  return THINGS_TEXT.map((row) => row.map((text, i) => (text === null ? null : parseText(text, THINGS_COLUMNS[i]!.type))));
}

export { THINGS_COLUMNS };

/** What a statement does when executed. */
interface Plan {
  readonly columns: readonly ResultColumn[];
  readonly paramTypes: readonly SqlType[];
  readonly command: string;
  run(session: ScriptedSession, params: readonly SqlValue[]): Execution;
}

/** A running statement: rows come out of `rows` (which may throw or wait), then the tag. */
interface Execution {
  rows?: AsyncGenerator<SqlValue[]>;
  tag: (rowCount: number) => string;
  copy?: CopyStream;
}

class ScriptedStatement implements PreparedStatement {
  constructor(
    readonly sql: string,
    readonly plan: Plan,
  ) {}
  get paramTypes(): readonly SqlType[] {
    return this.plan.paramTypes;
  }
  get columns(): readonly ResultColumn[] {
    return this.plan.columns;
  }
  get command(): string {
    return this.plan.command;
  }
}

function column(name: string, type: SqlType): ResultColumn {
  return { name, type, tableOid: 0, columnNumber: 0 };
}

function canceled(): SqlStateError {
  return new SqlStateError("canceling statement due to user request", "57014");
}

async function* fromArray(rows: readonly SqlValue[][]): AsyncGenerator<SqlValue[]> {
  for (const r of rows) yield r;
}

const REPORTED = new Set(["application_name", "datestyle", "timezone", "intervalstyle", "client_encoding"]);
const CANONICAL_NAME: Readonly<Record<string, string>> = { datestyle: "DateStyle", timezone: "TimeZone", intervalstyle: "IntervalStyle" };

export class ScriptedSession implements SqlSession {
  transactionStatus: TransactionStatus = "I";
  /** Replaced, never changed in place (SqlSession's contract). */
  reportedSettings: ReadonlyMap<string, string> = new Map<string, string>();
  readonly notices: SessionNotice[] = [];
  closed = false;
  /** How many times cancel() was called (tests check that CancelRequest reached the right session). */
  cancelCalls = 0;
  private cancelRequested = false;
  private wakeSleeper: (() => void) | undefined;

  constructor(
    readonly database: ScriptedDatabase,
    readonly startup: ScriptedStartup,
  ) {
    const appName = startup.parameters?.get("application_name");
    if (appName !== undefined) this.reportedSettings = new Map([["application_name", appName]]);
  }

  async prepare(sql: string, paramTypes: readonly (SqlType | undefined)[] = []): Promise<PreparedStatement> {
    this.checkOpen();
    return this.guard(() => {
      if (this.transactionStatus === "E" && !/^\s*(commit|end|rollback|abort)\b/i.test(sql)) {
        throw new SqlStateError("current transaction is aborted, commands ignored until end of transaction block", "25P02");
      }
      return new ScriptedStatement(sql, planOf(sql, paramTypes));
    });
  }

  async execute(statement: PreparedStatement, params: readonly SqlValue[] = []): Promise<StatementResult> {
    this.checkOpen();
    if (!(statement instanceof ScriptedStatement)) throw new Error("not a statement of this session");
    this.cancelRequested = false;
    const execution = this.guard(() => statement.plan.run(this, params));
    return new ScriptedResult(this, statement.plan.columns, execution);
  }

  async *query(sql: string): AsyncIterable<StatementResult> {
    for (const text of splitStatements(sql)) {
      const statement = await this.prepare(text);
      yield await this.execute(statement);
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<QueryResult> {
    const result = await this.execute(await this.prepare(sql), params);
    const { rows } = await result.fetch();
    return { columns: result.columns, rows, commandTag: result.commandTag };
  }

  takeNotices(): SessionNotice[] {
    return this.notices.splice(0);
  }

  cancel(): void {
    this.cancelCalls++;
    this.cancelRequested = true;
    this.wakeSleeper?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transactionStatus = "I";
    this.cancel();
    this.database.closedSessions++;
  }

  /** Sleeps, waking early (with 57014) on cancel. */
  async sleep(ms: number): Promise<void> {
    if (this.cancelRequested) throw canceled();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeSleeper = undefined;
    if (this.cancelRequested) throw canceled();
  }

  notice(message: string, sqlstate = "00000"): void {
    this.notices.push({ severity: "NOTICE", sqlstate, message });
  }

  setTransactionStatus(status: TransactionStatus): void {
    this.transactionStatus = status;
  }

  /** Runs `f`; an error inside a transaction block fails the block, as in PostgreSQL. */
  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      this.failBlock();
      throw e;
    }
  }

  failBlock(): void {
    if (this.transactionStatus === "T") this.transactionStatus = "E";
  }

  private checkOpen(): void {
    if (this.closed) throw new SqlStateError("the session is closed", "08003");
  }
}

class ScriptedResult implements StatementResult {
  private rowCount = 0;
  private done = false;
  readonly copy: CopyStream | undefined;

  constructor(
    private readonly session: ScriptedSession,
    readonly columns: readonly ResultColumn[],
    private readonly execution: Execution,
  ) {
    this.copy = execution.copy;
  }

  get commandTag(): string {
    return this.execution.tag(this.rowCount);
  }

  async fetch(maxRows?: number): Promise<{ rows: SqlValue[][]; done: boolean }> {
    const rows: SqlValue[][] = [];
    const source = this.execution.rows;
    if (source === undefined || this.done) {
      this.done = true;
      return { rows, done: true };
    }
    try {
      while (maxRows === undefined || maxRows <= 0 || rows.length < maxRows) {
        const next = await source.next();
        if (next.done) {
          this.done = true;
          break;
        }
        rows.push(next.value);
      }
    } catch (e) {
      this.session.failBlock();
      throw e;
    }
    this.rowCount += rows.length;
    return { rows, done: this.done };
  }

  async close(): Promise<void> {
    this.done = true;
    await this.execution.rows?.return(undefined);
  }
}

/** Splits a query string at semicolons outside quotes and dollar quotes; drops empty statements. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith("$$", i)) {
      const end = sql.indexOf("$$", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === ";") {
      out.push(sql.slice(start, i));
      start = ++i;
    } else i++;
  }
  out.push(sql.slice(start));
  return out.map((s) => s.replace(/^(\s|--[^\n]*\n?)*/, "").trim()).filter((s) => s !== "" && !/^--/.test(s));
}

const simple = (command: string, effect: (s: ScriptedSession) => void = () => {}): Plan => ({
  columns: [],
  paramTypes: [],
  command,
  run: (s) => {
    effect(s);
    return { tag: () => command };
  },
});

function selectPlan(columns: readonly ResultColumn[], paramTypes: readonly SqlType[], rows: (s: ScriptedSession, params: readonly SqlValue[]) => AsyncGenerator<SqlValue[]>): Plan {
  return { columns, paramTypes, command: "SELECT", run: (s, params) => ({ rows: rows(s, params), tag: (n) => `SELECT ${n}` }) };
}

/** The plan for one statement, or a thrown error as an engine's prepare would. */
function planOf(sqlText: string, declared: readonly (SqlType | undefined)[]): Plan {
  const sql = sqlText.trim().replace(/;\s*$/, "");
  let m: RegExpExecArray | null;
  if (/^select 1$/i.test(sql)) return selectPlan([column("?column?", INT4)], [], () => fromArray([[1]]));
  if (/^select \* from things$/i.test(sql)) return selectPlan(THINGS_COLUMNS, [], () => fromArray(thingsRows()));
  if ((m = /^select generate_series\(1,\s*(\d+)\)$/i.exec(sql)) !== null) {
    const n = Number(m[1]);
    return selectPlan([column("generate_series", INT4)], [], () =>
      (async function* () {
        for (let i = 1; i <= n; i++) yield [i];
      })(),
    );
  }
  if (/^select 1\/0$/i.test(sql)) {
    return selectPlan([column("?column?", INT4)], [], () =>
      (async function* (): AsyncGenerator<SqlValue[]> {
        // Fails on the first fetch, after RowDescription went out, as a runtime error does.
        if (Number.isFinite(1)) throw new SqlStateError("division by zero", "22012");
        yield [];
      })(),
    );
  }
  if ((m = /^select pg_sleep\(([\d.]+)\)$/i.exec(sql)) !== null) {
    const ms = Number(m[1]) * 1000;
    return selectPlan([column("pg_sleep", TEXT)], [], (s) =>
      (async function* () {
        await s.sleep(ms);
        yield [""];
      })(),
    );
  }
  if (/^select \$\d/i.test(sql)) return echoPlan(sql, declared);
  if ((m = /^select ([a-z_]\w*)$/i.exec(sql)) !== null) {
    throw new SqlPositionedError(`column "${m[1]}" does not exist`, "42703", sqlText.indexOf(m[1]!) + 1);
  }
  if ((m = /^create table if not exists (\w+)/i.exec(sql)) !== null) {
    const name = m[1]!;
    return simple("CREATE TABLE", (s) => s.notice(`relation "${name}" already exists, skipping`, "42P07"));
  }
  if ((m = /^do\b.*raise notice '([^']*)'/is.exec(sql)) !== null) {
    const text = m[1]!;
    return simple("DO", (s) => s.notice(text));
  }
  if (/^insert into sink values \(\$1\)$/i.test(sql)) {
    return {
      columns: [],
      paramTypes: [declared[0] ?? TEXT],
      command: "INSERT",
      run: (s, params) => {
        const v = params[0] ?? null;
        s.database.sink.push(v === null ? "\\N" : formatText(v, declared[0] ?? TEXT));
        return { tag: () => "INSERT 0 1" };
      },
    };
  }
  if ((m = /^copy things to stdout( with \(format (csv|text)\))?$/i.exec(sql)) !== null) return copyOutPlan(m[2]?.toLowerCase() === "csv" ? "csv" : "text");
  if (/^copy sink from stdin$/i.test(sql)) return copyInPlan();
  if (/^(begin|start transaction)$/i.test(sql)) return simple("BEGIN", (s) => s.transactionStatus === "I" && s.setTransactionStatus("T"));
  if (/^(commit|end)$/i.test(sql)) {
    return { columns: [], paramTypes: [], command: "COMMIT", run: (s) => commitOrRollback(s, "COMMIT") };
  }
  if (/^(rollback|abort)$/i.test(sql)) {
    return { columns: [], paramTypes: [], command: "ROLLBACK", run: (s) => commitOrRollback(s, "ROLLBACK") };
  }
  if ((m = /^set (?:session )?(\w+)\s*(?:=|to)\s*'?([^']*)'?$/i.exec(sql)) !== null) {
    const name = m[1]!.toLowerCase();
    const value = m[2]!;
    return simple("SET", (s) => {
      if (REPORTED.has(name)) s.reportedSettings = new Map([...s.reportedSettings, [CANONICAL_NAME[name] ?? name, value]]);
    });
  }
  const word = /^\S*/.exec(sql)![0];
  throw new SqlPositionedError(`syntax error at or near "${word}"`, "42601", sqlText.indexOf(word) + 1);
}

function commitOrRollback(s: ScriptedSession, command: "COMMIT" | "ROLLBACK"): Execution {
  const failed = s.transactionStatus === "E";
  if (s.transactionStatus === "I") s.notice("there is no transaction in progress", "25P01");
  s.setTransactionStatus("I");
  return { tag: () => (failed ? "ROLLBACK" : command) };
}

/** SELECT $1, $2::int8, ...: each item's type is its cast, else the declared type, else text. */
function echoPlan(sql: string, declared: readonly (SqlType | undefined)[]): Plan {
  const items = sql
    .slice("select ".length)
    .split(",")
    .map((s) => s.trim());
  const columns: ResultColumn[] = [];
  const paramTypes: SqlType[] = [];
  const sources: number[] = [];
  for (const item of items) {
    const m = /^\$(\d+)(?:::(.+))?$/.exec(item);
    if (m === null) throw new SqlPositionedError(`syntax error at or near "${item}"`, "42601", sql.indexOf(item) + 1);
    const index = Number(m[1]) - 1;
    const type = m[2] !== undefined ? typeFromName(m[2]) : (declared[index] ?? TEXT);
    paramTypes[index] = type;
    columns.push(column(m[2] !== undefined ? m[2].replace(/\(.*$/, "") : "?column?", type));
    sources.push(index);
  }
  for (let i = 0; i < paramTypes.length; i++) paramTypes[i] ??= declared[i] ?? TEXT;
  return selectPlan(columns, paramTypes, (_s, params) => fromArray([sources.map((i) => params[i] ?? null)]));
}

function copyOutPlan(format: "text" | "csv"): Plan {
  return {
    columns: [],
    paramTypes: [],
    command: "COPY",
    run: () => {
      const rows = thingsRows();
      const copy: CopyStream = {
        direction: "out",
        format,
        columns: THINGS_COLUMNS,
        send: async function* () {
          for (const row of rows) {
            const fields = row.map((v, i) => (v === null ? (format === "csv" ? "" : "\\N") : formatText(v, THINGS_COLUMNS[i]!.type)));
            const line = format === "csv" ? fields.map(csvField).join(",") : fields.map(copyTextField).join("\t");
            yield Buffer.from(line + "\n", "utf8");
          }
        },
      };
      return { copy, tag: () => `COPY ${rows.length}` };
    },
  };
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function copyTextField(s: string): string {
  return s === "\\N" ? s : s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");
}

function copyInPlan(): Plan {
  return {
    columns: [],
    paramTypes: [],
    command: "COPY",
    run: (s) => {
      let stored = 0;
      const copy: CopyStream = {
        direction: "in",
        format: "text",
        columns: [column("v", TEXT)],
        receive: async (chunks) => {
          let pending = "";
          const lines: string[] = [];
          for await (const chunk of chunks) {
            pending += Buffer.from(chunk).toString("utf8");
            const parts = pending.split("\n");
            pending = parts.pop()!;
            lines.push(...parts);
          }
          if (pending !== "") lines.push(pending);
          const rows = lines.filter((l) => l !== "\\.");
          const bad = rows.find((l) => l === "bad");
          if (bad !== undefined) {
            s.failBlock();
            throw new SqlStateError(`invalid input syntax for type integer: "${bad}"`, "22P02");
          }
          s.database.sink.push(...rows);
          stored = rows.length;
          return stored;
        },
      };
      return { copy, tag: () => `COPY ${stored}` };
    },
  };
}
