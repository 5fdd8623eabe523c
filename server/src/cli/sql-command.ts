/**
 * `alopex sql`: runs a statement, a file (`-f`) or a script on stdin, statement by statement,
 * either against a running server through the PostgreSQL driver (`--url`) or directly on a data
 * directory (which a running server holds locked). Results print as psql prints them. Long
 * scripts show a progress bar on a terminal. No interactive shell: use psql for that.
 */
import * as fs from "node:fs";
import cliProgress from "cli-progress";
import pg from "pg";
import { SqlStateError, sqlstateOf } from "../common/sqlstate-error.js";
import type { StorageConfigInput } from "../config/storage-config.js";
import { Database } from "../api/embedded.js";
import { tokenize } from "../sql/parser/lexer.js";
import { splitStatements } from "../sql/parser/structure.js";
import { formatText, type SqlType } from "../sql/types/index.js";
import type { SqlSession } from "../sql/session/api.js";
import { formatTable, type TextTable } from "./table-format.js";

export interface SqlCommandOptions {
  readonly file?: string;
  readonly url?: string;
  /** Force the progress bar on or off (default: on for scripts of many statements when stderr is a terminal). */
  readonly progress?: boolean;
}

/** One statement's outcome, as text to print. */
interface StatementOutput {
  readonly table?: TextTable;
  readonly commandTag: string;
  readonly notices: readonly string[];
}

/** Scripts with at least this many statements get a progress bar by default. */
const PROGRESS_MIN_STATEMENTS = 20;
const NUMERIC_KINDS = new Set(["int2", "int4", "int8", "float4", "float8", "numeric"]);
/** int2, int4, int8, float4, float8, numeric (pg_type OIDs). */
const NUMERIC_OIDS = new Set([20, 21, 23, 700, 701, 1700]);

/** Splits a script at top-level semicolons (quotes, comments and dollar quotes respected). */
export function splitSqlScript(sql: string): { readonly text: string; readonly offset: number }[] {
  const tokens = tokenize(sql);
  return splitStatements(tokens)
    .filter(({ range }) => range.start < range.end)
    .map(({ range }) => {
      const start = tokens[range.start]!.start;
      return { text: sql.slice(start, tokens[range.end - 1]!.end), offset: start };
    });
}

/** Reads the script: the statement argument, the file, or stdin (not a terminal). */
export function readScript(statement: string | undefined, options: SqlCommandOptions): { text: string; origin: string } {
  if (statement !== undefined && options.file !== undefined) throw new SqlStateError("give a statement or -f <file>, not both", "42601");
  if (statement !== undefined) return { text: statement, origin: "command line" };
  if (options.file !== undefined) return { text: fs.readFileSync(options.file, "utf8"), origin: options.file };
  if (process.stdin.isTTY) throw new SqlStateError("give a statement, -f <file>, or a script on stdin (there is no interactive shell: use psql against `alopex server`)", "42601");
  return { text: fs.readFileSync(0, "utf8"), origin: "stdin" };
}

interface Runner {
  run(sql: string): Promise<StatementOutput[]>;
  close(): Promise<void>;
}

async function embeddedRunner(dataDir: string, storage: StorageConfigInput): Promise<Runner> {
  let db: Database;
  try {
    db = await Database.open(dataDir, { storage });
  } catch (e) {
    if (sqlstateOf(e) === "55006") {
      throw new SqlStateError((e as Error).message, "55006", { hint: "A server holds this data directory: run the statements through it with --url postgres://user@host:5432/alopex." });
    }
    throw e;
  }
  const session: SqlSession = db.session({ user: "alopex", database: "alopex" });
  return {
    async run(sql) {
      const out: StatementOutput[] = [];
      for await (const result of session.query(sql)) {
        const rows: (string | null)[][] = [];
        for (;;) {
          const batch = await result.fetch(1000);
          for (const r of batch.rows) rows.push(r.map((v, i) => (v === null ? null : formatText(v, result.columns[i]!.type as SqlType))));
          if (batch.done) break;
        }
        const notices = session.takeNotices().map((n) => `${n.severity}:  ${n.message}`);
        const table = result.columns.length > 0 ? { columns: result.columns.map((c) => ({ name: c.name, numeric: NUMERIC_KINDS.has(c.type.kind) })), rows } : undefined;
        out.push({ commandTag: result.commandTag, notices, ...(table && { table }) });
      }
      return out;
    },
    async close() {
      await session.close();
      await db.close();
    },
  };
}

async function driverRunner(url: string): Promise<Runner> {
  // Every value as the server's text, exactly as psql shows it.
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } });
  const notices: string[] = [];
  client.on("notice", (n) => notices.push(`${n.severity ?? "NOTICE"}:  ${n.message}`));
  await client.connect();
  return {
    async run(sql) {
      const res = await client.query({ text: sql, rowMode: "array" });
      const out: StatementOutput[] = [];
      for (const r of Array.isArray(res) ? (res as pg.QueryArrayResult[]) : [res]) {
        const table =
          r.fields.length > 0
            ? { columns: r.fields.map((f) => ({ name: f.name, numeric: NUMERIC_OIDS.has(f.dataTypeID) })), rows: r.rows as (string | null)[][] }
            : undefined;
        out.push({ commandTag: tagOf(r), notices: notices.splice(0), ...(table && { table }) });
      }
      return out;
    },
    async close() {
      await client.end();
    },
  };
}

function tagOf(r: pg.QueryArrayResult): string {
  if (r.command === "INSERT") return `INSERT 0 ${r.rowCount ?? 0}`;
  return r.rowCount === null || !["SELECT", "UPDATE", "DELETE", "MERGE", "COPY", "MOVE", "FETCH"].includes(r.command) ? r.command : `${r.command} ${r.rowCount}`;
}

/**
 * Runs the script; returns the process exit code (0, or 1 at the first failing statement,
 * which is reported with its number and line).
 */
export async function runSqlCommand(script: { text: string; origin: string }, options: SqlCommandOptions, local: { dataDir: string; storage: StorageConfigInput }): Promise<number> {
  const statements = splitSqlScript(script.text);
  const runner = options.url !== undefined ? await driverRunner(options.url) : await embeddedRunner(local.dataDir, local.storage);
  const showBar = options.progress ?? (process.stderr.isTTY === true && statements.length >= PROGRESS_MIN_STATEMENTS);
  const bars = showBar ? new cliProgress.MultiBar({ format: "{bar} {value}/{total} statements | {duration_formatted} | eta {eta_formatted}", stream: process.stderr, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic) : undefined;
  const bar = bars?.create(statements.length, 0);
  // With the bar on the same terminal, results go above it (MultiBar.log) so it stays in place.
  const print = (text: string): void => {
    if (bars !== undefined && process.stdout.isTTY) {
      bars.log(text);
      // log() only queues the text for the next redraw; draw now so none is lost at stop().
      bars.update();
    } else process.stdout.write(text);
  };
  const tags = new Map<string, number>();
  try {
    for (const [i, s] of statements.entries()) {
      let outputs: StatementOutput[];
      try {
        outputs = await runner.run(s.text);
      } catch (e) {
        bars?.stop();
        const line = script.text.slice(0, s.offset).split("\n").length;
        const code = sqlstateOf(e) ?? (e as { code?: string }).code;
        process.stderr.write(`alopex: ERROR:  ${(e as Error).message}${code ? ` (SQLSTATE ${code})` : ""}\n  at statement ${i + 1} of ${statements.length}, line ${line} of ${script.origin}\n`);
        return 1;
      }
      for (const o of outputs) {
        for (const n of o.notices) process.stderr.write(`${n}\n`);
        if (o.table !== undefined) print(formatTable(o.table) + "\n");
        else if (bars === undefined) print(`${o.commandTag}\n`);
        const command = o.commandTag.replace(/(?: \d+)+$/, "");
        tags.set(command, (tags.get(command) ?? 0) + 1);
      }
      bar?.increment();
    }
  } finally {
    bars?.stop();
    await runner.close();
  }
  if (bars !== undefined) process.stderr.write(`${statements.length} statements: ${[...tags].map(([t, n]) => `${n} ${t}`).join(", ")}\n`);
  return 0;
}
