/**
 * What the query paths (simple, extended, COPY) share of one connection: its session, its
 * channel and the helpers that put results on the wire.
 */
import type { SqlSession, StatementResult } from "../../sql/session/api.js";
import type { FormatCode } from "./backend-messages.js";
import type { SocketChannel } from "./socket-channel.js";
import { encodeDataRow } from "./value-format.js";

export interface QueryLimits {
  /** Rows asked of the session per fetch while streaming a result (bounds memory per batch). */
  readonly fetchBatchRows: number;
  readonly preparedStatementsMax: number;
  readonly portalsMax: number;
}

export interface QueryContext {
  readonly session: SqlSession;
  readonly channel: SocketChannel;
  readonly limits: QueryLimits;
  /** Sends the session's pending notices as NoticeResponse. */
  sendNotices(): void;
}

/**
 * Sends DataRows of `result` until `maxRows` rows went out (0: all of them) or the result ends.
 * Resolves with whether it ended and how many rows went out. Output is flushed between batches once it is large, so a big
 * result streams to the client (and waits for it) instead of piling up in memory.
 */
export async function sendRows(
  ctx: QueryContext,
  result: StatementResult,
  formats: readonly FormatCode[],
  maxRows: number,
): Promise<{ done: boolean; rowsSent: number }> {
  let sent = 0;
  while (true) {
    const want = maxRows > 0 ? Math.min(maxRows - sent, ctx.limits.fetchBatchRows) : ctx.limits.fetchBatchRows;
    const { rows, done } = await result.fetch(want);
    for (const row of rows) ctx.channel.send(encodeDataRow(row, result.columns, formats));
    sent += rows.length;
    ctx.sendNotices();
    if (ctx.channel.flushDue) await ctx.channel.flush();
    if (done) return { done: true, rowsSent: sent };
    if (maxRows > 0 && sent >= maxRows) return { done: false, rowsSent: sent };
    // An empty unfinished batch resolves as a microtask; without yielding, the loop would starve
    // the event loop (timeouts, cancels and other connections) until the statement produced a row.
    if (rows.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
