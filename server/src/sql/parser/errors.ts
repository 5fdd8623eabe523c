import { SqlStateError } from "../../common/sqlstate-error.js";

/**
 * An error about a place in the SQL text. `position` is PostgreSQL's error field P: a 1-based
 * character (not UTF-16 unit) offset into the original query string.
 */
export class SqlPositionedError extends SqlStateError {
  constructor(
    message: string,
    sqlstate: string,
    readonly position: number,
  ) {
    super(message, sqlstate);
  }
}

/** 42601: the SQL text does not parse. */
export class SqlSyntaxError extends SqlPositionedError {
  constructor(message: string, position: number) {
    super(message, "42601", position);
  }
}

/** PostgreSQL counts characters, so an astral-plane character counts once, not as two units. */
export function characterPosition(sql: string, offset: number): number {
  let chars = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const code = sql.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < offset) {
      const next = sql.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    chars++;
  }
  return chars + 1;
}

/** `syntax error at or near "tok"`, or `... at end of input` when `near` is null. */
export function syntaxError(sql: string, offset: number, near: string | null, what = "syntax error"): SqlSyntaxError {
  const message = near === null ? `${what} at end of input` : `${what} at or near "${near}"`;
  return new SqlSyntaxError(message, characterPosition(sql, offset));
}
