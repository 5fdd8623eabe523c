/**
 * The sqllogictest engine over a real PostgreSQL server: each engine gets a database of its own
 * (created on open, dropped on close), and values come back as PostgreSQL's text output, so the
 * corpus's expected results can be produced by, and checked against, the reference.
 */
import pg from "pg";
import type { SltEngine, SltResult } from "./slt/index.js";

const RAW_TEXT = { getTypeParser: () => (text: string) => text };

/** Counts the runner compares (`statement count N`), as the session engine reports them. */
const COUNTED = new Set(["INSERT", "UPDATE", "DELETE", "COPY"]);

let nextDatabase = 0;

export class PgSltEngine implements SltEngine {
  private constructor(
    private readonly admin: pg.Client,
    private readonly client: pg.Client,
    private readonly database: string,
  ) {}

  /** `connectionString` names a server and a database this user may CREATE DATABASE from. */
  static async open(connectionString: string): Promise<PgSltEngine> {
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    const database = `alopex_slt_${process.pid}_${nextDatabase++}`;
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(connectionString);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString(), types: RAW_TEXT });
    // A failed statement emits an 'error' event only when no query is waiting; keep it quiet.
    client.on("error", () => undefined);
    await client.connect();
    return new PgSltEngine(admin, client, database);
  }

  async execute(sql: string): Promise<SltResult> {
    let result: pg.QueryArrayResult;
    try {
      result = await this.client.query({ text: sql, rowMode: "array" });
    } catch (e) {
      // The runner reads `sqlstate`; the driver puts it in `code`.
      const code = (e as { code?: unknown }).code;
      throw Object.assign(new Error((e as Error).message), typeof code === "string" ? { sqlstate: code } : {});
    }
    if (result.fields.length > 0) {
      return { kind: "rows", columns: result.fields.map((f) => f.name), rows: result.rows as (string | null)[][] };
    }
    return { kind: "ok", ...(COUNTED.has(result.command) && result.rowCount !== null && { rowCount: result.rowCount }) };
  }

  async close(): Promise<void> {
    await this.client.end();
    try {
      await this.admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    } finally {
      await this.admin.end();
    }
  }
}
