/**
 * The base of every error a client may see: it carries the PostgreSQL SQLSTATE that the wire
 * protocol, REST and gRPC report. Broken invariants are not of this kind (they are assertions).
 */
export class SqlStateError extends Error {
  /** ErrorResponse field D: more about what happened. */
  readonly detail?: string;
  /** ErrorResponse field H: what to do about it. */
  readonly hint?: string;
  /** ErrorResponse field W: where it happened (PostgreSQL's CONTEXT line, e.g. `COPY t, line 3`). */
  readonly context?: string;

  constructor(
    message: string,
    /** PostgreSQL SQLSTATE (five characters). */
    readonly sqlstate: string,
    options?: { cause?: unknown; detail?: string; hint?: string; context?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.detail !== undefined) this.detail = options.detail;
    if (options?.hint !== undefined) this.hint = options.hint;
    if (options?.context !== undefined) this.context = options.context;
  }
}

/** The SQLSTATE of any error that carries one (also from other layers' error classes). */
export function sqlstateOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "sqlstate" in e && typeof e.sqlstate === "string" ? e.sqlstate : undefined;
}
