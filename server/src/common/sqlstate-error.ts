/**
 * The base of every error a client may see: it carries the PostgreSQL SQLSTATE that the wire
 * protocol, REST and gRPC report. Broken invariants are not of this kind (they are assertions).
 */
export class SqlStateError extends Error {
  constructor(
    message: string,
    /** PostgreSQL SQLSTATE (five characters). */
    readonly sqlstate: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The SQLSTATE of any error that carries one (also from other layers' error classes). */
export function sqlstateOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "sqlstate" in e && typeof e.sqlstate === "string" ? e.sqlstate : undefined;
}
