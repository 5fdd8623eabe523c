/** An invariant the code relies on. A failure is a bug: it throws loudly and is never caught as an expected error. */
export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = "AssertionFailure";
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}
