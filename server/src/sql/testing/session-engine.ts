/**
 * The sqllogictest engine over a real database: a fresh store in a temporary directory and one
 * SQL session, values rendered in PostgreSQL's text format.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TxnStore } from "../../txn/txn-store.js";
import { SqlEngine } from "../engine.js";
import type { Session } from "../session/session.js";
import { formatText } from "../types/index.js";
import type { SltEngine, SltResult } from "./slt/index.js";

export class SessionSltEngine implements SltEngine {
  private constructor(
    private readonly dir: string,
    private readonly store: TxnStore,
    readonly session: Session,
  ) {}

  static async open(): Promise<SessionSltEngine> {
    const dir = mkdtempSync(join(tmpdir(), "alopex-slt-"));
    const store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
    return new SessionSltEngine(dir, store, new SqlEngine(store).session());
  }

  async execute(sql: string): Promise<SltResult> {
    let last: SltResult = { kind: "ok" };
    for await (const result of this.session.query(sql)) {
      const rows: (string | null)[][] = [];
      for (;;) {
        const b = await result.fetch();
        for (const r of b.rows) rows.push(r.map((v, i) => (v === null ? null : formatText(v, result.columns[i]!.type))));
        if (b.done) break;
      }
      if (result.columns.length > 0) {
        last = { kind: "rows", columns: result.columns.map((c) => c.name), rows };
      } else {
        const n = /(\d+)$/.exec(result.commandTag);
        last = { kind: "ok", ...(n && /^(INSERT|UPDATE|DELETE|COPY)/.test(result.commandTag) && { rowCount: Number(n[1]) }) };
      }
    }
    return last;
  }

  async close(): Promise<void> {
    await this.session.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
