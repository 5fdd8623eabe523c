/**
 * Every bound the wire server keeps, with defaults. PostgreSQL's names are given where a limit
 * is one of its settings.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./frontend-messages.js";

export interface PgLimits {
  /** Sessions at once (max_connections); the next one gets 53300. */
  readonly connectionsMax: number;
  /** Sockets that have not finished startup and authentication yet; more are dropped at once. */
  readonly pendingConnectionsMax: number;
  /** Largest Query/Parse/Bind/CopyData message, length field included. */
  readonly messageBytesMax: number;
  /** Unread input kept per connection before its socket is paused. */
  readonly inputBufferBytes: number;
  /** Queued output per connection before a flush is forced while streaming rows. */
  readonly outputFlushBytes: number;
  /** From accept to the end of authentication (authentication_timeout). */
  readonly authTimeoutMs: number;
  /** Default statement_timeout (0: none); a client may set its own in the startup packet. */
  readonly statementTimeoutMs: number;
  /** Default idle_in_transaction_session_timeout (0: none). */
  readonly idleInTransactionTimeoutMs: number;
  /** Rows fetched from the session per batch while a result streams. */
  readonly fetchBatchRows: number;
  readonly preparedStatementsMax: number;
  readonly portalsMax: number;
}

export const DEFAULT_LIMITS: PgLimits = {
  connectionsMax: 100,
  pendingConnectionsMax: 64,
  messageBytesMax: DEFAULT_MAX_MESSAGE_BYTES,
  inputBufferBytes: 1024 * 1024,
  outputFlushBytes: 64 * 1024,
  authTimeoutMs: 60_000,
  statementTimeoutMs: 0,
  idleInTransactionTimeoutMs: 0,
  fetchBatchRows: 1000,
  preparedStatementsMax: 10_000,
  portalsMax: 1000,
};

/** The defaults overridden by `partial`; 22023 naming the first value out of range. */
export function resolveLimits(partial: Partial<PgLimits> = {}): PgLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    const mayBeZero = name === "statementTimeoutMs" || name === "idleInTransactionTimeoutMs";
    if (!Number.isSafeInteger(value) || value < (mayBeZero ? 0 : 1)) {
      throw new SqlStateError(`invalid wire protocol limit ${name}: ${value}`, "22023");
    }
  }
  if (limits.messageBytesMax < 10_000) throw new SqlStateError(`invalid wire protocol limit messageBytesMax: ${limits.messageBytesMax} (at least 10000)`, "22023");
  return limits;
}
