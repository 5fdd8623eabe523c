/**
 * Constructors for the errors the type system raises, with PostgreSQL's SQLSTATEs and wording, so
 * that clients matching on either see what they would from PostgreSQL.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";

/** A SqlStateError with PostgreSQL's optional DETAIL line (ErrorResponse field D). */
export class SqlTypeError extends SqlStateError {
  constructor(
    message: string,
    sqlstate: string,
    detail?: string,
  ) {
    super(message, sqlstate, detail === undefined ? undefined : { detail });
  }
}

/** 22P02 invalid_text_representation: `invalid input syntax for type integer: "abc"`. */
export function invalidSyntax(typeName: string, input: string, detail?: string): SqlTypeError {
  return new SqlTypeError(`invalid input syntax for type ${typeName}: "${input}"`, "22P02", detail);
}

/** 22003 numeric_value_out_of_range, worded as the integer input functions do. */
export function valueOutOfRange(typeName: string, input: string): SqlTypeError {
  return new SqlTypeError(`value "${input}" is out of range for type ${typeName}`, "22003");
}

/** 22003 numeric_value_out_of_range, worded as the float input functions do. */
export function floatOutOfRange(typeName: string, input: string): SqlTypeError {
  return new SqlTypeError(`"${input}" is out of range for type ${typeName}`, "22003");
}

/** 22003, as integer casts and arithmetic word it: "integer out of range". */
export function outOfRange(typeName: string): SqlTypeError {
  return new SqlTypeError(`${typeName} out of range`, "22003");
}

/** 22001 string_data_right_truncation. */
export function valueTooLong(formattedType: string): SqlTypeError {
  return new SqlTypeError(`value too long for type ${formattedType}`, "22001");
}

/** 22008 datetime_field_overflow. */
export function datetimeFieldOutOfRange(input: string): SqlTypeError {
  return new SqlTypeError(`date/time field value out of range: "${input}"`, "22008");
}

/** 22007 invalid_datetime_format. */
export function invalidDatetime(typeName: string, input: string): SqlTypeError {
  return new SqlTypeError(`invalid input syntax for type ${typeName}: "${input}"`, "22007");
}

/** 22008, for values outside the date or timestamp range. */
export function datetimeOutOfRange(what: "date" | "timestamp", input?: string): SqlTypeError {
  return new SqlTypeError(input === undefined ? `${what} out of range` : `${what} out of range: "${input}"`, "22008");
}

/** 22003 "value overflows numeric format". */
export function numericOverflow(): SqlTypeError {
  return new SqlTypeError("value overflows numeric format", "22003");
}
