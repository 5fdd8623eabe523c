/**
 * Errors as the wire protocol reports them: the fields of ErrorResponse/NoticeResponse, and the
 * mapping from any thrown value to them.
 */
import { SqlStateError, sqlstateOf } from "../../common/sqlstate-error.js";

/** 08P01: the byte stream breaks the protocol. The connection that sent it is closed. */
export class ProtocolViolation extends SqlStateError {
  constructor(message: string) {
    super(message, "08P01");
  }
}

/**
 * The client closed the connection (or sent Terminate) where the server was waiting for a
 * particular message, e.g. psql hanging up to prompt for a password, or a client leaving in the
 * middle of COPY. Not an error to report: the connection just ends.
 */
export class ClientGone extends Error {
  constructor() {
    super("client closed the connection");
  }
}

export type Severity = "ERROR" | "FATAL" | "PANIC" | "WARNING" | "NOTICE" | "DEBUG" | "INFO" | "LOG";

/** The fields of ErrorResponse and NoticeResponse that Alopex sends (PostgreSQL's field codes in brackets). */
export interface ErrorFields {
  /** [S] and [V]: PostgreSQL sends both; without translations they are the same word. */
  readonly severity: Severity;
  /** [C] */
  readonly sqlstate: string;
  /** [M] */
  readonly message: string;
  /** [D] */
  readonly detail?: string;
  /** [H] */
  readonly hint?: string;
  /** [P] 1-based character offset into the query text. */
  readonly position?: number;
  /** [W] where it happened: the CONTEXT line. */
  readonly context?: string;
}

/** What clients see of an error that carries no SQLSTATE: never its message or stack (they may hold internals). */
const INTERNAL_ERROR_MESSAGE = "internal error";

/**
 * The ErrorResponse fields for anything thrown. Errors with a SQLSTATE keep their message, and
 * their `position`, `detail` and `hint` when they carry them (SqlPositionedError has a position);
 * anything else is XX000 with a generic message (the caller logs the original).
 */
export function errorFieldsOf(e: unknown, severity: Severity = "ERROR"): ErrorFields {
  const sqlstate = sqlstateOf(e);
  if (sqlstate === undefined || !(e instanceof Error)) return { severity, sqlstate: "XX000", message: INTERNAL_ERROR_MESSAGE };
  const extra = e as unknown as { position?: unknown; detail?: unknown; hint?: unknown; context?: unknown };
  return {
    severity,
    sqlstate,
    message: e.message,
    ...(typeof extra.detail === "string" ? { detail: extra.detail } : {}),
    ...(typeof extra.hint === "string" ? { hint: extra.hint } : {}),
    ...(typeof extra.position === "number" && Number.isInteger(extra.position) && extra.position > 0 ? { position: extra.position } : {}),
    ...(typeof extra.context === "string" ? { context: extra.context } : {}),
  };
}
