/**
 * The vector layer's expected errors, with pgvector's SQLSTATEs and wording where pgvector has the
 * same error, so clients matching on either see what they would from PostgreSQL + pgvector.
 */
import { SqlStateError } from "../common/sqlstate-error.js";

/** 22000 data_exception, pgvector's code for every malformed-vector error. */
export function dataException(message: string): SqlStateError {
  return new SqlStateError(message, "22000");
}

/** 22000, pgvector's CheckDims: `different vector dimensions 3 and 2`. */
export function differentDimensions(aDims: number, bDims: number): SqlStateError {
  return dataException(`different vector dimensions ${aDims} and ${bDims}`);
}

/** 22023 invalid_parameter_value: a bad index option, setting or metric name. */
export function invalidParameter(message: string): SqlStateError {
  return new SqlStateError(message, "22023");
}

/**
 * XX001 data_corrupted: a vector segment failed a check. `offsetBytes` is within the segment; the
 * SSTable reader that handed the bytes over knows the file and the section's offset.
 */
export class VectorSegmentCorruptionError extends SqlStateError {
  constructor(
    readonly offsetBytes: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`corrupt vector segment at byte ${offsetBytes}: ${reason}`, "XX001", options);
  }
}
