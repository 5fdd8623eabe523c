/** Counters of what the wire server did, for monitoring (each bound it keeps has one here). */
export class PgCounters {
  connectionsAccepted = 0;
  /** Sockets dropped at once because too many connections were still in startup. */
  connectionsDroppedPending = 0;
  /** Connections refused with 53300 (connectionsMax reached). */
  connectionsRefusedLimit = 0;
  sessionsStarted = 0;
  authenticationFailures = 0;
  /** Connections ended with FATAL 08P01. */
  protocolViolations = 0;
  cancelRequests = 0;
  /** ErrorResponses sent for statements (the connection went on). */
  statementErrors = 0;
}

export interface PgServerStats extends Readonly<PgCounters> {
  /** Sessions connected now. */
  readonly sessions: number;
  /** Connections in startup or authentication now. */
  readonly pendingConnections: number;
}
