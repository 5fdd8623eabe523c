/**
 * Raft's invariants. A failure is a bug in this package or a broken persistence contract by the
 * caller: it throws loudly and must never be caught as an expected error.
 */
export class RaftAssertionError extends Error {
  constructor(message: string) {
    super(`raft assertion failed: ${message}`);
    this.name = "RaftAssertionError";
  }
}

/** Throws `RaftAssertionError` unless `condition` holds. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new RaftAssertionError(message);
}
