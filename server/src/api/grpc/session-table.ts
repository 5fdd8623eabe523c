/**
 * The sessions gRPC clients opened with Begin, by id. An id is a 128-bit random token bound to
 * the user who opened it; another user presenting it is told it does not exist. A session runs
 * one call at a time, and one left unused for the timeout is rolled back and forgotten, so a
 * client that vanished does not hold locks for ever. The table is bounded.
 */
import { randomBytes } from "node:crypto";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { SqlSession } from "../../sql/session/api.js";

interface Entry {
  readonly user: string;
  readonly session: SqlSession;
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface SessionTableOptions {
  readonly timeoutMs: number;
  readonly max: number;
  /** Told when a session was rolled back for being unused (for the log). */
  readonly onExpired?: (user: string) => void;
  readonly randomId?: () => string;
}

export class SessionTable {
  private readonly entries = new Map<string, Entry>();
  private readonly randomId: () => string;

  constructor(private readonly options: SessionTableOptions) {
    this.randomId = options.randomId ?? (() => randomBytes(16).toString("hex"));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Registers an open session; 53300 when the table is full. */
  add(user: string, session: SqlSession): string {
    if (this.entries.size >= this.options.max) throw new SqlStateError(`too many open sessions (${this.options.max})`, "53300");
    const id = this.randomId();
    const entry: Entry = { user, session, busy: false, timer: undefined };
    this.entries.set(id, entry);
    this.arm(id, entry);
    return id;
  }

  /** The session for a call; release it when the call ends. 08003 if unknown, expired or another user's; 55000 if busy. */
  acquire(id: string, user: string): SqlSession {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.user !== user) throw new SqlStateError(`session "${id}" does not exist (it ended or expired)`, "08003");
    if (entry.busy) throw new SqlStateError(`session "${id}" is running another call`, "55000");
    entry.busy = true;
    clearTimeout(entry.timer);
    return entry.session;
  }

  release(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.busy = false;
    this.arm(id, entry);
  }

  /** Forgets an acquired session (after COMMIT/ROLLBACK); the caller closes it. */
  remove(id: string): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) clearTimeout(entry.timer);
    this.entries.delete(id);
  }

  /** Closes every session (each rolls back what it has open). */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) clearTimeout(e.timer);
    await Promise.allSettled(all.map((e) => e.session.close()));
  }

  private arm(id: string, entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (this.entries.get(id) !== entry || entry.busy) return;
      this.entries.delete(id);
      this.options.onExpired?.(entry.user);
      void entry.session.close().catch(() => undefined);
    }, this.options.timeoutMs);
    entry.timer.unref();
  }
}
