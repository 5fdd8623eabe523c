/**
 * Engines for the runner's own tests: a scripted one (SQL text to a result or an error) and a
 * small key-value one with state, so tests can depend on earlier statements.
 */
import { SqlStateError } from "../../../common/sqlstate-error.js";
import type { SltEngine, SltResult } from "./types.js";

export type Scripted = SltResult | SqlStateError | Error | (() => SltResult);

export function rows(columns: string[], data: (string | null)[][]): SltResult {
  return { kind: "rows", columns, rows: data };
}

export function sqlError(sqlstate: string, message: string): SqlStateError {
  return new SqlStateError(message, sqlstate);
}

export class ScriptedEngine implements SltEngine {
  readonly executed: string[] = [];
  closed = false;

  constructor(private readonly script: Record<string, Scripted>) {}

  async execute(sql: string): Promise<SltResult> {
    this.executed.push(sql);
    const entry = this.script[sql];
    if (entry === undefined) throw new Error(`unscripted SQL: ${sql}`);
    if (entry instanceof Error) throw entry;
    return typeof entry === "function" ? entry() : entry;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * Understands `SET k v` (a value may contain spaces; `SET k NULL` stores NULL), `DEL k` (count 0
 * or 1), `GET k`, `KEYS` (k, v rows in insertion order) and `FAIL code message`.
 */
export class KvEngine implements SltEngine {
  private readonly data = new Map<string, string | null>();

  async execute(sql: string): Promise<SltResult> {
    const [op, key = "", ...rest] = sql.trim().split(" ");
    const value = rest.join(" ");
    switch (op) {
      case "SET":
        this.data.set(key, value === "NULL" ? null : value);
        return { kind: "ok", rowCount: 1 };
      case "DEL":
        return { kind: "ok", rowCount: this.data.delete(key) ? 1 : 0 };
      case "GET":
        if (!this.data.has(key)) throw sqlError("02000", `no key "${key}"`);
        return rows(["v"], [[this.data.get(key) ?? null]]);
      case "KEYS":
        return rows(["k", "v"], [...this.data].map(([k, v]) => [k, v]));
      case "FAIL":
        throw sqlError(key, value);
      default:
        throw sqlError("42601", `syntax error at or near "${op}"`);
    }
  }
}
